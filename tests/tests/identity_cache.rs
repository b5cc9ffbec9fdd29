//! The verified-identity cache through the sign-in routes: a renewal with the same identity
//! token skips only the signature check; everything that can change between two requests is
//! checked again — a logout of that user, the project's rules, the origin.

use chatpass_service::testing::{
    JSM_KEY, NOW, ORIGIN, USER_ID, harness, idp, jsm_project, json_body, request,
    without_authorizer,
};
use chatpass_tests::support::{fixture, for_project, route, with_header};
use serde_json::{Value, json};

/// A token request for `project` carrying `token` as the bearer, from `origin`.
fn token_request(project: &str, token: &str, origin: &str) -> Value {
    let event = without_authorizer(for_project(fixture("issue-jwt", "token"), project));
    let event = with_header(event, "authorization", Some(&format!("Bearer {token}")));
    with_header(event, "origin", Some(origin))
}

#[tokio::test]
async fn a_cached_identity_still_meets_the_logout_the_projects_rules_and_the_origin() {
    let strict = json!({"vendor": "jsm-chat", "key": JSM_KEY, "allowed_origins": [ORIGIN],
                        "allowed_email_domains": ["corp.example"]});
    let h =
        harness(&[("acme-jsm", jsm_project()), ("acme-strict", strict)], NOW).with_verifier(idp());
    let verifier = h.state.verifier.clone().unwrap();
    let token = idp().id_token(
        USER_ID,
        NOW - 10,
        json!({"email": "alice@example.com", "email_verified": true, "name": "Alice"}),
    );
    let answer = |project: &str, origin: &str| {
        let event = token_request(project, &token, origin);
        let state = h.state.clone();
        async move {
            let response = route("token").handle(&state, request(&event)).await;
            let body = json_body(&response);
            (
                response.status().as_u16(),
                body["code"].as_str().map(str::to_owned),
            )
        }
    };

    assert_eq!(answer("acme-jsm", ORIGIN).await, (200, None));
    assert_eq!(verifier.cached().0, 1, "verified once, kept");
    assert_eq!(answer("acme-jsm", ORIGIN).await, (200, None), "the renewal");
    assert_eq!(verifier.cached().0, 1);

    // Another project's rules apply to the same verified identity.
    let refused = (403, Some("email_domain_not_allowed".to_owned()));
    assert_eq!(answer("acme-strict", ORIGIN).await, refused);
    // So does the origin.
    let other = answer("acme-jsm", "https://evil.example.com").await;
    assert_eq!(other, (403, Some("origin_not_allowed".to_owned())));
    // And a logout of the user, recorded after the token was issued and cached.
    h.log_out_user("acme-jsm", "d-1", NOW, NOW).await;
    assert_eq!(
        answer("acme-jsm", ORIGIN).await,
        (403, Some("logged_out".to_owned()))
    );
}
