//! logout-webhook's handler against the in-memory ports: the fixture's Standard Webhooks
//! delivery (signed with the vectors' secret at 1700000000), repeats, tampering, one session
//! ended alone, a project that takes no webhooks, and events it does not handle.

use chatpass_service::State;
use chatpass_service::store::{SessionIn, SessionLookup, UserIn};
use chatpass_service::testing::{
    Harness, NOW, SPRINKLR_KEY, USER_ID, WEBHOOK_SECRET as SECRET, assert_problem,
    harness as memory_harness, json_body as body, request, session,
};
use chatpass_signing::User;
use chatpass_signing::webhook::WebhookSecret;
use lambda_http::{Body, Response};
use serde_json::{Value, json};

/// A state over memory ports holding `projects`, the clock at `NOW`.
fn harness(projects: &[(&str, Value)]) -> Harness {
    memory_harness(projects, NOW)
}
const PROJECT: &str = "acme-sprinklr";

fn project() -> Value {
    json!({
        "vendor": "sprinklr", "key": SPRINKLR_KEY,
        "options": {"mode": "custom-user"}, "webhook_secrets": [SECRET],
    })
}

fn event() -> Value {
    let path = format!(
        "{}/../functions/logout-webhook/events/logout-webhook.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The fixture carrying `body` as delivery `id`, signed with the secret at `NOW`.
fn signed(id: &str, body: &str) -> Value {
    let signature = WebhookSecret::parse(SECRET)
        .unwrap()
        .sign(id, NOW as i64, body.as_bytes());
    let mut event = event();
    event["headers"]["webhook-id"] = json!(id);
    event["headers"]["webhook-signature"] = json!(signature);
    event["body"] = json!(body);
    event
}

async fn call(state: &State, event: &Value) -> Response<Body> {
    logout_webhook::handler(state, request(event)).await
}

/// When the store says `user` of the project logged out, asked at `NOW`.
async fn logged_out_at(h: &Harness, user_id: &str) -> Option<u64> {
    let whose = UserIn {
        project: PROJECT,
        user_id,
    };
    h.store.logged_out_at(whose, NOW).await.unwrap()
}

/// What the store holds at session `reference` of the project, asked at `NOW`.
async fn lookup(h: &Harness, reference: &str) -> SessionLookup {
    let which = SessionIn {
        project: PROJECT,
        reference,
    };
    h.store.session(which, NOW).await.unwrap()
}

async fn put_session(h: &Harness, reference: &str) {
    let user = User {
        id: USER_ID.into(),
        ..User::default()
    };
    h.store
        .put_session(&session(PROJECT, reference, user, NOW - 60, 360))
        .await
        .unwrap();
}

#[tokio::test]
async fn records_the_logout_of_the_fixtures_delivery() {
    let h = harness(&[(PROJECT, project())]);
    assert_eq!(logged_out_at(&h, "u-1001").await, None);
    let response = call(&h.state, &event()).await;

    assert_eq!(response.status(), 200, "{}", body(&response));
    assert_eq!(body(&response), json!({"status": "logged_out"}));
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(
        logged_out_at(&h, "u-1001").await,
        Some(NOW),
        "the logout time is the delivery's timestamp"
    );
}

#[tokio::test]
async fn a_repeated_delivery_is_answered_without_a_second_effect() {
    let h = harness(&[(PROJECT, project())]);
    assert_eq!(call(&h.state, &event()).await.status(), 200);
    let response = call(&h.state, &event()).await;

    assert_eq!(response.status(), 200, "{}", body(&response));
    assert_eq!(body(&response), json!({"status": "already_applied"}));
    assert_eq!(logged_out_at(&h, "u-1001").await, Some(NOW));
}

#[tokio::test]
async fn refuses_a_body_changed_by_one_byte() {
    let h = harness(&[(PROJECT, project())]);
    let mut tampered = event();
    let body_text = tampered["body"]
        .as_str()
        .unwrap()
        .replace("u-1001", "u-1002");
    tampered["body"] = json!(body_text);
    let response = call(&h.state, &tampered).await;

    assert_problem(&response, 401, "unauthorized");
    assert_eq!(logged_out_at(&h, "u-1002").await, None);
    assert_eq!(logged_out_at(&h, "u-1001").await, None);
}

#[tokio::test]
async fn ends_only_the_named_session() {
    let h = harness(&[(PROJECT, project())]);
    let ended = "00112233445566778899aabbccddeeff";
    let kept = "ffeeddccbbaa99887766554433221100";
    put_session(&h, ended).await;
    put_session(&h, kept).await;
    let delivery = signed(
        "msg_session_1",
        &json!({"type": "user.logged_out", "data": {"user_id": "u-1001", "session": ended}})
            .to_string(),
    );
    let response = call(&h.state, &delivery).await;

    assert_eq!(response.status(), 200, "{}", body(&response));
    assert_eq!(body(&response), json!({"status": "logged_out"}));
    assert_eq!(lookup(&h, ended).await, SessionLookup::Ended(NOW));
    assert!(matches!(lookup(&h, kept).await, SessionLookup::Active(_)));
    assert_eq!(
        logged_out_at(&h, "u-1001").await,
        None,
        "the user's other sessions and tokens stand"
    );
}

#[tokio::test]
async fn refuses_a_delivery_for_a_project_without_webhook_secrets() {
    let mut doc = project();
    doc.as_object_mut().unwrap().remove("webhook_secrets");
    let h = harness(&[(PROJECT, doc)]);
    let response = call(&h.state, &event()).await;

    assert_problem(&response, 401, "unauthorized");
    assert_eq!(logged_out_at(&h, "u-1001").await, None);
}

#[tokio::test]
async fn refuses_an_event_type_it_does_not_handle() {
    let h = harness(&[(PROJECT, project())]);
    let delivery = signed(
        "msg_other_1",
        r#"{"type":"user.created","data":{"user_id":"u-1001"}}"#,
    );
    let response = call(&h.state, &delivery).await;

    assert_problem(&response, 400, "unsupported_event");
    assert_eq!(logged_out_at(&h, "u-1001").await, None);
}

#[tokio::test]
async fn refuses_ids_too_long_for_the_store_as_bad_input() {
    let h = harness(&[(PROJECT, project())]);
    let long_id = "m".repeat(600);
    let response = call(
        &h.state,
        &signed(
            &long_id,
            r#"{"type":"user.logged_out","data":{"user_id":"u-1001"}}"#,
        ),
    )
    .await;
    assert_problem(&response, 400, "field_too_long");
    let long_user = format!(
        r#"{{"type":"user.logged_out","data":{{"user_id":"{}"}}}}"#,
        "u".repeat(600)
    );
    assert_problem(
        &call(&h.state, &signed("msg_long_user", &long_user)).await,
        400,
        "field_too_long",
    );
}
