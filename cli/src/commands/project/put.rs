//! `chatpass project put`: validates a config as the functions load it, then creates the
//! project's secret or makes the config its new AWSCURRENT version; an invalid one writes nothing.

use super::check::{validate, warning_lines};
use super::mask::fingerprint_of;
use super::secrets::{CURRENT, PREVIOUS, ProjectSecrets};
use super::verifier_lists::{FIELDS, loaded, only_in, values};
use super::{project_id, unable};
use crate::commands::{Failure, Report, read_text};
use chatpass_service::ProjectId;
use std::path::PathBuf;

/// Validate a project config and store it as the project's current version.
///
/// Nothing is written when the config does not load, or when another write changed the
/// project between this command's read and its write (exit 1 either way). The version it
/// replaces becomes AWSPREVIOUS: its callback keys and webhook secrets stay accepted until the
/// next write. The functions use the new version within their config cache's TTL (300 s).
#[derive(clap::Args)]
pub struct Args {
    /// The project id (the `{project}` of the URLs)
    #[arg(value_parser = project_id)]
    project: ProjectId,
    /// The config (a JSON document), or `-` for stdin
    file: PathBuf,
    /// Write only if AWSCURRENT is still this version (as `chatpass project show` printed it)
    #[arg(long, value_name = "VERSION_ID")]
    expect_version: Option<String>,
    /// When creating the project: encrypt its secret with this KMS key (id, ARN or alias)
    /// instead of Secrets Manager's own; deploy with the same key as SecretsKmsKeyArn
    #[arg(long, value_name = "KEY")]
    kms_key_id: Option<String>,
}

pub async fn run(args: Args) -> Result<Report, Failure> {
    let project = &args.project;
    let document = read_text(&args.file).map_err(Failure::Unable)?;
    let checked = validate(project.as_str(), &document)
        .map_err(|refusal| Failure::Refused(format!("{refusal}; nothing written")))?;
    let secrets = ProjectSecrets::from_env().await;
    let current = secrets.stage(project, CURRENT).await.map_err(unable)?;

    let mut text = match (current, args.expect_version.as_deref()) {
        (None, Some(expected)) => {
            return Err(Failure::Refused(format!(
                "project `{project}` does not exist, so it is not at version {expected}; nothing written"
            )));
        }
        (Some(_), _) if args.kms_key_id.is_some() => {
            return Err(Failure::Refused(format!(
                "project `{project}` exists: --kms-key-id applies only when creating it (change the key of an existing secret with Secrets Manager's UpdateSecret); nothing written"
            )));
        }
        (Some(current), Some(expected)) if current.id != expected => {
            return Err(Failure::Refused(format!(
                "project `{project}` is at version {}, not {expected}: another write came first; nothing written",
                current.id
            )));
        }
        (None, None) => {
            let version = secrets
                .create(project, &document, args.kms_key_id.as_deref())
                .await
                .map_err(unable)?;
            format!(
                "{project}: created as secret {} (version {version}, AWSCURRENT)\n",
                secrets.name(project)
            )
        }
        (Some(current), _) if current.document == document => format!(
            "{project}: unchanged: AWSCURRENT (version {}) already holds this config; nothing written\n",
            current.id
        ),
        (Some(current), _) => {
            let previous = secrets.stage(project, PREVIOUS).await.map_err(unable)?;
            let version = secrets
                .replace(project, &current.id, &document)
                .await
                .map_err(unable)?;
            let mut text = format!(
                "{project}: version {version} is AWSCURRENT; version {} is AWSPREVIOUS, whose callback keys and webhook secrets stay accepted until the next write\n",
                current.id
            );
            // What the old AWSPREVIOUS alone kept accepted is dropped with it: say so.
            if let Some(old) = loaded(project, Some(&current)) {
                let previous = loaded(project, previous.as_ref());
                for field in FIELDS {
                    let dropped: Vec<String> = only_in(previous.as_ref(), &old, field)
                        .into_iter()
                        .filter(|v| !values(&checked.document, field).contains(v))
                        .map(|v| fingerprint_of(&v))
                        .collect();
                    if !dropped.is_empty() {
                        text += &format!(
                            "no longer accepted ({field} only the former AWSPREVIOUS held): {}\n",
                            dropped.join(", ")
                        );
                    }
                }
            }
            text
        }
    };
    text += &warning_lines(&checked.warnings);
    Ok(Report::ok(text))
}
