//! The token route for a vendor that mints its own tokens (HubSpot), against an in-memory
//! stand-in of its API: asked once per project and user while a token is fresh, one call in
//! flight however many requests wait, never for a caller the identity rules refuse; its
//! failures a 503 with Retry-After, its refusals a 409 naming them; the token never logged.

use chatpass_service::testing::{
    self as testing, Harness, NOW, ORIGIN, assert_problem, assert_readable_by_origin, for_project,
    harness, header, json_body, request, with_claims,
};
use chatpass_service::vendor_api::MemoryVendorApi;
use serde_json::{Value, json};
use std::sync::Arc;

const PRIVATE_APP_TOKEN: &str = "pat-na1-made-up-0000-1111-2222";

fn event(project: &str) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../functions/issue-jwt/events/token.json"
    );
    for_project(testing::fixture(path), project)
}

fn setup() -> (Harness, Arc<MemoryVendorApi>) {
    let api = Arc::new(MemoryVendorApi::new());
    let mut h = harness(
        &[(
            "acme-hubspot",
            json!({"vendor": "hubspot", "key": PRIVATE_APP_TOKEN, "allowed_origins": [ORIGIN]}),
        )],
        NOW,
    );
    h.state = h.state.with_vendor_api(api.clone());
    (h, api)
}

#[tokio::test]
async fn asks_hubspot_once_per_user_while_the_token_is_fresh() {
    let (h, api) = setup();
    let state = Arc::new(h.state.clone());
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let state = state.clone();
            tokio::spawn(async move {
                let response = issue_jwt::handler(&state, request(&event("acme-hubspot"))).await;
                (response.status().as_u16(), json_body(&response))
            })
        })
        .collect();
    let mut tokens = std::collections::BTreeSet::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["settings"]["identificationEmail"], "alice@example.com");
        assert_eq!(body["expires_at"], NOW + 12 * 3600);
        tokens.insert(
            body["settings"]["identificationToken"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(
        (api.calls(), tokens.len()),
        (1, 1),
        "one call for twenty requests"
    );

    // Another user is another call; the first user's token is reused until 6 h have passed.
    let bob = with_claims(
        event("acme-hubspot"),
        json!({"sub": "u-2", "email": "bob@example.com"}),
    );
    assert_eq!(
        issue_jwt::handler(&h.state, request(&bob)).await.status(),
        200
    );
    assert_eq!(api.calls(), 2);
    // A sign-in later in the day, with an identity token issued then.
    let later = |at: u64| {
        let times = json!({"iat": at.to_string(), "exp": (at + 3600).to_string()});
        with_claims(event("acme-hubspot"), times)
    };
    h.clock.advance(6 * 3600 - 1);
    let response = issue_jwt::handler(&h.state, request(&later(NOW + 6 * 3600 - 1))).await;
    assert_eq!((response.status().as_u16(), api.calls()), (200, 2));
    h.clock.advance(1);
    let response = issue_jwt::handler(&h.state, request(&later(NOW + 6 * 3600))).await;
    assert_eq!((response.status().as_u16(), api.calls()), (200, 3));
    assert_eq!(
        json_body(&response)["expires_at"],
        NOW + 6 * 3600 + 12 * 3600
    );
}

#[tokio::test]
async fn never_asks_for_a_caller_the_identity_rules_refuse() {
    let (h, api) = setup();
    let unverified = with_claims(event("acme-hubspot"), json!({"email_verified": "false"}));
    assert_problem(
        &issue_jwt::handler(&h.state, request(&unverified)).await,
        403,
        "email_not_verified",
    );
    let no_email = with_claims(event("acme-hubspot"), json!({"email": null}));
    assert_problem(
        &issue_jwt::handler(&h.state, request(&no_email)).await,
        422,
        "missing_field",
    );
    // Even a project that trusts unverified emails sends HubSpot verified ones only.
    let mut trusting = harness(
        &[(
            "acme-hubspot",
            json!({"vendor": "hubspot", "key": PRIVATE_APP_TOKEN, "allowed_origins": [ORIGIN],
                   "trust_unverified_email": true}),
        )],
        NOW,
    );
    trusting.state = trusting.state.with_vendor_api(api.clone());
    let response = issue_jwt::handler(&trusting.state, request(&unverified)).await;
    assert_problem(&response, 422, "bad_field");
    h.log_out_user("acme-hubspot", "d-1", NOW, NOW).await;
    assert_problem(
        &issue_jwt::handler(&h.state, request(&event("acme-hubspot"))).await,
        403,
        "logged_out",
    );
    assert_eq!(api.calls(), 0);
}

#[tokio::test]
async fn hubspot_failures_are_503_and_its_refusals_409_naming_them() {
    let (h, api) = setup();
    for (status, code, answer) in [
        (500, "vendor_unavailable", 503),
        (429, "vendor_unavailable", 503),
        (403, "vendor_feature_unavailable", 409),
        (401, "vendor_key_refused", 409),
    ] {
        api.fail_with(status);
        let response = issue_jwt::handler(&h.state, request(&event("acme-hubspot"))).await;
        assert_problem(&response, answer, code);
        if answer == 503 {
            assert_eq!(header(&response, "retry-after"), Some("5"));
        }
        let detail = json_body(&response)["detail"].as_str().unwrap().to_owned();
        if code == "vendor_feature_unavailable" {
            assert!(detail.contains("visitor identification"), "{detail}");
        }
        assert!(!detail.contains(PRIVATE_APP_TOKEN));
        assert_readable_by_origin(&response, "a listed origin reads the answer");
    }
    // Nothing failed was kept: once HubSpot answers, the next request gets a token.
    api.fail_with(0);
    let response = issue_jwt::handler(&h.state, request(&event("acme-hubspot"))).await;
    assert_eq!(response.status(), 200);
}
