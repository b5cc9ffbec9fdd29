//! Any hash widget by configuration (`hmac`), and the engine hash presets are declared over
//! (shapes/generic_hmac.rs): HMAC-SHA256 under the vendor key (`key_encoding`: raw, hex,
//! base64, base64url) over `message`, verified fields joined by `separator`; the hash as
//! `output` hex or base64 at the settings path `hash`, beside `fields` (identity field →
//! settings path). Checked at load, each refusal naming its field.

use super::{DemoMode, Endpoint, PageCalls, Scheme, Starter, VendorSpec};

pub(super) const SPEC: VendorSpec = VendorSpec {
    id: "hmac",
    endpoint: Endpoint::UserHash,
    scheme: Scheme::Hmac,
    starter: Starter::with_options(
        r#"{"key_encoding": "raw", "message": ["email"], "output": "hex", "hash": "user_hash", "fields": {"email": "email", "name": "name"}}"#,
    ),
    demo_modes: &[DemoMode::single(
        r#"{"message": ["id"], "hash": "signature", "fields": {"id": "user_id", "email": "email"}}"#,
    )],
    page: PageCalls {
        sign_in: "widget.identify({settings}); // the widget's own call, with the hash under the declared field",
        sign_out: "widget.logout(); // the widget's own call",
    },
};

#[cfg(test)]
mod tests {
    use crate::User;
    use crate::VendorConfig;
    use crate::mac::hmac_sha256_hex;
    use crate::vendors::build;
    use serde_json::{Value, json};

    fn config(key: &str, options: Value) -> VendorConfig {
        serde_json::from_value(json!({"vendor": "hmac", "key": key, "options": options})).unwrap()
    }

    fn refusal(key: &str, options: Value) -> String {
        let error = build(&config(key, options)).err().unwrap();
        format!("{}: {}", error.field(), error.reason())
    }

    #[test]
    fn signs_the_joined_fields_under_the_decoded_key() {
        let options = json!({"key_encoding": "hex", "message": ["id", "email"], "separator": ":",
                             "hash": "proof.sig", "fields": {"email": "proof.email"}});
        let vendor = build(&config("6b6579", options)).unwrap();
        let signed = vendor.sign(&User::alice(), 0, None).unwrap();
        let expected = hmac_sha256_hex(b"key", b"u-1:alice@example.com");
        assert_eq!(
            signed.settings,
            json!({"proof": {"email": "alice@example.com", "sig": expected}})
        );
        assert!(vendor.identifies_by_email());
        let base64 = json!({"message": ["id"], "output": "base64", "hash": "h"});
        let signed = build(&config("key", base64))
            .unwrap()
            .sign(&User::alice(), 0, None)
            .unwrap();
        assert_eq!(signed.settings["h"].as_str().unwrap().len(), 44);
    }

    #[test]
    fn refuses_each_misconfiguration_by_name_and_never_shows_the_key() {
        for (key, options, field) in [
            (
                "zz-not-hex",
                json!({"key_encoding": "hex", "message": ["email"], "hash": "h"}),
                "key",
            ),
            ("k", json!({"message": [], "hash": "h"}), "options.message"),
            (
                "k",
                json!({"message": ["email_verified"], "hash": "h"}),
                "options.message.0",
            ),
            (
                "k",
                json!({"message": ["email"], "hash": ""}),
                "options.hash",
            ),
            (
                "k",
                json!({"message": ["email"], "hash": "h", "fields": {"email": "h"}}),
                "options.fields.email",
            ),
            (
                "k",
                json!({"message": ["email"], "hash": "h", "output": "base32"}),
                "options",
            ),
        ] {
            let refused = refusal(key, options.clone());
            assert!(
                refused.starts_with(&format!("{field}:")),
                "{options}: {refused}"
            );
            assert!(!refused.contains("zz-not-hex"), "{refused}");
        }
    }
}
