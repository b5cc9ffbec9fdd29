//! Each new JWT vendor's token, signed now, checked by PyJWT (`scripts/verify_tokens.py`, an
//! implementation that is not chatpass's) under the vendor's own rules: its algorithm,
//! required claims, lifetime cap, size limit and string-only values; RS256 vendors' tokens
//! against the key read from the published PEM or Dynamics list, across a key rotation.
//! Needs the test venv's Python (`scripts/test.sh` makes it; or set CHATPASS_PYTHON).

use crate::common;

use chatpass_signing::public_keys::{dynamics_list, pem_bundle};
use chatpass_signing::{User, VendorConfig, vendors};
use serde_json::{Map, Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

const RSA_NEXT: &str = include_str!("keys/rsa-2048-next.pem");

/// The worked case's project for `vendor` (its made-up keys).
fn project(vendor: &str) -> Value {
    let cases = common::vectors("vendors.json");
    cases["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["project"]["vendor"] == vendor)
        .unwrap_or_else(|| panic!("a worked case for {vendor}"))["project"]
        .clone()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn alice() -> User {
    serde_json::from_value(
        json!({"id": "u-1001", "email": "alice@example.com", "email_verified": true,
        "name": "Alice Smith", "first_name": "Alice", "last_name": "Smith", "phone": "15550100"}),
    )
    .unwrap()
}

/// The token `project` signs for Alice now, and the vendor's published JWK if it has one.
fn sign(project: &Value) -> (String, Option<Map<String, Value>>) {
    let config: VendorConfig = serde_json::from_value(project.clone()).unwrap();
    let vendor = vendors::build(&config).unwrap();
    let input = vendor
        .page_input()
        .map(|spec| spec.parse("2d1b3c4e-5f60-4a7b-8c9d-0e1f2a3b4c5d").unwrap());
    let signed = vendor
        .sign_with_page_input(&alice(), now(), None, input.as_ref())
        .unwrap();
    (
        signed.settings[common::first_field(&signed.settings)]
            .as_str()
            .unwrap()
            .to_owned(),
        vendor.public_jwk().cloned(),
    )
}

fn case(name: &str, token: &str, rules: Value, expect: &str) -> Value {
    let mut case = json!({"name": name, "token": token, "expect": expect});
    for (k, v) in rules.as_object().unwrap() {
        case[k] = v.clone();
    }
    case
}

/// The case of `vendor`'s token, valid under HS256 with its key and carrying the `require`d claims.
fn valid_hs256(vendor: &str, require: &[&str]) -> Value {
    let project = project(vendor);
    let (token, _) = sign(&project);
    let rules = json!({"secret": project["key"], "algorithms": ["HS256"], "require": require});
    case(vendor, &token, rules, "valid")
}

#[test]
fn every_new_hs256_vendors_token_verifies_with_pyjwt_under_the_vendors_rules() {
    let mut cases = Vec::new();
    let amazon = project("amazon-connect");
    let (token, _) = sign(&amazon);
    let rules = json!({"secret": amazon["key"], "algorithms": ["HS256"], "require": ["sub", "iat", "exp"],
                       "max_lifetime": 600, "max_bytes": 6144, "string_only": ["attributes"]});
    cases.push(case("amazon-connect", &token, rules.clone(), "valid"));
    // The same claims living 700 s (signed as the generic vendor with no cap): refused.
    let mut uncapped = json!({"vendor": "jwt", "key": amazon["key"], "token_ttl_seconds": 700,
        "options": {"algorithm": "HS256", "claims": {"id": "attributes.customerId"}, "constants": {"sub": "widget-id"}, "settings_key": "token"}});
    let (long, _) = sign(&uncapped);
    cases.push(case(
        "amazon-connect claims living 700 s",
        &long,
        rules.clone(),
        "invalid",
    ));
    uncapped["options"]["constants"]["attributes.n"] = json!(1);
    uncapped["options"]["claims"] = json!({"id": "attributes.customerId"});
    uncapped["token_ttl_seconds"] = json!(300);
    let (numeric, _) = sign(&uncapped);
    cases.push(case(
        "amazon-connect with a number in attributes",
        &numeric,
        rules,
        "invalid",
    ));

    cases.push(valid_hs256(
        "freshchat",
        &["reference_id", "freshchat_uuid", "exp"],
    ));
    cases.push(valid_hs256(
        "zendesk-classic",
        &["external_id", "iat", "jti"],
    ));
    cases.push(valid_hs256("sunshine", &["userId", "scope"]));
    let infobip = project("infobip");
    let (token, _) = sign(&infobip);
    let raw = base64_decode(infobip["key"].as_str().unwrap());
    cases.push(case("infobip with the decoded key", &token, json!({"secret_hex": hex::encode(&raw), "algorithms": ["HS256"],
        "issuer": infobip["options"]["widget_id"], "require": ["jti", "sub", "stp", "iss", "ski", "sid", "iat", "exp"]}), "valid"));
    cases.push(case(
        "infobip with the key's text",
        &token,
        json!({"secret": infobip["key"], "algorithms": ["HS256"]}),
        "invalid",
    ));
    let out = common::pyjwt::verify(&cases);
    assert!(
        out.contains(&format!("{} passed, 0 failed", cases.len())),
        "{out}"
    );
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

#[test]
fn rs256_vendors_tokens_verify_against_the_published_pem_and_dynamics_list_across_a_rotation() {
    let mut cases = Vec::new();
    for (vendor, form) in [("liveperson", "pem"), ("dynamics365", "dynamics")] {
        let before = project(vendor);
        let mut after = before.clone();
        after["key"] = json!(RSA_NEXT);
        after["key_id"] = json!(format!("{}-next", before["key_id"].as_str().unwrap()));
        let (old_token, old_jwk) = sign(&before);
        let (new_token, new_jwk) = sign(&after);
        let (old_jwk, new_jwk) = (old_jwk.unwrap(), new_jwk.unwrap());
        // During the rotation both keys are published, the current first; then the old goes.
        let published = |jwks: &[&Map<String, Value>]| match form {
            "pem" => json!({"pem": pem_bundle(jwks).unwrap()}),
            _ => json!({"dynamics": dynamics_list(jwks, now()).unwrap()}),
        };
        let during = published(&[&new_jwk, &old_jwk]);
        let later = published(&[&new_jwk]);
        let rules = |keys: &Value| {
            let mut rules = keys.clone();
            rules["algorithms"] = json!(["RS256"]);
            rules["issuer"] = before["options"]["issuer"].clone();
            rules["require"] = json!(["sub", "iss", "iat", "exp"]);
            rules
        };
        cases.push(case(
            &format!("{vendor}: the old key's token during the rotation"),
            &old_token,
            rules(&during),
            "valid",
        ));
        cases.push(case(
            &format!("{vendor}: the new key's token during the rotation"),
            &new_token,
            rules(&during),
            "valid",
        ));
        cases.push(case(
            &format!("{vendor}: the new key's token after"),
            &new_token,
            rules(&later),
            "valid",
        ));
        cases.push(case(
            &format!("{vendor}: the old key's token once dropped"),
            &old_token,
            rules(&later),
            "invalid",
        ));
        let mut hs = rules(&during);
        hs["algorithms"] = json!(["HS256"]);
        cases.push(case(
            &format!("{vendor}: read as HS256"),
            &new_token,
            hs,
            "invalid",
        ));
    }
    let out = common::pyjwt::verify(&cases);
    assert!(
        out.contains(&format!("{} passed, 0 failed", cases.len())),
        "{out}"
    );
}
