//! The JWT attack suite against OpenID Connect back-channel logout tokens, through the
//! logout-webhook handler with the IdP's JWKS served on loopback: every attack is a 400 and
//! records nothing; a header naming another key set is never fetched.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chatpass_service::State;
use chatpass_service::clock::ManualClock;
use chatpass_service::request::MAX_BODY_BYTES;
use chatpass_service::testing::JwksServer;
use chatpass_tests::jwt_attacks::*;
use chatpass_tests::support::{fixture, for_project, json_body, memory_state, request};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use std::sync::Arc;

// --- (b) OIDC back-channel logout tokens through the logout-webhook handler -------------------

struct Oidc {
    state: State,
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
    let state = memory_state(
        &[
            (PROJECT, project(LOGOUT_AUDIENCE)),
            (NEIGHBOUR, project(NEIGHBOUR_AUDIENCE)),
        ],
        Arc::new(ManualClock::at(NOW)),
    );
    Oidc { state, jwks }
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
    let mut event = for_project(fixture("logout-webhook", "logout-oidc"), project);
    event["body"] = json!(format!("logout_token={}", form_value(token)));
    logout_webhook::handler(state, request(&event)).await
}

async fn nothing_recorded(state: &State) -> bool {
    for project in [PROJECT, NEIGHBOUR] {
        let at = state
            .sessions
            .logged_out_at(project, USER_ID, NOW + 86_400)
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
    let Oidc { state, jwks } = oidc().await;
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
    for case in &cases {
        let response = post_logout(&state, PROJECT, &case.token).await;
        let body = json_body(&response);
        let because = format!("the logout token was refused: {}", case.refusal);
        // A form past the body limit is refused before it is read.
        let (status, code, detail) = if case.token.len() > MAX_BODY_BYTES {
            (413, "payload_too_large", body["detail"].clone())
        } else {
            (400, "invalid_logout_token", json!(because))
        };
        if response.status() != status || body["code"] != code || body["detail"] != detail {
            failures.push(format!(
                "{}: expected 400 `{because}`, got {} {body}",
                case.name,
                response.status()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        nothing_recorded(&state).await,
        "a refused logout was recorded"
    );
    assert_eq!(attacker.fetches(), 0, "a header made chatpass fetch a key");
    // The first made-up kid fetched again after its one wait; the rest were refused at once.
    assert_eq!(
        jwks.fetches(),
        2,
        "only the configured JWKS: once, and once after the one wait a minute allows"
    );
    println!("logout endpoint: {} attacks refused", cases.len());
}

#[tokio::test]
async fn a_logout_token_for_another_project_or_purpose_is_refused() {
    let Oidc { state, jwks: _jwks } = oidc().await;
    let neighbours = changed(&Kind::Logout.claims(), json!({"aud": NEIGHBOUR_AUDIENCE}));
    let token = honest_rs256(&neighbours);
    let refused = [
        (
            "the neighbour project's logout token",
            token.clone(),
            "the logout token was refused: wrong audience",
        ),
        (
            "an identity token (no back-channel event)",
            honest_rs256(&changed(
                &Kind::Identity.claims(),
                json!({"aud": LOGOUT_AUDIENCE, "exp": NOW + 100, "jti": "id-jti"}),
            )),
            "`events` must hold",
        ),
        (
            "a logout token carrying a nonce, as an ID token would",
            honest_rs256(&changed(&Kind::Logout.claims(), json!({"nonce": "n-1"}))),
            "must not carry `nonce`",
        ),
        (
            "the back-channel event not an object",
            honest_rs256(&changed(
                &Kind::Logout.claims(),
                json!({"events": {BACKCHANNEL_EVENT: "yes"}}),
            )),
            "`events` must hold",
        ),
        (
            "jti missing",
            honest_rs256(&changed(&Kind::Logout.claims(), json!({"jti": null}))),
            "`jti` is required",
        ),
        (
            "iat missing, exp within the lifetime",
            honest_rs256(&changed(
                &Kind::Logout.claims(),
                json!({"iat": null, "exp": NOW + 100}),
            )),
            "`iat` is required",
        ),
        (
            "iat a float",
            honest_rs256(&changed(
                &Kind::Logout.claims(),
                json!({"iat": NOW as f64 - 9.5}),
            )),
            "`iat` is required",
        ),
    ];
    for (name, token, because) in &refused {
        let response = post_logout(&state, PROJECT, token).await;
        let body = json_body(&response);
        assert_eq!(response.status(), 400, "{name}: {body}");
        assert_eq!(body["code"], "invalid_logout_token", "{name}");
        assert!(
            body["detail"].as_str().unwrap().contains(because),
            "{name}: {body}"
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
