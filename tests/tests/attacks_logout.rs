//! The JWT attack suite against OpenID Connect back-channel logout tokens, through the
//! logout-webhook handler with the IdP's JWKS served on loopback: every attack is a 400 and
//! records nothing; a header naming another key set is never fetched.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chatpass_service::State;
use chatpass_service::clock::ManualClock;
use chatpass_service::identity::VerifyError;
use chatpass_service::request::MAX_BODY_BYTES;
use chatpass_service::store::UserIn;
use chatpass_service::testing::{JwksServer, LogCapture};
use chatpass_tests::jwt_attacks::*;
use chatpass_tests::support::{fixture, for_project, json_body, memory_state, request};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use std::sync::Arc;

// --- (b) OIDC back-channel logout tokens through the logout-webhook handler -------------------

struct Oidc {
    state: State,
    clock: Arc<ManualClock>,
    jwks: JwksServer,
}

async fn oidc() -> Oidc {
    let jwks = JwksServer::start(&idp().jwks.clone()).await;
    let project = |audience: &str| {
        json!({
            "vendor": "sprinklr", "key": "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d",
            "options": {"mode": "custom-user"},
            "oidc_logout": {"issuer": ISSUER, "audience": audience, "jwks_url": jwks.url()},
        })
    };
    let clock = Arc::new(ManualClock::at(NOW));
    let state = memory_state(
        &[
            (PROJECT, project(LOGOUT_AUDIENCE)),
            (NEIGHBOUR, project(NEIGHBOUR_AUDIENCE)),
        ],
        clock.clone(),
    );
    Oidc { state, clock, jwks }
}

/// Form-encodes a value: everything but the unreserved characters as %XX.
fn form_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn post_logout(state: &State, project: &str, token: &str) -> Response<Body> {
    post_logout_as(state, project, token, "fixture-request-1").await
}

/// [`post_logout`] as API Gateway's request `request_id`, the id its log line carries.
async fn post_logout_as(
    state: &State,
    project: &str,
    token: &str,
    request_id: &str,
) -> Response<Body> {
    let mut event = for_project(fixture("logout-webhook", "logout-oidc"), project);
    event["body"] = json!(format!("logout_token={}", form_value(token)));
    event["requestContext"]["requestId"] = json!(request_id);
    logout_webhook::handler(state, request(&event)).await
}

/// True for a 503 that asks to retry in a second: the key set was fetched less than a second
/// ago and the token's key may have been published since.
fn retry_in_a_second(response: &Response<Body>) -> bool {
    response.status() == 503
        && response
            .headers()
            .get("retry-after")
            .is_some_and(|r| r == "1")
}

/// The answer to `token` from a sender that retries a second after it was told to: on a fresh
/// key set fetched a second ago, which a kid it lacks fetches again at once.
async fn retried_a_second_later(token: &str, request_id: &str) -> Response<Body> {
    let fresh = oidc().await;
    let keys = fresh.state.jwks.for_url(&fresh.jwks.url()).unwrap();
    keys.load().await.unwrap();
    fresh.clock.advance(1);
    post_logout_as(&fresh.state, PROJECT, token, request_id).await
}

async fn nothing_recorded(state: &State) -> bool {
    for project in [PROJECT, NEIGHBOUR] {
        let whose = UserIn {
            project,
            user_id: USER_ID,
        };
        let at = state
            .sessions
            .logged_out_at(whose, NOW + 86_400)
            .await
            .unwrap();
        if at.is_some() {
            return false;
        }
    }
    true
}

#[tokio::test]
async fn the_logout_endpoint_refuses_every_attack_with_400_and_records_nothing() {
    let capture = LogCapture::install();
    let oidc = oidc().await;
    let (state, jwks) = (&oidc.state, &oidc.jwks);
    // An attacker's JWKS server, named by jku headers: it must never be asked.
    let attacker = JwksServer::start(&json!({"keys": []}).to_string()).await;
    let mut cases = cases(Kind::Logout);
    for case in &mut cases {
        if case.token.contains("http://127.0.0.1:9/") {
            let header: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part(&case.token, 0)).unwrap())
                    .unwrap();
            let mut header = header;
            for member in ["jku", "x5u"] {
                if header.get(member).is_some() {
                    header[member] = json!(attacker.url());
                }
            }
            let claims: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part(&case.token, 1)).unwrap())
                    .unwrap();
            case.token = attacker_es256(&header, &claims);
        }
    }
    let mut failures = Vec::new();
    let mut retried = 0;
    for (i, case) in cases.iter().enumerate() {
        let mut request_id = format!("attack-{i}");
        let mut response = post_logout_as(state, PROJECT, &case.token, &request_id).await;
        if retry_in_a_second(&response) {
            // Never a refusal while the keys may not be fetched again: only a kid the keys lack
            // is told to retry, and a second later it is refused.
            if case.refusal != VerifyError::UnknownKey {
                failures.push(format!("{}: told to retry", case.name));
                continue;
            }
            retried += 1;
            request_id.push_str("-retried");
            response = retried_a_second_later(&case.token, &request_id).await;
        }
        let body = json_body(&response);
        // The body says only that it was refused; the log line says why.
        let reason = capture.reason_of(&request_id).unwrap_or_default();
        // A form past the body limit is refused before it is read.
        let (status, code, expected_reason) = if case.token.len() > MAX_BODY_BYTES {
            (413, "payload_too_large", "payload_too_large")
        } else {
            (400, "invalid_logout_token", case.refusal.reason())
        };
        let detail_ok = status == 413 || body["detail"] == "the logout token was refused";
        if response.status() != status
            || body["code"] != code
            || !detail_ok
            || reason != expected_reason
        {
            failures.push(format!(
                "{}: expected {status} `{expected_reason}`, got {} {body} reason `{reason}`",
                case.name,
                response.status()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        nothing_recorded(state).await,
        "a refused logout was recorded"
    );
    assert_eq!(attacker.fetches(), 0, "a header made chatpass fetch a key");
    // The first made-up kid fetched again after its one wait; the others, within that second,
    // were told to retry.
    assert_eq!(
        jwks.fetches(),
        2,
        "only the configured JWKS: once, and once after the one wait a minute allows"
    );
    println!("logout endpoint: {retried} made-up kids told to retry, then refused");
    println!("logout endpoint: {} attacks refused", cases.len());
}

#[tokio::test]
async fn a_logout_token_for_another_project_or_purpose_is_refused() {
    let capture = LogCapture::install();
    let Oidc {
        state, jwks: _jwks, ..
    } = oidc().await;
    let neighbours = changed(&Kind::Logout.claims(), json!({"aud": NEIGHBOUR_AUDIENCE}));
    let token = honest_rs256(&neighbours);
    let refused = [
        (
            "the neighbour project's logout token",
            token.clone(),
            "wrong_audience",
        ),
        (
            "an identity token (no back-channel event)",
            honest_rs256(&changed(
                &Kind::Identity.claims(),
                json!({"aud": LOGOUT_AUDIENCE, "exp": NOW + 100, "jti": "id-jti"}),
            )),
            "not_a_logout_token",
        ),
        (
            "a logout token carrying a nonce, as an ID token would",
            honest_rs256(&changed(&Kind::Logout.claims(), json!({"nonce": "n-1"}))),
            "nonce_in_logout_token",
        ),
        (
            "the back-channel event not an object",
            honest_rs256(&changed(
                &Kind::Logout.claims(),
                json!({"events": {BACKCHANNEL_EVENT: "yes"}}),
            )),
            "not_a_logout_token",
        ),
        (
            "jti missing",
            honest_rs256(&changed(&Kind::Logout.claims(), json!({"jti": null}))),
            "missing_jti",
        ),
        (
            "iat missing, exp within the lifetime",
            honest_rs256(&changed(
                &Kind::Logout.claims(),
                json!({"iat": null, "exp": NOW + 100}),
            )),
            "missing_iat",
        ),
    ];
    for (i, (name, token, reason)) in refused.iter().enumerate() {
        let request_id = format!("purpose-{i}");
        let response = post_logout_as(&state, PROJECT, token, &request_id).await;
        let body = json_body(&response);
        assert_eq!(response.status(), 400, "{name}: {body}");
        assert_eq!(body["code"], "invalid_logout_token", "{name}");
        assert_eq!(
            capture.reason_of(&request_id).as_deref(),
            Some(*reason),
            "{name}"
        );
    }
    assert!(nothing_recorded(&state).await);
    // The neighbour's own endpoint takes it: the refusal above was for the audience alone.
    let response = post_logout(&state, NEIGHBOUR, &token).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    println!(
        "logout endpoint: {} tokens for another project or purpose refused",
        refused.len()
    );
}

#[tokio::test]
async fn a_logout_token_with_a_fractional_iat_logs_out_at_that_second() {
    let Oidc {
        state, jwks: _jwks, ..
    } = oidc().await;
    let claims = changed(&Kind::Logout.claims(), json!({"iat": NOW as f64 - 9.5}));
    let response = post_logout(&state, PROJECT, &honest_rs256(&claims)).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    let whose = UserIn {
        project: PROJECT,
        user_id: USER_ID,
    };
    let at = state.sessions.logged_out_at(whose, NOW).await.unwrap();
    assert_eq!(
        at,
        Some(NOW - 10),
        "the same reading of `iat` as everywhere else"
    );
}
