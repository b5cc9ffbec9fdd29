//! Signing with every vendor profile beside raw HMAC-SHA256 of the same bytes: the profile's
//! overhead (claims, JSON, encoding) over the cryptography it cannot avoid. Vendors that sign
//! with the project's RSA key are here too (RS256 costs far more than HMAC); HubSpot signs
//! nothing (its server mints the token) and is left out.

use chatpass_signing::mac::hmac_sha256;
use chatpass_signing::{User, VendorConfig, vendors};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::hint::black_box;

fn user() -> User {
    serde_json::from_value(json!({
        "id": "u-1001", "email": "alice@example.com", "email_verified": true, "name": "Alice Smith",
        "first_name": "Alice", "last_name": "Smith", "phone": "15550100",
        "avatar_url": "https://img.example.com/a.png", "properties": {"property_172": "188"}
    }))
    .unwrap()
}

const RSA_KEY: &str = include_str!("../tests/keys/rsa-2048.pem");

fn config(vendor: &str) -> VendorConfig {
    let mut config = json!({"vendor": vendor, "key": "a-vendor-key-of-thirty-two-bytes"});
    match vendor {
        "zendesk" => config["key_id"] = json!("app_64f0c0ffee"),
        "sprinklr" => config["options"] = json!({"mode": "user"}),
        "salesforce-miaw" => {
            config["key"] = json!(RSA_KEY);
            config["key_id"] = json!("k1");
            config["options"] = json!({"issuer": "https://www.example.com"});
        }
        "jwt" => {
            config["options"] = json!({"algorithm": "HS256", "settings_key": "token",
                "claims": {"id": "external_id", "email": "email", "name": "name"}});
        }
        _ => {}
    }
    serde_json::from_value(config).unwrap()
}

fn profiles(c: &mut Criterion) {
    let user = user();
    let key = b"a-vendor-key-of-thirty-two-bytes";
    let message = b"u-1001_Alice_Smith_https://img.example.com/a.png_15550100_alice@example.com_1700000000000";
    c.bench_function("raw hmac-sha256", |b| {
        b.iter(|| hmac_sha256(black_box(key), black_box(message)))
    });
    // The floor of RS256: aws-lc's PKCS#1 v1.5 signature with the key parsed once (the vendor
    // profile goes through jsonwebtoken, which parses the key again for every signature).
    let der = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        RSA_KEY
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>(),
    )
    .unwrap();
    let pair = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let mut signature = vec![0; pair.public_modulus_len()];
    c.bench_function("raw rsa-pkcs1-sha256, key parsed once", |b| {
        b.iter(|| {
            pair.sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &rng,
                black_box(message),
                &mut signature,
            )
            .unwrap()
        })
    });
    for id in vendors::ids() {
        let vendor = vendors::build(&config(id)).unwrap();
        if vendor.minted().is_some() {
            continue;
        }
        c.bench_function(&format!("sign {id}"), |b| {
            b.iter(|| {
                vendor
                    .sign(
                        black_box(&user),
                        black_box(1_700_000_000),
                        Some("00112233445566778899aabbccddeeff"),
                    )
                    .unwrap()
            })
        });
    }
}

criterion_group!(benches, profiles);
criterion_main!(benches);
