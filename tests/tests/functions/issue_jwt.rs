//! issue-jwt's handler against the in-memory ports: the fixture events of `events/`, a jsm-chat
//! project with the vectors' key, identity from the authorizer or from our own verifier, and
//! the project's policies (email domain, verified email, logouts, the body choosing nobody).

use chatpass_service::State;
use chatpass_service::identity::StandinIdp;
use chatpass_service::testing::{
    AUDIENCE, Harness, ISSUER, JSM_KEY, NOW, ORIGIN, assert_problem, assert_readable_by_origin,
    harness as memory_harness, header, idp, jsm_project, json_body as body, request, with_body,
    with_claims, with_header, without_authorizer,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use lambda_http::{Body, Response};
use serde_json::{Value, json};

/// A state over memory ports holding `projects`, the clock at `NOW`.
fn harness(projects: &[(&str, Value)]) -> Harness {
    memory_harness(projects, NOW)
}
const PROJECT: &str = "acme-jsm";
/// The token of the vectors' "jsm-chat basic" case: the fixture's user signed at `NOW`.
const VECTOR_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJlbWFpbCI6ImFsaWNlQGV4YW1wbGUuY29tIiwiZGlzcGxheU5hbWUiOiJBbGljZSBTbWl0aCIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAwMzAwfQ.wP-kfIHO-gAaZSlUWA0OYOibJVXTt73y2faU4GUeCZE";

/// A jsm-chat project with `extra` fields added.
fn jsm_with(extra: Value) -> Value {
    let mut doc = jsm_project();
    doc.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    doc
}

fn fixture(name: &str) -> Value {
    chatpass_tests::support::fixture("issue-jwt", name)
}

fn token_event() -> Value {
    fixture("token")
}

async fn call(state: &State, event: &Value) -> Response<Body> {
    issue_jwt::handler(state, request(event)).await
}

/// The jsm-chat token's claims, after checking its HS256 signature with the project key.
fn decode(token: &str) -> Value {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(
        token,
        &DecodingKey::from_secret(JSM_KEY.as_bytes()),
        &validation,
    )
    .expect("a token signed with the project key")
    .claims
}

fn the_token(response: &Response<Body>) -> String {
    body(response)["settings"]["token"]
        .as_str()
        .expect("a token in settings")
        .to_owned()
}

/// A state whose own verifier trusts the stand-in provider (no API Gateway authorizer).
fn harness_with_verifier() -> Harness {
    harness(&[(PROJECT, jsm_project())]).with_verifier(idp())
}

fn alice_extra() -> Value {
    json!({"email": "alice@example.com", "email_verified": true, "name": "Alice Smith"})
}

#[tokio::test]
async fn mints_a_jsm_chat_token_for_the_authorizers_user() {
    let h = harness(&[(PROJECT, jsm_project())]);
    let response = call(&h.state, &token_event()).await;

    assert_eq!(response.status(), 200, "{}", body(&response));
    assert_eq!(header(&response, "cache-control"), Some("no-store"));
    assert_eq!(header(&response, "content-type"), Some("application/json"));
    assert_readable_by_origin(&response, "a listed origin reads the answer");
    assert_eq!(header(&response, "vary"), Some("Origin"));
    let token = the_token(&response);
    assert_eq!(
        body(&response),
        json!({"vendor": "jsm-chat", "settings": {"token": token}, "expires_at": NOW + 300})
    );
    assert_eq!(
        decode(&token),
        json!({"email": "alice@example.com", "displayName": "Alice Smith", "iat": NOW, "exp": NOW + 300})
    );
    assert_eq!(token, VECTOR_TOKEN, "the vectors' token for the same user");
}

#[tokio::test]
async fn answers_a_preflight_from_a_listed_origin() {
    let h = harness(&[(PROJECT, jsm_project())]);
    let response = call(&h.state, &fixture("token-preflight")).await;

    assert_eq!(response.status(), 204);
    assert_eq!(
        header(&response, "access-control-allow-methods"),
        Some("POST, OPTIONS")
    );
    let allowed = header(&response, "access-control-allow-headers").unwrap();
    assert!(allowed.contains("authorization"), "{allowed}");
    assert!(allowed.contains("content-type"), "{allowed}");
    assert_readable_by_origin(&response, "a listed origin reads the answer");
    assert_eq!(header(&response, "vary"), Some("Origin"));
    assert!(response.body().is_empty());
}

#[tokio::test]
async fn refuses_a_caller_without_an_authorizer_when_no_verifier_is_configured() {
    let h = harness(&[(PROJECT, jsm_project())]);
    let response = call(&h.state, &without_authorizer(token_event())).await;

    assert_problem(&response, 401, "unauthorized");
    assert_eq!(header(&response, "www-authenticate"), Some("Bearer"));
    assert_readable_by_origin(&response, "a listed origin can read the refusal");
}

#[tokio::test]
async fn accepts_a_bearer_identity_token_its_own_verifier_trusts() {
    let h = harness_with_verifier();
    let bearer = idp().id_token("u-1001", NOW, alice_extra());
    let event = with_header(
        without_authorizer(token_event()),
        "authorization",
        Some(&format!("Bearer {bearer}")),
    );
    let response = call(&h.state, &event).await;

    assert_eq!(response.status(), 200, "{}", body(&response));
    assert_eq!(the_token(&response), VECTOR_TOKEN);
}

#[tokio::test]
async fn refuses_a_bearer_signed_by_another_identity_provider() {
    let h = harness_with_verifier();
    let other = StandinIdp::generate(ISSUER, AUDIENCE);
    let bearer = other.id_token("u-1001", NOW, alice_extra());
    let event = with_header(
        without_authorizer(token_event()),
        "authorization",
        Some(&format!("Bearer {bearer}")),
    );
    let response = call(&h.state, &event).await;

    assert_problem(&response, 401, "unauthorized");
    assert_eq!(header(&response, "www-authenticate"), Some("Bearer"));
}

#[tokio::test]
async fn refuses_a_caller_without_a_bearer_when_the_verifier_is_configured() {
    let h = harness_with_verifier();
    let event = with_header(without_authorizer(token_event()), "authorization", None);
    let response = call(&h.state, &event).await;

    assert_problem(&response, 401, "unauthorized");
    assert_eq!(header(&response, "www-authenticate"), Some("Bearer"));
}

#[tokio::test]
async fn the_body_cannot_choose_the_user() {
    let h = harness(&[(PROJECT, jsm_project())]);
    for attempt in [
        r#"{"user":{"id":"evil"}}"#,
        r#"{"email":"mallory@evil.example"}"#,
    ] {
        let response = call(&h.state, &with_body(token_event(), attempt)).await;
        assert_problem(&response, 400, "unexpected_field");
        assert_readable_by_origin(&response, "a listed origin reads the answer");
    }
}

#[tokio::test]
async fn the_tokens_email_is_always_the_claims_email() {
    let h = harness(&[(PROJECT, jsm_project())]);
    let mut event = with_claims(
        token_event(),
        json!({"sub": "u-2002", "email": "bob@example.com", "name": "Bob"}),
    );
    event["rawQueryString"] = json!("email=mallory%40evil.example");
    event["queryStringParameters"] = json!({"email": "mallory@evil.example"});
    let response = call(&h.state, &event).await;

    assert_eq!(response.status(), 200, "{}", body(&response));
    let claims = decode(&the_token(&response));
    assert_eq!(claims["email"], "bob@example.com");
    assert_eq!(claims["displayName"], "Bob");
}

#[tokio::test]
async fn refuses_an_email_outside_the_allowed_domains() {
    let h = harness(&[(
        PROJECT,
        jsm_with(json!({"allowed_email_domains": ["example.org"]})),
    )]);
    let response = call(&h.state, &token_event()).await;
    assert_problem(&response, 403, "email_domain_not_allowed");

    let allowed = with_claims(token_event(), json!({"email": "alice@Example.ORG"}));
    let response = call(&h.state, &allowed).await;
    assert_eq!(response.status(), 200, "{}", body(&response));
}

#[tokio::test]
async fn refuses_an_unverified_email_unless_the_project_trusts_it() {
    let unverified = with_claims(token_event(), json!({"email_verified": "false"}));

    let h = harness(&[(PROJECT, jsm_project())]);
    assert_problem(
        &call(&h.state, &unverified).await,
        403,
        "email_not_verified",
    );
    let no_claim = with_claims(token_event(), json!({"email_verified": null}));
    assert_problem(&call(&h.state, &no_claim).await, 403, "email_not_verified");

    let h = harness(&[(PROJECT, jsm_with(json!({"trust_unverified_email": true})))]);
    let response = call(&h.state, &unverified).await;
    assert_eq!(response.status(), 200, "{}", body(&response));
    assert_eq!(decode(&the_token(&response))["email"], "alice@example.com");
}

#[tokio::test]
async fn sends_a_hash_vendors_project_to_the_user_hash_endpoint() {
    let h = harness(&[(
        "acme-crisp",
        json!({"vendor": "crisp", "key": "crisp-website-secret", "allowed_origins": [ORIGIN]}),
    )]);
    let event = serde_json::to_string(&token_event())
        .unwrap()
        .replace(PROJECT, "acme-crisp");
    let response = call(&h.state, &serde_json::from_str(&event).unwrap()).await;

    assert_problem(&response, 409, "wrong_endpoint");
    let detail = body(&response)["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("user-hash"), "{detail}");
}

#[tokio::test]
async fn refuses_identity_tokens_issued_up_to_a_recorded_logout() {
    let h = harness(&[(PROJECT, jsm_project())]);
    let logout_at = NOW + 10;
    h.log_out_user(PROJECT, "d1", logout_at, NOW).await;

    for iat in [NOW, logout_at] {
        let event = with_claims(token_event(), json!({"iat": iat.to_string()}));
        assert_problem(&call(&h.state, &event).await, 403, "logged_out");
    }
    let no_iat = with_claims(token_event(), json!({"iat": null}));
    assert_problem(&call(&h.state, &no_iat).await, 403, "logged_out");

    let after = with_claims(token_event(), json!({"iat": (logout_at + 1).to_string()}));
    let response = call(&h.state, &after).await;
    assert_eq!(response.status(), 200, "{}", body(&response));

    let other_user = with_claims(token_event(), json!({"sub": "u-2002"}));
    assert_eq!(call(&h.state, &other_user).await.status(), 200);
}

#[tokio::test]
async fn refuses_a_user_id_too_long_for_the_store() {
    let h = harness(&[(PROJECT, jsm_project())]);
    let event = with_claims(token_event(), json!({"sub": "u".repeat(600)}));
    assert_problem(&call(&h.state, &event).await, 422, "field_too_long");
}

/// A drift project: drift identifies users by id, so its email policy is the domain rule alone.
fn drift_with(extra: Value) -> Value {
    let mut doc = json!({"vendor": "drift", "key": JSM_KEY, "allowed_origins": [ORIGIN]});
    doc.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    doc
}

#[tokio::test]
async fn a_domain_rule_only_ever_matches_a_verified_email() {
    let h = harness(&[(
        PROJECT,
        drift_with(
            json!({"allowed_email_domains": ["example.com"], "trust_unverified_email": true}),
        ),
    )]);
    // A sign-up with an address in the brand's domain that the IdP never verified.
    let unverified = with_claims(token_event(), json!({"email_verified": "false"}));
    assert_problem(
        &call(&h.state, &unverified).await,
        403,
        "email_not_verified",
    );
    let response = call(&h.state, &token_event()).await;
    assert_eq!(response.status(), 200, "{}", body(&response));
}

#[tokio::test]
async fn a_remapped_email_is_unverified_unless_its_verification_is_mapped_too() {
    let mallory = json!({"work_email": "mallory@corp.example", "work_email_verified": "false"});
    let remapped = harness(&[(
        PROJECT,
        jsm_with(json!({"identity": {"claims": {"email": "work_email"}}})),
    )]);
    // `email_verified` speaks of `email`, not of `work_email`.
    let event = with_claims(token_event(), mallory.clone());
    assert_problem(
        &call(&remapped.state, &event).await,
        403,
        "email_not_verified",
    );

    let both = harness(&[(
        PROJECT,
        jsm_with(
            json!({"identity": {"claims": {"email": "work_email", "email_verified": "work_email_verified"}}}),
        ),
    )]);
    assert_problem(&call(&both.state, &event).await, 403, "email_not_verified");
    let verified = with_claims(
        token_event(),
        json!({"work_email": "mallory@corp.example", "work_email_verified": "true"}),
    );
    let response = call(&both.state, &verified).await;
    assert_eq!(response.status(), 200, "{}", body(&response));
    assert_eq!(
        decode(&the_token(&response))["email"],
        "mallory@corp.example"
    );
}

#[tokio::test]
async fn the_authorizers_claims_pass_the_identity_rules_the_verifier_applies() {
    let h = harness(&[(PROJECT, jsm_project())]);
    // An OIDC back-channel logout token of the same issuer and audience, let through by an
    // authorizer that checks only signature, issuer, audience and times.
    let logout_token = with_claims(
        token_event(),
        json!({"events": "{\"http://schemas.openid.net/event/backchannel-logout\":{}}", "jti": "j-1"}),
    );
    assert_problem(&call(&h.state, &logout_token).await, 401, "unauthorized");
    // An identity token minted to outlive a logout or a key rotation.
    let long_lived = with_claims(
        token_event(),
        json!({"exp": (NOW + 86_400 + 1).to_string()}),
    );
    assert_problem(&call(&h.state, &long_lived).await, 401, "unauthorized");
    let day = with_claims(token_event(), json!({"exp": (NOW + 86_400).to_string()}));
    assert_eq!(call(&h.state, &day).await.status(), 200);
}
