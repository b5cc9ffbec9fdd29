//! Project configs from AWS Secrets Manager: one secret per project named
//! `${prefix}${project}`, read at one version stage: AWSCURRENT signs and verifies; AWSPREVIOUS
//! is read apart, for the keys it still vouches for while a rotation is under way.

use super::{ConfigSource, ProjectFuture, SourceError};
use crate::{ProjectConfig, ProjectId};
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::SdkError;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use std::sync::Arc;

pub const DEFAULT_PREFIX: &str = "chatpass/projects/";

/// Which version stage a source reads: one GetSecretValue per fetch either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stages {
    /// AWSCURRENT: what every route reads.
    Current,
    /// AWSPREVIOUS alone (not found when there is no previous version): the keys a caller may
    /// still present, and the public key `jwks.json` still publishes, while rotating.
    Previous,
}

#[derive(Debug, Clone)]
pub struct SecretsManagerSource {
    client: Client,
    prefix: String,
    stages: Stages,
}

impl SecretsManagerSource {
    pub fn new(client: Client, prefix: impl Into<String>, stages: Stages) -> Self {
        SecretsManagerSource {
            client,
            prefix: prefix.into(),
            stages,
        }
    }

    /// The secret's string at `stage`; `None` when the secret or the stage does not exist.
    async fn fetch(&self, id: &ProjectId, stage: &str) -> Result<Option<String>, SourceError> {
        let started = std::time::Instant::now();
        let result = self
            .client
            .get_secret_value()
            .secret_id(format!("{}{}", self.prefix, id))
            .version_stage(stage)
            .send()
            .await;
        let fetched = match result {
            Ok(output) => Ok(output.secret_string().map(str::to_owned)),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), GetSecretValueError::ResourceNotFoundException(_)) =>
            {
                Ok(None)
            }
            Err(e) => Err(SourceError::Unavailable(describe(&e))),
        };
        crate::metrics::dependency_call("secretsmanager", started, fetched.is_ok());
        fetched
    }
}

/// The error's kind and code only: SDK errors can carry request details.
fn describe(error: &SdkError<GetSecretValueError>) -> String {
    match error {
        SdkError::ServiceError(e) => format!(
            "service error {}",
            aws_sdk_secretsmanager::error::ProvideErrorMetadata::code(e.err()).unwrap_or("unknown")
        ),
        SdkError::TimeoutError(_) => "timeout".into(),
        SdkError::DispatchFailure(_) => "dispatch failure (unreachable)".into(),
        SdkError::ResponseError(_) => "unreadable response".into(),
        _ => "request failed".into(),
    }
}

impl ConfigSource for SecretsManagerSource {
    fn project<'a>(&'a self, id: &'a ProjectId) -> ProjectFuture<'a> {
        Box::pin(async move {
            let stage = match self.stages {
                Stages::Current => "AWSCURRENT",
                Stages::Previous => "AWSPREVIOUS",
            };
            let document = self.fetch(id, stage).await?.ok_or(SourceError::NotFound)?;
            let config = ProjectConfig::parse(id.as_str(), &document)?;
            Ok(Arc::new(config))
        })
    }
}
