//! `chatpass keygen`: fresh random keys: a plain 32-byte key, a Standard Webhooks secret, or a
//! starter project config for a vendor with its own callback key and webhook secret (and, for
//! vendors that verify with the project's public key, a new key pair and its public JWKs).

use super::{Failure, Report, random_bytes};
use crate::signing_keys::new_rsa_signing_key;
use crate::times::now_or_system;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chatpass_service::ProjectConfig;
use chatpass_signing::public_keys;
use chatpass_signing::vendors::{PublicKeyForm, StarterKey};
use chatpass_signing::{VendorConfig, vendors};
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value, json};

/// Make a random key (32 bytes, base64url), a webhook secret, or a starter project config.
///
/// With no flag, prints a random key, e.g. for `callback_keys`. The starter config loads as is
/// once the vendor's secret replaces the placeholder `key`. For vendors that verify with the
/// project's public key (salesforce-miaw) the key pair is made here: the config holds the
/// private key, and stderr shows the public JWK and a self-signed certificate's JWK.
#[derive(clap::Args)]
pub struct Args {
    /// Print a starter project config for this vendor (jsm-chat, dynamics365, pylon, ...)
    #[arg(long, value_name = "NAME", conflicts_with = "webhook")]
    vendor: Option<String>,
    /// Print a Standard Webhooks secret (whsec_...)
    #[arg(long)]
    webhook: bool,
}

pub const KEY_PLACEHOLDER: &str = "paste the vendor's secret here";
pub const KEY_ID_PLACEHOLDER: &str = "paste the vendor's key id here";

pub fn run(args: Args) -> Result<Report, Failure> {
    let text = match (args.vendor, args.webhook) {
        (Some(vendor), _) => starter_config(&vendor)?,
        (None, true) => webhook_secret()?,
        (None, false) => random_key()?,
    };
    Ok(Report::ok(text + "\n"))
}

/// 32 random bytes as base64url without padding: a callback key, or any shared secret.
pub fn random_key() -> Result<String, Failure> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>().map_err(Failure::Unable)?))
}

/// `whsec_` and 32 random bytes in standard base64, as Standard Webhooks senders expect.
pub fn webhook_secret() -> Result<String, Failure> {
    Ok(format!(
        "whsec_{}",
        STANDARD.encode(random_bytes::<32>().map_err(Failure::Unable)?)
    ))
}

/// A project config that loads as is, once the vendor's key replaces the placeholder.
fn starter_config(vendor: &str) -> Result<String, Failure> {
    let Some(spec) = vendors::spec(vendor) else {
        let known: Vec<&str> = vendors::ids().collect();
        return Err(Failure::Unable(format!(
            "unknown vendor `{vendor}`; known vendors: {}",
            known.join(", ")
        )));
    };
    let mut doc = Map::new();
    doc.insert("vendor".into(), vendor.into());
    match spec.starter.key {
        StarterKey::FromVendor => {
            let placeholder = match spec.starter.key_placeholder {
                "" => KEY_PLACEHOLDER,
                encoded => encoded,
            };
            doc.insert("key".into(), placeholder.into());
            if spec.starter.key_id {
                doc.insert("key_id".into(), KEY_ID_PLACEHOLDER.into());
            }
        }
        StarterKey::RsaKeyPair => {
            let key = new_rsa_signing_key(Algorithm::RS256, now_or_system(None))
                .map_err(Failure::Unable)?;
            doc.insert("key".into(), key.pem.as_str().into());
            doc.insert("key_id".into(), key.kid.clone().into());
            eprint!("{}", public_key_note(spec.starter.public_key_form, &key)?);
        }
    }
    if !spec.starter.options.is_empty() {
        let options: Value = serde_json::from_str(spec.starter.options)
            .map_err(|e| Failure::Unable(format!("vendor `{vendor}`'s starter options: {e}")))?;
        doc.insert("options".into(), options);
    }
    if sets_exp(&doc)? {
        doc.insert("token_ttl_seconds".into(), 300.into());
    }
    doc.insert("allowed_origins".into(), json!(["https://www.example.com"]));
    doc.insert("callback_keys".into(), json!([random_key()?]));
    doc.insert("webhook_secrets".into(), json!([webhook_secret()?]));

    let text = serde_json::to_string_pretty(&doc).map_err(|e| Failure::Unable(e.to_string()))?;
    ProjectConfig::parse(vendor, &text).map_err(|e| {
        Failure::Unable(format!(
            "the starter config does not load (a chatpass bug): {e}"
        ))
    })?;
    Ok(text)
}

/// The public key in the form the vendor takes, for stderr; never the private part.
fn public_key_note(
    form: PublicKeyForm,
    key: &crate::signing_keys::NewSigningKey,
) -> Result<String, Failure> {
    let unable = |e: chatpass_signing::keys::KeyError| Failure::Unable(e.to_string());
    Ok(match form {
        PublicKeyForm::Pem => {
            let pem = public_keys::pem(&key.public_jwk).map_err(unable)?;
            let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            format!(
                "public key (PEM; GET /v1/projects/PROJECT/public-key.pem publishes it, the previous key too during a rotation; a key field that takes it pasted takes the line after it, the PEM without its armour):\n{pem}{body}\n"
            )
        }
        PublicKeyForm::DynamicsList => {
            let list = public_keys::dynamics_list(&[&key.public_jwk], now_or_system(None))
                .map_err(unable)?;
            format!(
                "public key list (GET /v1/projects/PROJECT/public-keys.json publishes it: give Dynamics 365 that URL as its Public key URL; the previous key is listed too during a rotation):\n{list}\n"
            )
        }
        PublicKeyForm::Jwks | PublicKeyForm::None => format!(
            "public JWK (GET /v1/projects/PROJECT/jwks.json publishes it: give the vendor that URL):\n{}\nfor a keyset uploaded by hand (x5c: a self-signed certificate valid {} days):\n{}\n",
            Value::Object(key.public_jwk.clone()),
            crate::signing_keys::CERTIFICATE_DAYS,
            Value::Object(key.certificate_jwk.clone()),
        ),
    })
}

/// Whether the vendor's token carries an `exp` that `token_ttl_seconds` sets (Kustomer's does
/// not: Kustomer ends a token 900 s after `iat` itself and refuses the setting).
fn sets_exp(doc: &Map<String, Value>) -> Result<bool, Failure> {
    let config: VendorConfig = serde_json::from_value(Value::Object(doc.clone()))
        .map_err(|e| Failure::Unable(e.to_string()))?;
    let vendor = vendors::build(&config).map_err(|e| {
        Failure::Unable(format!(
            "the starter config does not load (a chatpass bug): {e}"
        ))
    })?;
    Ok(vendor.jwt_rules().is_some_and(|rules| {
        rules
            .required_claims
            .iter()
            .chain(&rules.optional_claims)
            .any(|claim| claim == "exp")
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendors_starter_config_loads_with_the_key_form_it_needs() {
        for spec in vendors::specs() {
            let Ok(text) = starter_config(spec.id) else {
                panic!("{}: the starter config does not load", spec.id);
            };
            let doc: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(doc["vendor"], spec.id);
            assert_eq!(
                doc.get("key_id").is_some(),
                spec.starter.key_id,
                "{}",
                spec.id
            );
            match spec.starter.key {
                StarterKey::RsaKeyPair => assert!(
                    doc["key"]
                        .as_str()
                        .unwrap()
                        .starts_with("-----BEGIN PRIVATE KEY-----")
                ),
                StarterKey::FromVendor if spec.starter.key_placeholder.is_empty() => {
                    assert_eq!(doc["key"], KEY_PLACEHOLDER, "{}", spec.id)
                }
                StarterKey::FromVendor => {
                    assert_eq!(doc["key"], spec.starter.key_placeholder, "{}", spec.id)
                }
            }
        }
    }

    #[test]
    fn the_public_key_is_printed_in_the_form_the_vendor_takes() {
        let key = new_rsa_signing_key(Algorithm::RS256, 1_700_000_000).unwrap();
        let Ok(pem) = public_key_note(PublicKeyForm::Pem, &key) else {
            panic!("no PEM");
        };
        assert!(pem.contains("-----BEGIN PUBLIC KEY-----"));
        let Ok(list) = public_key_note(PublicKeyForm::DynamicsList, &key) else {
            panic!("no list");
        };
        let entries: Value = serde_json::from_str(list.lines().nth(1).unwrap()).unwrap();
        assert_eq!(entries[0]["kid"], key.kid.as_str());
        for note in [pem, list] {
            assert!(!note.contains("PRIVATE"), "{note}");
        }
    }
}
