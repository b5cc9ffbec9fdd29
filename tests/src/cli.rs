//! Runs the `chatpass` binary for the CLI and `serve` tests and writes their scratch files
//! under the target dir.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// What one run of `chatpass` did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout and stderr together, for "never prints X" checks.
    pub fn all_output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    pub fn stdout_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    pub fn stderr_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stderr)
            .unwrap_or_else(|e| panic!("stderr is not JSON ({e}):\n{}", self.stderr))
    }
}

/// Runs `chatpass args...` and collects what it did.
pub fn chatpass<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    chatpass_with(args, &[])
}

/// Runs `chatpass args...` with `env` added to its environment.
pub fn chatpass_with<I, S>(args: I, env: &[(&str, &str)]) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(binary())
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("chatpass runs");
    Run {
        code: status
            .code()
            .expect("chatpass exits by itself, not by a signal"),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// A new scratch directory for `test` holding `config` as its project file `acme.json`: the
/// directory and the file.
pub fn acme_project(test: &str, config: &serde_json::Value) -> (PathBuf, PathBuf) {
    let dir = scratch(test);
    let project = write(&dir, "acme.json", config.to_string());
    (dir, project)
}

/// Runs `chatpass sign --project-file <project> --user <user>`, then `extra` arguments, with
/// `env` added to its environment.
pub fn sign(project: &Path, user: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let args = [
        "sign",
        "--project-file",
        project.to_str().unwrap(),
        "--user",
        user,
    ];
    chatpass_with(args.iter().chain(extra), env)
}

/// The `chatpass` binary beside this test binary (see [`crate::binaries::dir`]).
pub fn binary() -> PathBuf {
    crate::binaries::dir().join(format!("chatpass{}", std::env::consts::EXE_SUFFIX))
}

/// A fresh scratch directory under the target dir for one test.
pub fn scratch(test: &str) -> PathBuf {
    let dir = crate::moto::target_dir()
        .join("tmp")
        .join("chatpass-cli")
        .join(format!("{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Writes `contents` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("scratch file");
    path
}
