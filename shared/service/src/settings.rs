//! How a runner wires chatpass — where project configs and sessions live, how long configs are
//! cached, whose identity tokens it checks itself, how identity providers' keys are fetched,
//! where vendors' APIs are asked — read from a function's environment, or made from `chatpass
//! serve`'s flags. [`State::build`](crate::State::build) is the one place that turns them into
//! ports.

use crate::ProjectConfig;
use crate::identity::{FetchPolicy, LOOPBACK_HTTP_VAR, REFRESH_VAR, refresh_ms};
use crate::source::{CacheSettings, DEFAULT_PREFIX};
use crate::vendor_api::OVERRIDE_VAR;
use std::path::PathBuf;

/// Where project configs come from.
pub enum ConfigsFrom {
    /// One secret per project, `<prefix><project>`, with its versions (AWSCURRENT signs,
    /// AWSPREVIOUS's keys still verify while rotating).
    SecretsManager { prefix: String },
    /// A JSON file mapping project ids to configs, read again after each TTL.
    File(PathBuf),
    /// Configs held in memory: the embedded demo, and tests.
    Memory(Vec<ProjectConfig>),
}

/// Where sessions and logouts are kept.
pub enum SessionsIn {
    DynamoDb { table: String },
    Memory,
}

/// An identity provider whose tokens chatpass checks itself, where no API Gateway authorizer
/// does: its JWKS (a URL, a document or a file), issuer and audience.
pub struct IdentityProvider {
    pub jwks: String,
    pub issuer: String,
    pub audience: String,
}

/// Where vendors that mint their own tokens (HubSpot) are asked.
pub enum VendorApiAt {
    /// The vendors' own hosts, over HTTPS.
    Vendors,
    /// A stand-in on a loopback origin (`http://127.0.0.1:PORT`): tests and the demo only.
    Loopback(String),
    /// An in-memory stand-in (the embedded demo, whose keys no vendor knows).
    Memory,
}

pub struct Settings {
    pub configs: ConfigsFrom,
    pub sessions: SessionsIn,
    pub cache: CacheSettings,
    pub identity: Option<IdentityProvider>,
    pub key_sets: FetchPolicy,
    pub vendor_api: VendorApiAt,
}

impl Settings {
    /// A deployed function's settings, from its environment.
    pub fn from_env() -> Result<Settings, String> {
        Settings::from_vars(&|name| std::env::var(name).ok())
    }

    /// A deployed function's settings from the variables `var` gives (its environment, or a
    /// test's copy of what template.yaml sets): `CHATPASS_TABLE` (required),
    /// `CHATPASS_SECRET_PREFIX`, the config cache's `CHATPASS_CONFIG_*`, `CHATPASS_JWKS` with
    /// `CHATPASS_ISSUER` and `CHATPASS_AUDIENCE` for deployments without an API Gateway JWT
    /// authorizer, `CHATPASS_JWKS_REFRESH_SECONDS`, and the tests' loopback switches. A
    /// missing or bad setting is an error naming it, before any call is made.
    pub fn from_vars(var: &dyn Fn(&str) -> Option<String>) -> Result<Settings, String> {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let table = set("CHATPASS_TABLE").ok_or("CHATPASS_TABLE is not set")?;
        let prefix = set("CHATPASS_SECRET_PREFIX").unwrap_or_else(|| DEFAULT_PREFIX.into());
        let identity = match (
            set("CHATPASS_JWKS"),
            set("CHATPASS_ISSUER"),
            set("CHATPASS_AUDIENCE"),
        ) {
            (Some(jwks), Some(issuer), Some(audience)) => Some(IdentityProvider {
                jwks,
                issuer,
                audience,
            }),
            _ => None,
        };
        let vendor_api = match set(OVERRIDE_VAR) {
            Some(origin) => VendorApiAt::Loopback(origin),
            None => VendorApiAt::Vendors,
        };
        Ok(Settings {
            configs: ConfigsFrom::SecretsManager { prefix },
            sessions: SessionsIn::DynamoDb { table },
            cache: CacheSettings::from_vars(var),
            identity,
            key_sets: FetchPolicy {
                refresh_ms: refresh_ms(var(REFRESH_VAR).as_deref())?,
                loopback_http: var(LOOPBACK_HTTP_VAR).is_some_and(|v| v == "allow"),
            },
            vendor_api,
        })
    }

    /// Everything in memory, as the tests and the embedded demo run: these configs, the
    /// default cache, keys over https or loopback http, vendors' APIs in memory.
    pub fn memory(configs: Vec<ProjectConfig>) -> Settings {
        Settings {
            configs: ConfigsFrom::Memory(configs),
            sessions: SessionsIn::Memory,
            cache: CacheSettings::default(),
            identity: None,
            key_sets: FetchPolicy::LOOPBACK_HTTP,
            vendor_api: VendorApiAt::Memory,
        }
    }

    /// The Secrets Manager prefix, where configs are there: the SDK is made ready with it.
    pub fn secrets_prefix(&self) -> Option<&str> {
        match &self.configs {
            ConfigsFrom::SecretsManager { prefix } => Some(prefix),
            _ => None,
        }
    }

    /// True when a port is on AWS, so the SDK must be made ready first.
    pub fn uses_aws(&self) -> bool {
        self.secrets_prefix().is_some() || matches!(self.sessions, SessionsIn::DynamoDb { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(vars: &[(&str, &str)]) -> Result<Settings, String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_vars(&|name| vars.get(name).cloned())
    }

    #[test]
    fn a_function_needs_its_table_and_reads_the_rest_with_defaults() {
        assert_eq!(
            from(&[]).err().as_deref(),
            Some("CHATPASS_TABLE is not set")
        );
        let settings = from(&[("CHATPASS_TABLE", "t")]).unwrap();
        assert_eq!(settings.secrets_prefix(), Some(DEFAULT_PREFIX));
        assert!(matches!(settings.sessions, SessionsIn::DynamoDb { ref table } if table == "t"));
        assert_eq!(settings.key_sets, FetchPolicy::HTTPS_ONLY);
        assert!(settings.identity.is_none());
        assert!(matches!(settings.vendor_api, VendorApiAt::Vendors));
        assert_eq!(settings.cache, CacheSettings::default());
    }

    #[test]
    fn a_verifier_needs_all_three_of_its_settings() {
        let partial = from(&[("CHATPASS_TABLE", "t"), ("CHATPASS_JWKS", "https://i/jwks")]);
        assert!(partial.unwrap().identity.is_none());
        let whole = from(&[
            ("CHATPASS_TABLE", "t"),
            ("CHATPASS_JWKS", "https://i/jwks"),
            ("CHATPASS_ISSUER", "https://i/"),
            ("CHATPASS_AUDIENCE", "a"),
        ]);
        assert_eq!(whole.unwrap().identity.unwrap().audience, "a");
    }

    #[test]
    fn a_bad_refresh_interval_stops_the_function_naming_the_variable() {
        let bad = from(&[("CHATPASS_TABLE", "t"), (REFRESH_VAR, "5s")]);
        assert!(bad.err().unwrap().starts_with(REFRESH_VAR));
        let set = from(&[("CHATPASS_TABLE", "t"), (REFRESH_VAR, "60")]);
        assert_eq!(set.unwrap().key_sets.refresh_ms, 60_000);
    }

    #[test]
    fn loopback_http_only_when_a_test_asks_for_it() {
        for (value, allowed) in [("allow", true), ("1", false), ("yes", false)] {
            let settings = from(&[("CHATPASS_TABLE", "t"), (LOOPBACK_HTTP_VAR, value)]).unwrap();
            assert_eq!(settings.key_sets.loopback_http, allowed, "{value}");
        }
    }
}
