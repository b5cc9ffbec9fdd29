//! Sessions and logouts end to end against moto (Secrets Manager + DynamoDB) through the real
//! handlers: Sprinklr's custom-user and cookie modes make a session, the vendor's server reads
//! it back through user-details-callback, a logout (Standard Webhooks delivery or OIDC
//! back-channel logout token) ends it and refuses earlier identity tokens, repeats change
//! nothing, the DynamoDB store passes the store contract, and a store outage fails closed.

use chatpass_service::clock::ManualClock;
use chatpass_service::identity::StandinIdp;
use chatpass_service::state::State;
use chatpass_service::store::{DynamoSessionStore, contract};
use chatpass_service::testing::{ISSUER, JwksServer, NOW, ORIGIN, SPRINKLR_KEY};
use chatpass_tests::moto::Moto;
use chatpass_tests::support::{
    assert_503_with_retry_after, assert_logout_status, backchannel_events, claims_for,
    create_table, fixture, for_project, json_body, logged_out_body, moto_state, oidc_logout,
    problem_code, put_project, request, signed_logout_webhook, vectors, with_authorizer_claims,
    with_header,
};
use hmac::{Hmac, KeyInit, Mac};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::Arc;

const PROJECT: &str = "acme-sprinklr";
const CALLBACK_KEY: &str = "cbk-7Qx2vL9pRw4Zt8Nm3Kd6Hs1Yf5Gj0Ba";
const COOKIE_DOMAIN: &str = ".example.com";
const AUDIENCE: &str = "chatpass-backchannel";
const USER_ID: &str = "u-1001";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// `customUser.token` in the answer; the vendor calls back with it in the body.
    CustomUser,
    /// The reference only in the `chatpass_session` cookie, forwarded by the vendor.
    Cookie,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum LogoutBy {
    Webhook,
    Oidc,
}

fn webhook_secret() -> String {
    vectors("webhooks.json")["secret"]
        .as_str()
        .expect("webhooks.json has a secret")
        .to_owned()
}

/// The canonical user (docs/design.md, "The user").
fn user() -> Value {
    json!({
        "id": USER_ID, "email": "alice@example.com", "email_verified": true, "name": "Alice Smith",
        "first_name": "Alice", "last_name": "Smith", "phone": "15550100",
        "avatar_url": "https://img.example.com/a.png"
    })
}

/// The user's details as Sprinklr's user-details API names them.
fn sprinklr_details() -> Value {
    json!({
        "id": USER_ID, "firstName": "Alice", "lastName": "Smith",
        "profileImageUrl": "https://img.example.com/a.png", "phoneNo": "15550100",
        "email": "alice@example.com"
    })
}

fn hmac_hex(key: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Everything one flow needs: moto, the handlers' state, the clock, and the stand-in IdP
/// whose JWKS is served on a loopback port.
struct Flow {
    moto: Moto,
    state: State,
    clock: Arc<ManualClock>,
    idp: StandinIdp,
    jwks: JwksServer,
    mode: Mode,
    table: String,
}

fn config(mode: Mode, jwks_url: &str) -> Value {
    let mode = match mode {
        Mode::CustomUser => "custom-user",
        Mode::Cookie => "cookie",
    };
    json!({
        "vendor": "sprinklr",
        "key": SPRINKLR_KEY,
        "options": {"mode": mode},
        "trust_unverified_email": false,
        "allowed_origins": [ORIGIN],
        "callback_keys": [CALLBACK_KEY],
        "webhook_secrets": [webhook_secret()],
        "cookie_domain": COOKIE_DOMAIN,
        "oidc_logout": {"issuer": ISSUER, "audience": AUDIENCE, "jwks_url": jwks_url}
    })
}

impl Flow {
    async fn start(mode: Mode, table: &str) -> Flow {
        let moto = Moto::start();
        let idp = StandinIdp::generate(ISSUER, AUDIENCE);
        let jwks = JwksServer::start(&idp.jwks()).await;
        create_table(&moto, table).await;
        put_project(&moto, PROJECT, &config(mode, &jwks.url())).await;
        let clock = Arc::new(ManualClock::at(NOW));
        let state = moto_state(&moto, table, clock.clone()).await;
        Flow {
            moto,
            state,
            clock,
            idp,
            jwks,
            mode,
            table: table.to_owned(),
        }
    }

    fn now(&self) -> u64 {
        use chatpass_service::clock::Clock;
        self.clock.now()
    }

    /// After `moto.restart()`: the table and the secret again.
    async fn recreate(&self) {
        create_table(&self.moto, &self.table).await;
        put_project(&self.moto, PROJECT, &config(self.mode, &self.jwks.url())).await;
    }

    /// user-hash for the user with an identity token issued at `iat`.
    async fn user_hash(&self, iat: u64) -> Response<Body> {
        let event = with_authorizer_claims(
            for_project(fixture("hash-user", "user-hash"), PROJECT),
            Some(claims_for(&user(), iat)),
        );
        hash_user::handler(&self.state, request(&event)).await
    }

    /// Signs in with an identity token issued at `iat`; checks the answer and returns the
    /// session reference, wherever the mode puts it.
    async fn sign_in(&self, iat: u64) -> String {
        let response = self.user_hash(iat).await;
        let body = json_body(&response);
        assert_eq!(response.status(), 200, "user-hash: {body}");
        assert_eq!(body["vendor"], "sprinklr");
        let now = self.now();
        assert_eq!(body["expires_at"], json!(now + 300), "the session's expiry");
        let reference = match self.mode {
            Mode::CustomUser => {
                let custom = &body["settings"]["customUser"];
                let reference = custom["token"]
                    .as_str()
                    .expect("customUser.token")
                    .to_owned();
                let created_ms = now * 1000;
                assert_eq!(
                    body["settings"],
                    json!({"customUser": {
                        "token": reference,
                        "hash": hmac_hex(SPRINKLR_KEY, &format!("{reference}_{created_ms}")),
                        "hashCreationTime": created_ms,
                    }})
                );
                assert!(response.headers().get("set-cookie").is_none());
                reference
            }
            Mode::Cookie => {
                let reference = session_cookie(&response, 300);
                assert_eq!(body["settings"], json!({}), "nothing but the cookie");
                assert!(
                    !String::from_utf8_lossy(response.body().as_ref()).contains(&reference),
                    "the reference travels only in the cookie"
                );
                assert_eq!(
                    response.headers()["access-control-allow-credentials"],
                    "true",
                    "the page's fetch may take the cookie"
                );
                reference
            }
        };
        assert!(
            reference.len() == 32 && reference.bytes().all(|b| b.is_ascii_hexdigit()),
            "a 128-bit reference: {reference}"
        );
        reference
    }

    /// The vendor's server calling back with `reference` the way the mode sends it.
    async fn callback(&self, reference: &str) -> Response<Body> {
        let event = match self.mode {
            Mode::CustomUser => {
                let mut event =
                    for_project(fixture("user-details-callback", "user-details"), PROJECT);
                event["body"] = json!(json!({ "token": reference }).to_string());
                event
            }
            Mode::Cookie => {
                let mut event = for_project(
                    fixture("user-details-callback", "user-details-cookie"),
                    PROJECT,
                );
                event["cookies"] = json!(["other=1", format!("chatpass_session={reference}")]);
                event
            }
        };
        let event = with_header(
            event,
            "authorization",
            Some(&format!("Bearer {CALLBACK_KEY}")),
        );
        user_details_callback::handler(&self.state, request(&event)).await
    }

    /// A Standard Webhooks logout of the user, signed at the clock's now.
    fn webhook(&self, id: &str, timestamp: u64) -> Value {
        signed_logout_webhook(
            PROJECT,
            &webhook_secret(),
            id,
            timestamp,
            &logged_out_body(USER_ID),
        )
    }

    /// An OIDC back-channel logout token for the user, issued at `iat`.
    fn logout_token(&self, jti: &str, iat: u64) -> String {
        let claims = json!({
            "iss": ISSUER, "aud": AUDIENCE, "iat": iat, "exp": iat + 120, "jti": jti,
            "sub": USER_ID, "events": backchannel_events(),
        });
        self.idp.sign(claims.as_object().unwrap())
    }

    /// A logout of the user at the clock's now, by webhook or OIDC, under delivery id `id`.
    fn logout_event(&self, by: LogoutBy, id: &str) -> Value {
        match by {
            LogoutBy::Webhook => self.webhook(id, self.now()),
            LogoutBy::Oidc => oidc_logout(PROJECT, &self.logout_token(id, self.now())),
        }
    }

    async fn deliver(&self, event: &Value) -> Response<Body> {
        logout_webhook::handler(&self.state, request(event)).await
    }
}

/// The `chatpass_session` reference of a `Set-Cookie` answer, after checking the cookie's
/// attributes.
fn session_cookie(response: &Response<Body>, max_age: u64) -> String {
    let cookies: Vec<_> = response.headers().get_all("set-cookie").iter().collect();
    assert_eq!(cookies.len(), 1, "one Set-Cookie: {cookies:?}");
    let cookie = cookies[0].to_str().unwrap();
    let mut parts = cookie.split(';').map(str::trim);
    let reference = parts
        .next()
        .and_then(|pair| pair.strip_prefix("chatpass_session="))
        .unwrap_or_else(|| panic!("not the session cookie: {cookie}"))
        .to_owned();
    let attributes: Vec<&str> = parts.collect();
    for expected in [
        "HttpOnly".to_owned(),
        "Secure".to_owned(),
        "SameSite=None".to_owned(),
        format!("Domain={COOKIE_DOMAIN}"),
        "Path=/".to_owned(),
        format!("Max-Age={max_age}"),
    ] {
        assert!(
            attributes.iter().any(|a| a.eq_ignore_ascii_case(&expected)),
            "`{expected}` missing from {cookie}"
        );
    }
    reference
}

fn assert_status(response: &Response<Body>, status: u16, code: &str, what: &str) {
    let body = json_body(response);
    assert_eq!(response.status(), status, "{what}: {body}");
    if !code.is_empty() {
        assert_eq!(body["code"], code, "{what}: {body}");
    }
}

/// The issue's flow: sign in → callback 200 → logout → callback 410 → an earlier identity
/// 403 → a fresh identity 200.
async fn logout_flow(mode: Mode, by: LogoutBy, table: &str) {
    let flow = Flow::start(mode, table).await;

    let reference = flow.sign_in(NOW).await;
    let details = flow.callback(&reference).await;
    assert_eq!(details.status(), 200, "callback: {}", json_body(&details));
    assert_eq!(json_body(&details), sprinklr_details());

    flow.clock.advance(1);
    let logout_at = flow.now();
    let logout = flow.deliver(&flow.logout_event(by, "logout-1")).await;
    assert_logout_status(&logout, "logged_out", "the logout");

    assert_status(
        &flow.callback(&reference).await,
        410,
        "gone",
        "callback after the logout",
    );
    for iat in [NOW, logout_at] {
        assert_status(
            &flow.user_hash(iat).await,
            403,
            "logged_out",
            &format!("identity issued at {iat}, logout at {logout_at}"),
        );
    }

    flow.clock.advance(2);
    let fresh = flow.sign_in(flow.now()).await;
    assert_ne!(fresh, reference);
    let details = flow.callback(&fresh).await;
    assert_eq!(
        details.status(),
        200,
        "fresh session: {}",
        json_body(&details)
    );
    assert_eq!(json_body(&details), sprinklr_details());
    assert_status(
        &flow.callback(&reference).await,
        410,
        "gone",
        "the old session stays ended",
    );

    flow.clock.advance(300);
    assert_status(
        &flow.callback(&fresh).await,
        410,
        "gone",
        "a session past its expiry",
    );
}

#[tokio::test]
async fn a_logout_webhook_ends_a_custom_user_session_and_earlier_identities() {
    logout_flow(
        Mode::CustomUser,
        LogoutBy::Webhook,
        "flows-sessions-custom-webhook",
    )
    .await;
}

#[tokio::test]
async fn a_logout_webhook_ends_a_cookie_session_and_earlier_identities() {
    logout_flow(
        Mode::Cookie,
        LogoutBy::Webhook,
        "flows-sessions-cookie-webhook",
    )
    .await;
}

#[tokio::test]
async fn an_oidc_logout_token_ends_a_custom_user_session_and_earlier_identities() {
    logout_flow(
        Mode::CustomUser,
        LogoutBy::Oidc,
        "flows-sessions-custom-oidc",
    )
    .await;
}

#[tokio::test]
async fn an_oidc_logout_token_ends_a_cookie_session_and_earlier_identities() {
    logout_flow(Mode::Cookie, LogoutBy::Oidc, "flows-sessions-cookie-oidc").await;
}

/// Logs out at NOW + 1 with `first`, signs in fresh at NOW + 3, then delivers each of `repeats`
/// (same delivery id): each is `already_applied`, and the fresh identity and session stand.
async fn a_repeat_changes_nothing(flow: &Flow, first: Value, repeats: &[Value]) {
    let before = flow.sign_in(NOW).await;
    flow.clock.advance(1);
    assert_logout_status(&flow.deliver(&first).await, "logged_out", "the delivery");

    flow.clock.advance(2);
    let fresh_iat = flow.now();
    let fresh = flow.sign_in(fresh_iat).await;
    for (i, repeat) in repeats.iter().enumerate() {
        assert_logout_status(
            &flow.deliver(repeat).await,
            "already_applied",
            &format!("repeat {i}"),
        );
    }
    // Had a repeat stamped now taken effect, the fresh identity (iat == now) would be refused.
    flow.sign_in(fresh_iat).await;
    assert_eq!(flow.callback(&fresh).await.status(), 200, "fresh session");
    assert_status(
        &flow.callback(&before).await,
        410,
        "gone",
        "the first delivery's effect stays",
    );
}

#[tokio::test]
async fn a_replayed_webhook_delivery_answers_already_applied_and_changes_nothing() {
    let flow = Flow::start(Mode::CustomUser, "flows-sessions-replay-webhook").await;
    let first = flow.webhook("msg_replayed", NOW + 1);
    // The same delivery again, and the same id re-signed with a later timestamp.
    let resigned = flow.webhook("msg_replayed", NOW + 3);
    a_repeat_changes_nothing(&flow, first.clone(), &[first, resigned]).await;
}

#[tokio::test]
async fn a_replayed_logout_token_jti_answers_already_applied_and_changes_nothing() {
    let flow = Flow::start(Mode::CustomUser, "flows-sessions-replay-jti").await;
    let first = oidc_logout(PROJECT, &flow.logout_token("jti-replayed", NOW + 1));
    // The same token again, and a new token reusing the jti, issued later.
    let reissued = oidc_logout(PROJECT, &flow.logout_token("jti-replayed", NOW + 3));
    a_repeat_changes_nothing(&flow, first.clone(), &[first, reissued]).await;
}

#[tokio::test]
async fn a_logout_of_one_session_ends_only_that_session() {
    let flow = Flow::start(Mode::CustomUser, "flows-sessions-one").await;
    let ended = flow.sign_in(NOW).await;
    let kept = flow.sign_in(NOW).await;
    flow.clock.advance(1);
    let body = json!({"type": "user.logged_out", "data": {"user_id": USER_ID, "session": ended}});
    let event = signed_logout_webhook(
        PROJECT,
        &webhook_secret(),
        "msg_one_session",
        flow.now(),
        &body.to_string(),
    );
    assert_logout_status(&flow.deliver(&event).await, "logged_out", "session logout");
    assert_status(
        &flow.callback(&ended).await,
        410,
        "gone",
        "the ended session",
    );
    assert_eq!(
        flow.callback(&kept).await.status(),
        200,
        "the other session"
    );
    flow.sign_in(NOW).await;
    assert_logout_status(&flow.deliver(&event).await, "already_applied", "a repeat");
}

#[tokio::test]
async fn the_dynamodb_store_keeps_the_session_store_contract() {
    let moto = Moto::start();
    create_table(&moto, "flows-contract").await;
    let client = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    let store = DynamoSessionStore::new(client, "flows-contract");
    contract::every_rule(&store).await;
}

#[tokio::test]
async fn with_dynamodb_down_callback_and_logout_answer_503_and_a_retried_delivery_applies_once() {
    let mut flow = Flow::start(Mode::CustomUser, "flows-sessions-outage").await;
    let reference = flow.sign_in(NOW).await;
    assert_eq!(flow.callback(&reference).await.status(), 200);

    flow.clock.advance(1);
    let delivery = flow.webhook("msg_during_outage", flow.now());
    flow.moto.stop();
    // The config is cached; the session store is what is down.
    let callback = flow.callback(&reference).await;
    assert_503_with_retry_after(&callback, "callback with the store down");
    assert_eq!(problem_code(&callback), "store_unavailable");
    let logout = flow.deliver(&delivery).await;
    assert_503_with_retry_after(&logout, "logout with the store down");
    assert_eq!(problem_code(&logout), "store_unavailable");
    let sign_in = flow.user_hash(NOW).await;
    assert_503_with_retry_after(&sign_in, "user-hash cannot check for a logout");
    assert_eq!(problem_code(&sign_in), "store_unavailable");

    flow.moto.restart();
    flow.recreate().await;
    assert_logout_status(
        &flow.deliver(&delivery).await,
        "logged_out",
        "the sender's retry",
    );
    assert_logout_status(
        &flow.deliver(&delivery).await,
        "already_applied",
        "a second retry",
    );
    assert_status(
        &flow.user_hash(NOW).await,
        403,
        "logged_out",
        "the retried logout took effect",
    );
    flow.clock.advance(2);
    flow.sign_in(flow.now()).await;
}

#[tokio::test]
async fn a_session_from_an_identity_without_a_whole_number_iat_is_ended_by_a_late_logout() {
    let fractional = format!("{}.5", NOW - 200);
    for (table, iat) in [
        ("sessions-iat-fractional", Some(fractional.as_str())),
        ("sessions-iat-absent", None),
    ] {
        let flow = Flow::start(Mode::CustomUser, table).await;
        let mut claims = claims_for(&user(), NOW - 200);
        match iat {
            Some(iat) => claims["iat"] = json!(iat),
            None => drop(claims.as_object_mut().unwrap().remove("iat")),
        }
        let event = with_authorizer_claims(
            for_project(fixture("hash-user", "user-hash"), PROJECT),
            Some(claims),
        );
        let response = hash_user::handler(&flow.state, request(&event)).await;
        let body = json_body(&response);
        assert_eq!(response.status(), 200, "{table}: {body}");
        let reference = body["settings"]["customUser"]["token"].as_str().unwrap();
        assert_eq!(flow.callback(reference).await.status(), 200, "{table}");
        // The brand's backend reports a logout that happened 100 s ago, after the identity
        // was issued (or, with no `iat`, at a time nothing says came before it).
        let late = flow.webhook(&format!("msg-{table}"), NOW - 100);
        assert_logout_status(&flow.deliver(&late).await, "logged_out", table);
        let response = flow.callback(reference).await;
        assert_eq!(response.status(), 410, "{table}: {}", json_body(&response));
    }
}
