//! Every case of vectors/vendors.json through the real handlers, with the project config read
//! from Secrets Manager and the logout check against DynamoDB, both on moto: JWT vendors through
//! `token`, hash vendors through `user-hash`, the other endpoint refused with 409. Vendors that
//! mint their own tokens are asked over HTTP, through a loopback stand-in of their API, with
//! what DynamoDB keeps for the user (LiveChat's `entity_id`).

use chatpass_service::clock::ManualClock;
use chatpass_service::state::State;
use chatpass_service::store::KeptFor;
use chatpass_service::testing::VendorApiServer;
use chatpass_service::vendor_api::HttpVendorApi;
use chatpass_signing::vendors;
use chatpass_tests::moto::Moto;
use chatpass_tests::support::{
    assert_vendor_call, claims_for, comparable_settings, create_table, fixture, for_project,
    json_body, moto_state, problem_code, put_project, request, vectors, with_authorizer_claims,
    with_body,
};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use std::sync::Arc;

const ORIGIN: &str = "https://www.example.com";

/// Which endpoint a case's vendor answers on: JWT vendors (a `token` expected) on `token`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Endpoint {
    Token,
    UserHash,
}

impl Endpoint {
    fn of(case: &Value) -> Endpoint {
        let vendor = case["project"]["vendor"].as_str().expect("a vendor");
        match vendors::spec(vendor).expect("a known vendor").endpoint {
            chatpass_signing::Endpoint::Token => Endpoint::Token,
            chatpass_signing::Endpoint::UserHash => Endpoint::UserHash,
        }
    }

    fn other(self) -> Endpoint {
        match self {
            Endpoint::Token => Endpoint::UserHash,
            Endpoint::UserHash => Endpoint::Token,
        }
    }
}

fn cases() -> Vec<Value> {
    vectors("vendors.json")["cases"]
        .as_array()
        .expect("vendors.json has cases")
        .clone()
}

fn project_id(index: usize) -> String {
    format!("v-{index}")
}

/// The case's project, plus the page's origin and (for users with properties) a claim per
/// property, as a project configures them.
fn config(case: &Value) -> Value {
    let mut config = case["project"].clone();
    config["trust_unverified_email"] = json!(false);
    config["allowed_origins"] = json!([ORIGIN]);
    if let Some(properties) = case["user"]["properties"].as_object() {
        let claims: serde_json::Map<String, Value> =
            properties.keys().map(|k| (k.clone(), json!(k))).collect();
        config["identity"] = json!({ "properties": claims });
    }
    config
}

/// The authorizer's claims for the case's user at the case's time, properties included.
fn claims(case: &Value) -> Value {
    let now = case["now"].as_u64().expect("a case has now");
    let mut claims = claims_for(&case["user"], now);
    if let Some(properties) = case["user"]["properties"].as_object() {
        for (key, value) in properties {
            claims[key] = value.clone();
        }
    }
    claims
}

/// The path of a vendor call's URL.
fn path_of(call: &Value) -> String {
    let url = call["url"].as_str().expect("a vendor_call url");
    let rest = url.split_once("://").expect("an absolute URL").1;
    rest[rest.find('/').expect("a URL with a path")..].to_owned()
}

/// Puts every case's project in moto, and in DynamoDB what the state table keeps for a case's
/// user (LiveChat's `entity_id`), and builds a state whose clock reads the cases' `now`,
/// asking vendors' APIs through a stand-in that gives each case's answer at its call's path.
async fn setup(table: &str) -> (Moto, State, Vec<Value>, VendorApiServer) {
    let moto = Moto::start();
    create_table(&moto, table).await;
    let cases = cases();
    let now = cases[0]["now"].as_u64().unwrap();
    assert!(
        cases.iter().all(|c| c["now"].as_u64() == Some(now)),
        "the cases share one signing time"
    );
    for (index, case) in cases.iter().enumerate() {
        put_project(&moto, &project_id(index), &config(case)).await;
    }
    let stand_in = VendorApiServer::start(404, "{}").await;
    for case in &cases {
        if let Some(answer) = case["expected"].get("vendor_answer") {
            let path = path_of(&case["expected"]["vendor_call"]);
            let status = answer["status"].as_u64().unwrap() as u16;
            stand_in.answer_at(&path, status, &answer["body"].to_string());
        }
    }
    let api = HttpVendorApi::redirected_to(&stand_in.origin()).unwrap();
    let state = moto_state(&moto, table, Arc::new(ManualClock::at(now)))
        .await
        .with_vendor_api(Arc::new(api));
    for (index, case) in cases.iter().enumerate() {
        if let Some(kept) = case["expected"]["kept"].as_str() {
            let project = project_id(index);
            let whose = KeptFor {
                project: &project,
                vendor: case["project"]["vendor"].as_str().unwrap(),
                user_id: case["user"]["id"].as_str().unwrap(),
            };
            state.sessions.keep(whose, kept, now).await.unwrap();
        }
    }
    (moto, state, cases, stand_in)
}

/// The case's sign-in at `endpoint`; the page's value (`freshchat_uuid`) in the body.
async fn call(state: &State, index: usize, case: &Value, endpoint: Endpoint) -> Response<Body> {
    let (function, name) = match endpoint {
        Endpoint::Token => ("issue-jwt", "token"),
        Endpoint::UserHash => ("hash-user", "user-hash"),
    };
    let mut event = with_authorizer_claims(
        for_project(fixture(function, name), &project_id(index)),
        Some(claims(case)),
    );
    if let Some(uuid) = case["expected"]["page_input"].as_str() {
        event = with_body(event, &json!({ "freshchat_uuid": uuid }).to_string());
    }
    let request = request(&event);
    match endpoint {
        Endpoint::Token => issue_jwt::handler(state, request).await,
        Endpoint::UserHash => hash_user::handler(state, request).await,
    }
}

#[tokio::test]
async fn every_vendor_vector_signs_through_its_endpoint_with_the_config_from_secrets_manager() {
    let (moto, state, cases, stand_in) = setup("flows-vendors-sign").await;
    let mut failures = Vec::new();
    let mut signed = 0;
    for (index, case) in cases.iter().enumerate() {
        let name = case["name"].as_str().unwrap();
        let expected = &case["expected"];
        if expected.get("error").is_some() {
            continue;
        }
        let response = call(&state, index, case, Endpoint::of(case)).await;
        let body = json_body(&response);
        let mut check = |ok: bool, what: String| {
            if !ok {
                failures.push(format!("{name} (v-{index}): {what}"));
            }
        };
        check(
            response.status() == 200,
            format!("status {} body {body}", response.status()),
        );
        check(
            body["vendor"] == case["project"]["vendor"],
            format!("vendor {}", body["vendor"]),
        );
        check(
            comparable_settings(&body["settings"], expected) == expected["settings"],
            format!(
                "settings\n  got      {}\n  expected {}",
                body["settings"], expected["settings"]
            ),
        );
        if let Some(expires_at) = expected.get("expires_at") {
            check(
                body["expires_at"] == *expires_at,
                format!("expires_at {} expected {expires_at}", body["expires_at"]),
            );
        }
        check(
            response
                .headers()
                .get("cache-control")
                .map(|v| v.as_bytes())
                == Some(b"no-store"),
            "no Cache-Control: no-store".into(),
        );
        check(
            response
                .headers()
                .get("access-control-allow-origin")
                .map(|v| v.as_bytes())
                == Some(ORIGIN.as_bytes()),
            "the listed origin cannot read the answer".into(),
        );
        signed += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        signed,
        cases.len() - 1,
        "every case but the error case signs"
    );
    assert!(
        cases
            .iter()
            .any(|c| c["expected"]["settings"]["user"]["hash"].is_string()
                && c["project"]["options"]["mode"] == "pre-created"),
        "the vectors hold the Sprinklr pre-created case"
    );
    // One fetch per project: the config is cached for the rest.
    assert_eq!(moto.request_count("GetSecretValue"), cases.len() - 1);
    let calls: Vec<(&str, &Value)> = cases
        .iter()
        .filter_map(|c| Some((c["name"].as_str()?, c["expected"].get("vendor_call")?)))
        .collect();
    let received = stand_in.received();
    assert_eq!(received.len(), calls.len(), "one call per case that asks");
    for (name, call) in calls {
        let sent = received.iter().find(|r| r.path == path_of(call));
        assert_vendor_call(name, call, sent.expect("the call was made"));
    }
    assert!(
        received.iter().any(|r| r.body.contains("entity_id")),
        "the kept customer reached LiveChat's call"
    );
}

#[tokio::test]
async fn the_ambiguous_sprinklr_case_is_refused_with_422_ambiguous_field() {
    let (_moto, state, cases, _stand_in) = setup("flows-vendors-ambiguous").await;
    let refused: Vec<_> = cases
        .iter()
        .enumerate()
        .filter(|(_, c)| c["expected"].get("error").is_some())
        .collect();
    assert!(!refused.is_empty(), "the vectors hold an error case");
    for (index, case) in refused {
        let response = call(&state, index, case, Endpoint::of(case)).await;
        assert_eq!(response.status(), 422, "{}", case["name"]);
        assert_eq!(problem_code(&response), case["expected"]["error"]);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let body = json_body(&response).to_string();
        assert!(
            !body.contains(case["project"]["key"].as_str().unwrap()),
            "the key is never echoed: {body}"
        );
    }
}

#[tokio::test]
async fn every_vendor_refuses_the_other_endpoint_with_409_wrong_endpoint() {
    let (_moto, state, cases, _stand_in) = setup("flows-vendors-wrong").await;
    let mut failures = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let right = Endpoint::of(case);
        let response = call(&state, index, case, right.other()).await;
        let body = json_body(&response);
        let expected_detail = match right {
            Endpoint::Token => "`token` endpoint",
            Endpoint::UserHash => "`user-hash` endpoint",
        };
        if response.status() != 409
            || body["code"] != "wrong_endpoint"
            || !body["detail"]
                .as_str()
                .is_some_and(|d| d.contains(expected_detail))
        {
            failures.push(format!(
                "{} on {:?}: {} {body}",
                case["name"],
                right.other(),
                response.status()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
