//! UseResponse SSO: `token` is plain SHA-256 hex (not HMAC) of the security key followed
//! directly by the email; custom properties travel as `property_<fieldId>`.

use super::{Built, Endpoint, Scheme, VendorConfig, VendorSpec, object, text};
use crate::SignError;
use crate::mac::sha256_hex;
use crate::shapes::{HashVendor, Settings};
use crate::user::Field;
use serde_json::Value;

pub(super) const SPEC: VendorSpec = VendorSpec::plain(
    "useresponse",
    Endpoint::UserHash,
    Scheme::Own(build),
    "UR.userConfig({settings});",
    "UR.clearChatStorage();",
);

fn build(config: &VendorConfig) -> Built {
    HashVendor::build(
        config,
        &SPEC,
        true,
        Settings::Computed(|user, key| {
            let email = user.require(Field::Email)?;
            if let Some(bad) = user.properties.keys().find(|k| !is_property_key(k)) {
                return Err(SignError::BadField {
                    field: format!("properties.{bad}"),
                    reason: "UseResponse property keys are property_<fieldId>",
                });
            }
            Ok(object([
                (
                    "token",
                    Some(sha256_hex(&[key.as_bytes(), email.as_bytes()]).into()),
                ),
                ("userEmail", text(Some(email))),
                ("userName", text(user.get(Field::Name))),
                ("properties", Some(Value::Object(user.properties.clone()))),
            ]))
        }),
    )
}

fn is_property_key(key: &str) -> bool {
    key.strip_prefix("property_")
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}
