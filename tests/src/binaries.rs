//! The workspace's binaries (the `chatpass` CLI and the functions' Lambda bootstraps), built
//! once per test process for the tests that run them as processes, as Lambda or a user would.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The folder beside this test binary (`<target>/<profile>/deps/workspace-hash`) that holds
/// every binary of the workspace, built the first time it is asked for so none is stale (the
/// tests crate cannot depend on a binary).
///
/// The build selects the whole workspace, as `cargo lambda watch`'s `cargo run --bin NAME`
/// and `scripts/test.sh` do: cargo then unifies the same features in each, and the
/// dependencies compile once for all of them rather than once per selection.
pub fn dir() -> &'static Path {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match DIR.get_or_init(build) {
        Ok(dir) => dir,
        Err(why) => panic!("cannot build the workspace's binaries: {why}"),
    }
}

fn build() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("the test binary is not in <target>/<profile>/deps")?;
    let target_dir = profile_dir
        .parent()
        .ok_or("the profile dir has no parent")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let mut build = Command::new(cargo);
    build
        .args(["build", "--quiet", "--workspace", "--bins"])
        .current_dir(crate::moto::workspace_root())
        .env("CARGO_TARGET_DIR", target_dir);
    match profile_dir.file_name().and_then(OsStr::to_str) {
        Some("debug") => {}
        Some(profile) => {
            build.args(["--profile", profile]);
        }
        None => return Err("the profile dir has no name".into()),
    }
    let output = build
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo build --workspace --bins failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(profile_dir.to_path_buf())
}
