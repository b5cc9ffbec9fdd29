//! While a rotation is under way, a caller's key the current version lacks is checked against
//! the previous version's (AWSPREVIOUS), read only then; while it cannot be read the answer is
//! a 503 the caller retries, never a refusal that may only be for want of it.

use chatpass_service::ProjectConfig;
use chatpass_service::State;
use chatpass_service::source::{ConfigSource, MemorySource};
use chatpass_service::testing::{
    CALLBACK_KEY, DownSource, NOW, REFERENCE, SPRINKLR_KEY, WEBHOOK_SECRET, harness, json_body,
    request,
};
use chatpass_tests::support::{
    fixture, for_project, logged_out_body, signed_logout_webhook, with_header,
};
use serde_json::{Value, json};
use std::sync::Arc;

const PROJECT: &str = "acme-rotating";
const OLD_CALLBACK_KEY: &str = "cb-key-previous-0123456789abcdefgh";
const OLD_WEBHOOK_SECRET: &str = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

fn version(callback_key: &str, webhook_secret: &str) -> Value {
    json!({"vendor": "sprinklr", "key": SPRINKLR_KEY, "options": {"mode": "custom-user"},
           "callback_keys": [callback_key], "webhook_secrets": [webhook_secret]})
}

/// A state whose project's current version holds the new keys, and whose previous version
/// is `previous`.
fn state(previous: Arc<dyn ConfigSource>) -> State {
    let mut state = harness(&[(PROJECT, version(CALLBACK_KEY, WEBHOOK_SECRET))], NOW).state;
    state.configs.previous = Some(previous);
    state
}

fn previous_version() -> Arc<dyn ConfigSource> {
    let old = ProjectConfig::from_value(PROJECT, version(OLD_CALLBACK_KEY, OLD_WEBHOOK_SECRET));
    Arc::new(MemorySource::new([old.unwrap()]))
}

/// The vendor's server asking for an unknown session with `key`: 404 once the key passes.
async fn callback(state: &State, key: &str) -> (u16, Value) {
    let event = for_project(fixture("user-details-callback", "user-details"), PROJECT);
    let mut event = with_header(event, "authorization", Some(&format!("Bearer {key}")));
    event["body"] = json!(json!({ "token": REFERENCE }).to_string());
    let response = user_details_callback::handler(state, request(&event)).await;
    (response.status().as_u16(), json_body(&response))
}

async fn logout(state: &State, secret: &str, id: &str) -> (u16, Value) {
    let event = signed_logout_webhook(PROJECT, secret, id, NOW, &logged_out_body("u-1"));
    let response = logout_webhook::handler(state, request(&event)).await;
    (response.status().as_u16(), json_body(&response))
}

#[tokio::test]
async fn the_previous_versions_keys_are_accepted_and_read_only_when_the_current_ones_do_not_do() {
    let state = state(previous_version());
    assert_eq!(
        callback(&state, CALLBACK_KEY).await.0,
        404,
        "the current key"
    );
    assert_eq!(
        callback(&state, OLD_CALLBACK_KEY).await.0,
        404,
        "the previous key"
    );
    let (status, body) = callback(&state, "cb-key-neither-0123456789abcdefghij").await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));

    assert_eq!(logout(&state, WEBHOOK_SECRET, "m-1").await.0, 200);
    assert_eq!(logout(&state, OLD_WEBHOOK_SECRET, "m-2").await.0, 200);
    let other = "whsec_c29tZW9uZS1lbHNlcy1zZWNyZXQtMDEyMzQ1Njc4OWFi";
    assert_eq!(logout(&state, other, "m-3").await.0, 401);

    // With no previous version at all, an old key is refused.
    let none = harness(&[(PROJECT, version(CALLBACK_KEY, WEBHOOK_SECRET))], NOW).state;
    assert_eq!(callback(&none, OLD_CALLBACK_KEY).await.0, 401);
}

#[tokio::test]
async fn while_the_previous_version_cannot_be_read_an_old_key_is_told_to_retry() {
    let state = state(Arc::new(DownSource));
    // The current keys need no previous version.
    assert_eq!(callback(&state, CALLBACK_KEY).await.0, 404);
    assert_eq!(logout(&state, WEBHOOK_SECRET, "m-1").await.0, 200);
    for (what, (status, body)) in [
        ("callback", callback(&state, OLD_CALLBACK_KEY).await),
        ("logout", logout(&state, OLD_WEBHOOK_SECRET, "m-2").await),
    ] {
        assert_eq!(
            (status, body["code"].as_str()),
            (503, Some("config_unavailable")),
            "{what}: retryable, never a refusal"
        );
    }
}
