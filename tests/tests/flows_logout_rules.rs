//! The rules of the logout-webhook endpoint, through the real handler over the in-memory store
//! (the rules do not depend on DynamoDB): every Standard Webhooks case of vectors/webhooks.json,
//! a repeated header, and each OpenID Connect back-channel logout rule, one test per rule, with
//! the IdP's JWKS served on a loopback port.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chatpass_service::clock::ManualClock;
use chatpass_service::identity::StandinIdp;
use chatpass_service::state::State;
use chatpass_service::store::UserIn;
use chatpass_service::testing::{JwksServer, LogCapture, with_changes};
use chatpass_tests::support::{
    backchannel_events, fixture, for_project, json_body, logged_out_body, memory_state,
    oidc_logout, request, signed_logout_webhook, vectors, with_header,
};
use lambda_http::http::HeaderValue;
use lambda_http::{Body, Response};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const PROJECT: &str = "rules";
const USER_ID: &str = "u-1001";
/// The fixtures' user in the project, whose logouts the tests look up.
const ALICE: UserIn = UserIn {
    project: PROJECT,
    user_id: USER_ID,
};
const NOW: u64 = 1_700_000_000;
const ISSUER: &str = "https://idp.example.com/";
const AUDIENCE: &str = "chatpass-backchannel";

fn project(webhook_secret: &str) -> Value {
    json!({
        "vendor": "sprinklr",
        "key": "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d",
        "options": {"mode": "custom-user"},
        "webhook_secrets": [webhook_secret],
    })
}

async fn logout(state: &State, event: &Value) -> Response<Body> {
    logout_webhook::handler(state, request(event)).await
}

/// Nothing was recorded for the user: the refusal had no effect.
async fn no_logout_recorded(state: &State) -> bool {
    state
        .sessions
        .logged_out_at(ALICE, NOW + 86_400)
        .await
        .unwrap()
        .is_none()
}

#[tokio::test]
async fn every_webhook_vector_is_accepted_or_refused_with_401_as_expected() {
    let doc = vectors("webhooks.json");
    let mut failures = Vec::new();
    let cases = doc["cases"].as_array().expect("webhooks.json has cases");
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let secret = case.get("secret").unwrap_or(&doc["secret"]);
        let clock = Arc::new(ManualClock::at(case["now"].as_u64().unwrap()));
        let state = memory_state(&[(PROJECT, project(secret.as_str().unwrap()))], clock);
        let mut event = for_project(fixture("logout-webhook", "logout-webhook"), PROJECT);
        event["body"] = case["body"].clone();
        for header in ["id", "timestamp", "signature"] {
            event = with_header(
                event,
                &format!("webhook-{header}"),
                Some(case[header].as_str().unwrap()),
            );
        }
        let mut variants = vec![("as given", event.clone())];
        if case["signature"] == "" {
            variants.push((
                "header absent",
                with_header(event, "webhook-signature", None),
            ));
        }
        for (variant, event) in variants {
            let response = logout(&state, &event).await;
            let body = json_body(&response);
            let (status, expected) = if case["valid"] == true {
                (200, json!({"status": "logged_out"}))
            } else {
                (401, json!("unauthorized"))
            };
            let got = if status == 200 {
                body.clone()
            } else {
                body["code"].clone()
            };
            if response.status() != status || got != expected {
                failures.push(format!("{name} ({variant}): {} {body}", response.status()));
            }
            if status == 401 && !no_logout_recorded(&state).await {
                failures.push(format!("{name} ({variant}): refused but recorded"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_repeated_webhook_header_is_400_repeated_header() {
    let secret = vectors("webhooks.json")["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let state = memory_state(
        &[(PROJECT, project(&secret))],
        Arc::new(ManualClock::at(NOW)),
    );
    let event = signed_logout_webhook(PROJECT, &secret, "msg_1", NOW, &logged_out_body(USER_ID));
    for header in ["webhook-signature", "webhook-id", "webhook-timestamp"] {
        let mut request = request(&event);
        let value = request.headers()[header].clone();
        request.headers_mut().append(header, value);
        let response = logout_webhook::handler(&state, request).await;
        let body = json_body(&response);
        assert_eq!(response.status(), 400, "{header}: {body}");
        assert_eq!(body["code"], "repeated_header", "{header}");
    }
    // A different second signature is just as refused: one value per header, whatever it holds.
    let mut request = request(&event);
    request
        .headers_mut()
        .append("webhook-signature", HeaderValue::from_static("v1,AAAA"));
    let response = logout_webhook::handler(&state, request).await;
    assert_eq!(response.status(), 400);
    assert!(no_logout_recorded(&state).await);
}

/// A project taking OIDC logout tokens from a stand-in IdP whose JWKS a loopback server serves.
struct Oidc {
    idp: StandinIdp,
    state: State,
    jwks: JwksServer,
}

impl Oidc {
    async fn start() -> Oidc {
        let idp = StandinIdp::generate(ISSUER, AUDIENCE);
        let jwks = JwksServer::start(&idp.jwks()).await;
        let config = json!({
            "vendor": "sprinklr",
            "key": "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d",
            "options": {"mode": "custom-user"},
            "oidc_logout": {"issuer": ISSUER, "audience": AUDIENCE, "jwks_url": jwks.url()},
        });
        let state = memory_state(&[(PROJECT, config)], Arc::new(ManualClock::at(NOW)));
        Oidc { idp, state, jwks }
    }

    /// A token that passes every rule.
    fn good_claims() -> Map<String, Value> {
        json!({
            "iss": ISSUER, "aud": AUDIENCE, "iat": NOW, "exp": NOW + 120, "jti": "jti-1",
            "sub": USER_ID, "events": backchannel_events(),
        })
        .as_object()
        .unwrap()
        .clone()
    }

    /// The good claims with `change` applied: `null` removes a claim, anything else sets it.
    fn claims(change: Value) -> Map<String, Value> {
        let claims = with_changes(Value::Object(Oidc::good_claims()), &change);
        claims.as_object().unwrap().clone()
    }

    async fn post(&self, token: &str) -> Response<Body> {
        logout(&self.state, &oidc_logout(PROJECT, token)).await
    }

    /// The token is refused with 400 `invalid_logout_token` (a token the verifier refused, with a
    /// detail that says no more), its log line naming the reason `reason`; nothing is recorded.
    async fn assert_refused(&self, token: &str, why: &str, reason: &str) {
        static REQUESTS: AtomicUsize = AtomicUsize::new(0);
        let capture = LogCapture::install();
        let request_id = format!("rules-{}", REQUESTS.fetch_add(1, Ordering::Relaxed));
        let mut event = oidc_logout(PROJECT, token);
        event["requestContext"]["requestId"] = json!(request_id);
        let response = logout(&self.state, &event).await;
        let body = json_body(&response);
        assert_eq!(response.status(), 400, "{why}: {body}");
        assert_eq!(body["code"], "invalid_logout_token", "{why}: {body}");
        // Before its signature is checked, the token's sender is unknown: no more than that.
        let verified = ["missing_iat", "missing_jti", "no_subject", "sid_only"].contains(&reason);
        if !verified {
            assert_eq!(body["detail"], "the logout token was refused", "{why}");
        }
        assert_eq!(
            capture.reason_of(&request_id).as_deref(),
            Some(reason),
            "{why}: the log line's reason"
        );
        assert!(no_logout_recorded(&self.state).await, "{why}: recorded");
    }

    /// The good claims changed by `change`, signed by the IdP, are refused.
    async fn assert_claims_refused(&self, change: Value, why: &str, because: &str) {
        let token = self.idp.sign(&Oidc::claims(change));
        self.assert_refused(&token, why, because).await;
    }
}

#[tokio::test]
async fn a_good_logout_token_is_accepted() {
    let oidc = Oidc::start().await;
    let response = oidc.post(&oidc.idp.sign(&Oidc::good_claims())).await;
    let body = json_body(&response);
    assert_eq!(response.status(), 200, "{body}");
    assert_eq!(body, json!({"status": "logged_out"}));
    assert_eq!(
        oidc.state.sessions.logged_out_at(ALICE, NOW).await.unwrap(),
        Some(NOW),
        "the logout is recorded at the token's iat"
    );
    assert_eq!(oidc.jwks.fetches(), 1, "the keys came from the JWKS URL");

    let again = Oidc::claims(json!({"jti": "jti-2"}));
    assert_eq!(oidc.post(&oidc.idp.sign(&again)).await.status(), 200);
    assert_eq!(oidc.jwks.fetches(), 1, "the JWKS is cached");
}

#[tokio::test]
async fn with_the_idps_jwks_unreachable_a_logout_token_answers_503_with_retry_after() {
    let Oidc { idp, state, jwks } = Oidc::start().await;
    drop(jwks);
    let response = logout(
        &state,
        &oidc_logout(PROJECT, &idp.sign(&Oidc::good_claims())),
    )
    .await;
    assert_eq!(response.status(), 503, "{}", json_body(&response));
    assert!(response.headers().contains_key("retry-after"));
    assert!(no_logout_recorded(&state).await);
}

#[tokio::test]
async fn a_logout_token_signed_with_another_key_is_refused() {
    let oidc = Oidc::start().await;
    let other = StandinIdp::generate(ISSUER, AUDIENCE);
    let foreign = other.sign(&Oidc::good_claims());
    oidc.assert_refused(&foreign, "another IdP's key and kid", "unknown_kid")
        .await;
    // The IdP's own header and claims under another key's signature.
    let good = oidc.idp.sign(&Oidc::good_claims());
    let (signed_part, _) = good.rsplit_once('.').unwrap();
    let (_, foreign_signature) = foreign.rsplit_once('.').unwrap();
    oidc.assert_refused(
        &format!("{signed_part}.{foreign_signature}"),
        "the IdP's kid with another key's signature",
        "bad_signature",
    )
    .await;
}

/// Each rule on a logout token's claims, broken alone: the change to the good claims, what it
/// is, and the reason the refusal's log line must name.
fn broken_claim_rules() -> Vec<(Value, &'static str, &'static str)> {
    let events = "not_a_logout_token";
    vec![
        (
            json!({"iss": "https://evil.example.com/"}),
            "wrong iss",
            "wrong_issuer",
        ),
        (
            json!({"aud": "someone-else"}),
            "wrong aud",
            "wrong_audience",
        ),
        (json!({"iat": null}), "no iat", "missing_iat"),
        (
            json!({"iat": NOW - 3600, "exp": NOW - 600}),
            "exp ten minutes ago",
            "expired",
        ),
        (json!({"exp": null}), "no exp", "bad_time_claim"),
        (json!({"jti": null}), "no jti", "missing_jti"),
        (json!({"events": null}), "no events", events),
        (
            json!({"events": {"http://schemas.openid.net/event/other": {}}}),
            "another event",
            events,
        ),
        (
            json!({"events": {"http://schemas.openid.net/event/backchannel-logout": "yes"}}),
            "the event member is not an object",
            events,
        ),
        (json!({"sub": null}), "neither sub nor sid", "no_subject"),
        (
            json!({"sub": null, "sid": "session-7"}),
            "sid only",
            "sid_only",
        ),
        (
            json!({"nonce": "n-0S6_WzA2Mj"}),
            "nonce present",
            "nonce_in_logout_token",
        ),
    ]
}

#[tokio::test]
async fn a_logout_token_breaking_any_claim_rule_is_refused_naming_the_rule() {
    for (change, why, because) in broken_claim_rules() {
        let oidc = Oidc::start().await;
        oidc.assert_claims_refused(change, why, because).await;
    }
}

#[tokio::test]
async fn an_unsigned_alg_none_logout_token_is_refused() {
    let oidc = Oidc::start().await;
    let payload = URL_SAFE_NO_PAD.encode(Value::Object(Oidc::good_claims()).to_string());
    for alg in ["none", "None", "NONE"] {
        let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
        oidc.assert_refused(
            &format!("{header}.{payload}."),
            alg,
            "algorithm_not_allowed",
        )
        .await;
    }
}
