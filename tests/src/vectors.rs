//! The worked cases in `vectors/` at the repository's root, each file's number of cases
//! checked as it is read against the `cases` column of vectors/README.md (which also says
//! where each file comes from).
//!
//! chatpass-signing's tests include this file by path, so both test crates read the cases the
//! same way.

use serde_json::Value;
use std::path::{Path, PathBuf};

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("vectors").join("README.md").is_file())
        .expect("the repository's vectors/ folder")
        .join("vectors")
}

/// The `cases` the README's table gives `name`.
fn expected_cases(name: &str) -> usize {
    let readme = std::fs::read_to_string(folder().join("README.md")).expect("vectors/README.md");
    readme
        .lines()
        .filter_map(|row| {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            (cells.len() > 2 && cells[1] == format!("`{name}`")).then(|| cells[2].parse().ok())?
        })
        .next()
        .unwrap_or_else(|| panic!("vectors/README.md gives no case count for {name}"))
}

/// The vectors file `name` as JSON, after checking it holds the cases the README counts.
pub fn load(name: &str) -> Value {
    let path = folder().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        case_count(&doc),
        expected_cases(name),
        "{}: number of cases",
        path.display()
    );
    doc
}

/// `cases`, or Wycheproof's tests across its groups.
fn case_count(doc: &Value) -> usize {
    match doc["testGroups"].as_array() {
        Some(groups) => groups
            .iter()
            .map(|g| g["tests"].as_array().map_or(0, Vec::len))
            .sum(),
        None => doc["cases"].as_array().map_or(0, Vec::len),
    }
}
