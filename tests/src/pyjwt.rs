//! PyJWT, the verifier that is not chatpass's: `scripts/verify_tokens.py` run by the test venv's
//! Python. Self-contained, so chatpass-signing's tests can include this file by path as well.

use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository's root: the folder above this crate that holds `scripts/verify_tokens.py`.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("scripts/verify_tokens.py").is_file())
        .expect("the repository's scripts/verify_tokens.py")
}

/// The test venv's Python (with PyJWT, moto and the SAM translator): `$CHATPASS_PYTHON`, else
/// the one beside `$CHATPASS_MOTO_SERVER`, else `<repository>/.venv/bin/python`.
pub fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("CHATPASS_PYTHON").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let python = std::env::var_os("CHATPASS_MOTO_SERVER")
        .filter(|p| !p.is_empty())
        .map(|moto| PathBuf::from(moto).with_file_name("python"))
        .unwrap_or_else(|| root().join(".venv/bin/python"));
    assert!(
        python.is_file(),
        "no {}: run scripts/test.sh once, which makes the venv",
        python.display()
    );
    python
}

/// Runs PyJWT over `cases`; panics unless every case comes out as it expects. Its report.
pub fn verify(cases: &[Value]) -> String {
    let mut child = Command::new(python())
        .arg(root().join("scripts/verify_tokens.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python runs");
    let input = json!({ "cases": cases }).to_string();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "PyJWT disagrees:\n{out}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}
