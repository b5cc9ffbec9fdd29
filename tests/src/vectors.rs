//! The worked cases in `vectors/` at the repository's root (vectors/README.md says where each
//! file comes from), each file's number of cases checked as it is read.
//!
//! chatpass-signing's tests include this file by path, so both test crates read the cases the
//! same way.

use serde_json::Value;
use std::path::Path;

/// Every vectors file and how many cases it holds.
pub const FILES: [(&str, usize); 3] = [
    ("vendors.json", 23),
    ("webhooks.json", 15),
    ("wycheproof_hmac_sha256_test.json", 174),
];

/// The vectors file `name` as JSON, after checking it holds the number of cases [`FILES`] says.
pub fn load(name: &str) -> Value {
    let (_, expected) = FILES
        .iter()
        .find(|(file, _)| *file == name)
        .unwrap_or_else(|| panic!("{name} is not a vectors file"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("vectors").join("README.md").is_file())
        .expect("the repository's vectors/ folder");
    let path = root.join("vectors").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        case_count(&doc),
        *expected,
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
