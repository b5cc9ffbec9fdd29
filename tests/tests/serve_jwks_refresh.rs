//! `CHATPASS_JWKS_REFRESH_SECONDS`, the operator's refresh interval for fetched JWKS: a value
//! out of bounds or not a number stops `chatpass serve` at start with one line naming it. The
//! interval taking effect is proven end to end by tests/interop (a removed key refused after it).

use chatpass_tests::cli;

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `chatpass serve` with the refresh interval set to `value`, expecting it to stop by
/// itself: its exit code and stderr (a serve that keeps running is stopped and fails the test).
fn serve_with_refresh(value: &str) -> (Option<i32>, String) {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let mut child = Command::new(cli::binary())
        .args(["serve", "--addr", &addr])
        .env("CHATPASS_JWKS_REFRESH_SECONDS", value)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve kept running with CHATPASS_JWKS_REFRESH_SECONDS={value}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status.code(), stderr)
}

#[test]
fn serve_refuses_a_refresh_interval_out_of_bounds_or_not_a_number_at_start() {
    for bad in ["0", "86401", "-1", "5m", "1.5"] {
        let (code, stderr) = serve_with_refresh(bad);
        assert_eq!(code, Some(2), "{bad}: serve could not run");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{bad}: {lines:?}");
        assert!(
            lines[0].contains(&format!("CHATPASS_JWKS_REFRESH_SECONDS `{bad}`"))
                && lines[0].contains("from 1 to 86400"),
            "{bad}: {lines:?}"
        );
    }
}
