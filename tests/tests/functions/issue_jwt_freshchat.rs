//! The one value a page may send (Freshchat's `freshchat_uuid`, which its widget makes in the
//! browser) through the token route: taken only for a vendor that declares it, only in the
//! UUID form and only into that claim; any other body field is refused as ever, a bad value is
//! a 422 naming the field without echoing it, and the user still comes from the identity alone.

use chatpass_service::testing::{
    self as testing, Harness, JSM_KEY, NOW, ORIGIN, assert_problem, assert_readable_by_origin,
    for_project, harness, json_body, request, with_body,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};

const FRESHCHAT_KEY: &str = "freshchat-encryption-key-made-up-0123";
const UUID: &str = "2D1B3C4E-5F60-4A7B-8C9D-0E1F2A3B4C5D";

fn setup() -> Harness {
    harness(
        &[
            (
                "acme-freshchat",
                json!({"vendor": "freshchat", "key": FRESHCHAT_KEY, "allowed_origins": [ORIGIN]}),
            ),
            (
                "acme-jsm",
                json!({"vendor": "jsm-chat", "key": JSM_KEY, "allowed_origins": [ORIGIN]}),
            ),
        ],
        NOW,
    )
}

async fn token(h: &Harness, project: &str, body: &str) -> lambda_http::Response<lambda_http::Body> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../functions/issue-jwt/events/token.json"
    );
    let event = with_body(for_project(testing::fixture(path), project), body);
    issue_jwt::handler(&h.state, request(&event)).await
}

fn claims(token: &str) -> Value {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    let key = DecodingKey::from_secret(FRESHCHAT_KEY.as_bytes());
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .unwrap()
        .claims
}

#[tokio::test]
async fn the_widgets_uuid_goes_into_its_one_claim_and_the_user_comes_from_the_identity() {
    let h = setup();
    let body = json!({ "freshchat_uuid": UUID }).to_string();
    let response = token(&h, "acme-freshchat", &body).await;
    let answer = json_body(&response);
    assert_eq!(response.status(), 200, "{answer}");
    let claims = claims(answer["settings"]["token"].as_str().unwrap());
    assert_eq!(claims["freshchat_uuid"], UUID.to_ascii_lowercase());
    assert_eq!(claims["reference_id"], "u-1001");
    assert_eq!(claims["email"], "alice@example.com");
    assert_eq!(answer["expires_at"], NOW + 300);
}

#[tokio::test]
async fn a_uuid_of_another_form_or_none_at_all_is_a_422_naming_the_field_never_the_value() {
    let h = setup();
    for (body, why) in [
        (json!({"freshchat_uuid": "alice@example.com"}), "an email"),
        (json!({"freshchat_uuid": "u-1001"}), "a user id"),
        (json!({"freshchat_uuid": 42}), "a number"),
        (json!({"freshchat_uuid": {"sub": "u-2"}}), "an object"),
        (json!({}), "missing"),
    ] {
        let response = token(&h, "acme-freshchat", &body.to_string()).await;
        assert_problem(&response, 422, "bad_field");
        let detail = json_body(&response)["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains("freshchat_uuid"), "{why}: {detail}");
        for echoed in ["alice@example.com", "u-1001", "42", "u-2"] {
            assert!(!detail.contains(echoed), "{why}: {detail}");
        }
        assert_readable_by_origin(&response, why);
    }
}

#[tokio::test]
async fn every_other_field_is_refused_and_other_vendors_take_none() {
    let h = setup();
    for (project, body) in [
        (
            "acme-freshchat",
            json!({"freshchat_uuid": UUID, "sub": "u-2"}),
        ),
        ("acme-freshchat", json!({"email": "mallory@evil.example"})),
        ("acme-jsm", json!({"freshchat_uuid": UUID})),
    ] {
        let response = token(&h, project, &body.to_string()).await;
        assert_problem(&response, 400, "unexpected_field");
    }
}
