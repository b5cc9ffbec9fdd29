//! The project config (docs/configuration.md): one JSON document per chat project,
//! parsed and checked once at load. Errors name the project and the field, never a value.

mod claim_map;
mod raw;

pub use claim_map::{ClaimMap, MissingClaim};

use crate::outbound::is_allowed_url;
use chatpass_signing::keys::VerifierKey;
use chatpass_signing::webhook::WebhookSecret;
use chatpass_signing::{Field, User};
use chatpass_signing::{Vendor, VendorConfig, vendors};
use ipnet::IpNet;
use raw::RawProjectConfig;
use serde_json::Value;
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
        let raw = RawProjectConfig::read(value).map_err(|r| r.of(project))?;
        Self::check(project, raw)
    }

    /// The document's fields checked, in the order the errors are looked for.
    fn check(project: &str, raw: RawProjectConfig) -> Result<Self, ConfigError> {
        let vendor_config = VendorConfig {
            vendor: raw
                .vendor
                .ok_or_else(|| error(project, "vendor", "missing"))?,
            key: raw.key.ok_or_else(|| error(project, "key", "missing"))?,
            key_id: raw.key_id,
            options: raw.options.unwrap_or_default(),
            token_ttl_seconds: raw.token_ttl_seconds,
        };
        let vendor =
            vendors::build(&vendor_config).map_err(|e| error(project, e.field(), e.reason()))?;

        let callback_keys = each(project, "callback_keys", raw.callback_keys, |k| {
            VerifierKey::new(k.into_bytes()).map_err(|e| e.to_string())
        })?;
        let webhook_secrets = each(project, "webhook_secrets", raw.webhook_secrets, |s| {
            WebhookSecret::parse(&s).map_err(|e| e.to_string())
        })?;
        let allowed_origins = each(project, "allowed_origins", raw.allowed_origins, |o| {
            is_origin(&o)
                .then_some(o)
                .ok_or("must be an origin like https://www.example.com".into())
        })?;
        let callback_allowed_ips = each(
            project,
            "callback_allowed_ips",
            raw.callback_allowed_ips,
            |s| parse_net(&s).ok_or("must be an IP address or CIDR".into()),
        )?;
        let oidc_logout = raw.oidc_logout.map(|o| o.0);
        if let Some(oidc) = &oidc_logout
            && !is_allowed_url(&oidc.jwks_url, true)
        {
            return Err(error(
                project,
                "oidc_logout.jwks_url",
                "must be an https URL (plain http to loopback only for `chatpass serve`)",
            ));
        }
        let cookie_domain = raw.cookie_domain;
        if cookie_domain.as_deref().is_some_and(|d| {
            d.is_empty()
                || !d
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        }) {
            return Err(error(project, "cookie_domain", "must be a domain name"));
        }
        let user_details_fields = raw.user_details_fields;
        if let Some(field) = user_details_fields
            .iter()
            .flatten()
            .map(|(k, _)| k)
            .find(|k| Field::from_name(k).is_none() && *k != User::PROPERTIES)
        {
            return Err(error(
                project,
                &format!("user_details_fields.{field}"),
                "not a user field",
            ));
        }
        let claims = ClaimMap::from_raw(raw.identity.map(|i| i.0).unwrap_or_default())
            .map_err(|r| r.of(project))?;
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
            allowed_email_domains: raw
                .allowed_email_domains
                .unwrap_or_default()
                .into_iter()
                .map(|d| d.trim_start_matches('@').to_ascii_lowercase())
                .collect(),
            trust_unverified_email: raw.trust_unverified_email.unwrap_or(false),
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

fn error(project: &str, field: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        project: project.to_owned(),
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// A list field's items, each converted or refused naming it (`callback_keys[1]`).
fn each<T>(
    project: &str,
    field: &str,
    list: Option<Vec<String>>,
    convert: impl Fn(String) -> Result<T, String>,
) -> Result<Vec<T>, ConfigError> {
    list.unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            convert(item).map_err(|reason| error(project, &format!("{field}[{i}]"), reason))
        })
        .collect()
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
