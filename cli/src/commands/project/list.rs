//! `chatpass project list`: every project under the secret prefix, with its vendor, when its
//! current version was written, and whether the functions would load it.

use super::secrets::{CURRENT, ProjectSecrets};
use super::unable;
use crate::commands::{Failure, Report};
use chatpass_service::{ProjectConfig, ProjectId};
use serde_json::Value;

/// List the projects under the secret prefix: vendor, last change, whether the config loads.
///
/// The last change is when the AWSCURRENT version was written. A secret under the prefix whose
/// name is not a project id is listed too: no URL can reach it.
#[derive(clap::Args)]
pub struct Args {}

pub async fn run(_: Args) -> Result<Report, Failure> {
    let secrets = ProjectSecrets::from_env().await;
    let names = secrets.names().await.map_err(unable)?;
    if names.is_empty() {
        return Ok(Report::ok(format!(
            "no projects under {}\n",
            secrets.prefix
        )));
    }
    let mut rows = vec![[
        "PROJECT".to_owned(),
        "VENDOR".into(),
        "CHANGED".into(),
        "CONFIG".into(),
    ]];
    for name in names {
        let id = name[secrets.prefix.len()..].to_owned();
        let Some(project) = ProjectId::parse(&id) else {
            rows.push([id, "-".into(), "-".into(), "not a project id".into()]);
            continue;
        };
        let row = match secrets.stage(&project, CURRENT).await.map_err(unable)? {
            None => [id, "-".into(), "-".into(), "no AWSCURRENT version".into()],
            Some(current) => {
                let vendor = serde_json::from_str::<Value>(&current.document)
                    .ok()
                    .and_then(|d| d.get("vendor")?.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "-".into());
                let status = match ProjectConfig::parse(&id, &current.document) {
                    Ok(_) => "loads".into(),
                    Err(e) => format!("refused (`{}`)", e.field),
                };
                [
                    id,
                    vendor,
                    current.created.unwrap_or_else(|| "-".into()),
                    status,
                ]
            }
        };
        rows.push(row);
    }
    Ok(Report::ok(table(&rows)))
}

/// Rows as left-aligned columns two spaces apart.
fn table(rows: &[[String; 4]]) -> String {
    let widths: Vec<usize> = (0..4)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|row| {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:width$}"))
                .collect();
            format!("{}\n", line.join("  ").trim_end())
        })
        .collect()
}
