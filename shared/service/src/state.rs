//! The state every handler gets, built once per process (a warm Lambda keeps it): the ports as
//! trait objects, the optional identity verifier, and the clock.

use crate::aws;
use crate::clock::{Clock, SystemClock};
use crate::jwks::JwksCache;
use crate::source::{
    CacheSettings, ConfigCache, ConfigSource, DEFAULT_PREFIX, SecretsManagerSource, Stages,
};
use crate::store::{DynamoSessionStore, SessionStore};
use crate::verifier::IdentityVerifier;
use std::sync::Arc;

#[derive(Clone)]
pub struct State {
    pub configs: Arc<dyn ConfigSource>,
    /// Checks bearer tokens when no API Gateway authorizer did.
    pub verifier: Option<Arc<IdentityVerifier>>,
    pub sessions: Arc<dyn SessionStore>,
    pub clock: Arc<dyn Clock>,
    /// Identity providers' JWKS documents, for OIDC logout tokens.
    pub jwks: Arc<JwksCache>,
}

impl State {
    /// State for a Lambda function, from its environment:
    /// `CHATPASS_TABLE` (the state table, required), `CHATPASS_SECRET_PREFIX` (default
    /// `chatpass/projects/`), the cache's `CHATPASS_CONFIG_*`,
    /// and optionally `CHATPASS_JWKS` (a JWKS document or a file path), `CHATPASS_ISSUER`,
    /// `CHATPASS_AUDIENCE` for deployments without an API Gateway JWT authorizer.
    /// The AWS endpoint follows `AWS_ENDPOINT_URL` when set.
    ///
    /// The AWS SDK config and clients are made by the first request that reads a secret or
    /// the table, so the Lambda init phase ends (the runtime asks for its first event) without
    /// loading them (issue 8's cold start). Missing or bad settings still fail here, at init.
    pub fn from_env(stages: Stages) -> Result<State, String> {
        let table =
            std::env::var("CHATPASS_TABLE").map_err(|_| "CHATPASS_TABLE is not set".to_owned())?;
        let verifier = verifier_from_env()?;
        let sdk = aws::SharedSdk::default();
        let prefix =
            std::env::var("CHATPASS_SECRET_PREFIX").unwrap_or_else(|_| DEFAULT_PREFIX.into());
        let source = SecretsManagerSource::lazy(sdk.clone(), prefix, stages);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        Ok(State {
            sessions: Arc::new(DynamoSessionStore::lazy(sdk, table)),
            configs: Arc::new(ConfigCache::new(
                Arc::new(source),
                clock.clone(),
                CacheSettings::from_env(),
            )),
            verifier,
            clock,
            jwks: Arc::default(),
        })
    }
}

fn verifier_from_env() -> Result<Option<Arc<IdentityVerifier>>, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(jwks), Some(issuer), Some(audience)) = (
        var("CHATPASS_JWKS"),
        var("CHATPASS_ISSUER"),
        var("CHATPASS_AUDIENCE"),
    ) else {
        return Ok(None);
    };
    let document = if jwks.trim_start().starts_with('{') {
        jwks
    } else {
        std::fs::read_to_string(&jwks)
            .map_err(|e| format!("CHATPASS_JWKS: cannot read {jwks}: {e}"))?
    };
    IdentityVerifier::new(&document, &issuer, &audience)
        .map(|v| Some(Arc::new(v)))
        .map_err(|e| format!("CHATPASS_JWKS: {e}"))
}
