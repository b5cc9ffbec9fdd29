//! user-details-callback's handler against the in-memory ports: a session put in the store
//! directly, looked up by the reference from the body, the query or the forwarded cookie;
//! the vendor's server authenticated by callback key and source address; expired, ended and
//! unknown sessions.

use chatpass_service::State;
use chatpass_service::store::{Logout, LogoutDelivery, Session};
use chatpass_service::testing::{
    CALLBACK_KEY, Harness, NOW, REFERENCE, SPRINKLR_KEY, alice, assert_problem,
    harness as memory_harness, header, json_body as body, request, session, with_body,
};
use lambda_http::{Body, Response};
use serde_json::{Value, json};

/// A state over memory ports holding `projects`, the clock at `NOW`.
fn harness(projects: &[(&str, Value)]) -> Harness {
    memory_harness(projects, NOW)
}
const PROJECT: &str = "acme-sprinklr";
const SESSION_TTL: u64 = 300;

fn project(extra: Value) -> Value {
    let mut doc = json!({
        "vendor": "sprinklr", "key": SPRINKLR_KEY,
        "options": {"mode": "custom-user"}, "callback_keys": [CALLBACK_KEY],
    });
    doc.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    doc
}

/// A harness for the project with `extra` config, alice's session under `REFERENCE`.
async fn with_session(extra: Value) -> Harness {
    let h = harness(&[(PROJECT, project(extra))]);
    h.store
        .put_session(&session(PROJECT, REFERENCE, alice(), NOW, SESSION_TTL))
        .await
        .unwrap();
    h
}

fn fixture(name: &str) -> Value {
    chatpass_tests::support::fixture("user-details-callback", name)
}

/// The POST fixture with the reference in the JSON body.
fn body_event() -> Value {
    fixture("user-details")
}

/// The GET fixture with the reference in the forwarded cookie.
fn cookie_event() -> Value {
    fixture("user-details-cookie")
}

/// A GET with the reference in the query string and no cookie.
fn query_event(token: &str) -> Value {
    let mut event = cookie_event();
    event.as_object_mut().unwrap().remove("cookies");
    event["rawQueryString"] = json!(format!("token={token}"));
    event["queryStringParameters"] = json!({ "token": token });
    event
}

fn with_key(mut event: Value, key: &str) -> Value {
    event["headers"]["authorization"] = json!(format!("Bearer {key}"));
    event
}

async fn call(state: &State, event: &Value) -> Response<Body> {
    user_details_callback::handler(state, request(event)).await
}

fn alice_in_sprinklr_names() -> Value {
    json!({
        "id": "u-1001",
        "firstName": "Alice",
        "lastName": "Smith",
        "profileImageUrl": "https://img.example.com/a.png",
        "phoneNo": "15550100",
        "email": "alice@example.com"
    })
}

#[tokio::test]
async fn answers_the_reference_in_the_body_with_the_users_details_in_sprinklr_names() {
    let h = with_session(json!({})).await;
    let response = call(&h.state, &body_event()).await;

    assert_eq!(response.status(), 200, "{}", body(&response));
    assert_eq!(header(&response, "cache-control"), Some("no-store"));
    assert_eq!(header(&response, "content-type"), Some("application/json"));
    assert_eq!(body(&response), alice_in_sprinklr_names());
}

#[tokio::test]
async fn answers_the_reference_in_the_forwarded_cookie() {
    let h = with_session(json!({})).await;
    let response = call(&h.state, &cookie_event()).await;

    assert_eq!(response.status(), 200, "{}", body(&response));
    assert_eq!(body(&response), alice_in_sprinklr_names());
}

#[tokio::test]
async fn answers_the_reference_in_the_query_string() {
    let h = with_session(json!({})).await;
    let response = call(&h.state, &query_event(REFERENCE)).await;

    assert_eq!(response.status(), 200, "{}", body(&response));
    assert_eq!(body(&response), alice_in_sprinklr_names());
}

#[tokio::test]
async fn refuses_a_wrong_or_missing_callback_key() {
    let h = with_session(json!({})).await;
    let wrong = with_key(body_event(), "cb-key-0123456789abcdefghijklmnoq");
    let response = call(&h.state, &wrong).await;
    assert_problem(&response, 401, "unauthorized");
    assert_eq!(header(&response, "www-authenticate"), Some("Bearer"));

    let mut missing = body_event();
    missing["headers"]
        .as_object_mut()
        .unwrap()
        .remove("authorization");
    assert_problem(&call(&h.state, &missing).await, 401, "unauthorized");

    let h = with_session(json!({"callback_keys": []})).await;
    assert_problem(&call(&h.state, &body_event()).await, 401, "unauthorized");
}

#[tokio::test]
async fn accepts_every_key_in_callback_keys_while_rotating() {
    let next = "cb-key-next-ZYXWVUTSRQPONMLKJIHGFEDCBA";
    let h = with_session(json!({"callback_keys": [CALLBACK_KEY, next]})).await;

    for key in [CALLBACK_KEY, next] {
        let response = call(&h.state, &with_key(body_event(), key)).await;
        assert_eq!(response.status(), 200, "{}", body(&response));
    }
}

#[tokio::test]
async fn refuses_a_caller_outside_the_allowed_addresses() {
    // The fixtures come from 203.0.113.10.
    let h = with_session(json!({"callback_allowed_ips": ["198.51.100.0/24"]})).await;
    assert_problem(&call(&h.state, &body_event()).await, 401, "unauthorized");

    let h = with_session(json!({"callback_allowed_ips": ["203.0.113.0/24"]})).await;
    let response = call(&h.state, &body_event()).await;
    assert_eq!(response.status(), 200, "{}", body(&response));

    let h = with_session(json!({"callback_allowed_ips": ["203.0.113.10"]})).await;
    assert_eq!(call(&h.state, &body_event()).await.status(), 200);
}

#[tokio::test]
async fn answers_404_for_an_unknown_reference() {
    let h = with_session(json!({})).await;
    let unknown = with_body(
        body_event(),
        r#"{"token": "ffeeddccbbaa99887766554433221100"}"#,
    );
    assert_problem(&call(&h.state, &unknown).await, 404, "not_found");

    let malformed = query_event("not-a-reference");
    assert_problem(&call(&h.state, &malformed).await, 404, "not_found");
}

#[tokio::test]
async fn answers_410_once_the_session_expired() {
    let h = with_session(json!({})).await;
    h.clock.advance(SESSION_TTL - 1);
    assert_eq!(call(&h.state, &body_event()).await.status(), 200);

    h.clock.advance(1);
    assert_problem(&call(&h.state, &body_event()).await, 410, "gone");
}

#[tokio::test]
async fn answers_410_after_the_user_logged_out() {
    let h = with_session(json!({})).await;
    h.clock.advance(10);
    h.log_out_user(PROJECT, "d1", NOW + 5, NOW + 10).await;

    assert_problem(&call(&h.state, &body_event()).await, 410, "gone");
    assert_problem(&call(&h.state, &cookie_event()).await, 410, "gone");
}

#[tokio::test]
async fn a_logout_before_the_session_began_leaves_it_answering() {
    let h = with_session(json!({})).await;
    h.log_out_user(PROJECT, "d0", NOW - 1, NOW).await;

    let response = call(&h.state, &body_event()).await;
    assert_eq!(response.status(), 200, "{}", body(&response));
}

#[tokio::test]
async fn answers_410_after_the_session_alone_was_ended() {
    let h = with_session(json!({})).await;
    let the_session = Logout::Session {
        reference: REFERENCE.into(),
    };
    let delivery = LogoutDelivery {
        project: PROJECT,
        id: "d2",
        logout: &the_session,
        at: NOW,
    };
    h.store.apply_logout(delivery, NOW).await.unwrap();

    assert_problem(&call(&h.state, &body_event()).await, 410, "gone");
}

#[tokio::test]
async fn answers_only_the_fields_the_project_maps_in_their_names() {
    let h = with_session(json!({
        "user_details_fields": {"id": "externalId", "email": "mail", "name": "fullName"}
    }))
    .await;
    let response = call(&h.state, &body_event()).await;

    assert_eq!(response.status(), 200, "{}", body(&response));
    assert_eq!(
        body(&response),
        json!({"externalId": "u-1001", "mail": "alice@example.com", "fullName": "Alice Smith"})
    );
}

#[tokio::test]
async fn refuses_a_call_with_no_token_anywhere() {
    let h = with_session(json!({})).await;
    assert_problem(
        &call(&h.state, &with_body(body_event(), "{}")).await,
        400,
        "missing_token",
    );

    let mut bare = cookie_event();
    bare.as_object_mut().unwrap().remove("cookies");
    assert_problem(&call(&h.state, &bare).await, 400, "missing_token");
}

#[tokio::test]
async fn a_late_logout_ends_a_session_whose_identity_was_issued_before_it() {
    let h = harness(&[(PROJECT, project(json!({})))]);
    // Minted at NOW from an identity token issued at NOW - 100; the user logged out at
    // NOW - 50, and the IdP's logout arrives only now.
    let minted = Session {
        issued_at: Some(NOW - 100),
        ..session(PROJECT, REFERENCE, alice(), NOW, SESSION_TTL)
    };
    h.store.put_session(&minted).await.unwrap();
    h.log_out_user(PROJECT, "late", NOW - 50, NOW).await;
    assert_problem(&call(&h.state, &body_event()).await, 410, "gone");
}

#[tokio::test]
async fn refuses_two_session_cookies_a_sibling_subdomain_could_have_planted() {
    let h = with_session(json!({})).await;
    let mut planted = cookie_event();
    planted["cookies"] = json!([
        "chatpass_session=ffeeddccbbaa99887766554433221100",
        format!("chatpass_session={REFERENCE}")
    ]);
    assert_problem(&call(&h.state, &planted).await, 400, "repeated_cookie");
    let response = call(&h.state, &cookie_event()).await;
    assert_eq!(response.status(), 200, "{}", body(&response));
}
