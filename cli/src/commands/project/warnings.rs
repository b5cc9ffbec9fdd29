//! What a config that loads may still get wrong: rules across fields, each a warning with a
//! stable code and the names of the fields involved, never their values.

use chatpass_service::ProjectConfig;
use chatpass_signing::SessionUse;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub code: &'static str,
    pub fields: Vec<String>,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "warning {} ({}): {}",
            self.code,
            self.fields.join(", "),
            self.message
        )
    }
}

/// The warnings of a config that loaded, from its parsed form and its document.
pub fn warnings(config: &ProjectConfig, document: &Map<String, Value>) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut warn = |code, fields: &[&str], message: String| {
        out.push(Warning {
            code,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            message,
        })
    };
    let vendor = config.vendor.id();
    let claim = |field: &str| {
        document
            .get("identity")
            .and_then(|i| i.get("claims"))
            .and_then(|c| c.get(field))
            .and_then(Value::as_str)
    };
    let calls_back = config.vendor.session() != SessionUse::None;

    if config.vendor_key_is_short {
        warn(
            "short_vendor_key",
            &["key"],
            "shorter than vendors issue (16 bytes): check it is the whole key".into(),
        );
    }
    if !config.allowed_email_domains.is_empty() && config.trust_unverified_email {
        warn(
            "domain_rule_with_unverified_email",
            &["allowed_email_domains", "trust_unverified_email"],
            "the domain rule is met by any address a user types at the identity provider, verified or not".into(),
        );
    }
    if config.trust_unverified_email && config.vendor.identifies_by_email() {
        warn(
            "unverified_email_identifies_user",
            &["trust_unverified_email", "vendor"],
            format!(
                "{vendor} identifies users by email: a user with an unverified address joins the chat as that address's owner"
            ),
        );
    }
    if claim("email").is_some_and(|c| c != "email") && claim("email_verified").is_none() {
        warn(
            "email_remapped_without_verified",
            &["identity.claims.email", "identity.claims.email_verified"],
            "email comes from another claim, but email_verified still from the standard claim, which vouches for a different address".into(),
        );
    }
    if !config.callback_keys.is_empty() && config.callback_allowed_ips.is_empty() {
        let message = if calls_back {
            "any address holding a key may ask user-details; list the vendor's server addresses"
                .into()
        } else {
            format!(
                "any address holding a key may ask user-details, which {vendor} never calls as configured; remove the keys or list addresses"
            )
        };
        warn(
            "callback_without_ip_allowlist",
            &["callback_keys", "callback_allowed_ips"],
            message,
        );
    }
    if calls_back && config.callback_keys.is_empty() {
        warn(
            "callback_without_keys",
            &["callback_keys"],
            format!(
                "{vendor} calls user-details back in this mode, and every call is refused without a callback key"
            ),
        );
    }
    if config.webhook_secrets.is_empty() && config.oidc_logout.is_none() {
        warn(
            "no_logout_route",
            &["webhook_secrets", "oidc_logout"],
            "no logout can be delivered: sessions and tokens end only when they expire".into(),
        );
    }
    if config.allowed_origins.is_empty() {
        warn(
            "no_allowed_origins",
            &["allowed_origins"],
            "every request from a browser page is refused (403 origin_not_allowed)".into(),
        );
    }
    for (i, origin) in config.allowed_origins.iter().enumerate() {
        if origin.starts_with("http://") && !is_loopback_origin(origin) {
            warn(
                "cleartext_origin",
                &[&format!("allowed_origins[{i}]")],
                "an http origin: the page and its tokens travel unencrypted".into(),
            );
        }
    }
    if config
        .oidc_logout
        .as_ref()
        .is_some_and(|o| o.jwks_url.starts_with("http://"))
    {
        warn(
            "loopback_jwks_url",
            &["oidc_logout.jwks_url"],
            "an http URL on loopback: it only works where the identity provider runs on the same machine".into(),
        );
    }
    for field in ["callback_keys", "webhook_secrets"] {
        if let Some(i) = first_repeat(document.get(field)) {
            warn(
                "repeated_value",
                &[&format!("{field}[{i}]")],
                "the same value as an earlier entry".into(),
            );
        }
    }
    out
}

fn is_loopback_origin(origin: &str) -> bool {
    let host = origin.trim_start_matches("http://");
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.split_once(']'))
        .map_or_else(|| host.split(':').next().unwrap_or(host), |(h, _)| h);
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The index of the first entry of a list that repeats an earlier one.
fn first_repeat(list: Option<&Value>) -> Option<usize> {
    let mut seen = HashSet::new();
    list?
        .as_array()?
        .iter()
        .position(|v| !seen.insert(v.as_str().unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CALLBACK_KEY: &str = "cbk-7Qx2vL9pRw4Zt8Nm3Kd6Hs1Yf5Gj0Ba";
    const WHSEC: &str = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
    const VENDOR_KEY: &str = "vendor-secret-0123456789abcdef";

    /// A vendor that loads with a key alone, and identifies users by email or not.
    fn vendor_where(by_email: bool) -> &'static str {
        chatpass_signing::vendors::ids()
            .find(|id| {
                ProjectConfig::from_value("acme", json!({"vendor": id, "key": VENDOR_KEY}))
                    .is_ok_and(|c| c.vendor.identifies_by_email() == by_email)
            })
            .expect("such a vendor")
    }

    /// A config that draws no warning, with `changes` merged in (null removes a field).
    fn codes(changes: Value) -> Vec<(&'static str, Vec<String>)> {
        let mut doc = json!({
            "vendor": vendor_where(false), "key": VENDOR_KEY,
            "allowed_origins": ["https://www.example.com"],
            "webhook_secrets": [WHSEC],
        });
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                doc.as_object_mut().unwrap().remove(k);
            } else {
                doc[k] = v.clone();
            }
        }
        let config = ProjectConfig::from_value("acme", doc.clone()).unwrap();
        let found = warnings(&config, doc.as_object().unwrap());
        for w in &found {
            let text = w.to_string();
            for secret in [CALLBACK_KEY, WHSEC, VENDOR_KEY, "short-key"] {
                assert!(!text.contains(secret), "{text}");
            }
        }
        found.into_iter().map(|w| (w.code, w.fields)).collect()
    }

    fn one(code: &'static str, fields: &[&str]) -> Vec<(&'static str, Vec<String>)> {
        vec![(code, fields.iter().map(|f| f.to_string()).collect())]
    }

    #[test]
    fn a_careful_config_draws_no_warning() {
        assert_eq!(codes(json!({})), []);
    }

    #[test]
    fn each_rule_names_its_fields() {
        let cases = [
            (
                json!({"key": "short-key"}),
                one("short_vendor_key", &["key"]),
            ),
            (
                json!({"allowed_email_domains": ["example.com"], "trust_unverified_email": true}),
                one(
                    "domain_rule_with_unverified_email",
                    &["allowed_email_domains", "trust_unverified_email"],
                ),
            ),
            (
                json!({"identity": {"claims": {"email": "work_email"}}}),
                one(
                    "email_remapped_without_verified",
                    &["identity.claims.email", "identity.claims.email_verified"],
                ),
            ),
            (
                json!({"callback_keys": [CALLBACK_KEY]}),
                one(
                    "callback_without_ip_allowlist",
                    &["callback_keys", "callback_allowed_ips"],
                ),
            ),
            (
                json!({"webhook_secrets": null}),
                one("no_logout_route", &["webhook_secrets", "oidc_logout"]),
            ),
            (
                json!({"allowed_origins": null}),
                one("no_allowed_origins", &["allowed_origins"]),
            ),
            (
                json!({"allowed_origins": ["https://a.example.com", "http://b.example.com"]}),
                one("cleartext_origin", &["allowed_origins[1]"]),
            ),
            (
                json!({"oidc_logout": {"issuer": "i", "audience": "a", "jwks_url": "http://127.0.0.1:9/jwks"}}),
                one("loopback_jwks_url", &["oidc_logout.jwks_url"]),
            ),
            (
                json!({"webhook_secrets": [WHSEC, WHSEC]}),
                one("repeated_value", &["webhook_secrets[1]"]),
            ),
        ];
        for (changes, expected) in cases {
            assert_eq!(codes(changes.clone()), expected, "{changes}");
        }
    }

    #[test]
    fn rules_stay_quiet_when_the_other_field_answers_them() {
        for changes in [
            json!({"allowed_email_domains": ["example.com"]}),
            json!({"identity": {"claims": {"email": "work_email", "email_verified": "work_email_verified"}}}),
            json!({"identity": {"claims": {"id": "sub"}},
                   "oidc_logout": {"issuer": "https://idp/", "audience": "a", "jwks_url": "https://idp/jwks"}}),
            json!({"callback_keys": [CALLBACK_KEY], "callback_allowed_ips": ["203.0.113.0/24"]}),
            json!({"webhook_secrets": null,
                   "oidc_logout": {"issuer": "https://idp/", "audience": "a", "jwks_url": "https://idp/jwks"}}),
            json!({"allowed_origins": ["http://localhost:8081", "http://127.0.0.1:8081", "http://[::1]:8081"]}),
        ] {
            assert_eq!(codes(changes.clone()), [], "{changes}");
        }
    }

    #[test]
    fn vendors_that_call_back_or_identify_by_email_have_their_own_rules() {
        let sprinklr = |extra: Value| {
            let mut doc = json!({"vendor": "sprinklr", "key": "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d",
                "options": {"mode": "custom-user"}, "allowed_origins": ["https://www.example.com"],
                "webhook_secrets": [WHSEC]});
            doc.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            let config = ProjectConfig::from_value("acme", doc.clone()).unwrap();
            warnings(&config, doc.as_object().unwrap())
                .into_iter()
                .map(|w| w.code)
                .collect::<Vec<_>>()
        };
        assert_eq!(sprinklr(json!({})), ["callback_without_keys"]);
        assert_eq!(
            sprinklr(
                json!({"callback_keys": [CALLBACK_KEY], "callback_allowed_ips": ["203.0.113.7"]})
            ),
            Vec::<&str>::new()
        );

        let doc = json!({"vendor": vendor_where(true), "key": VENDOR_KEY,
            "trust_unverified_email": true, "allowed_origins": ["https://www.example.com"],
            "webhook_secrets": [WHSEC]});
        let config = ProjectConfig::from_value("acme", doc.clone()).unwrap();
        let found: Vec<_> = warnings(&config, doc.as_object().unwrap())
            .into_iter()
            .map(|w| (w.code, w.fields))
            .collect();
        assert_eq!(
            found,
            one(
                "unverified_email_identifies_user",
                &["trust_unverified_email", "vendor"]
            )
        );
    }
}
