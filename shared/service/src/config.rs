//! The project config (docs/configuration.md): one JSON document per chat project,
//! parsed and checked once at load. Errors name the project and the field, never a value.

use crate::identity::ClaimMap;
use chatpass_signing::keys::VerifierKey;
use chatpass_signing::webhook::WebhookSecret;
use chatpass_signing::{Vendor, VendorConfig, vendors};
use ipnet::IpNet;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

/// Why a project config was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("project `{project}`: `{field}`: {reason}")]
pub struct ConfigError {
    pub project: String,
    pub field: String,
    pub reason: String,
}

/// Where an IdP's back-channel logout tokens come from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcLogout {
    pub issuer: String,
    pub audience: String,
    pub jwks_url: String,
}

/// A parsed, checked project config.
#[derive(Clone)]
pub struct ProjectConfig {
    pub project: String,
    pub vendor: Arc<dyn Vendor>,
    /// The vendor key is shorter than vendors issue (used anyway; worth a warning).
    pub vendor_key_is_short: bool,
    pub allowed_email_domains: Vec<String>,
    pub trust_unverified_email: bool,
    pub allowed_origins: Vec<String>,
    pub claims: ClaimMap,
    pub callback_keys: Vec<VerifierKey>,
    pub callback_allowed_ips: Vec<IpNet>,
    pub webhook_secrets: Vec<WebhookSecret>,
    pub oidc_logout: Option<OidcLogout>,
    pub cookie_domain: Option<String>,
    /// Canonical user field → the vendor's name for it, in user-details answers.
    pub user_details_fields: Option<BTreeMap<String, String>>,
}

impl fmt::Debug for ProjectConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProjectConfig")
            .field("project", &self.project)
            .field("vendor", &self.vendor.id())
            .finish_non_exhaustive()
    }
}

const FIELDS: &[&str] = &[
    "vendor",
    "key",
    "key_id",
    "options",
    "token_ttl_seconds",
    "allowed_email_domains",
    "trust_unverified_email",
    "allowed_origins",
    "identity",
    "callback_keys",
    "callback_allowed_ips",
    "webhook_secrets",
    "oidc_logout",
    "cookie_domain",
    "user_details_fields",
];

/// The canonical user's fields, as `user_details_fields` may name them.
const USER_FIELDS: &[&str] = &[
    "id",
    "email",
    "email_verified",
    "name",
    "first_name",
    "last_name",
    "phone",
    "avatar_url",
    "properties",
];

impl ProjectConfig {
    /// Parses and checks the JSON document of `project`.
    pub fn parse(project: &str, document: &str) -> Result<Self, ConfigError> {
        let value: Value = serde_json::from_str(document).map_err(|e| {
            error(
                project,
                "(document)",
                format!("not JSON ({:?} error at line {})", e.classify(), e.line()),
            )
        })?;
        Self::from_value(project, value)
    }

    /// Checks an already-parsed JSON document of `project`.
    pub fn from_value(project: &str, value: Value) -> Result<Self, ConfigError> {
        let Value::Object(mut doc) = value else {
            return Err(error(project, "(document)", "must be a JSON object"));
        };
        if let Some(unknown) = doc.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(error(project, unknown, "unknown field"));
        }
        let mut p = Parser {
            project,
            doc: &mut doc,
        };
        let vendor_config = VendorConfig {
            vendor: p.required("vendor", "a vendor id")?,
            key: p.required("key", "a string")?,
            key_id: p.optional("key_id", "a string")?,
            options: p.optional("options", "an object")?.unwrap_or_default(),
            token_ttl_seconds: p.optional("token_ttl_seconds", "a whole number of seconds")?,
        };
        let vendor =
            vendors::build(&vendor_config).map_err(|e| error(project, e.field(), e.reason()))?;

        let callback_keys = p.list::<String>("callback_keys")?;
        let callback_keys = callback_keys
            .into_iter()
            .enumerate()
            .map(|(i, k)| {
                VerifierKey::new(k.into_bytes())
                    .map_err(|e| error(project, &format!("callback_keys[{i}]"), e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let webhook_secrets = p
            .list::<String>("webhook_secrets")?
            .iter()
            .enumerate()
            .map(|(i, s)| {
                WebhookSecret::parse(s)
                    .map_err(|e| error(project, &format!("webhook_secrets[{i}]"), e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let allowed_origins = p.list::<String>("allowed_origins")?;
        if let Some((i, _)) = allowed_origins
            .iter()
            .enumerate()
            .find(|(_, o)| !is_origin(o))
        {
            return Err(error(
                project,
                &format!("allowed_origins[{i}]"),
                "must be an origin like https://www.example.com",
            ));
        }
        let callback_allowed_ips = p
            .list::<String>("callback_allowed_ips")?
            .iter()
            .enumerate()
            .map(|(i, s)| {
                parse_net(s).ok_or_else(|| {
                    error(
                        project,
                        &format!("callback_allowed_ips[{i}]"),
                        "must be an IP address or CIDR",
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let oidc_logout: Option<OidcLogout> =
            p.optional("oidc_logout", "an object with issuer, audience, jwks_url")?;
        if let Some(oidc) = &oidc_logout
            && !crate::identity::is_allowed_url(&oidc.jwks_url, true)
        {
            return Err(error(
                project,
                "oidc_logout.jwks_url",
                "must be an https URL (plain http to loopback only for `chatpass serve`)",
            ));
        }
        let cookie_domain: Option<String> = p.optional("cookie_domain", "a domain name")?;
        if cookie_domain.as_deref().is_some_and(|d| {
            d.is_empty()
                || !d
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        }) {
            return Err(error(project, "cookie_domain", "must be a domain name"));
        }
        let user_details_fields: Option<BTreeMap<String, String>> =
            p.optional("user_details_fields", "an object of field names")?;
        if let Some(field) = user_details_fields
            .iter()
            .flatten()
            .map(|(k, _)| k)
            .find(|k| !USER_FIELDS.contains(&k.as_str()))
        {
            return Err(error(
                project,
                &format!("user_details_fields.{field}"),
                "not a user field",
            ));
        }
        let identity: Option<Map<String, Value>> = p.optional("identity", "an object")?;
        let claims = ClaimMap::from_config(identity)
            .map_err(|(field, reason)| error(project, &field, reason))?;
        // A logout token names its user by `sub`; with the id read from another claim, such a
        // logout would be recorded for a user no sign-in looks up, and end nothing.
        if oidc_logout.is_some() && claims.remaps_id() {
            return Err(error(
                project,
                "oidc_logout",
                "cannot be used with `identity.claims.id` remapped: logout tokens name users by `sub`; end their sessions with a Standard Webhooks delivery instead",
            ));
        }

        Ok(ProjectConfig {
            project: project.to_owned(),
            vendor: Arc::from(vendor),
            vendor_key_is_short: vendor_config.key.is_short(),
            allowed_email_domains: p
                .list::<String>("allowed_email_domains")?
                .into_iter()
                .map(|d| d.trim_start_matches('@').to_ascii_lowercase())
                .collect(),
            trust_unverified_email: p
                .optional("trust_unverified_email", "true or false")?
                .unwrap_or(false),
            allowed_origins,
            claims,
            callback_keys,
            callback_allowed_ips,
            webhook_secrets,
            oidc_logout,
            cookie_domain,
            user_details_fields,
        })
    }
}

impl ProjectConfig {
    /// Keeps accepting the keys of the previous version (AWSPREVIOUS) wherever chatpass
    /// verifies callers, while the current version signs.
    pub fn accept_previous_keys(&mut self, previous: ProjectConfig) {
        for key in previous.callback_keys {
            if !self.callback_keys.contains(&key) {
                self.callback_keys.push(key);
            }
        }
        for secret in previous.webhook_secrets {
            if !self.webhook_secrets.contains(&secret) {
                self.webhook_secrets.push(secret);
            }
        }
    }
}

fn error(project: &str, field: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        project: project.to_owned(),
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// Takes fields out of the document one by one, so a type error names the field and never
/// echoes its value (which may be a key).
struct Parser<'a> {
    project: &'a str,
    doc: &'a mut Map<String, Value>,
}

impl Parser<'_> {
    fn optional<T: DeserializeOwned>(
        &mut self,
        field: &str,
        expected: &str,
    ) -> Result<Option<T>, ConfigError> {
        match self.doc.remove(field) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => serde_json::from_value(value)
                .map(Some)
                .map_err(|_| error(self.project, field, format!("expected {expected}"))),
        }
    }

    fn required<T: DeserializeOwned>(
        &mut self,
        field: &str,
        expected: &str,
    ) -> Result<T, ConfigError> {
        self.optional(field, expected)?
            .ok_or_else(|| error(self.project, field, "missing"))
    }

    fn list<T: DeserializeOwned>(&mut self, field: &str) -> Result<Vec<T>, ConfigError> {
        Ok(self
            .optional(field, "a list of strings")?
            .unwrap_or_default())
    }
}

fn is_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    !rest.is_empty() && !rest.contains(['/', '?', '#', '*', ' ', '@'])
}

fn parse_net(value: &str) -> Option<IpNet> {
    value
        .parse::<IpNet>()
        .ok()
        .or_else(|| value.parse::<IpAddr>().ok().map(IpNet::from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const WHSEC: &str = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

    fn parse(doc: Value) -> Result<ProjectConfig, ConfigError> {
        ProjectConfig::from_value("acme", doc)
    }

    #[test]
    fn parses_a_full_config() {
        let config = parse(json!({
            "vendor": "sprinklr", "key": "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d",
            "options": {"mode": "custom-user"}, "token_ttl_seconds": 600,
            "allowed_email_domains": ["@Example.com"], "allowed_origins": ["https://www.example.com"],
            "identity": {"claims": {"name": "display_name"}},
            "callback_keys": ["cb-key-0123456789abcdefghijklmnop"], "webhook_secrets": [WHSEC],
            "callback_allowed_ips": ["10.0.0.0/8", "192.0.2.7"],
            "oidc_logout": {"issuer": "https://idp/", "audience": "c", "jwks_url": "https://idp/jwks"},
            "cookie_domain": ".example.com"
        }))
        .unwrap();
        assert_eq!(config.vendor.id(), "sprinklr");
        assert_eq!(config.allowed_email_domains, ["example.com"]);
        assert_eq!(config.callback_allowed_ips.len(), 2);
    }

    #[test]
    fn errors_name_the_project_and_field_and_never_the_key() {
        let cases = [
            (json!({"vendor": "nope", "key": "secret-value-1"}), "vendor"),
            (json!({"vendor": "crisp", "key": ""}), "key"),
            (json!({"vendor": "crisp"}), "key"),
            (json!({"vendor": "crisp", "key": ["secret-value-1"]}), "key"),
            (
                json!({"vendor": "crisp", "key": "k", "callback_keys": ["secret-value-1"]}),
                "callback_keys[0]",
            ),
            (
                json!({"vendor": "crisp", "key": "k", "callback_keys": "secret-value-1"}),
                "callback_keys",
            ),
            (
                json!({"vendor": "crisp", "key": "k", "webhook_secrets": ["whsec_c2VjcmV0LXZhbHVlLTE="]}),
                "webhook_secrets[0]",
            ),
            (
                json!({"vendor": "zendesk", "key": "secret-value-1"}),
                "key_id",
            ),
            (
                json!({"vendor": "crisp", "key": "k", "allowed_origins": ["https://x.com/path"]}),
                "allowed_origins[0]",
            ),
            (
                json!({"vendor": "crisp", "key": "k", "oidc_logout": {"issuer": "i", "audience": "a", "jwks_url": "http://x"}}),
                "oidc_logout.jwks_url",
            ),
            (
                json!({"vendor": "crisp", "key": "k", "surprise": 1}),
                "surprise",
            ),
            (
                json!({"vendor": "crisp", "key": "k", "identity": {"claims": {"nickname": "x"}}}),
                "identity.claims.nickname",
            ),
            (
                json!({"vendor": "crisp", "key": "k", "identity": {"claims": {"id": "employee_id"}},
                       "oidc_logout": {"issuer": "https://idp/", "audience": "c", "jwks_url": "https://idp/jwks"}}),
                "oidc_logout",
            ),
        ];
        for (doc, field) in cases {
            let err = parse(doc.clone()).unwrap_err();
            assert_eq!(
                (err.project.as_str(), err.field.as_str()),
                ("acme", field),
                "{doc}"
            );
            assert!(!err.to_string().contains("secret-value-1"), "{err}");
            assert!(!err.to_string().contains("c2VjcmV0"), "{err}");
        }
    }

    #[test]
    fn a_short_vendor_key_is_accepted_and_flagged() {
        assert!(
            parse(json!({"vendor": "crisp", "key": "short"}))
                .unwrap()
                .vendor_key_is_short
        );
    }

    #[test]
    fn syntax_errors_do_not_echo_the_document() {
        let err = ProjectConfig::parse("acme", r#"{"vendor": "crisp", "key": "secret-value-1""#)
            .unwrap_err();
        assert_eq!(err.field, "(document)");
        assert!(!err.to_string().contains("secret"));
    }
}
