//! `chatpass explain` and `chatpass keygen` end to end: tokens accepted, expired, forged and
//! tampered; hash vendors; keys and starter configs that load; and no vendor key ever printed.

use chatpass_tests::cli;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chatpass_service::ProjectConfig;
use chatpass_signing::vendors;
use chatpass_signing::webhook::WebhookSecret;
use cli::{Run, acme_project, chatpass, scratch, sign, write};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const JSM_KEY: &str = "dGVzdC1qc20tc2VjcmV0LWZvci12ZWN0b3Jz";
/// A Zendesk signing secret, which no output may show.
const ZENDESK_KEY: &str = "zendesk-signing-secret-abcdefghijklmnop";
const OTHER_KEY: &str = "another-jsm-secret-that-did-not-sign-it";
const NOW: u64 = 1_700_000_000;
const USER: &str = r#"{"id": "u-1001", "email": "alice@example.com", "name": "Alice Smith"}"#;

fn jsm_project(dir: &Path, name: &str, key: &str) -> PathBuf {
    write(
        dir,
        name,
        json!({"vendor": "jsm-chat", "key": key, "token_ttl_seconds": 300}).to_string(),
    )
}

/// The settings `chatpass sign` prints for `USER` at `NOW`.
fn signed_settings(project: &Path) -> Value {
    let run = sign(project, USER, &["--now", &NOW.to_string()], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout_json()["settings"].take()
}

/// A jsm-chat token for `USER`, signed by `chatpass sign` at `NOW`.
fn signed_token(project: &Path) -> String {
    signed_settings(project)["token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

fn explain(project: &Path, token: &str, now: u64) -> Run {
    let run = chatpass([
        "explain",
        "--project-file",
        project.to_str().unwrap(),
        "--token",
        token,
        "--now",
        &now.to_string(),
    ]);
    assert!(
        !run.all_output().contains(JSM_KEY),
        "explain printed the key"
    );
    assert!(
        !run.all_output().contains(OTHER_KEY),
        "explain printed the key"
    );
    run
}

const ACCEPT: &str = "verdict: the vendor would accept this token\n";
const REFUSE: &str = "verdict: the vendor would refuse this token\n";

/// Asserts that `explain` exited with `code` and ended its answer with `verdict`.
#[track_caller]
fn assert_verdict(run: &Run, code: i32, verdict: &str) {
    assert_eq!(run.code, code, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.ends_with(verdict), "{}", run.stdout);
}

/// Asserts that the run's stdout says `text`.
#[track_caller]
fn assert_says(run: &Run, text: &str) {
    assert!(run.stdout.contains(text), "{text:?} in\n{}", run.stdout);
}

#[test]
fn explains_that_a_fresh_token_would_be_accepted() {
    let dir = scratch("explain-fresh");
    let project = jsm_project(&dir, "acme.json", JSM_KEY);
    let run = explain(&project, &signed_token(&project), NOW);
    assert_verdict(&run, 0, ACCEPT);
    for expected in [
        "vendor: jsm-chat",
        "key: sha256:",
        "\"displayName\": \"Alice Smith\"",
        "\"alg\": \"HS256\"",
        "signature: holds",
        "expires at 2023-11-14T22:18:20Z (in 5 min",
        "unused claims: none",
        "problems: none",
    ] {
        assert_says(&run, expected);
    }
}

#[test]
fn explains_that_an_expired_token_would_be_refused_naming_the_time() {
    let dir = scratch("explain-expired");
    let project = jsm_project(&dir, "acme.json", JSM_KEY);
    let run = explain(&project, &signed_token(&project), NOW + 301);
    assert_verdict(&run, 1, REFUSE);
    assert_says(&run, "expired at 2023-11-14T22:18:20Z (1 s ago");
    assert_says(&run, "the token expired at 1700000300");
}

#[test]
fn explains_that_a_token_signed_with_another_key_does_not_match() {
    let dir = scratch("explain-other-key");
    let signer = jsm_project(&dir, "signer.json", OTHER_KEY);
    let project = jsm_project(&dir, "acme.json", JSM_KEY);
    let run = explain(&project, &signed_token(&signer), NOW);
    assert_verdict(&run, 1, REFUSE);
    assert_says(&run, "does not match");
}

#[test]
fn explains_that_a_token_whose_alg_was_changed_to_none_is_refused() {
    let dir = scratch("explain-alg-none");
    let project = jsm_project(&dir, "acme.json", JSM_KEY);
    let token = signed_token(&project);
    let (_, rest) = token.split_once('.').unwrap();
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let run = explain(&project, &format!("{header}.{rest}"), NOW);
    assert_verdict(&run, 1, REFUSE);
    assert_says(
        &run,
        "the header says alg `none`, but the vendor only accepts HS256",
    );
}

#[test]
fn explains_that_a_hash_vendor_takes_no_token() {
    let key = "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d";
    let (dir, project) = acme_project(
        "explain-hash-vendor",
        &json!({"vendor": "sprinklr", "key": key, "options": {"mode": "user"}}),
    );
    let jsm = jsm_project(&dir, "jsm.json", JSM_KEY);
    let run = explain(&project, &signed_token(&jsm), NOW);
    assert_verdict(&run, 1, REFUSE);
    assert_says(&run, "sprinklr signs a hash, not a token");
    assert!(!run.all_output().contains(key));
}

#[test]
fn explain_names_the_key_id_and_never_prints_the_key() {
    let zendesk = json!({"vendor": "zendesk", "key": ZENDESK_KEY, "key_id": "app_64f0c0ffee"});
    let (_, project) = acme_project("explain-key-id", &zendesk);
    let token = signed_settings(&project)["jwt"]
        .as_str()
        .unwrap()
        .to_owned();
    let run = explain(&project, &token, NOW + 10);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_says(&run, "key_id \"app_64f0c0ffee\"");
    assert!(!run.all_output().contains(ZENDESK_KEY));
}

#[test]
fn explain_of_a_broken_project_file_exits_2_without_the_key() {
    let no_key_id = json!({"vendor": "zendesk", "key": ZENDESK_KEY});
    let (_, project) = acme_project("explain-bad-project", &no_key_id);
    let run = explain(&project, "a.b.c", NOW);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("key_id"), "{}", run.stderr);
    assert!(!run.all_output().contains(ZENDESK_KEY));
}

#[test]
fn keygen_webhook_prints_a_secret_that_loads() {
    let run = chatpass(["keygen", "--webhook"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let secret = run.stdout.trim();
    assert!(secret.starts_with("whsec_"), "{secret}");
    WebhookSecret::parse(secret).expect("the secret loads");
    assert_ne!(chatpass(["keygen", "--webhook"]).stdout.trim(), secret);
}

#[test]
fn keygen_prints_32_random_bytes_as_base64url_without_padding() {
    let run = chatpass(["keygen"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let key = run.stdout.trim();
    assert_eq!(URL_SAFE_NO_PAD.decode(key).expect("base64url").len(), 32);
    assert_ne!(chatpass(["keygen"]).stdout.trim(), key);
}

#[test]
fn keygen_prints_a_starter_config_that_loads_for_every_vendor() {
    for vendor in vendors::ids() {
        let run = chatpass(["keygen", "--vendor", vendor]);
        assert_eq!(run.code, 0, "{vendor}: {}", run.stderr);
        let config = ProjectConfig::parse("acme", &run.stdout)
            .unwrap_or_else(|e| panic!("{vendor}: {e}\n{}", run.stdout));
        assert_eq!(config.vendor.id(), vendor);
        assert_eq!(config.callback_keys.len(), 1, "{vendor}");
        assert_eq!(config.webhook_secrets.len(), 1, "{vendor}");
        assert_eq!(config.allowed_origins, ["https://www.example.com"]);
        let doc = run.stdout_json();
        let starter = &vendors::spec(vendor).unwrap().starter;
        assert_eq!(doc.get("key_id").is_some(), starter.key_id, "{vendor}");
        if starter.key == vendors::StarterKey::RsaKeyPair {
            assert!(
                doc["key"]
                    .as_str()
                    .unwrap()
                    .starts_with("-----BEGIN PRIVATE KEY-----")
            );
            continue;
        }
        match starter.key_placeholder {
            "" => assert_eq!(doc["key"], "paste the vendor's secret here", "{vendor}"),
            encoded => assert_eq!(doc["key"], encoded, "{vendor}: a placeholder that decodes"),
        }
    }
}

#[test]
fn keygen_makes_a_salesforce_key_pair_and_prints_its_public_and_certificate_jwks() {
    let run = chatpass(["keygen", "--vendor", "salesforce-miaw"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let config = ProjectConfig::parse("acme", &run.stdout).unwrap();
    let published = config.vendor.public_jwk().expect("a public key").clone();
    let doc = run.stdout_json();
    let pem = doc["key"].as_str().unwrap();
    assert_eq!(doc["key_id"], published["kid"], "the kid is in the config");
    // stderr: a label, the public JWK, a label, the certificate's JWK; never the private key.
    assert!(
        !run.stderr.contains(&pem[40..80]),
        "the private key on stderr"
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    let public: Value = serde_json::from_str(lines[1]).unwrap();
    let certified: Value = serde_json::from_str(lines[3]).unwrap();
    assert_eq!(public, Value::Object(published.clone()));
    let mut members: Vec<&str> = public
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(members, ["alg", "e", "kid", "kty", "n", "use"]);
    for member in ["kty", "n", "e", "kid", "alg"] {
        assert_eq!(certified[member], public[member], "{member}");
    }
    let x5c = certified["x5c"].as_array().unwrap();
    assert_eq!(x5c.len(), 1);
    assert!(
        base64::engine::general_purpose::STANDARD
            .decode(x5c[0].as_str().unwrap())
            .is_ok_and(|der| der.len() > 500),
        "a DER certificate"
    );
    let again = chatpass(["keygen", "--vendor", "salesforce-miaw"]).stdout_json();
    assert_ne!(again["key_id"], doc["key_id"], "a new key each time");
}

#[test]
fn keygen_refuses_an_unknown_vendor_listing_the_known_ones() {
    let run = chatpass(["keygen", "--vendor", "livechatx"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("livechatx"), "{}", run.stderr);
    for vendor in vendors::ids() {
        assert!(run.stderr.contains(vendor), "{vendor} in {}", run.stderr);
    }
}

#[test]
fn explains_the_new_vendors_tokens_by_their_own_algorithm_and_key() {
    let dir = scratch("explain-new-vendors");
    let vectors = chatpass_tests::support::vectors("vendors.json");
    let mut explained = 0;
    for case in vectors["cases"].as_array().unwrap() {
        let Some(token) = case["expected"]["token"].as_str() else {
            continue;
        };
        let vendor = case["project"]["vendor"].as_str().unwrap();
        if !["salesforce-miaw", "jwt"].contains(&vendor) {
            continue;
        }
        let project = write(
            &dir,
            &format!("{vendor}-{explained}.json"),
            case["project"].to_string(),
        );
        let run = explain(&project, token, NOW);
        assert_eq!(run.code, 0, "{}: {}", case["name"], run.stdout);
        assert_says(&run, "signature: holds");
        assert!(!run.stdout.contains("PRIVATE KEY"), "the private key");
        // The same claims as HS256 under the vendor's key text: refused for its algorithm.
        let (message, _) = token.rsplit_once('.').unwrap();
        if vendor == "salesforce-miaw" {
            let hs = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","kid":"acme-sf-2026-11"}"#),
                message.split_once('.').unwrap().1
            );
            let forged = format!("{hs}.{}", URL_SAFE_NO_PAD.encode([0u8; 32]));
            let run = explain(&project, &forged, NOW);
            assert_eq!(run.code, 1);
            assert_says(
                &run,
                "the header says alg `HS256`, but the vendor only accepts RS",
            );
        }
        explained += 1;
    }
    assert_eq!(explained, 4, "two Salesforce and two generic JWT cases");

    let hubspot = write(
        &dir,
        "hubspot.json",
        json!({"vendor": "hubspot", "key": "pat-x"}).to_string(),
    );
    let run = explain(&hubspot, "anything", NOW);
    assert_eq!(run.code, 1);
    assert_says(&run, "hubspot mints its tokens itself");
}
