//! The state every handler gets, built once per process (a warm Lambda keeps it): the ports as
//! trait objects, the optional identity verifier, the identity providers' keys, the tokens
//! vendors mint, and the clock.

use crate::clock::{Clock, SystemClock};
use crate::identity::{FetchPolicy, IdentityVerifier, Jwks, JwksCache, LOOPBACK_HTTP_VAR};
use crate::source::{
    CacheSettings, ConfigCache, ConfigSource, DEFAULT_PREFIX, SecretsManagerSource, Stages,
};
use crate::store::{DynamoSessionStore, SessionStore};
use crate::vendor_api::{HttpVendorApi, VendorApi, VendorTokens};
use std::sync::Arc;

#[derive(Clone)]
pub struct State {
    pub configs: Arc<dyn ConfigSource>,
    /// Checks bearer tokens when no API Gateway authorizer did.
    pub verifier: Option<Arc<IdentityVerifier>>,
    pub sessions: Arc<dyn SessionStore>,
    pub clock: Arc<dyn Clock>,
    /// Identity providers' keys, for OIDC logout tokens.
    pub jwks: Arc<JwksCache>,
    /// The previous version of each config (AWSPREVIOUS), where the source keeps versions:
    /// `jwks.json` publishes its public key too while a rotation is under way.
    pub previous_versions: Option<Arc<dyn ConfigSource>>,
    /// Tokens minted by vendors' own servers (HubSpot), asked for once while fresh.
    pub vendor_tokens: Arc<VendorTokens>,
}

impl State {
    /// A state over these ports, with no verifier of its own; identity providers' keys are
    /// fetched over https only, refreshed every 5 minutes.
    pub fn new(
        configs: Arc<dyn ConfigSource>,
        sessions: Arc<dyn SessionStore>,
        clock: Arc<dyn Clock>,
    ) -> State {
        State {
            configs,
            verifier: None,
            sessions,
            jwks: Arc::new(JwksCache::new(clock.clone(), FetchPolicy::HTTPS_ONLY)),
            clock,
            previous_versions: None,
            vendor_tokens: Arc::new(VendorTokens::new(Arc::new(HttpVendorApi::new()))),
        }
    }

    /// The same state asking vendors' servers through `api` (a stand-in, in the demo and tests).
    pub fn with_vendor_api(mut self, api: Arc<dyn VendorApi>) -> State {
        self.vendor_tokens = Arc::new(VendorTokens::new(api));
        self
    }

    /// The same state reading configs' previous versions from `source`.
    pub fn with_previous_versions(mut self, source: Arc<dyn ConfigSource>) -> State {
        self.previous_versions = Some(source);
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

    /// The same state (store, clock, keys) over other configs.
    pub fn with_configs(mut self, configs: Arc<dyn ConfigSource>) -> State {
        self.configs = configs;
        self
    }

    /// State for a Lambda function, from its environment:
    /// `CHATPASS_TABLE` (the state table, required), `CHATPASS_SECRET_PREFIX` (default
    /// `chatpass/projects/`), the cache's `CHATPASS_CONFIG_*`, and optionally `CHATPASS_JWKS`
    /// (an https URL, a JWKS document or a file), `CHATPASS_ISSUER`, `CHATPASS_AUDIENCE` for
    /// deployments without an API Gateway JWT authorizer, and `CHATPASS_JWKS_REFRESH_SECONDS`
    /// for fetched keys. The AWS endpoint follows
    /// `AWS_ENDPOINT_URL` when set; vendor API calls go to the vendor unless a test sets
    /// `CHATPASS_VENDOR_API_OVERRIDE` (loopback only). The previous versions of configs are read
    /// (AWSPREVIOUS, through a cache of their own) only by a route that asks for them.
    ///
    /// The AWS SDK config, credentials, TLS stack and Secrets Manager connection are made
    /// ready here, during the Lambda's init, by one call whose answer is ignored (it is
    /// bounded by the SDK's timeouts, well under Lambda's 10 s init limit); DynamoDB's client
    /// connects on first use (issue 15). Missing or bad settings fail here, before any call.
    pub fn from_env(stages: Stages) -> Result<State, String> {
        let policy = FetchPolicy {
            refresh_ms: crate::identity::refresh_ms_from_env()?,
            loopback_http: std::env::var(LOOPBACK_HTTP_VAR).is_ok_and(|v| v == "allow"),
        };
        let table =
            std::env::var("CHATPASS_TABLE").map_err(|_| "CHATPASS_TABLE is not set".to_owned())?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let prefix =
            std::env::var("CHATPASS_SECRET_PREFIX").unwrap_or_else(|_| DEFAULT_PREFIX.into());
        let settings = CacheSettings::from_env();
        let vendor_api = HttpVendorApi::from_env()?;
        let verifier = verifier_from_env(clock.clone(), policy)?;
        let (sdk, secrets) = warm_up::secrets_manager(&prefix)?;
        let source = SecretsManagerSource::new(secrets.clone(), prefix.clone(), stages);
        let configs = ConfigCache::new(Arc::new(source), clock.clone(), settings);
        let previous = SecretsManagerSource::new(secrets, prefix, Stages::Previous);
        let previous = ConfigCache::new(
            Arc::new(previous),
            clock.clone(),
            settings.for_previous_versions(),
        );
        let sessions = DynamoSessionStore::new(aws_sdk_dynamodb::Client::new(&sdk), table);
        let state = State::new(Arc::new(configs), Arc::new(sessions), clock.clone())
            .with_previous_versions(Arc::new(previous))
            .with_vendor_api(Arc::new(vendor_api))
            .with_jwks_policy(policy);
        Ok(match verifier {
            Some(verifier) => state.with_verifier(Arc::new(verifier)),
            None => state,
        })
    }
}

/// The SDK made ready during init, awaited (issue 15).
mod warm_up {
    use aws_config::SdkConfig;
    use aws_sdk_secretsmanager::Client;

    /// A secret name no project can have (`.` is not in a project id).
    const SECRET: &str = ".warm-up";

    /// The SDK config, loaded now, and the Secrets Manager client the sources use, which has
    /// made one GetSecretValue (its answer, ResourceNotFound, ignored) before the runtime asks
    /// for the first event: the call resolves the credentials, seeds the TLS stack's random
    /// generator, loads the TLS roots and opens the connection the first request reads its
    /// project with (the config's one HTTPS client serves every SDK client made from it). It is
    /// the one call every function's role allows (template.yaml); their DynamoDB actions differ
    /// (logout-webhook may not GetItem), so DynamoDB's connection is opened by the first
    /// request.
    pub fn secrets_manager(prefix: &str) -> Result<(SdkConfig, Client), String> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| "the AWS SDK's set-up needs a Tokio runtime".to_owned())?;
        let secret = format!("{prefix}{SECRET}");
        Ok(tokio::task::block_in_place(|| {
            runtime.block_on(async {
                let config = crate::aws::sdk_config().await;
                let secrets = Client::new(&config);
                let answer = secrets.get_secret_value().secret_id(secret).send().await;
                tracing::debug!(
                    answered = answer.is_ok(),
                    "Secrets Manager connection opened during init"
                );
                (config, secrets)
            })
        }))
    }
}

fn verifier_from_env(
    clock: Arc<dyn Clock>,
    policy: FetchPolicy,
) -> Result<Option<IdentityVerifier>, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(jwks), Some(issuer), Some(audience)) = (
        var("CHATPASS_JWKS"),
        var("CHATPASS_ISSUER"),
        var("CHATPASS_AUDIENCE"),
    ) else {
        return Ok(None);
    };
    let jwks =
        Jwks::from_setting(&jwks, clock, policy).map_err(|e| format!("CHATPASS_JWKS: {e}"))?;
    Ok(Some(IdentityVerifier {
        jwks,
        issuer,
        audience,
    }))
}
