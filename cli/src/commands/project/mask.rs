//! Secret values in a project document, masked for display: each becomes
//! `<masked sha256:…>`, a fingerprint that tells values apart without revealing them.

use chatpass_signing::explain::fingerprint;
use chatpass_signing::keys::VendorKey;
use serde_json::{Map, Value};

const MASK_START: &str = "<masked ";

/// Whether a field holds secrets: the vendor key, callback keys, webhook secrets, and any
/// private key or password a vendor's options may carry.
fn is_secret_field(name: &str) -> bool {
    name != "key_id"
        && (name == "key"
            || name.ends_with("_key")
            || name.ends_with("_keys")
            || name.contains("secret")
            || name.contains("private")
            || name.contains("password"))
}

/// A short, non-reversible name of a value (as `chatpass explain` names keys).
pub fn fingerprint_of(value: &str) -> String {
    VendorKey::new(value).map_or_else(|_| "empty".into(), |key| fingerprint(&key))
}

/// The document with every string under a secret field replaced by its mask.
pub fn masked(document: &Map<String, Value>) -> Map<String, Value> {
    document
        .iter()
        .map(|(name, value)| {
            let value = if is_secret_field(name) {
                mask_all(value)
            } else {
                match value {
                    Value::Object(inner) => Value::Object(masked(inner)),
                    other => other.clone(),
                }
            };
            (name.clone(), value)
        })
        .collect()
}

fn mask_all(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(mask(s)),
        Value::Array(items) => Value::Array(items.iter().map(mask_all).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), mask_all(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

pub fn mask(value: &str) -> String {
    format!("{MASK_START}{}>", fingerprint_of(value))
}

/// The path of the first string that is a mask (a document copied from `chatpass project
/// show`), if any: storing it would replace a secret with its mask.
pub fn first_mask(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::String(s) if s.starts_with(MASK_START) && s.ends_with('>') => Some(path.to_owned()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| first_mask(v, &format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            let path = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            first_mask(v, &path)
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_every_secret_field_and_keeps_the_rest() {
        let doc = json!({
            "vendor": "zendesk", "key": "vendor-secret-1", "key_id": "kid-1",
            "callback_keys": ["callback-secret-1", "callback-secret-2"],
            "webhook_secrets": ["whsec_c2VjcmV0"], "token_ttl_seconds": 300,
            "options": {"private_key": "-----BEGIN PRIVATE KEY-----", "mode": "user"},
            "allowed_origins": ["https://www.example.com"]
        });
        let shown = Value::Object(masked(doc.as_object().unwrap())).to_string();
        for secret in [
            "vendor-secret-1",
            "callback-secret",
            "c2VjcmV0",
            "BEGIN PRIVATE",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        for kept in [
            "kid-1",
            "\"user\"",
            "300",
            "https://www.example.com",
            "zendesk",
        ] {
            assert!(shown.contains(kept), "{kept} missing from {shown}");
        }
        assert!(shown.contains(&mask("callback-secret-2")));
        assert_ne!(mask("callback-secret-1"), mask("callback-secret-2"));
    }

    #[test]
    fn finds_a_mask_copied_back_into_a_document() {
        let doc = json!({"vendor": "crisp", "key": "k", "webhook_secrets": ["x", mask("y")]});
        assert_eq!(first_mask(&doc, "").as_deref(), Some("webhook_secrets[1]"));
        assert_eq!(first_mask(&json!({"key": "<masked>x"}), ""), None);
    }
}
