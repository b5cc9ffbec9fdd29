//! The config cache in front of Secrets Manager, seen through the real `user-hash` handler
//! against moto and counted with moto's recorder: one fetch per project per TTL however many
//! requests, one fetch for a cold project however many wait, rotation seen after the TTL, stale
//! configs served for a bounded time while Secrets Manager is down, unknown projects remembered
//! briefly, and malformed ids refused before any fetch.

use chatpass_service::clock::ManualClock;
use chatpass_service::source::CacheSettings;
use chatpass_service::state::State;
use chatpass_service::store::{DynamoSessionStore, SessionStore};
use chatpass_tests::moto::Moto;
use chatpass_tests::support::{
    assert_503_with_retry_after, create_table, fixture, for_project, json_body, moto_state,
    moto_state_with_cache, problem_code, put_project, request, with_header,
};
use hmac::{Hmac, KeyInit, Mac};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::Arc;

const NOW: u64 = 1_700_000_000;
const KEY_A: &str = "intercom-idv-secret-a-0000000000";
const KEY_B: &str = "intercom-idv-secret-b-1111111111";

/// Intercom: `user_hash` is HMAC-SHA256 hex of the user id, so the answer shows which key signed.
fn config(key: &str) -> Value {
    json!({"vendor": "intercom", "key": key, "trust_unverified_email": false})
}

fn expected_hash(key: &str, user_id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(user_id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `user-hash` fixture (user u-1001, identity token issued at NOW) for `project`,
/// without an `Origin` (a server-side caller).
fn user_hash_event(project: &str) -> Value {
    with_header(
        for_project(fixture("hash-user", "user-hash"), project),
        "origin",
        None,
    )
}

async fn user_hash(state: &State, project: &str) -> Response<Body> {
    hash_user::handler(state, request(&user_hash_event(project))).await
}

/// The `user_hash` of a 200 answer, or a panic describing the answer.
fn signed_hash(response: &Response<Body>) -> String {
    let body = json_body(response);
    assert_eq!(response.status(), 200, "{body}");
    body["settings"]["user_hash"]
        .as_str()
        .unwrap_or_else(|| panic!("no user_hash in {body}"))
        .to_owned()
}

async fn setup(table: &str) -> (Moto, State, Arc<ManualClock>) {
    let moto = Moto::start();
    create_table(&moto, table).await;
    let clock = Arc::new(ManualClock::at(NOW));
    let state = moto_state(&moto, table, clock.clone()).await;
    (moto, state, clock)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_requests_over_twenty_projects_fetch_each_config_once_within_the_ttl() {
    let (moto, state, clock) = setup("flows-cache-thousand").await;
    let projects: Vec<String> = (0..20).map(|n| format!("cache-many-{n}")).collect();
    for project in &projects {
        put_project(&moto, project, &config(KEY_A)).await;
    }
    let state = Arc::new(state);
    let expected = expected_hash(KEY_A, "u-1001");
    // 20 batches of 50 concurrent requests, the clock moving 14 s after each: 266 s in all,
    // inside the 300 s TTL.
    for batch in 0..20 {
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let state = state.clone();
                let project = projects[(batch * 50 + i) % projects.len()].clone();
                tokio::spawn(async move { signed_hash(&user_hash(&state, &project).await) })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), expected);
        }
        clock.advance(14);
    }
    let fetches = moto.request_count("GetSecretValue");
    assert!(
        fetches <= projects.len(),
        "{fetches} GetSecretValue for 1,000 requests over 20 projects"
    );
    assert_eq!(fetches, projects.len(), "each project was fetched once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_requests_for_a_cold_project_fetch_its_config_once() {
    let (moto, state, _clock) = setup("flows-cache-cold").await;
    put_project(&moto, "cache-cold", &config(KEY_A)).await;
    let state = Arc::new(state);
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (state, barrier) = (state.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                signed_hash(&user_hash(&state, "cache-cold").await)
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), expected_hash(KEY_A, "u-1001"));
    }
    assert_eq!(moto.request_count("GetSecretValue"), 1);
}

#[tokio::test]
async fn a_rotated_secret_signs_after_the_ttl_and_not_before() {
    let (moto, state, clock) = setup("flows-cache-rotate").await;
    put_project(&moto, "cache-rotate", &config(KEY_A)).await;
    let old = expected_hash(KEY_A, "u-1001");
    let new = expected_hash(KEY_B, "u-1001");
    assert_ne!(old, new);

    assert_eq!(signed_hash(&user_hash(&state, "cache-rotate").await), old);
    put_project(&moto, "cache-rotate", &config(KEY_B)).await;

    clock.advance(CacheSettings::default().ttl - 1);
    assert_eq!(
        signed_hash(&user_hash(&state, "cache-rotate").await),
        old,
        "still the cached version one second before the TTL"
    );
    assert_eq!(moto.request_count("GetSecretValue"), 1);

    clock.advance(1);
    assert_eq!(
        signed_hash(&user_hash(&state, "cache-rotate").await),
        new,
        "the new version signs once the TTL has passed"
    );
    assert_eq!(moto.request_count("GetSecretValue"), 2);
}

#[tokio::test]
async fn with_secrets_manager_down_a_cached_project_is_served_until_the_stale_bound_then_503() {
    // Secrets Manager on one moto (stopped below), DynamoDB on another that stays up, so the
    // only outage is the config source's.
    let mut secrets = Moto::start();
    let store = Moto::start();
    let table = "flows-cache-stale";
    create_table(&store, table).await;
    put_project(&secrets, "cache-stale", &config(KEY_A)).await;
    let settings = CacheSettings::default();
    let clock = Arc::new(ManualClock::at(NOW));
    let mut state = moto_state_with_cache(&secrets, table, settings, clock.clone()).await;
    let sessions: Arc<dyn SessionStore> = Arc::new(DynamoSessionStore::new(
        aws_sdk_dynamodb::Client::new(&store.sdk_config().await),
        table,
    ));
    state.sessions = sessions;
    let signed = expected_hash(KEY_A, "u-1001");

    assert_eq!(signed_hash(&user_hash(&state, "cache-stale").await), signed);
    secrets.stop();

    clock.advance(settings.ttl);
    assert_eq!(
        signed_hash(&user_hash(&state, "cache-stale").await),
        signed,
        "served stale once the TTL has passed and the refetch failed"
    );
    clock.advance(settings.stale_for - 1);
    assert_eq!(
        signed_hash(&user_hash(&state, "cache-stale").await),
        signed,
        "served stale one second before the bound"
    );

    clock.advance(1);
    let response = user_hash(&state, "cache-stale").await;
    assert_503_with_retry_after(&response, "at the stale bound");
    assert_eq!(problem_code(&response), "config_unavailable");
    assert_eq!(
        secrets.request_count("GetSecretValue"),
        1,
        "only the first fetch reached Secrets Manager"
    );

    // Back up (empty, so the secret again): served once the retry interval has passed.
    secrets.restart();
    put_project(&secrets, "cache-stale", &config(KEY_B)).await;
    clock.advance(settings.retry_interval);
    assert_eq!(
        signed_hash(&user_hash(&state, "cache-stale").await),
        expected_hash(KEY_B, "u-1001"),
        "served again once Secrets Manager answers"
    );
}

#[tokio::test]
async fn an_unknown_project_is_404_and_is_looked_up_once_within_the_negative_ttl() {
    let (moto, state, clock) = setup("flows-cache-unknown").await;
    for _ in 0..5 {
        let response = user_hash(&state, "cache-nobody").await;
        assert_eq!(response.status(), 404);
        assert_eq!(problem_code(&response), "unknown_project");
    }
    assert_eq!(moto.request_count("GetSecretValue"), 1);

    let negative_ttl = CacheSettings::default().negative_ttl;
    clock.advance(negative_ttl - 1);
    assert_eq!(user_hash(&state, "cache-nobody").await.status(), 404);
    assert_eq!(
        moto.request_count("GetSecretValue"),
        1,
        "still remembered one second before the negative TTL ends"
    );

    clock.advance(1);
    assert_eq!(user_hash(&state, "cache-nobody").await.status(), 404);
    assert_eq!(
        moto.request_count("GetSecretValue"),
        2,
        "looked up again once the negative TTL has passed"
    );
}

#[tokio::test]
async fn a_malformed_project_id_is_404_on_every_route_without_reading_a_secret() {
    let (moto, state, _clock) = setup("flows-cache-malformed").await;
    for project in ["Bad_ID", "../x", "-x", "x%2Fy"] {
        let events = [
            ("hash-user", "user-hash"),
            ("issue-jwt", "token"),
            ("user-details-callback", "user-details"),
            ("logout-webhook", "logout-webhook"),
        ];
        for (function, name) in events {
            let event = for_project(fixture(function, name), project);
            let request = request(&event);
            let response = match function {
                "hash-user" => hash_user::handler(&state, request).await,
                "issue-jwt" => issue_jwt::handler(&state, request).await,
                "user-details-callback" => user_details_callback::handler(&state, request).await,
                _ => logout_webhook::handler(&state, request).await,
            };
            assert_eq!(response.status(), 404, "{project} on {function}");
            assert_eq!(problem_code(&response), "unknown_project");
        }
    }
    assert_eq!(moto.request_count("GetSecretValue"), 0);
}
