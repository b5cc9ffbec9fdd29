//! `chatpass project check`: a config from a file or from Secrets Manager, loaded exactly as
//! the functions load it, plus the cross-field warnings; `put` and `rotate` validate with it.

use super::current_and_previous;
use super::mask::first_mask;
use super::secrets::ProjectSecrets;
use super::warnings::{Warning, warnings};
use crate::commands::keygen::{KEY_ID_PLACEHOLDER, KEY_PLACEHOLDER};
use crate::commands::{Failure, Report, project_of, read_text};
use chatpass_service::{ProjectConfig, ProjectId};
use serde_json::{Map, Value};
use std::fmt::Write;
use std::path::Path;

/// Check a project config as the functions load it, and warn about risky combinations.
///
/// Exits 0 when it loads (warnings are printed), 1 when the functions would refuse it (or it
/// holds a starter's placeholder or a mask from `show` in place of a value), 2 when it cannot
/// be read. Warnings name fields, never values.
#[derive(clap::Args)]
pub struct Args {
    /// A config file (`-` for stdin), or, when no such file exists, a project id whose
    /// AWSCURRENT version is read from Secrets Manager
    #[arg(value_name = "FILE|PROJECT")]
    target: String,
    /// Exit 1 on warnings too
    #[arg(long)]
    deny_warnings: bool,
}

/// A config that loads, with its document and warnings.
pub struct Checked {
    pub config: ProjectConfig,
    pub document: Map<String, Value>,
    pub warnings: Vec<Warning>,
}

/// Loads `document` as the functions would for `project`, then the warnings. A refusal is one
/// line naming the project and the field. Also refused, though they would load: a mask from
/// `chatpass project show` or a starter's placeholder where the vendor's key belongs.
pub fn validate(project: &str, document: &str) -> Result<Checked, String> {
    let config = ProjectConfig::parse(project, document).map_err(|e| e.to_string())?;
    let Ok(Value::Object(document)) = serde_json::from_str(document) else {
        return Err(format!("project `{project}`: not a JSON object"));
    };
    if let Some(field) = first_mask(&Value::Object(document.clone()), "") {
        return Err(format!(
            "project `{project}`: `{field}`: holds a mask from `chatpass project show`, not a value"
        ));
    }
    for (field, placeholder) in [("key", KEY_PLACEHOLDER), ("key_id", KEY_ID_PLACEHOLDER)] {
        if document.get(field).and_then(Value::as_str) == Some(placeholder) {
            return Err(format!(
                "project `{project}`: `{field}`: still the placeholder of `chatpass keygen --vendor`"
            ));
        }
    }
    let warnings = warnings(&config, &document);
    Ok(Checked {
        config,
        document,
        warnings,
    })
}

/// The warnings, one a line.
pub fn warning_lines(warnings: &[Warning]) -> String {
    warnings.iter().map(|w| format!("{w}\n")).collect()
}

pub async fn run(args: Args) -> Result<Report, Failure> {
    let target = args.target.as_str();
    let stored = target != "-" && !Path::new(target).exists();
    let (project, document, note) = match ProjectId::parse(target).filter(|_| stored) {
        Some(project) => from_secrets(&project).await?,
        None => from_file(Path::new(target))?,
    };
    let mut text = String::new();
    let accepted = match validate(&project, &document) {
        Ok(checked) => {
            let _ = writeln!(
                text,
                "{project}: loads (vendor {})",
                checked.config.vendor.id()
            );
            text += &warning_lines(&checked.warnings);
            text += note.as_deref().unwrap_or_default();
            !args.deny_warnings || (checked.warnings.is_empty() && note.is_none())
        }
        Err(refusal) => {
            let _ = writeln!(text, "refused: {refusal}");
            false
        }
    };
    Ok(Report { text, accepted })
}

fn from_file(path: &Path) -> Result<(String, String, Option<String>), Failure> {
    let document = read_text(path).map_err(Failure::Unable)?;
    Ok((project_of(path).to_owned(), document, None))
}

/// AWSCURRENT's document, and a note when AWSPREVIOUS does not load (the functions then
/// ignore it, so its keys are no longer accepted).
async fn from_secrets(project: &ProjectId) -> Result<(String, String, Option<String>), Failure> {
    let secrets = ProjectSecrets::from_env().await;
    let (current, previous) = current_and_previous(&secrets, project).await?;
    let note = match previous.map(|p| ProjectConfig::parse(project.as_str(), &p.document)) {
        Some(Err(e)) => Some(format!(
            "warning previous_version_refused ({}): the AWSPREVIOUS version does not load, so the functions ignore it\n",
            e.field
        )),
        _ => None,
    };
    Ok((project.to_string(), current.document, note))
}
