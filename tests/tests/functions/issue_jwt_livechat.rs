//! The token route for LiveChat, whose Text platform mints each user's customer token, against
//! an in-memory stand-in of its API: the user's `entity_id` is kept in the state table so the
//! same user stays the same customer, no user ever gets another's token, and with the state
//! table down LiveChat is not asked (a 503).

use chatpass_service::store::KeptFor;
use chatpass_service::testing::{
    self as testing, DownStore, Harness, NOW, ORIGIN, assert_problem, for_project, harness,
    json_body, request, with_claims,
};
use chatpass_service::vendor_api::MemoryVendorApi;
use serde_json::{Value, json};
use std::sync::Arc;

const AGENT_TOKEN: &str = "dal:made-up-agent-token-0123";
const PROJECT: &str = "acme-livechat";

fn event(claims: Value) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../functions/issue-jwt/events/token.json"
    );
    with_claims(for_project(testing::fixture(path), PROJECT), claims)
}

fn setup() -> (Harness, Arc<MemoryVendorApi>) {
    let api = Arc::new(MemoryVendorApi::new());
    let mut h = harness(
        &[(
            PROJECT,
            json!({"vendor": "livechat", "key": AGENT_TOKEN, "allowed_origins": [ORIGIN],
                   "options": {"client_id": "client-1", "organization_id": "org-1"}}),
        )],
        NOW,
    );
    h.state = h.state.with_vendor_api(api.clone());
    (h, api)
}

async fn sign_in(h: &Harness, sub: &str) -> Value {
    let response = issue_jwt::handler(&h.state, request(&event(json!({"sub": sub})))).await;
    let body = json_body(&response);
    assert_eq!(response.status(), 200, "{body}");
    body
}

fn whose(user_id: &str) -> KeptFor<'_> {
    KeptFor {
        project: PROJECT,
        vendor: "livechat",
        user_id,
    }
}

#[tokio::test]
async fn each_user_gets_their_own_customer_and_keeps_it() {
    let (h, api) = setup();
    let alice = sign_in(&h, "u-1").await;
    let bob = sign_in(&h, "u-2").await;
    assert_eq!(api.calls(), 2);
    assert_eq!(alice["vendor"], "livechat");
    assert_eq!(alice["settings"]["organizationId"], "org-1");
    assert_eq!(alice["settings"]["creationDate"], NOW * 1000);
    assert_ne!(alice["settings"]["entityId"], bob["settings"]["entityId"]);
    assert_ne!(
        alice["settings"]["accessToken"],
        bob["settings"]["accessToken"]
    );
    let kept = h.store.kept(whose("u-1"), NOW).await.unwrap();
    assert_eq!(kept.as_deref(), alice["settings"]["entityId"].as_str());

    // An hour on, the token is asked for again, for the same customer.
    h.clock.advance(3600);
    let times =
        json!({"sub": "u-1", "iat": (NOW + 3600).to_string(), "exp": (NOW + 7200).to_string()});
    let response = issue_jwt::handler(&h.state, request(&event(times))).await;
    let later = json_body(&response);
    assert_eq!(
        (response.status().as_u16(), api.calls()),
        (200, 3),
        "{later}"
    );
    assert_eq!(later["settings"]["entityId"], alice["settings"]["entityId"]);
    assert_eq!(later["expires_at"], NOW + 3600 + 28_800);
}

#[tokio::test]
async fn with_the_state_table_down_livechat_is_not_asked_and_the_answer_is_a_503() {
    let (mut h, api) = setup();
    h.state.sessions = Arc::new(DownStore);
    let response = issue_jwt::handler(&h.state, request(&event(json!({})))).await;
    assert_problem(&response, 503, "store_unavailable");
    assert_eq!(api.calls(), 0);
}

#[tokio::test]
async fn livechat_refusing_the_agent_token_is_a_409_naming_the_key() {
    let (h, api) = setup();
    api.fail_with(401);
    let response = issue_jwt::handler(&h.state, request(&event(json!({})))).await;
    assert_problem(&response, 409, "vendor_key_refused");
    let detail = json_body(&response)["detail"].as_str().unwrap().to_owned();
    assert!(!detail.contains(AGENT_TOKEN), "{detail}");
    assert_eq!(h.store.kept(whose("u-1001"), NOW).await.unwrap(), None);
}
