//! `chatpass project show`: the stored config with every secret value masked, whether it
//! loads, its versions with their stages and dates, and what AWSPREVIOUS still makes accepted.

use super::check::validate;
use super::mask::{mask, masked};
use super::secrets::{CURRENT, PREVIOUS, ProjectSecrets, VersionEntry};
use super::verifier_lists::{FIELDS, loaded, only_in};
use super::{current_and_previous, project_id, unable};
use crate::commands::{Failure, Report};
use chatpass_service::ProjectId;
use serde_json::{Map, Value, json};

/// Show a project's stored config (secret values masked), its versions, stages and dates.
///
/// A mask is `<masked sha256:…>`: the same value always has the same mask, so keys can be
/// told apart (which one a rotation added) without being shown. Prints JSON.
#[derive(clap::Args)]
pub struct Args {
    /// The project id
    #[arg(value_parser = project_id)]
    project: ProjectId,
}

pub async fn run(args: Args) -> Result<Report, Failure> {
    let project = &args.project;
    let secrets = ProjectSecrets::from_env().await;
    let (current, previous) = current_and_previous(&secrets, project).await?;
    let mut versions = secrets.versions(project).await.map_err(unable)?;
    versions.sort_by_key(|v| (rank(v), std::cmp::Reverse(v.created.clone())));

    let (status, warnings) = match validate(project.as_str(), &current.document) {
        Ok(checked) => (
            "loads".to_owned(),
            checked.warnings.iter().map(ToString::to_string).collect(),
        ),
        Err(refusal) => (format!("refused: {refusal}"), Vec::new()),
    };
    let document: Option<Map<String, Value>> = serde_json::from_str(&current.document).ok();
    let from_previous: Map<String, Value> = match &document {
        Some(now) => FIELDS
            .iter()
            .map(|field| {
                let extra = only_in(loaded(project, previous.as_ref()).as_ref(), now, field);
                (
                    field.to_string(),
                    json!(extra.iter().map(|v| mask(v)).collect::<Vec<_>>()),
                )
            })
            .filter(|(_, masks)| masks.as_array().is_some_and(|m| !m.is_empty()))
            .collect(),
        None => Map::new(),
    };
    let shown = json!({
        "project": project.as_str(),
        "secret": secrets.name(project),
        "status": status,
        "warnings": warnings,
        "versions": versions.iter().map(|v| json!({
            "id": v.id,
            "stages": v.stages,
            "created": v.created,
            "last_accessed": v.last_accessed,
        })).collect::<Vec<_>>(),
        "config": document.as_ref().map(masked),
        "accepted_from_previous": from_previous,
    });
    Ok(Report::ok(format!("{shown:#}\n")))
}

/// AWSCURRENT first, then AWSPREVIOUS, then any other stage.
fn rank(version: &VersionEntry) -> u8 {
    let has = |stage: &str| version.stages.iter().any(|s| s == stage);
    if has(CURRENT) {
        0
    } else if has(PREVIOUS) {
        1
    } else {
        2
    }
}
