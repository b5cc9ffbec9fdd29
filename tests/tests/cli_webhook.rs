//! `chatpass verify-webhook` end to end: every case of webhooks.json through the binary, and
//! an unusable secret refused with exit 2 without echoing it.

#[path = "common/cli.rs"]
mod cli;

use chatpass_tests::support::vectors;
use cli::{chatpass, scratch, write};

#[test]
fn judges_every_webhook_vector_as_expected() {
    let dir = scratch("webhook-vectors");
    let doc = vectors("webhooks.json");
    for (i, case) in doc["cases"].as_array().expect("cases").iter().enumerate() {
        let name = case["name"].as_str().unwrap();
        let secret = case.get("secret").unwrap_or(&doc["secret"]);
        let body = write(&dir, &format!("body-{i}"), case["body"].as_str().unwrap());
        let now = case["now"].as_i64().unwrap().to_string();
        let run = chatpass([
            "verify-webhook",
            "--secret",
            secret.as_str().unwrap(),
            "--id",
            case["id"].as_str().unwrap(),
            "--timestamp",
            case["timestamp"].as_str().unwrap(),
            "--signature",
            case["signature"].as_str().unwrap(),
            "--body-file",
            body.to_str().unwrap(),
            "--now",
            &now,
        ]);
        let valid = case["valid"].as_bool().unwrap();
        let expected_code = if valid { 0 } else { 1 };
        assert_eq!(
            run.code, expected_code,
            "{name}: {}{}",
            run.stdout, run.stderr
        );
        if valid {
            assert!(
                run.stdout
                    .starts_with("valid: signed by the secret at 1700000000"),
                "{name}: {}",
                run.stdout
            );
        } else {
            assert!(
                run.stdout.starts_with("invalid: "),
                "{name}: {}",
                run.stdout
            );
        }
    }
}

#[test]
fn says_why_a_delivery_is_too_old() {
    let dir = scratch("webhook-too-old");
    let doc = vectors("webhooks.json");
    let case = &doc["cases"][0];
    let body = write(&dir, "body", case["body"].as_str().unwrap());
    let run = chatpass([
        "verify-webhook",
        "--secret",
        doc["secret"].as_str().unwrap(),
        "--id",
        case["id"].as_str().unwrap(),
        "--timestamp",
        case["timestamp"].as_str().unwrap(),
        "--signature",
        case["signature"].as_str().unwrap(),
        "--body-file",
        body.to_str().unwrap(),
        "--now",
        "1700000900",
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("more than 300 s old"), "{}", run.stdout);
}

#[test]
fn refuses_an_unusable_secret_with_exit_2_without_echoing_it() {
    let dir = scratch("webhook-bad-secret");
    let body = write(&dir, "body", "{}");
    for secret in ["whsec_c2hvcnQtc2VjcmV0", "whsec_not*base64*at*all"] {
        let run = chatpass([
            "verify-webhook",
            "--secret",
            secret,
            "--id",
            "msg_1",
            "--timestamp",
            "1700000000",
            "--signature",
            "v1,AAAA",
            "--body-file",
            body.to_str().unwrap(),
            "--now",
            "1700000000",
        ]);
        assert_eq!(run.code, 2, "{secret}: {}", run.stderr);
        assert!(run.stderr.contains("webhook secret"), "{}", run.stderr);
        let encoded = secret.trim_start_matches("whsec_");
        assert!(!run.all_output().contains(encoded), "{}", run.all_output());
    }
}
