//! Failure injection between chatpass and AWS: a loopback proxy in front of moto makes
//! Secrets Manager or DynamoDB slow (requests held without an answer, or answered late) or
//! throttled (HTTP 400 `ThrottlingException` / `ProvisionedThroughputExceededException`), and
//! the real handlers are watched through it.
//!
//! Expected: every answer comes back within the SDK's bounds (connect 1 s, attempt 2 s,
//! operation 5 s, 2 attempts), far below API Gateway's 30 s; a cached config is served stale
//! within its bound and then the answer is 503 with `Retry-After`; callback, sign-in and logout
//! answer 503 with `Retry-After` when the store fails; and no logout is lost: a delivery
//! refused with 503 takes effect exactly once when the sender retries after recovery.
//! (Moto stopped outright is covered in flows_cache.rs and flows_sessions.rs.)

use chatpass_service::aws::{ATTEMPT_TIMEOUT, CONNECT_TIMEOUT, MAX_ATTEMPTS, OPERATION_TIMEOUT};
use chatpass_service::clock::ManualClock;
use chatpass_service::identity::FETCH_TIMEOUT;
use chatpass_service::source::{CacheSettings, ConfigCache, SecretsManagerSource, Stages};
use chatpass_service::state::State;
use chatpass_service::store::DynamoSessionStore;
use chatpass_tests::fault_proxy::{Action, FaultProxy, aws_error};
use chatpass_tests::moto::Moto;
use chatpass_tests::support::{
    SECRET_PREFIX, assert_503_with_retry_after, assert_logout_status, claims_for, create_table,
    fixture, for_project, json_body, logged_out_body, problem_code, put_project, request,
    signed_logout_webhook, with_authorizer_claims, with_header,
};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

const T0: u64 = 1_700_000_000;
const PROJECT: &str = "faults-sprinklr";
const SPRINKLR_KEY: &str = "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d";
const CALLBACK_KEY: &str = "cbk-7Qx2vL9pRw4Zt8Nm3Kd6Hs1Yf5Gj0Ba";
const WEBHOOK_SECRET: &str = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
/// API Gateway's integration timeout: every answer must come well before it.
const API_GATEWAY_TIMEOUT: Duration = Duration::from_secs(30);
/// One AWS call given up on (the operation timeout), plus room for a loaded CI machine.
const ONE_CALL_BOUND: Duration = Duration::from_millis(6_500);

// --- faults ------------------------------------------------------------------------------

fn throttling() -> Action {
    Action::Answer(400, aws_error("ThrottlingException", "Rate exceeded"))
}

fn throughput_exceeded() -> Action {
    Action::Answer(
        400,
        aws_error(
            "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded.",
        ),
    )
}

// --- handlers over moto, through the proxy --------------------------------------------

async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    chatpass_service::aws::loader()
        .region("us-east-1")
        .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
            "test", "test", None, None, "faults",
        ))
        .endpoint_url(endpoint)
        .load()
        .await
}

fn project_config() -> Value {
    json!({
        "vendor": "sprinklr",
        "key": SPRINKLR_KEY,
        "options": {"mode": "custom-user"},
        "trust_unverified_email": false,
        "callback_keys": [CALLBACK_KEY],
        "webhook_secrets": [WEBHOOK_SECRET],
    })
}

/// Moto with the table and the project, a proxy in front of it, and a state whose Secrets
/// Manager (`secrets_via_proxy`) or DynamoDB (otherwise) client goes through the proxy.
struct Setup {
    moto: Moto,
    proxy: FaultProxy,
    state: State,
    clock: Arc<ManualClock>,
}

impl Setup {
    async fn start(table: &str, secrets_via_proxy: bool) -> Setup {
        let moto = Moto::start();
        create_table(&moto, table).await;
        put_project(&moto, PROJECT, &project_config()).await;
        let proxy = FaultProxy::start(&moto);
        let (secrets_at, store_at) = if secrets_via_proxy {
            (&proxy.endpoint, &moto.endpoint)
        } else {
            (&moto.endpoint, &proxy.endpoint)
        };
        let clock = Arc::new(ManualClock::at(T0));
        let source = SecretsManagerSource::new(
            aws_sdk_secretsmanager::Client::new(&sdk_config(secrets_at).await),
            SECRET_PREFIX,
            Stages::Current,
        );
        let state = State::new(
            Arc::new(ConfigCache::new(
                Arc::new(source),
                clock.clone(),
                CacheSettings::default(),
            )),
            Arc::new(DynamoSessionStore::new(
                aws_sdk_dynamodb::Client::new(&sdk_config(store_at).await),
                table,
            )),
            clock.clone(),
        );
        Setup {
            moto,
            proxy,
            state,
            clock,
        }
    }

    fn now(&self) -> u64 {
        use chatpass_service::clock::Clock;
        self.clock.now()
    }

    /// user-hash for u-1001 with an identity token issued at `iat`, and how long it took.
    async fn user_hash(&self, iat: u64) -> (Response<Body>, Duration) {
        let user = json!({"id": "u-1001", "email": "alice@example.com", "first_name": "Alice"});
        let event = with_header(
            with_authorizer_claims(
                for_project(fixture("hash-user", "user-hash"), PROJECT),
                Some(claims_for(&user, iat)),
            ),
            "origin",
            None,
        );
        timed(hash_user::handler(&self.state, request(&event))).await
    }

    /// Asserts that user-hash answers 200 (from a stale config, in the cache tests); how long
    /// it took.
    async fn assert_served(&self, what: &str) -> Duration {
        let (response, took) = self.user_hash(T0).await;
        let body = json_body(&response);
        assert_eq!(response.status(), 200, "{what}: {body}");
        took
    }

    /// Asserts that user-hash answers 503 `config_unavailable` within one call's bound.
    async fn assert_config_unavailable(&self, what: &str) {
        let answer = self.user_hash(T0).await;
        assert_unavailable(&answer, "config_unavailable", ONE_CALL_BOUND, what);
    }

    /// Signs in and returns the session reference.
    async fn sign_in(&self, iat: u64) -> String {
        let (response, _) = self.user_hash(iat).await;
        let body = json_body(&response);
        assert_eq!(response.status(), 200, "sign-in: {body}");
        body["settings"]["customUser"]["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn callback(&self, reference: &str) -> (Response<Body>, Duration) {
        let mut event = for_project(fixture("user-details-callback", "user-details"), PROJECT);
        event["body"] = json!(json!({ "token": reference }).to_string());
        let event = with_header(
            event,
            "authorization",
            Some(&format!("Bearer {CALLBACK_KEY}")),
        );
        timed(user_details_callback::handler(&self.state, request(&event))).await
    }

    /// Asserts that the logout took effect (user-hash refuses the user, the session at
    /// `reference` has ended), then signs in anew, later than the logout.
    async fn assert_logged_out_then_sign_in_again(&self, reference: &str) {
        let (response, _) = self.user_hash(T0).await;
        assert_eq!(
            (response.status().as_u16(), problem_code(&response)),
            (403, "logged_out".to_owned()),
            "the logout took effect"
        );
        let (response, _) = self.callback(reference).await;
        assert_eq!(response.status(), 410, "the session ended with it");
        self.clock.advance(2);
        self.sign_in(self.now()).await;
    }

    fn delivery(&self, id: &str) -> Value {
        signed_logout_webhook(
            PROJECT,
            WEBHOOK_SECRET,
            id,
            self.now(),
            &logged_out_body("u-1001"),
        )
    }

    async fn deliver(&self, delivery: &Value) -> (Response<Body>, Duration) {
        timed(logout_webhook::handler(&self.state, request(delivery))).await
    }
}

async fn timed<F: Future>(future: F) -> (F::Output, Duration) {
    let started = Instant::now();
    let output = future.await;
    (output, started.elapsed())
}

/// A 503 with `Retry-After` and `code`, answered within `bound`.
fn assert_unavailable(
    answer: &(Response<Body>, Duration),
    code: &str,
    bound: Duration,
    what: &str,
) {
    let (response, took) = answer;
    assert_503_with_retry_after(response, what);
    assert_eq!(problem_code(response), code, "{what}");
    assert!(*took < bound, "{what}: took {took:?}, more than {bound:?}");
    eprintln!("{what}: 503 {code} in {took:.2?}");
}

// --- the SDK's bounds -------------------------------------------------------------------

#[test]
fn the_slowest_request_chatpass_can_make_still_answers_before_api_gateway_gives_up() {
    assert_eq!(CONNECT_TIMEOUT, Duration::from_secs(1));
    assert_eq!(ATTEMPT_TIMEOUT, Duration::from_secs(2));
    assert_eq!(OPERATION_TIMEOUT, Duration::from_secs(5));
    assert_eq!(MAX_ATTEMPTS, 2);
    assert!(ATTEMPT_TIMEOUT * MAX_ATTEMPTS <= OPERATION_TIMEOUT);
    // The longest chain of waits in one request, each dependency answering just in time: an
    // OIDC logout with a cold cache reads AWSCURRENT and AWSPREVIOUS, fetches the IdP's JWKS
    // (and once more for an unknown kid), then writes the logout (and, for a logout that
    // changes nothing, the delivery id alone).
    let worst = OPERATION_TIMEOUT * 2 + FETCH_TIMEOUT * 2 + OPERATION_TIMEOUT * 2;
    assert!(
        worst < API_GATEWAY_TIMEOUT,
        "{worst:?} of dependency waits in one request"
    );
}

// --- Secrets Manager slow or throttled ----------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_secrets_manager_holding_requests_a_cold_project_is_a_503_within_the_sdk_timeouts() {
    let setup = Setup::start("faults-sm-hold-cold", true).await;
    setup.proxy.set(|_| Action::Hold);
    let answer = setup.user_hash(T0).await;
    assert_unavailable(
        &answer,
        "config_unavailable",
        ONE_CALL_BOUND,
        "user-hash, Secrets Manager holding",
    );
    assert!(
        answer.1 >= ATTEMPT_TIMEOUT,
        "answered in {:?}: before the SDK could have timed out",
        answer.1
    );
    assert!(
        setup.proxy.requests("GetSecretValue") <= MAX_ATTEMPTS as usize,
        "at most {MAX_ATTEMPTS} attempts"
    );
    assert_eq!(
        setup.moto.request_count("GetSecretValue"),
        0,
        "nothing reached Secrets Manager"
    );

    // Back: answered at once, once the cache's retry interval has passed.
    setup.proxy.forward();
    setup.clock.advance(CacheSettings::default().retry_interval);
    let (response, _) = setup.user_hash(T0).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_secrets_manager_answering_late_a_cached_config_is_served_until_its_bound_then_503() {
    let setup = Setup::start("faults-sm-late-stale", true).await;
    let settings = CacheSettings::default();
    setup.sign_in(T0).await;
    // Answers come after the attempt timeout: every attempt is given up on.
    setup
        .proxy
        .set(|_| Action::Late(ATTEMPT_TIMEOUT + Duration::from_millis(500)));

    setup.clock.advance(settings.ttl);
    let took = setup.assert_served("stale after the TTL").await;
    assert!(took < ONE_CALL_BOUND, "stale answer took {took:?}");

    setup.clock.advance(settings.stale_for - 1);
    let took = setup
        .assert_served("stale one second before the bound")
        .await;
    assert!(took < ONE_CALL_BOUND, "stale answer took {took:?}");

    setup.clock.advance(1);
    setup
        .assert_config_unavailable("past the stale bound")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_secrets_manager_throttling_a_cached_config_is_served_until_its_bound_then_503() {
    let setup = Setup::start("faults-sm-throttle", true).await;
    let settings = CacheSettings::default();

    // Cold and throttled: 503 at once, after at most the SDK's attempts.
    setup.proxy.set(|_| throttling());
    setup
        .assert_config_unavailable("cold project, throttled")
        .await;
    let attempts = setup.proxy.requests("GetSecretValue");
    assert!(
        (1..=MAX_ATTEMPTS as usize).contains(&attempts),
        "{attempts} attempts for one lookup"
    );

    setup.proxy.forward();
    setup.clock.advance(settings.retry_interval);
    setup.sign_in(T0).await;

    setup.proxy.set(|_| throttling());
    setup.clock.advance(settings.ttl);
    setup.assert_served("stale while throttled").await;
    setup.clock.advance(settings.stale_for - 1);
    setup
        .assert_served("stale one second before the bound")
        .await;
    setup.clock.advance(1);
    setup
        .assert_config_unavailable("throttled past the stale bound")
        .await;
    assert_eq!(
        setup.moto.request_count("GetSecretValue"),
        1,
        "only the successful fetch reached Secrets Manager (AWSCURRENT: AWSPREVIOUS is read \
         only for a key the current version lacks)"
    );
}

// --- DynamoDB slow or throttled -----------------------------------------------------------

/// Signs in and calls back while the store works, breaks the store with `fault`, checks that
/// sign-in, callback and a logout delivery each answer 503 with Retry-After within `bound`,
/// repairs it, and checks that the sender's retry of the delivery takes effect exactly once.
async fn store_fault(table: &str, fault: fn(&str) -> Action, bound: Duration) -> Setup {
    let setup = Setup::start(table, false).await;
    let reference = setup.sign_in(T0).await;
    let (response, _) = setup.callback(&reference).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));

    setup.clock.advance(1);
    let delivery = setup.delivery("msg_store_fault");
    setup.proxy.set(fault);
    assert_unavailable(
        &setup.user_hash(T0).await,
        "store_unavailable",
        bound,
        "user-hash cannot check for a logout",
    );
    assert_unavailable(
        &setup.callback(&reference).await,
        "store_unavailable",
        bound,
        "callback",
    );
    assert_unavailable(
        &setup.deliver(&delivery).await,
        "store_unavailable",
        bound,
        "logout",
    );

    setup.proxy.forward();
    assert_logout_status(
        &setup.deliver(&delivery).await.0,
        "logged_out",
        "the sender's retry after recovery",
    );
    assert_logout_status(
        &setup.deliver(&delivery).await.0,
        "already_applied",
        "its repeat",
    );
    setup.assert_logged_out_then_sign_in_again(&reference).await;
    setup
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_dynamodb_holding_requests_every_route_answers_503_in_time_and_no_logout_is_lost() {
    let setup = store_fault("faults-ddb-hold", |_| Action::Hold, ONE_CALL_BOUND).await;
    assert_eq!(
        setup.moto.request_count("TransactWriteItems"),
        2,
        "the held delivery never reached DynamoDB; the retry and its repeat did"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_dynamodb_throttling_every_route_answers_503_and_no_logout_is_lost() {
    let setup = store_fault(
        "faults-ddb-throughput",
        |_| throughput_exceeded(),
        ONE_CALL_BOUND,
    )
    .await;
    let attempts = setup.proxy.requests("TransactWriteItems");
    // The throttled delivery (at most MAX_ATTEMPTS), the retry and its repeat.
    assert!(
        attempts <= MAX_ATTEMPTS as usize + 2,
        "{attempts} TransactWriteItems"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_dynamodb_answering_throttling_exception_every_route_answers_503_and_no_logout_is_lost()
 {
    store_fault("faults-ddb-throttling", |_| throttling(), ONE_CALL_BOUND).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_transaction_cancelled_for_throttling_is_a_503_and_is_applied_on_retry() {
    let cancelled = |target: &str| {
        if target.ends_with("TransactWriteItems") {
            Action::Answer(
                400,
                json!({
                    "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                    "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ThrottlingError]",
                    "CancellationReasons": [
                        {"Code": "None"},
                        {"Code": "ThrottlingError", "Message": "Throughput exceeds the current capacity of your table or index."}
                    ]
                })
                .to_string(),
            )
        } else {
            Action::Forward
        }
    };
    let setup = Setup::start("faults-ddb-cancelled", false).await;
    setup.sign_in(T0).await;
    setup.clock.advance(1);
    let delivery = setup.delivery("msg_cancelled");
    setup.proxy.set(cancelled);
    assert_unavailable(
        &setup.deliver(&delivery).await,
        "store_unavailable",
        ONE_CALL_BOUND,
        "a cancelled logout transaction",
    );
    let (response, _) = setup.user_hash(T0).await;
    assert_eq!(response.status(), 200, "nothing was recorded");
    setup.proxy.forward();
    assert_logout_status(&setup.deliver(&delivery).await.0, "logged_out", "the retry");
    assert_logout_status(
        &setup.deliver(&delivery).await.0,
        "already_applied",
        "its repeat",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_written_but_answered_too_late_is_a_503_and_its_retry_is_already_applied() {
    let setup = Setup::start("faults-ddb-late", false).await;
    let reference = setup.sign_in(T0).await;
    setup.clock.advance(1);
    let delivery = setup.delivery("msg_late");
    // DynamoDB does the write, but its answer comes after the SDK gave up on the attempt.
    setup.proxy.set(|target: &str| {
        if target.ends_with("TransactWriteItems") {
            Action::Late(ATTEMPT_TIMEOUT + Duration::from_millis(500))
        } else {
            Action::Forward
        }
    });
    assert_unavailable(
        &setup.deliver(&delivery).await,
        "store_unavailable",
        ONE_CALL_BOUND,
        "a logout whose answer was lost",
    );
    assert!(
        setup.moto.request_count("TransactWriteItems") >= 1,
        "the write reached DynamoDB"
    );

    setup.proxy.forward();
    // The sender retries: the first attempt's write stands, so this is a repeat, and the
    // logout is in effect exactly once.
    assert_logout_status(
        &setup.deliver(&delivery).await.0,
        "already_applied",
        "the retry of a delivery written before",
    );
    setup.assert_logged_out_then_sign_in_again(&reference).await;
}
