//! `chatpass verify-webhook` end to end: every case of webhooks.json through the binary, and
//! an unusable secret refused with exit 2 without echoing it.

use chatpass_tests::cli;

use chatpass_tests::support::vectors;
use cli::{Run, chatpass, scratch, write};
use serde_json::Value;
use std::path::Path;

/// `chatpass verify-webhook` of the delivery (id, timestamp, signature) of the body in the file
/// `body`, under `secret` at `now`.
fn verify_webhook(secret: &str, delivery: (&str, &str, &str), body: &Path, now: &str) -> Run {
    let (id, timestamp, signature) = delivery;
    chatpass([
        "verify-webhook",
        "--secret",
        secret,
        "--id",
        id,
        "--timestamp",
        timestamp,
        "--signature",
        signature,
        "--body-file",
        body.to_str().unwrap(),
        "--now",
        now,
    ])
}

/// A vector case's (id, timestamp, signature).
fn delivery_of(case: &Value) -> (&str, &str, &str) {
    let field = |name| case[name].as_str().unwrap();
    (field("id"), field("timestamp"), field("signature"))
}

#[test]
fn judges_every_webhook_vector_as_expected() {
    let dir = scratch("webhook-vectors");
    let doc = vectors("webhooks.json");
    for (i, case) in doc["cases"].as_array().expect("cases").iter().enumerate() {
        let name = case["name"].as_str().unwrap();
        let secret = case.get("secret").unwrap_or(&doc["secret"]);
        let body = write(&dir, &format!("body-{i}"), case["body"].as_str().unwrap());
        let now = case["now"].as_i64().unwrap().to_string();
        let run = verify_webhook(secret.as_str().unwrap(), delivery_of(case), &body, &now);
        let valid = case["valid"].as_bool().unwrap();
        let expected_code = if valid { 0 } else { 1 };
        assert_eq!(
            run.code, expected_code,
            "{name}: {}{}",
            run.stdout, run.stderr
        );
        let verdict = if valid {
            "valid: signed by the secret at 1700000000"
        } else {
            "invalid: "
        };
        assert!(run.stdout.starts_with(verdict), "{name}: {}", run.stdout);
    }
}

#[test]
fn says_why_a_delivery_is_too_old() {
    let dir = scratch("webhook-too-old");
    let doc = vectors("webhooks.json");
    let case = &doc["cases"][0];
    let body = write(&dir, "body", case["body"].as_str().unwrap());
    let secret = doc["secret"].as_str().unwrap();
    let run = verify_webhook(secret, delivery_of(case), &body, "1700000900");
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("more than 300 s old"), "{}", run.stdout);
}

#[test]
fn refuses_an_unusable_secret_with_exit_2_without_echoing_it() {
    let dir = scratch("webhook-bad-secret");
    let body = write(&dir, "body", "{}");
    for secret in ["whsec_c2hvcnQtc2VjcmV0", "whsec_not*base64*at*all"] {
        let delivery = ("msg_1", "1700000000", "v1,AAAA");
        let run = verify_webhook(secret, delivery, &body, "1700000000");
        assert_eq!(run.code, 2, "{secret}: {}", run.stderr);
        assert!(run.stderr.contains("webhook secret"), "{}", run.stderr);
        let encoded = secret.trim_start_matches("whsec_");
        assert!(!run.all_output().contains(encoded), "{}", run.all_output());
    }
}
