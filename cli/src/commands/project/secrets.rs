//! The project secrets as `chatpass project` reads and writes them. A write is a new version
//! staged AWSPENDING, then moved to AWSCURRENT only from the version the command read.

use crate::commands::random_bytes;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::primitives::{DateTime, DateTimeFormat};
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType};
use chatpass_service::ProjectId;
use chatpass_service::source::DEFAULT_PREFIX;
use std::error::Error;

pub const CURRENT: &str = "AWSCURRENT";
pub const PREVIOUS: &str = "AWSPREVIOUS";
/// Where a new version waits until it is promoted; the functions never read it.
pub const PENDING: &str = "AWSPENDING";

/// Why Secrets Manager could not do what was asked. Never holds a secret value.
#[derive(Debug)]
pub enum SecretsError {
    /// AWSCURRENT moved after the command read it: another write came first.
    Conflict,
    /// Secrets Manager failed or refused: the call and the error's code and message.
    Failed(String),
}

/// One version of a project's secret, with its document.
pub struct Version {
    pub id: String,
    pub document: String,
    pub created: Option<String>,
}

/// A version as listed: id, stages and dates, no document.
pub struct VersionEntry {
    pub id: String,
    pub stages: Vec<String>,
    pub created: Option<String>,
    pub last_accessed: Option<String>,
}

/// The project secrets under one prefix.
pub struct ProjectSecrets {
    client: Client,
    pub prefix: String,
}

impl ProjectSecrets {
    /// The SDK configured as `chatpass serve --secrets aws` and the functions are (`AWS_*`,
    /// `AWS_ENDPOINT_URL`), under `CHATPASS_SECRET_PREFIX` (default `chatpass/projects/`).
    pub async fn from_env() -> Self {
        let prefix =
            std::env::var("CHATPASS_SECRET_PREFIX").unwrap_or_else(|_| DEFAULT_PREFIX.into());
        ProjectSecrets {
            client: Client::new(&chatpass_service::aws::sdk_config().await),
            prefix,
        }
    }

    pub fn name(&self, project: &ProjectId) -> String {
        format!("{}{project}", self.prefix)
    }

    /// The version at `stage`; `None` when the secret or the stage does not exist.
    pub async fn stage(
        &self,
        project: &ProjectId,
        stage: &str,
    ) -> Result<Option<Version>, SecretsError> {
        let result = self
            .client
            .get_secret_value()
            .secret_id(self.name(project))
            .version_stage(stage)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Some(Version {
                id: output.version_id().unwrap_or_default().to_owned(),
                document: output.secret_string().unwrap_or_default().to_owned(),
                created: output.created_date().map(date),
            })),
            Err(e) if code(&e) == Some("ResourceNotFoundException") => Ok(None),
            Err(e) => Err(failed("GetSecretValue", &e)),
        }
    }

    /// Every version that has a stage.
    pub async fn versions(&self, project: &ProjectId) -> Result<Vec<VersionEntry>, SecretsError> {
        let list = self.client.list_secret_version_ids();
        let pages = list.secret_id(self.name(project)).into_paginator().send();
        let pages = pages
            .try_collect()
            .await
            .map_err(|e| failed("ListSecretVersionIds", &e))?;
        let versions = pages.iter().flat_map(|page| page.versions());
        // A version without a stage is deprecated: listed only on request (moto lists it).
        let staged = versions.filter(|v| !v.version_stages().is_empty());
        Ok(staged
            .map(|v| VersionEntry {
                id: v.version_id().unwrap_or_default().to_owned(),
                stages: v.version_stages().to_vec(),
                created: v.created_date().map(date),
                last_accessed: v.last_accessed_date().map(date),
            })
            .collect())
    }

    /// Creates the project's secret with `document` as its first (AWSCURRENT) version,
    /// encrypted with `kms_key` (else Secrets Manager's own key). `Conflict` if it was created
    /// meanwhile.
    pub async fn create(
        &self,
        project: &ProjectId,
        document: &str,
        kms_key: Option<&str>,
    ) -> Result<String, SecretsError> {
        self.client
            .create_secret()
            .name(self.name(project))
            .client_request_token(request_token()?)
            .secret_string(document)
            .set_kms_key_id(kms_key.map(str::to_owned))
            .send()
            .await
            .map(|output| output.version_id().unwrap_or_default().to_owned())
            .map_err(|e| match code(&e) {
                Some("ResourceExistsException") => SecretsError::Conflict,
                _ => failed("CreateSecret", &e),
            })
    }

    /// Writes `document` as a new version and makes it AWSCURRENT only if AWSCURRENT is
    /// still `read` (the version the caller's change is based on); `read` becomes AWSPREVIOUS.
    /// On any failure AWSCURRENT and AWSPREVIOUS are as they were (or as the other writer left
    /// them): the new version is at most left staged AWSPENDING, which nothing reads.
    pub async fn replace(
        &self,
        project: &ProjectId,
        read: &str,
        document: &str,
    ) -> Result<String, SecretsError> {
        let name = self.name(project);
        let written = self
            .client
            .put_secret_value()
            .secret_id(&name)
            .client_request_token(request_token()?)
            .secret_string(document)
            .version_stages(PENDING)
            .send()
            .await
            .map_err(|e| failed("PutSecretValue", &e))?;
        let new = written.version_id().unwrap_or_default().to_owned();
        let promoted = self
            .client
            .update_secret_version_stage()
            .secret_id(&name)
            .version_stage(CURRENT)
            .move_to_version_id(&new)
            .remove_from_version_id(read)
            .send()
            .await;
        let outcome = match promoted {
            Ok(_) => Ok(new.clone()),
            Err(e) => {
                let failure = failed("UpdateSecretVersionStage", &e);
                // The promotion may have happened with its answer lost (then a retry found
                // AWSCURRENT already moved); only what AWSCURRENT holds now tells.
                match self.stage_version(project, CURRENT).await {
                    Ok(Some(current)) if current == new => Ok(new.clone()),
                    Ok(Some(current)) if current != read => Err(SecretsError::Conflict),
                    _ => Err(failure),
                }
            }
        };
        // Tidy only: AWSPENDING moves to the next write's version anyway.
        let _ = self.drop_stage(project, PENDING, &new).await;
        outcome
    }

    /// Takes `stage` off version `from`. Done too if the stage is no longer there.
    pub async fn drop_stage(
        &self,
        project: &ProjectId,
        stage: &str,
        from: &str,
    ) -> Result<(), SecretsError> {
        let result = self
            .client
            .update_secret_version_stage()
            .secret_id(self.name(project))
            .version_stage(stage)
            .remove_from_version_id(from)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => match self.stage_version(project, stage).await {
                Ok(Some(now)) if now == from => Err(failed("UpdateSecretVersionStage", &e)),
                Ok(_) => Ok(()),
                Err(_) => Err(failed("UpdateSecretVersionStage", &e)),
            },
        }
    }

    /// The id of the version at `stage`, from the version list (no document read).
    async fn stage_version(
        &self,
        project: &ProjectId,
        stage: &str,
    ) -> Result<Option<String>, SecretsError> {
        Ok(self
            .versions(project)
            .await?
            .into_iter()
            .find(|v| v.stages.iter().any(|s| s == stage))
            .map(|v| v.id))
    }

    /// The names of every secret under the prefix, sorted.
    pub async fn names(&self) -> Result<Vec<String>, SecretsError> {
        let filter = Filter::builder()
            .key(FilterNameStringType::Name)
            .values(&self.prefix)
            .build();
        let pages = self.client.list_secrets().filters(filter).into_paginator();
        let pages = pages
            .send()
            .try_collect()
            .await
            .map_err(|e| failed("ListSecrets", &e))?;
        // The name filter matches more loosely than a prefix; keep exact prefixes only.
        let mut names: Vec<String> = pages
            .iter()
            .flat_map(|page| page.secret_list())
            .filter_map(|s| s.name())
            .filter(|n| n.starts_with(&self.prefix))
            .map(str::to_owned)
            .collect();
        names.sort();
        Ok(names)
    }
}

/// A write's ClientRequestToken (its new version's id), from the OS's random source. The SDK's
/// own comes from a generator seeded with the clock and the thread's number, which two
/// `chatpass` processes started together may share; Secrets Manager then refuses the second
/// write as a reuse of the first one's token.
fn request_token() -> Result<String, SecretsError> {
    random_bytes::<16>()
        .map(hex::encode)
        .map_err(SecretsError::Failed)
}

fn date(at: &DateTime) -> String {
    at.fmt(DateTimeFormat::DateTime)
        .unwrap_or_else(|_| at.secs().to_string())
}

fn code<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> Option<&str> {
    match error {
        SdkError::ServiceError(e) => e.err().code(),
        _ => None,
    }
}

/// One line naming the call and what went wrong: the service's error code and message
/// (Secrets Manager's messages name secrets and versions, never their values), or why the
/// request never got an answer.
fn failed<E, R>(call: &str, error: &SdkError<E, R>) -> SecretsError
where
    E: ProvideErrorMetadata + Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let why = match error {
        SdkError::ServiceError(e) => format!(
            "{}: {}",
            e.err().code().unwrap_or("error"),
            e.err().message().unwrap_or("no message").trim()
        ),
        SdkError::TimeoutError(_) => "no answer in time".into(),
        _ => causes(error),
    };
    SecretsError::Failed(format!(
        "Secrets Manager {call}: {}",
        why.replace(['\n', '\r'], " ")
    ))
}

/// The error and its sources, each once (`dispatch failure: io error: ... refused`).
fn causes(error: &(dyn Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::request_token;

    #[test]
    fn request_tokens_are_fresh_and_as_long_as_secrets_manager_asks() {
        let (a, b) = (request_token().unwrap(), request_token().unwrap());
        assert_ne!(a, b);
        // ClientRequestToken: 32 to 64 characters; a version id shows it in `project show`.
        assert!((32..=64).contains(&a.len()), "{a}");
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()), "{a}");
    }
}
