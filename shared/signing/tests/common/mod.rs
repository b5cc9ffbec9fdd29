//! Loads the worked cases in ../shared/vectors (beside the repository).

use std::path::PathBuf;

pub fn vectors(name: &str) -> serde_json::Value {
    let dir = std::env::var_os("CHATPASS_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
        });
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}
