//! The functions' Lambda binaries (debug builds) of the route table, built once per test
//! process, for the tests that run them as Lambda does (lambda_watch.rs, rehearsal.rs).

use crate::moto::{target_dir, workspace_root};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Once;

/// Builds every function's binary (once per process) and returns the folder that holds them.
pub fn build() -> PathBuf {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let packages = chatpass::routes::functions().flat_map(|function| ["-p", function]);
        let status = Command::new(env!("CARGO"))
            .args(["build", "-q"])
            .args(packages)
            .current_dir(workspace_root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "the function binaries build");
    });
    target_dir().join("debug")
}
