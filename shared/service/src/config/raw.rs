//! A project config document as written: every field typed, an unknown one refused by name.
//! Reading it names the field's path and what was expected, never the value found.

use super::{ConfigError, OidcLogout};
use chatpass_signing::keys::VendorKey;
use indexmap::IndexMap;
use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

/// The document's fields (docs/configuration.md); a `null` one counts as absent.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProjectConfig {
    pub vendor: Option<String>,
    pub key: Option<VendorKey>,
    pub key_id: Option<String>,
    pub options: Option<Map<String, Value>>,
    pub token_ttl_seconds: Option<u64>,
    pub allowed_email_domains: Option<Vec<String>>,
    pub trust_unverified_email: Option<bool>,
    pub allowed_origins: Option<Vec<String>>,
    pub identity: Option<Object<RawIdentity>>,
    pub callback_keys: Option<Vec<String>>,
    pub callback_allowed_ips: Option<Vec<String>>,
    pub webhook_secrets: Option<Vec<String>>,
    pub oidc_logout: Option<Object<OidcLogout>>,
    pub cookie_domain: Option<String>,
    pub user_details_fields: Option<BTreeMap<String, String>>,
}

/// `identity`: canonical user field → claim name, and `property_<id>` → claim name, each in
/// the document's order.
#[derive(Debug, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "an object with claims and properties"
)]
pub(super) struct RawIdentity {
    #[serde(default)]
    pub claims: IndexMap<String, String>,
    #[serde(default)]
    pub properties: IndexMap<String, String>,
}

/// A struct read from a JSON object only: serde's derive would take a list of its fields too.
pub(super) struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = Object<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Object<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Object)
            }
        }

        deserializer.deserialize_map(ObjectVisitor(PhantomData))
    }
}

/// Where the document is wrong and why, before it is known of which project.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Refusal {
    pub field: String,
    pub reason: String,
}

impl Refusal {
    pub(super) fn of(self, project: &str) -> ConfigError {
        ConfigError {
            project: project.to_owned(),
            field: self.field,
            reason: self.reason,
        }
    }
}

impl RawProjectConfig {
    pub(super) fn read(document: Value) -> Result<Self, Refusal> {
        if !document.is_object() {
            return Err(Refusal {
                field: "(document)".into(),
                reason: "must be a JSON object".into(),
            });
        }
        serde_path_to_error::deserialize(document).map_err(|error| {
            let field = error.path().to_string();
            refusal(field, &error.into_inner().to_string())
        })
    }
}

/// serde's message cut to what may be shown: `invalid type: string "…", expected a sequence`
/// holds the value found, so only what was expected is kept.
fn refusal(field: String, message: &str) -> Refusal {
    if message.starts_with("unknown field") {
        return Refusal {
            field,
            reason: "unknown field".into(),
        };
    }
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        return Refusal {
            field: format!("{field}.{missing}"),
            reason: "missing".into(),
        };
    }
    // The expectation comes last: a value that itself holds ", expected " comes before it.
    let reason = match message.rfind(", expected ") {
        Some(at) => format!(
            "expected {}",
            in_json_words(&message[at + ", expected ".len()..])
        ),
        None => "invalid".into(),
    };
    Refusal { field, reason }
}

/// serde's names for what was expected, in the words of JSON.
fn in_json_words(expected: &str) -> &str {
    match expected {
        "a sequence" => "a list",
        "a map" => "an object",
        "a boolean" => "true or false",
        "u64" => "a whole number",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(document: Value) -> Refusal {
        RawProjectConfig::read(document).err().unwrap()
    }

    fn refused(field: &str, reason: &str) -> Refusal {
        Refusal {
            field: field.into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn an_unknown_field_is_refused_by_its_path_at_any_depth() {
        assert_eq!(
            read(json!({"vendor": "crisp", "surprise": 1})),
            refused("surprise", "unknown field")
        );
        assert_eq!(
            read(json!({"identity": {"claim": {}}})),
            refused("identity.claim", "unknown field")
        );
        assert_eq!(
            read(
                json!({"oidc_logout": {"issuer": "i", "audience": "a", "jwks_url": "https://j", "jwks": "x"}})
            ),
            refused("oidc_logout.jwks", "unknown field")
        );
    }

    #[test]
    fn a_wrong_type_names_the_element_and_what_was_expected_never_the_value() {
        let secret = "secret-value-1, expected nothing";
        for (document, field, reason) in [
            (json!({"key": [secret]}), "key", "expected a string"),
            (
                json!({"callback_keys": secret}),
                "callback_keys",
                "expected a list",
            ),
            (
                json!({"webhook_secrets": ["whsec_x", [secret]]}),
                "webhook_secrets[1]",
                "expected a string",
            ),
            (
                json!({"token_ttl_seconds": -5}),
                "token_ttl_seconds",
                "expected a whole number",
            ),
            (
                json!({"trust_unverified_email": "yes"}),
                "trust_unverified_email",
                "expected true or false",
            ),
            (
                json!({"options": [secret]}),
                "options",
                "expected an object",
            ),
            (
                json!({"identity": {"claims": {"email": 5}}}),
                "identity.claims.email",
                "expected a string",
            ),
            (
                json!({"identity": secret}),
                "identity",
                "expected an object",
            ),
            (json!({"identity": []}), "identity", "expected an object"),
            (
                json!({"oidc_logout": ["i", "a", "https://j"]}),
                "oidc_logout",
                "expected an object",
            ),
            (
                json!({"oidc_logout": {"issuer": "i", "audience": "a"}}),
                "oidc_logout.jwks_url",
                "missing",
            ),
        ] {
            assert_eq!(read(document.clone()), refused(field, reason), "{document}");
        }
    }

    #[test]
    fn a_document_that_is_not_an_object_is_refused_as_a_whole() {
        assert_eq!(
            read(json!(["secret-value-1"])),
            refused("(document)", "must be a JSON object")
        );
    }

    #[test]
    fn null_counts_as_absent() {
        let raw = RawProjectConfig::read(json!({"callback_keys": null, "identity": null})).unwrap();
        assert!(raw.callback_keys.is_none() && raw.identity.is_none());
    }
}
