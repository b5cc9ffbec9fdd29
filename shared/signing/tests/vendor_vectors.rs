//! Every case of vendors.json through the library: settings, expiry, and for JWT cases a
//! token that verifies (with the key, or the case's public JWK) and decodes to exactly the
//! expected header and claims; for vendors that mint their own tokens, the call made and the
//! settings read from the vendor's answer. Claims new on every token (`random_claims`) are
//! checked by form (128 bits of hex, different each time) and the rest of the token exactly.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chatpass_signing::keys::SecretEncoding;
use chatpass_signing::{Signed, User, VendorConfig, vendors};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, crypto};
use serde_json::Value;

fn decode_part(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[test]
fn every_vendor_vector_signs_as_expected() {
    let cases = common::vectors("vendors.json");
    let cases = cases["cases"].as_array().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let config: VendorConfig = serde_json::from_value(case["project"].clone()).unwrap();
        seen.insert(config.vendor.clone());
        let user: User = serde_json::from_value(case["user"].clone()).unwrap();
        let now = case["now"].as_u64().unwrap();
        let expected = &case["expected"];
        let vendor = vendors::build(&config).unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Some(call) = expected.get("vendor_call") {
            let minted = vendor.minted().expect("a vendor that mints");
            let made = minted.call_with(&user, expected["kept"].as_str()).unwrap();
            assert_eq!(made.url, call["url"], "{name}");
            assert_eq!(
                format!("Bearer {}", made.bearer.as_str()),
                call["authorization"],
                "{name}"
            );
            let body: Value = serde_json::from_str(&made.body).unwrap();
            assert_eq!(body, call["body"], "{name}");
            let answer = &expected["vendor_answer"];
            let status = answer["status"].as_u64().unwrap() as u16;
            let signed = minted
                .settings(&user, status, answer["body"].to_string().as_bytes(), now)
                .unwrap();
            assert_eq!(signed.settings, expected["settings"], "{name}");
            assert_eq!(signed.expires_at, expected["expires_at"].as_u64(), "{name}");
            if let Some(kept) = expected.get("kept") {
                assert_eq!(minted.kept(&signed).as_deref(), kept.as_str(), "{name}");
            }
            assert_eq!(
                vendor.sign(&user, now, None).unwrap_err().code(),
                "minted_by_vendor"
            );
            seen.insert(config.vendor.clone());
            continue;
        }
        let input = expected.get("page_input").map(|raw| {
            let spec = vendor
                .page_input()
                .expect("a vendor that takes a page input");
            spec.parse(raw.as_str().unwrap()).unwrap()
        });
        let result = vendor.sign_with_page_input(&user, now, None, input.as_ref());

        if let Some(code) = expected.get("error") {
            assert_eq!(result.unwrap_err().code(), code, "{name}");
            continue;
        }
        let signed = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(signed.vendor, config.vendor, "{name}");
        if let Some(expires_at) = expected.get("expires_at") {
            assert_eq!(signed.expires_at, expires_at.as_u64(), "{name}");
        }
        if expected.get("random_claims").is_some() {
            check_random(name, &config, &*vendor, &signed, expected, now, &user);
            continue;
        }
        let Some(expected_token) = expected.get("token") else {
            assert_eq!(signed.settings, expected["settings"], "{name}");
            continue;
        };
        let field = common::first_field(&expected["settings"]);
        let token = signed.settings[field].as_str().unwrap();
        assert_eq!(token, expected_token, "{name}: byte-for-byte token");
        assert_eq!(signed.settings, expected["settings"], "{name}");
        check_token(name, &config, &vendor_jwk(&*vendor), expected, token);
    }
    let all: std::collections::BTreeSet<String> = vendors::ids().map(String::from).collect();
    assert_eq!(seen, all, "a vector for every vendor");
}

fn vendor_jwk(vendor: &dyn vendors::Vendor) -> Option<Value> {
    vendor.public_jwk().map(|j| Value::Object(j.clone()))
}

/// A token whose claims include values new on every token: everything else exactly.
fn check_random(
    name: &str,
    config: &VendorConfig,
    vendor: &dyn vendors::Vendor,
    signed: &Signed,
    expected: &Value,
    now: u64,
    user: &User,
) {
    let field = common::first_field(&expected["settings"]);
    let token = signed.settings[field].as_str().unwrap();
    let mut rest = signed.settings.clone();
    rest[field] = expected["settings"][field].clone();
    assert_eq!(rest, expected["settings"], "{name}");
    let claims = check_token(name, config, &vendor_jwk(vendor), expected, token);
    let again = vendor.sign(user, now, None).unwrap();
    let other = decode_part(
        again.settings[field]
            .as_str()
            .unwrap()
            .split('.')
            .nth(1)
            .unwrap(),
    );
    for claim in expected["random_claims"].as_array().unwrap() {
        let claim = claim.as_str().unwrap();
        let value = claims[claim].as_str().unwrap();
        assert_eq!(value.len(), 32, "{name}: {claim} is 128 bits of hex");
        assert!(
            value.bytes().all(|b| b.is_ascii_hexdigit()),
            "{name}: {claim}"
        );
        assert_ne!(
            other[claim], claims[claim],
            "{name}: {claim} is new on every token"
        );
    }
}

/// Verifies `token` with the case's key and checks its header and claims (random claims by
/// the placeholder); returns the claims.
fn check_token(
    name: &str,
    config: &VendorConfig,
    published: &Option<Value>,
    expected: &Value,
    token: &str,
) -> Value {
    {
        let _ = published;
        let (message, signature) = token.rsplit_once('.').unwrap();
        let (key, algorithm) = match expected.get("jwk") {
            Some(jwk) => {
                assert_eq!(Some(jwk), published.as_ref(), "{name}: the published key");
                let jwk: Jwk = serde_json::from_value(jwk.clone()).unwrap();
                let algorithm = jwk
                    .common
                    .key_algorithm
                    .unwrap()
                    .to_string()
                    .parse()
                    .unwrap();
                (DecodingKey::from_jwk(&jwk).unwrap(), algorithm)
            }
            None => {
                let secret = match expected.get("secret_hex") {
                    Some(hex_key) => hex::decode(hex_key.as_str().unwrap()).unwrap(),
                    None => SecretEncoding::Raw
                        .decode(&config.key)
                        .unwrap()
                        .as_bytes()
                        .to_vec(),
                };
                (DecodingKey::from_secret(&secret), Algorithm::HS256)
            }
        };
        assert!(
            crypto::verify(signature, message.as_bytes(), &key, algorithm).unwrap(),
            "{name}"
        );
        let (header, claims) = message.split_once('.').unwrap();
        assert_eq!(decode_part(header), expected["header"], "{name}");
        let claims = decode_part(claims);
        let mut masked = claims.clone();
        for claim in expected["random_claims"].as_array().into_iter().flatten() {
            let claim = claim.as_str().unwrap();
            masked[claim] = expected["claims"][claim].clone();
        }
        assert_eq!(masked, expected["claims"], "{name}");
        claims
    }
}
