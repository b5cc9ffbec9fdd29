//! openapi.yaml against the code's declarations: the document's routes are the route table's,
//! each route takes exactly the documented methods, `Problem.code` lists exactly the codes the
//! code can give, and the project pattern is the one the code checks.

use chatpass_service::clock::ManualClock;
use chatpass_service::testing::raw_state;
use chatpass_service::{ProjectId, ServiceError};
use chatpass_tests::openapi::*;
use chatpass_tests::support::{fixture, for_project};
use chatpass_tests::support::{logged_out_body, with_method};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;

#[test]
fn the_document_has_exactly_the_routes_of_the_route_table() {
    let dispatched: BTreeSet<String> = chatpass::routes::all()
        .map(|route| path_of(route.spec.name))
        .collect();
    assert_eq!(
        dispatched.len(),
        chatpass::routes::all().count(),
        "route names are distinct"
    );
    let documented: BTreeSet<String> = document()["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(documented, dispatched);
}

#[tokio::test]
async fn each_route_takes_exactly_the_documented_methods() {
    let doc = document();
    let state = raw_state(
        &projects("http://127.0.0.1:9/jwks.json"),
        Arc::new(ManualClock::at(NOW)),
    );
    let events = [
        ("token", sign_in("token", "oa-jwt")),
        (
            "jwks.json",
            for_project(fixture("issue-jwt", "jwks"), "oa-salesforce"),
        ),
        ("user-hash", sign_in("user-hash", "oa-hash")),
        ("user-details", user_details("oa-custom", None)),
        (
            "logout",
            webhook("oa-hash", "msg_methods", &logged_out_body("u-1")),
        ),
    ];
    for (route, event) in events {
        let mut documented_methods: Vec<&str> = METHODS
            .into_iter()
            .filter(|method| operation(&doc, route, method).is_some())
            .collect();
        documented_methods.sort_unstable();
        for method in METHODS {
            let response = call(&state, route, &with_method(event.clone(), method)).await;
            let refused = response.status() == 405;
            let documented = operation(&doc, route, method).is_some();
            assert_eq!(
                !refused,
                documented,
                "{method} {route}: answered {} but is {}documented",
                response.status(),
                if documented { "" } else { "not " }
            );
            if refused {
                let allow = response.headers()["allow"].to_str().unwrap();
                let mut allowed: Vec<&str> = allow.split(", ").collect();
                allowed.sort_unstable();
                assert_eq!(allowed, documented_methods, "{method} {route}: Allow");
            }
        }
    }
}

#[test]
fn problem_codes_are_exactly_the_codes_the_code_can_give() {
    let doc = document();
    let listed: Vec<String> = doc
        .pointer("/components/schemas/Problem/properties/code/enum")
        .and_then(Value::as_array)
        .expect("Problem.code is an enum")
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let all: Vec<String> = ServiceError::all_codes()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!(
        unique.len(),
        all.len(),
        "all_codes lists a code twice: {all:?}"
    );
    assert_eq!(
        listed.iter().collect::<BTreeSet<_>>(),
        unique,
        "Problem.code in openapi.yaml against ServiceError::all_codes()"
    );
    assert_eq!(listed.len(), all.len(), "Problem.code lists a code twice");

    // Every per-response restriction names codes of the list.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                for code in documented_codes(&doc, resolve(&doc, response)) {
                    assert!(
                        listed.contains(&code),
                        "{method} {path} {status}: `{code}` is not a Problem.code"
                    );
                }
            }
        }
    }
}

#[test]
fn the_project_pattern_is_the_one_the_code_checks() {
    let doc = document();
    assert_eq!(
        doc["components"]["parameters"]["project"]["schema"]["pattern"],
        "^[a-z0-9][a-z0-9-]{0,62}$"
    );
    for (id, ok) in [
        ("a", true),
        ("acme-support", true),
        (&"a".repeat(63), true),
        (&"a".repeat(64), false),
        ("-a", false),
        ("A", false),
        ("a_b", false),
    ] {
        assert_eq!(ProjectId::parse(id).is_some(), ok, "{id}");
    }
}
