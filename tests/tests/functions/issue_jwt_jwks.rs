//! `GET jwks.json` against the in-memory ports: the project's public key and nothing private,
//! cacheable, no CORS even for a browser's `Origin`, GET only, and a clear 409 for a project
//! that signs with a shared secret.

use chatpass_service::testing::{
    self as testing, JSM_KEY, NOW, ORIGIN, RSA_KEY, assert_problem, for_project, harness, header,
    json_body, request, with_header, with_method,
};
use serde_json::{Value, json};

fn fixture(project: &str) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../functions/issue-jwt/events/jwks.json"
    );
    for_project(testing::fixture(path), project)
}

fn projects() -> Vec<(&'static str, Value)> {
    vec![
        (
            "acme-salesforce",
            json!({"vendor": "salesforce-miaw", "key": RSA_KEY, "key_id": "acme-1",
                   "options": {"issuer": "https://www.acme.example"}, "allowed_origins": [ORIGIN]}),
        ),
        ("acme-jsm", json!({"vendor": "jsm-chat", "key": JSM_KEY})),
    ]
}

#[tokio::test]
async fn publishes_the_public_key_cacheable_and_without_cors() {
    let h = harness(&projects(), NOW);
    let event = with_header(fixture("acme-salesforce"), "origin", Some(ORIGIN));
    let response = issue_jwt::handler(&h.state, request(&event)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "cache-control"),
        Some("public, max-age=300")
    );
    assert_eq!(header(&response, "content-type"), Some("application/json"));
    assert_eq!(header(&response, "access-control-allow-origin"), None);
    let keys = json_body(&response)["keys"].as_array().unwrap().clone();
    assert_eq!(keys.len(), 1);
    let key = keys[0].as_object().unwrap();
    let mut members: Vec<&str> = key.keys().map(String::as_str).collect();
    members.sort_unstable();
    assert_eq!(members, ["alg", "e", "kid", "kty", "n", "use"]);
    assert_eq!(
        (key["kid"].as_str(), key["alg"].as_str()),
        (Some("acme-1"), Some("RS256"))
    );
    let body = String::from_utf8_lossy(response.body().as_ref()).into_owned();
    let pem_body: String = RSA_KEY.lines().nth(3).unwrap().to_owned();
    assert!(!body.contains(&pem_body), "no private part");
}

#[tokio::test]
async fn a_shared_secret_project_publishes_nothing_and_only_get_is_taken() {
    let h = harness(&projects(), NOW);
    let response = issue_jwt::handler(&h.state, request(&fixture("acme-jsm"))).await;
    assert_problem(&response, 409, "no_public_keys");
    let post = with_method(fixture("acme-salesforce"), "POST");
    let response = issue_jwt::handler(&h.state, request(&post)).await;
    assert_problem(&response, 405, "method_not_allowed");
    assert_eq!(header(&response, "allow"), Some("GET"));
    let response = issue_jwt::handler(&h.state, request(&fixture("acme-nobody"))).await;
    assert_problem(&response, 404, "unknown_project");
}
