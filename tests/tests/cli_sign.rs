//! `chatpass sign` end to end: every case of vendors.json through the binary, byte for byte
//! (vendors that mint their own tokens asked through a loopback stand-in of their API), plus
//! the problem documents for bad input and the session reference Sprinklr modes need.

use chatpass_tests::cli;

use chatpass_service::testing::VendorApiServer;
use chatpass_service::vendor_api::OVERRIDE_VAR;
use chatpass_tests::support::{assert_vendor_call, comparable_settings, vectors};
use cli::{acme_project, scratch, sign, write};
use serde_json::{Value, json};

/// A Sprinklr project in `mode`, with the key its admin screen would show.
fn sprinklr(mode: &str) -> Value {
    json!({"vendor": "sprinklr", "key": "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d",
           "options": {"mode": mode}})
}

#[test]
fn signs_every_vendor_vector_exactly_as_expected() {
    let dir = scratch("sign-vectors");
    let doc = vectors("vendors.json");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(cases.len() >= 23);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let stand_in = runtime.block_on(VendorApiServer::start(500, "{}"));
    let origin = stand_in.origin();
    for (i, case) in cases.iter().enumerate() {
        let name = case["name"].as_str().unwrap();
        let key = case["project"]["key"].as_str().unwrap();
        let project = write(&dir, &format!("case-{i}.json"), case["project"].to_string());
        let now = case["now"].as_u64().unwrap().to_string();
        let user = case["user"].to_string();
        let answer = &case["expected"]["vendor_answer"];
        if answer.is_object() {
            stand_in.answer(
                answer["status"].as_u64().unwrap() as u16,
                &answer["body"].to_string(),
            );
        }
        let page_input = case["expected"]["page_input"]
            .as_str()
            .map(|uuid| format!("freshchat_uuid={uuid}"));
        let mut flags = vec!["--now", now.as_str()];
        if let Some(input) = &page_input {
            flags.extend(["--page-input", input.as_str()]);
        }
        if let Some(kept) = case["expected"]["kept"].as_str() {
            flags.extend(["--kept", kept]);
        }
        let calls_before = stand_in.received().len();
        let run = sign(&project, &user, &flags, &[(OVERRIDE_VAR, &origin)]);
        if let Some(call) = case["expected"].get("vendor_call") {
            let received = stand_in.received();
            assert_eq!(received.len(), calls_before + 1, "{name}: one call");
            assert_vendor_call(name, call, &received[calls_before]);
        }
        assert!(
            !run.all_output().contains(key),
            "{name}: output shows the key"
        );
        let expected = &case["expected"];

        if let Some(code) = expected.get("error") {
            assert_eq!(run.code, 1, "{name}: {}", run.stderr);
            assert!(run.stdout.is_empty(), "{name}");
            let problem = run.stderr_json();
            assert_eq!(problem["code"], *code, "{name}");
            assert_eq!(problem["status"], 422, "{name}");
            assert_eq!(problem["type"], "about:blank", "{name}");
            continue;
        }
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let body = run.stdout_json();
        assert_eq!(body["vendor"], case["project"]["vendor"], "{name}");
        let settings = comparable_settings(&body["settings"], expected);
        assert_eq!(settings, expected["settings"], "{name}");
        assert!(body.get("session").is_none(), "{name}");
        if let Some(expires_at) = expected.get("expires_at") {
            assert_eq!(body["expires_at"], *expires_at, "{name}");
        }
        if let Some(token) = expected.get("token") {
            // The token comes first; some vendors take identity fields beside it.
            let signed = body["settings"]
                .as_object()
                .unwrap()
                .values()
                .next()
                .unwrap();
            assert_eq!(signed, token, "{name}: byte-for-byte token");
        }
    }
}

#[test]
fn refuses_an_ambiguous_sprinklr_field_with_a_problem_document() {
    let (_, project) = acme_project("sign-ambiguous", &sprinklr("user"));
    let run = sign(
        &project,
        r#"{"id":"u-3","email":"doe@example.com","phone":"123_john"}"#,
        &[],
        &[],
    );
    assert_eq!(run.code, 1);
    let problem = run.stderr_json();
    assert_eq!(problem["code"], "ambiguous_field");
    assert_eq!(problem["status"], 422);
    assert!(problem["detail"].as_str().unwrap().contains("phone"));
}

#[test]
fn reads_the_user_from_a_file_given_as_at_path() {
    let (dir, project) = acme_project(
        "sign-user-file",
        &json!({"vendor": "crisp", "key": "crisp-website-secret"}),
    );
    let user = write(
        &dir,
        "user.json",
        r#"{"id": "u-1001", "email": "alice@example.com"}"#,
    );
    let run = sign(&project, &format!("@{}", user.display()), &[], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout_json()["settings"]["email"], "alice@example.com");
    assert_eq!(run.stdout_json()["expires_at"], Value::Null);
}

#[test]
fn refuses_a_user_with_an_unknown_field_as_bad_user() {
    let (_, project) = acme_project(
        "sign-bad-user",
        &json!({"vendor": "crisp", "key": "crisp-website-secret"}),
    );
    for user in [
        r#"{"id": "u-1", "nickname": "al"}"#,
        "not json",
        r#"{"email": "a@b.c"}"#,
    ] {
        let run = sign(&project, user, &[], &[]);
        assert_eq!(run.code, 1, "{user}");
        assert!(run.stdout.is_empty(), "{user}");
        assert_eq!(run.stderr_json()["code"], "bad_user", "{user}");
    }
}

#[test]
fn refuses_a_broken_project_file_naming_the_field_but_never_the_key() {
    let dir = scratch("sign-bad-project");
    let key = "zendesk-signing-secret-abcdefghijklmnop";
    let project = write(
        &dir,
        "acme-support.json",
        json!({"vendor": "zendesk", "key": key}).to_string(),
    );
    let missing = dir.join("missing.json");
    let run = sign(&project, r#"{"id": "u-1"}"#, &[], &[]);
    assert_eq!(run.code, 1);
    let problem = run.stderr_json();
    assert_eq!(problem["code"], "invalid_project_config");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("acme-support") && detail.contains("key_id"),
        "{detail}"
    );
    assert!(!run.all_output().contains(key));

    let run = sign(&missing, r#"{"id": "u-1"}"#, &[], &[]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr_json()["code"], "invalid_project_config");
}

#[test]
fn prints_the_session_reference_a_sprinklr_custom_user_hash_signs() {
    let (_, project) = acme_project("sign-session", &sprinklr("custom-user"));
    let sign = || {
        sign(
            &project,
            r#"{"id": "u-1001", "email": "alice@example.com"}"#,
            &["--now", "1700000000"],
            &[],
        )
    };
    let first = sign();
    assert_eq!(first.code, 0, "{}", first.stderr);
    let body = first.stdout_json();
    let session = body["session"].as_str().expect("a session field");
    assert_eq!(session.len(), 32, "128 bits in hex");
    assert!(session.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(body["settings"]["customUser"]["token"], session);
    assert_eq!(body["expires_at"], 1_700_000_300);
    assert_ne!(
        sign().stdout_json()["session"],
        body["session"],
        "fresh each time"
    );
}

#[test]
fn a_hubspot_plan_without_the_feature_or_a_refused_token_is_a_409_naming_it_and_an_outage_a_503() {
    let token = "pat-na1-made-up-private-app-token";
    let (_, project) = acme_project(
        "sign-hubspot-refused",
        &json!({"vendor": "hubspot", "key": token}),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let stand_in = runtime.block_on(VendorApiServer::start(403, r#"{"status":"error"}"#));
    let origin = stand_in.origin();
    let sign = || {
        sign(
            &project,
            r#"{"id": "u-1", "email": "alice@example.com", "email_verified": true}"#,
            &[],
            &[(OVERRIDE_VAR, &origin)],
        )
    };
    let run = sign();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let problem = run.stderr_json();
    assert_eq!(
        (problem["status"].as_u64(), problem["code"].as_str()),
        (Some(409), Some("vendor_feature_unavailable"))
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("visitor identification")
    );
    stand_in.answer(401, "{}");
    assert_eq!(sign().stderr_json()["code"], "vendor_key_refused");
    stand_in.answer(502, "{}");
    let problem = sign().stderr_json();
    assert_eq!(
        (problem["status"].as_u64(), problem["code"].as_str()),
        (Some(503), Some("vendor_unavailable"))
    );
    for run in [sign(), run] {
        assert!(!run.all_output().contains(token), "the token never shows");
    }
}
