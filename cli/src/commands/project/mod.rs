//! `chatpass project`: project configs in Secrets Manager, checked before every write, written
//! so that a racing write is never lost, shown and rotated without printing a stored secret.

mod check;
mod list;
mod mask;
mod put;
mod rotate;
mod secrets;
mod show;
mod verifier_lists;
mod warnings;

use super::{Failure, Report};
use chatpass_service::ProjectId;
use secrets::{CURRENT, PREVIOUS, ProjectSecrets, SecretsError, Version};

/// Manage project configs in Secrets Manager: check, put, show, rotate, list.
///
/// Uses the AWS settings `chatpass serve --secrets aws` and the functions use (AWS_REGION,
/// AWS_PROFILE or AWS_ACCESS_KEY_ID..., AWS_ENDPOINT_URL) and the secret prefix
/// CHATPASS_SECRET_PREFIX (default `chatpass/projects/`). Exit codes: 0 done, 1 refused with
/// nothing written (an invalid config, a write another one overtook), 2 could not run.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    Check(check::Args),
    Put(put::Args),
    Show(show::Args),
    Rotate(rotate::Args),
    List(list::Args),
}

pub fn run(args: Args) -> Result<Report, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Unable(e.to_string()))?;
    runtime.block_on(async {
        match args.command {
            Command::Check(args) => check::run(args).await,
            Command::Put(args) => put::run(args).await,
            Command::Show(args) => show::run(args).await,
            Command::Rotate(args) => rotate::run(args).await,
            Command::List(args) => list::run(args).await,
        }
    })
}

/// A project id argument, checked as the API checks the URL's.
fn project_id(arg: &str) -> Result<ProjectId, String> {
    ProjectId::parse(arg).ok_or_else(|| {
        "not a project id: 1-63 of a-z, 0-9 and -, starting with a letter or digit".into()
    })
}

/// A Secrets Manager failure; a lost race is a refusal (exit 1), anything else exit 2.
fn unable(error: SecretsError) -> Failure {
    match error {
        SecretsError::Conflict => Failure::Refused(
            "another write changed the project meanwhile; nothing of this one is in use: look with `chatpass project show` and run it again".into(),
        ),
        SecretsError::Failed(why) => Failure::Unable(why),
    }
}

/// The project's AWSCURRENT and AWSPREVIOUS versions; no AWSCURRENT is no project (exit 2).
async fn current_and_previous(
    secrets: &ProjectSecrets,
    project: &ProjectId,
) -> Result<(Version, Option<Version>), Failure> {
    let current = secrets.stage(project, CURRENT).await.map_err(unable)?;
    let Some(current) = current else {
        return Err(Failure::Unable(format!(
            "no project `{project}`: Secrets Manager has no secret `{}` with an AWSCURRENT version",
            secrets.name(project)
        )));
    };
    let previous = secrets.stage(project, PREVIOUS).await.map_err(unable)?;
    Ok((current, previous))
}
