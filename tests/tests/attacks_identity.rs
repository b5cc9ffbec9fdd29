//! The JWT attack suite against identity tokens: chatpass's own verifier (what `chatpass
//! serve` and the functions without an API Gateway authorizer use), asserting the exact
//! refusal, and the issue-jwt handler, which answers every attack with 401.

use chatpass_service::State;
use chatpass_service::clock::ManualClock;
use chatpass_service::identity::rules::MAX_IDENTITY_LIFETIME_SECONDS as DEFAULT_MAX_LIFETIME_SECONDS;
use chatpass_service::identity::{IdentityVerifier, Jwks};
use chatpass_service::testing::{Rendering, authorizer_claims, with_claims};
use chatpass_tests::jwt_attacks::*;
use chatpass_tests::support::{
    fixture, for_project, json_body, memory_state, with_authorizer_claims, with_header,
};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use std::sync::Arc;

#[test]
fn the_identity_verifier_refuses_every_attack_with_the_exact_error() {
    let v = verifier();
    // Controls: the same building blocks make tokens that pass.
    let good = Kind::Identity.claims();
    assert!(v.verify(&honest_rs256(&good), NOW).is_ok());
    let es_header = json!({"alg": "ES256", "typ": "JWT", "kid": EC_KID});
    assert!(v.verify(&honest_es256(&es_header, &good), NOW).is_ok());
    let edge = changed(
        &good,
        json!({"iat": NOW + 60, "exp": NOW + 60 + DEFAULT_MAX_LIFETIME_SECONDS,
               "aud": ["someone-else", AUDIENCE]}),
    );
    assert!(v.verify(&honest_rs256(&edge), NOW).is_ok());

    let cases: Vec<Case> = cases(Kind::Identity)
        .into_iter()
        .chain(identity_only_cases())
        .collect();
    let mut failures = Vec::new();
    for case in &cases {
        let got = v.verify(&case.token, NOW);
        if got != Err(case.refusal.clone()) {
            failures.push(format!(
                "{}: expected {:?}, got {got:?}",
                case.name, case.refusal
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("identity verifier: {} attacks refused", cases.len());
}

fn jsm_project() -> Value {
    json!({"vendor": "jsm-chat", "key": "dGVzdC1qc20tc2VjcmV0LWZvci12ZWN0b3Jz",
           "allowed_origins": [ORIGIN]})
}

async fn token_request(state: &State, token: &str) -> Option<Response<Body>> {
    let event = with_authorizer_claims(for_project(fixture("issue-jwt", "token"), PROJECT), None);
    let event = with_header(event, "authorization", Some(&format!("Bearer {token}")));
    // A value no HTTP header can carry never reaches the function.
    let request = lambda_http::request::from_str(&event.to_string()).ok()?;
    let value = request.headers().get("authorization")?.to_str().ok()?;
    if value != format!("Bearer {token}") {
        return None;
    }
    Some(issue_jwt::handler(state, request).await)
}

#[tokio::test]
async fn the_issue_jwt_handler_answers_every_attack_with_401() {
    let verifier = IdentityVerifier::new(Jwks::document(&idp().jwks).unwrap(), ISSUER, AUDIENCE);
    let state = memory_state(&[(PROJECT, jsm_project())], Arc::new(ManualClock::at(NOW)))
        .with_verifier(Arc::new(verifier));
    let control = token_request(&state, &honest_rs256(&Kind::Identity.claims()))
        .await
        .unwrap();
    assert_eq!(control.status(), 200, "{}", json_body(&control));

    let (mut sent, mut unsendable) = (0, Vec::new());
    let mut failures = Vec::new();
    for case in cases(Kind::Identity)
        .into_iter()
        .chain(identity_only_cases())
    {
        // A header's surrounding whitespace is not part of its value (RFC 9110 OWS): a good
        // token with a space around it is the good token there.
        if case.token.trim() != case.token && !case.token.trim().is_empty() {
            unsendable.push(case.name);
            continue;
        }
        let Some(response) = token_request(&state, &case.token).await else {
            unsendable.push(case.name);
            continue;
        };
        sent += 1;
        let body = json_body(&response);
        if response.status() != 401 || body["code"] != "unauthorized" {
            failures.push(format!("{}: {} {body}", case.name, response.status()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("issue-jwt handler: {sent} attacks answered 401; no header carries {unsendable:?}");
}

/// An identity carrying an `events` claim — a back-channel logout token, or any other security
/// event token — in every form an authorizer or chatpass's own verifier can hand it on.
fn events_claims() -> Vec<(&'static str, Value)> {
    let logout = json!({"http://schemas.openid.net/event/backchannel-logout": {}});
    let mut renderings = Vec::new();
    for rendering in Rendering::BOTH {
        let flat = authorizer_claims(&json!({ "events": logout }), rendering);
        renderings.push((rendering_name(rendering), json!(flat["events"])));
    }
    renderings.extend([
        (
            "another event, as API Gateway renders it",
            json!("map[urn:example:other:map[a:b]]"),
        ),
        ("an empty object as JSON", json!("{}")),
        ("an empty map as API Gateway renders it", json!("map[]")),
        ("an empty value", json!("")),
        ("a list", json!("[a b]")),
    ]);
    renderings
}

fn rendering_name(rendering: Rendering) -> &'static str {
    match rendering {
        Rendering::ApiGateway => "the logout event as API Gateway renders it (Go's map[...])",
        Rendering::JsonText => "the logout event as JSON text",
    }
}

#[tokio::test]
async fn every_sign_in_route_refuses_an_identity_carrying_events_in_any_rendering() {
    let intercom = json!({"vendor": "intercom", "key": "an-intercom-identity-secret",
                          "allowed_origins": [ORIGIN]});
    let clock = Arc::new(ManualClock::at(1_700_000_000));
    let state = memory_state(
        &[(PROJECT, jsm_project()), ("acme-intercom", intercom)],
        clock,
    );
    let routes: [(&str, &str, &str); 2] = [
        ("issue-jwt", "token", PROJECT),
        ("hash-user", "user-hash", "acme-intercom"),
    ];
    let mut failures = Vec::new();
    for (function, fixture_name, project) in routes {
        let event = for_project(fixture(function, fixture_name), project);
        let answer = |event: Value| {
            let state = state.clone();
            async move {
                let request = lambda_http::request::from_str(&event.to_string()).unwrap();
                match function {
                    "issue-jwt" => issue_jwt::handler(&state, request).await,
                    _ => hash_user::handler(&state, request).await,
                }
            }
        };
        let control = answer(event.clone()).await;
        assert_eq!(control.status(), 200, "{function}: {}", json_body(&control));
        for (name, events) in events_claims() {
            let response = answer(with_claims(event.clone(), json!({ "events": events }))).await;
            let body = json_body(&response);
            if response.status() != 401 || body["code"] != "unauthorized" {
                failures.push(format!("{function}, {name}: {} {body}", response.status()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn chatpass_s_own_verifier_refuses_an_identity_token_carrying_any_events_object() {
    let verifier = IdentityVerifier::new(Jwks::document(&idp().jwks).unwrap(), ISSUER, AUDIENCE);
    let state = memory_state(&[(PROJECT, jsm_project())], Arc::new(ManualClock::at(NOW)))
        .with_verifier(Arc::new(verifier));
    for events in [
        json!({"http://schemas.openid.net/event/backchannel-logout": {}}),
        json!({"urn:example:other": {"a": "b"}}),
        json!({}),
        json!(""),
    ] {
        let claims = changed(&Kind::Identity.claims(), json!({ "events": events }));
        let response = token_request(&state, &honest_rs256(&claims)).await.unwrap();
        assert_eq!(
            response.status(),
            401,
            "events {events}: {}",
            json_body(&response)
        );
    }
}
