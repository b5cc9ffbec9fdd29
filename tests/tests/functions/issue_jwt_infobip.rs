//! Infobip's `sid` through the token route: one reference per sign-in of the user at the
//! identity provider, the same for every identity token of that sign-in (its `sid`, else its
//! `auth_time`, else its `iat`), another for another sign-in, while `jti` is new on every token.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chatpass_service::testing::{
    self as testing, Harness, NOW, ORIGIN, for_project, harness, json_body, request, with_claims,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};

const SECRET: &[u8] = b"infobip-widget-secret-key-bytes!";

fn setup() -> Harness {
    let key = STANDARD.encode(SECRET);
    harness(
        &[(
            "acme-infobip",
            json!({"vendor": "infobip", "key": key, "key_id": "key-1", "allowed_origins": [ORIGIN],
                   "options": {"widget_id": "widget-1"}}),
        )],
        NOW,
    )
}

/// The claims of the token the route gives for an identity token with `claims`.
async fn token_claims(h: &Harness, claims: Value) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../functions/issue-jwt/events/token.json"
    );
    let event = with_claims(for_project(testing::fixture(path), "acme-infobip"), claims);
    let response = issue_jwt::handler(&h.state, request(&event)).await;
    let body = json_body(&response);
    assert_eq!(response.status(), 200, "{body}");
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    let token = body["settings"]["token"].as_str().unwrap();
    jsonwebtoken::decode::<Value>(token, &DecodingKey::from_secret(SECRET), &validation)
        .unwrap()
        .claims
}

fn issued(at: u64, more: Value) -> Value {
    let mut claims = json!({"iat": at.to_string(), "exp": (at + 3600).to_string()});
    claims
        .as_object_mut()
        .unwrap()
        .extend(more.as_object().unwrap().clone());
    claims
}

#[tokio::test]
async fn one_sign_in_keeps_one_sid_while_every_token_gets_a_new_jti() {
    let h = setup();
    let session = json!({"sid": "idp-session-1"});
    let first = token_claims(&h, issued(NOW - 600, session.clone())).await;
    let renewed = token_claims(&h, issued(NOW, session)).await;
    assert_eq!(first["sid"], renewed["sid"], "the same sign-in");
    assert_ne!(first["jti"], renewed["jti"]);
    assert!(!first["sid"].as_str().unwrap().contains("idp-session"));
    let other = token_claims(&h, issued(NOW, json!({"sid": "idp-session-2"}))).await;
    assert_ne!(other["sid"], first["sid"], "another sign-in");
}

#[tokio::test]
async fn without_a_session_id_the_sign_in_is_when_the_user_authenticated_or_the_token_was_issued() {
    let h = setup();
    let authenticated = json!({"auth_time": (NOW - 900).to_string()});
    let a = token_claims(&h, issued(NOW - 600, authenticated.clone())).await;
    let b = token_claims(&h, issued(NOW, authenticated)).await;
    assert_eq!(a["sid"], b["sid"]);
    let by_iat = token_claims(&h, issued(NOW - 600, json!({}))).await;
    let same_token = token_claims(&h, issued(NOW - 600, json!({}))).await;
    let next_token = token_claims(&h, issued(NOW, json!({}))).await;
    assert_eq!(by_iat["sid"], same_token["sid"]);
    assert_ne!(by_iat["sid"], next_token["sid"]);
}
