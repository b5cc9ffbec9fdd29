//! One module per subcommand, and what they share: how a command reports back to `main`,
//! reading `@file` arguments, loading a project file, and random bytes.

pub mod explain;
pub mod keygen;
pub mod project;
pub mod serve;
pub mod sign;
pub mod verify_webhook;

use chatpass_service::ProjectConfig;
use serde_json::Value;
use std::io::Read;
use std::path::Path;

/// What a command prints on stdout, and whether the thing it checked holds (exit 0) or not (exit 1).
pub struct Report {
    pub text: String,
    pub accepted: bool,
}

impl Report {
    pub fn ok(text: String) -> Self {
        Report {
            text,
            accepted: true,
        }
    }
}

/// Why a command could not do its job. Messages never hold a key.
pub enum Failure {
    /// An RFC 9457 problem document for stderr; exit 1 (`sign`).
    Problem(Value),
    /// One line for stderr: what was asked does not hold or was refused, and nothing was
    /// changed; exit 1 (`project put` of an invalid config, a write that lost a race).
    Refused(String),
    /// The command could not run: a file, a flag, the system; exit 2.
    Unable(String),
}

/// Reads a file, or stdin for `-`.
pub fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        return Ok(bytes);
    }
    std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

/// Reads a UTF-8 text file, or stdin for `-`.
pub fn read_text(path: &Path) -> Result<String, String> {
    String::from_utf8(read_file(path)?)
        .map_err(|_| format!("`{}` is not UTF-8 text", path.display()))
}

/// The argument itself, or the text of the file it names as `@path`.
pub fn inline_or_file(arg: &str) -> Result<String, String> {
    let Some(path) = arg.strip_prefix('@') else {
        return Ok(arg.to_owned());
    };
    read_text(Path::new(path))
}

/// A project file: one project's config document; the project is named by the file stem.
pub struct ProjectFile {
    pub config: ProjectConfig,
    /// The document as read, for the fields `ProjectConfig` does not keep (the vendor key).
    pub document: String,
}

/// Reads and checks a project file. The error names the file or the project and field,
/// never a value from the document.
pub fn load_project(path: &Path) -> Result<ProjectFile, String> {
    let document = read_text(path)?;
    let config = ProjectConfig::parse(project_of(path), &document).map_err(|e| e.to_string())?;
    Ok(ProjectFile { config, document })
}

/// The project a file is named for: its stem (`acme-support.json` is `acme-support`).
pub fn project_of(path: &Path) -> &str {
    path.file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty() && *s != "-")
        .unwrap_or("project")
}

/// `N` bytes from the operating system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| format!("the system's random source failed: {e}"))?;
    Ok(bytes)
}
