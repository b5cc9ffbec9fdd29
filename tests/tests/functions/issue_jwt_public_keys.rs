//! The public keys' routes against the in-memory ports: `jwks.json`, `public-key.pem` and
//! `public-keys.json` publish the project's public key and nothing private, each in its form,
//! cacheable, no CORS even for a browser's `Origin`, GET only, and a clear 409 for a project
//! that signs with a shared secret. What they publish verifies what the token route signs.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chatpass_service::testing::{
    self as testing, Harness, JSM_KEY, NOW, ORIGIN, RSA_KEY, assert_problem, for_project, harness,
    header, json_body, request, with_header, with_method,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use lambda_http::{Body, Response};
use serde_json::{Value, json};

/// The three routes: (name, fixture).
const ROUTES: [(&str, &str); 3] = [
    ("jwks.json", "jwks"),
    ("public-key.pem", "public-key-pem"),
    ("public-keys.json", "public-keys"),
];

fn fixture(name: &str, project: &str) -> Value {
    let path = format!(
        "{}/../functions/issue-jwt/events/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    for_project(testing::fixture(&path), project)
}

fn projects() -> Vec<(&'static str, Value)> {
    vec![
        (
            "acme-salesforce",
            json!({"vendor": "salesforce-miaw", "key": RSA_KEY, "key_id": "acme-1",
                   "options": {"issuer": "https://www.acme.example"}, "allowed_origins": [ORIGIN]}),
        ),
        (
            "acme-liveperson",
            json!({"vendor": "liveperson", "key": RSA_KEY, "key_id": "lp-1",
                   "options": {"issuer": "https://www.acme.example"}, "allowed_origins": [ORIGIN]}),
        ),
        ("acme-jsm", json!({"vendor": "jsm-chat", "key": JSM_KEY})),
    ]
}

/// The answer of `GET <route>` (by its fixture's name) for `project`.
async fn get(h: &Harness, fixture_name: &str, project: &str) -> Response<Body> {
    issue_jwt::handler(&h.state, request(&fixture(fixture_name, project))).await
}

fn text(response: &Response<Body>) -> String {
    String::from_utf8_lossy(response.body().as_ref()).into_owned()
}

#[tokio::test]
async fn publishes_the_public_key_in_each_form_cacheable_and_without_cors() {
    let h = harness(&projects(), NOW);
    let private_line = RSA_KEY.lines().nth(3).unwrap().to_owned();
    for (name, fixture_name) in ROUTES {
        let event = with_header(
            fixture(fixture_name, "acme-salesforce"),
            "origin",
            Some(ORIGIN),
        );
        let response = issue_jwt::handler(&h.state, request(&event)).await;
        assert_eq!(response.status(), 200, "{name}: {}", text(&response));
        assert_eq!(
            header(&response, "cache-control"),
            Some("public, max-age=300"),
            "{name}"
        );
        assert_eq!(header(&response, "access-control-allow-origin"), None);
        assert!(
            !text(&response).contains(&private_line),
            "{name}: no private part"
        );
    }
    let jwks = get(&h, "jwks", "acme-salesforce").await;
    assert_eq!(header(&jwks, "content-type"), Some("application/json"));
    let keys = json_body(&jwks)["keys"].as_array().unwrap().clone();
    assert_eq!(keys.len(), 1);
    let key = keys[0].as_object().unwrap();
    let mut members: Vec<&str> = key.keys().map(String::as_str).collect();
    members.sort_unstable();
    assert_eq!(members, ["alg", "e", "kid", "kty", "n", "use"]);
    assert_eq!(
        (key["kid"].as_str(), key["alg"].as_str()),
        (Some("acme-1"), Some("RS256"))
    );

    let pem = get(&h, "public-key-pem", "acme-salesforce").await;
    assert_eq!(header(&pem, "content-type"), Some("application/x-pem-file"));
    let pem = text(&pem);
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");
    assert_eq!(pem.matches("-----BEGIN").count(), 1);

    let list = get(&h, "public-keys", "acme-salesforce").await;
    assert_eq!(header(&list, "content-type"), Some("application/json"));
    let list = json_body(&list);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["kid"], "acme-1");
    assert_eq!(list[0]["expiry"], NOW + 86_400);
    let listed = STANDARD.decode(list[0]["publicKey"].as_str().unwrap());
    assert_eq!(listed.unwrap(), pem.as_bytes(), "the list holds the PEM");
}

#[tokio::test]
async fn the_published_pem_verifies_the_token_the_route_signs() {
    let h = harness(&projects(), NOW);
    let token_event = fixture("token", "acme-liveperson");
    let response = issue_jwt::handler(&h.state, request(&token_event)).await;
    let body = json_body(&response);
    assert_eq!(response.status(), 200, "{body}");
    let token = body["settings"]["token"].as_str().unwrap();
    let pem = text(&get(&h, "public-key-pem", "acme-liveperson").await);
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    let key = DecodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation).unwrap();
    assert_eq!(claims.claims["sub"], "u-1001");
}

#[tokio::test]
async fn a_shared_secret_project_publishes_nothing_and_only_get_is_taken() {
    let h = harness(&projects(), NOW);
    for (name, fixture_name) in ROUTES {
        let shared = get(&h, fixture_name, "acme-jsm").await;
        assert_problem(&shared, 409, "no_public_keys");
        let post = with_method(fixture(fixture_name, "acme-salesforce"), "POST");
        let response = issue_jwt::handler(&h.state, request(&post)).await;
        assert_problem(&response, 405, "method_not_allowed");
        assert_eq!(header(&response, "allow"), Some("GET"), "{name}");
        let nobody = get(&h, fixture_name, "acme-nobody").await;
        assert_problem(&nobody, 404, "unknown_project");
    }
}
