//! The state every handler gets, built once per process (a warm Lambda keeps it): the ports as
//! trait objects, the optional identity verifier, the identity providers' keys, the tokens
//! vendors mint, and the clock. [`State::build`] makes it from [`Settings`]; every runner —
//! the Lambda functions, `chatpass serve`, the moto tests, the fuzz targets — goes through it.

use crate::aws::Aws;
use crate::clock::Clock;
use crate::identity::{FetchPolicy, IdentityVerifier, Jwks, JwksCache};
use crate::settings::{ConfigsFrom, SessionsIn, Settings, VendorApiAt};
use crate::source::{
    CacheSettings, ConfigCache, ConfigSource, FileSource, MemorySource, SecretsManagerSource,
    Stages,
};
use crate::store::{DynamoSessionStore, MemorySessionStore, SessionStore};
use crate::vendor_api::{HttpVendorApi, MemoryVendorApi, VendorApi, VendorTokens};
use std::sync::Arc;

#[derive(Clone)]
pub struct State {
    pub configs: Configs,
    /// Checks bearer tokens when no API Gateway authorizer did.
    pub verifier: Option<Arc<IdentityVerifier>>,
    pub sessions: Arc<dyn SessionStore>,
    pub clock: Arc<dyn Clock>,
    /// Identity providers' keys, for OIDC logout tokens.
    pub jwks: Arc<JwksCache>,
    /// Tokens minted by vendors' own servers (HubSpot, LiveChat), asked for once while fresh.
    pub vendor_tokens: Arc<VendorTokens>,
}

/// The project configs: AWSCURRENT, which every route reads, and AWSPREVIOUS, read only where
/// the source keeps versions and a caller's key is not the current one's, or `jwks.json`
/// publishes the previous key while a rotation is under way.
#[derive(Clone)]
pub struct Configs {
    pub current: Arc<dyn ConfigSource>,
    pub previous: Option<Arc<dyn ConfigSource>>,
}

impl Configs {
    /// A source without versions (a file, memory).
    pub fn one(source: Arc<dyn ConfigSource>) -> Configs {
        Configs {
            current: source,
            previous: None,
        }
    }
}

impl State {
    /// A state over these ports (one config source for every route), with no verifier of its
    /// own; identity providers' keys are fetched over https only.
    pub fn new(
        configs: Arc<dyn ConfigSource>,
        sessions: Arc<dyn SessionStore>,
        clock: Arc<dyn Clock>,
    ) -> State {
        State {
            configs: Configs::one(configs),
            verifier: None,
            sessions,
            jwks: Arc::new(JwksCache::new(clock.clone(), FetchPolicy::HTTPS_ONLY)),
            clock,
            vendor_tokens: Arc::new(VendorTokens::new(Arc::new(HttpVendorApi::new()))),
        }
    }

    /// The state `settings` describe. `aws` is the SDK made ready, needed where a port is on
    /// AWS ([`Settings::uses_aws`]). Every config source is read through a cache with the
    /// settings' bounds, as the deployed functions read Secrets Manager.
    pub fn build(
        settings: Settings,
        clock: Arc<dyn Clock>,
        aws: Option<&Aws>,
    ) -> Result<State, String> {
        let aws_for = |port: &str| aws.ok_or_else(|| format!("{port} needs the AWS SDK"));
        let cached =
            |source: Arc<dyn ConfigSource>, cache: CacheSettings| -> Arc<dyn ConfigSource> {
                Arc::new(ConfigCache::new(source, clock.clone(), cache))
            };
        let cache = settings.cache;
        let configs = match settings.configs {
            ConfigsFrom::SecretsManager { prefix } => {
                let secrets = &aws_for("Secrets Manager")?.secrets;
                let at =
                    |stages| Arc::new(SecretsManagerSource::new(secrets.clone(), &prefix, stages));
                Configs {
                    current: cached(at(Stages::Current), cache),
                    previous: Some(cached(at(Stages::Previous), cache.for_previous_versions())),
                }
            }
            ConfigsFrom::File(path) => Configs::one(cached(Arc::new(FileSource::new(path)), cache)),
            ConfigsFrom::Memory(configs) => {
                Configs::one(cached(Arc::new(MemorySource::new(configs)), cache))
            }
        };
        let sessions: Arc<dyn SessionStore> = match settings.sessions {
            SessionsIn::DynamoDb { table } => {
                let client = aws_sdk_dynamodb::Client::new(&aws_for("DynamoDB")?.config);
                Arc::new(DynamoSessionStore::new(client, table))
            }
            SessionsIn::Memory => Arc::new(MemorySessionStore::new()),
        };
        let vendor_api: Arc<dyn VendorApi> = match settings.vendor_api {
            VendorApiAt::Vendors => Arc::new(HttpVendorApi::new()),
            VendorApiAt::Loopback(origin) => Arc::new(HttpVendorApi::redirected_to(&origin)?),
            VendorApiAt::Memory => Arc::new(MemoryVendorApi::new()),
        };
        let verifier = match settings.identity {
            Some(idp) => Some(Arc::new(IdentityVerifier::new(
                Jwks::from_setting(&idp.jwks, clock.clone(), settings.key_sets)
                    .map_err(|e| format!("the identity provider's JWKS {e}"))?,
                idp.issuer,
                idp.audience,
            ))),
            None => None,
        };
        Ok(State {
            configs,
            verifier,
            sessions,
            jwks: Arc::new(JwksCache::new(clock.clone(), settings.key_sets)),
            clock,
            vendor_tokens: Arc::new(VendorTokens::new(vendor_api)),
        })
    }

    /// The same state asking vendors' servers through `api` (a stand-in, in tests).
    pub fn with_vendor_api(mut self, api: Arc<dyn VendorApi>) -> State {
        self.vendor_tokens = Arc::new(VendorTokens::new(api));
        self
    }

    /// The same state keeping identity providers' keys as `policy` says.
    pub fn with_jwks_policy(mut self, policy: FetchPolicy) -> State {
        self.jwks = Arc::new(JwksCache::new(self.clock.clone(), policy));
        self
    }

    /// The same state checking bearer identity tokens itself.
    pub fn with_verifier(mut self, verifier: Arc<IdentityVerifier>) -> State {
        self.verifier = Some(verifier);
        self
    }

    /// The same state (store, clock, keys) over another config source for every route.
    pub fn with_configs(mut self, configs: Arc<dyn ConfigSource>) -> State {
        self.configs = Configs::one(configs);
        self
    }
}
