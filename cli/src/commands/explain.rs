//! `chatpass explain`: tells a person, in plain words, why the project's vendor would accept or
//! refuse a token: which key, the decoded header and claims, the signature, expiry, problems.

use super::{Failure, Report, inline_or_file, load_project};
use crate::times::{iso8601, now_or_system, relative};
use chatpass_signing::explain::{Explanation, Problem, explain, fingerprint};
use chatpass_signing::keys::VendorKey;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::fmt::Write;
use std::path::PathBuf;

/// Explain why the project's vendor would accept or refuse a token.
///
/// Exits 0 if the vendor would accept it, 1 if it would refuse it, 2 if it could not check.
#[derive(clap::Args)]
pub struct Args {
    /// One project's config (JSON), as for `sign`
    #[arg(long, value_name = "FILE")]
    project_file: PathBuf,
    /// The token the vendor rejected, inline or as @path
    #[arg(long, value_name = "TOKEN")]
    token: String,
    /// Judge expiry as of this time (unix seconds) instead of now
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,
}

/// The fields of the project file `ProjectConfig` does not keep.
#[derive(Deserialize)]
struct KeyFields {
    key: VendorKey,
    #[serde(default)]
    key_id: Option<String>,
}

pub fn run(args: Args) -> Result<Report, Failure> {
    let project = load_project(&args.project_file).map_err(Failure::Unable)?;
    // Parsed only after `ProjectConfig::parse` accepted the document, so `key` is a string.
    let keys: KeyFields = serde_json::from_str(&project.document).map_err(|_| {
        Failure::Unable(format!(
            "project `{}`: `key`: expected a string",
            project.config.project
        ))
    })?;
    let token = inline_or_file(&args.token).map_err(Failure::Unable)?;
    let now = now_or_system(args.now);

    let explanation = explain(&*project.config.vendor, &keys.key, &token, now);
    let mut text = String::new();
    describe(
        &mut text,
        &explanation,
        &keys,
        project.config.vendor_key_is_short,
        now,
    )
    .expect("writing to a String cannot fail");
    Ok(Report {
        text,
        accepted: explanation.accepted(),
    })
}

fn describe(
    out: &mut String,
    e: &Explanation,
    keys: &KeyFields,
    key_is_short: bool,
    now: u64,
) -> std::fmt::Result {
    writeln!(out, "vendor: {}", e.vendor)?;
    write!(out, "key: {}", fingerprint(&keys.key))?;
    if let Some(key_id) = &keys.key_id {
        write!(out, ", key_id {key_id:?}")?;
    }
    writeln!(out, " (the fingerprint names the key without revealing it)")?;
    if key_is_short {
        writeln!(
            out,
            "note: the key is shorter than vendors issue; check it was pasted whole"
        )?;
    }
    writeln!(out, "checked at: {} ({now})", iso8601(now))?;

    if let Some(header) = &e.header {
        writeln!(out, "header: {}", pretty(header))?;
    }
    if let Some(claims) = &e.claims {
        writeln!(out, "claims: {}", pretty(claims))?;
    }
    if e.header.is_some() {
        let holds = if e.signature_valid {
            "holds: it was made with this project's key"
        } else {
            "does not hold: it was not made with this project's key, or the token was changed"
        };
        writeln!(out, "signature: {holds}")?;
        writeln!(out, "expiry: {}", expiry(e, now))?;
        if e.unused_claims.is_empty() {
            writeln!(out, "unused claims: none")?;
        } else {
            writeln!(
                out,
                "unused claims (the vendor ignores them): {}",
                e.unused_claims.join(", ")
            )?;
        }
    }

    if e.problems.is_empty() {
        writeln!(out, "problems: none")?;
    } else {
        writeln!(out, "problems:")?;
        for problem in &e.problems {
            writeln!(out, "  - {problem}")?;
        }
    }
    let verdict = if e.accepted() { "accept" } else { "refuse" };
    writeln!(out, "verdict: the vendor would {verdict} this token")
}

/// Whether and when the token stops being accepted, in absolute and relative time.
fn expiry(e: &Explanation, now: u64) -> String {
    let Some(at) = e.expires_at else {
        return "none: the token carries no expiry the vendor checks".to_owned();
    };
    let expired = e
        .problems
        .iter()
        .any(|p| matches!(p, Problem::Expired { .. } | Problem::TooOld { .. }));
    let verb = if expired { "expired" } else { "expires" };
    format!("{verb} at {} ({}; {at})", iso8601(at), relative(at, now))
}

fn pretty(object: &Map<String, Value>) -> String {
    serde_json::to_string_pretty(object).unwrap_or_else(|_| "(not printable)".to_owned())
}
