//! One start of a bootstrap: exec under the runtime API with the start's events, wait for every
//! answer, read the process's peak RSS, kill it. The CPU share, when there is one, holds it
//! from exec (throttled init) or only while it handles an invocation.

use crate::cpu_share::CpuShare;
use crate::door::Door;
use crate::runtime_api::Invocations;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a start is run, the same for every binary of the plan.
pub struct Setting<'a> {
    pub memory_mb: u64,
    pub share: Option<&'a CpuShare>,
    /// Whether the share also holds the init phase (else only invocations).
    pub throttled_init: bool,
    pub log: Option<&'a str>,
}

/// A binary of the plan: what it runs, with which extra environment.
pub struct Binary<'a> {
    pub name: &'a str,
    pub bin: &'a str,
    pub env: &'a [(String, String)],
}

/// What a start measured, in ms from exec (the child let through the door) unless said.
pub struct Figures {
    pub init_ms: f64,
    pub first_response_ms: f64,
    /// Each invocation's duration (delivery to response), the first included.
    pub durations_ms: Vec<f64>,
    /// The CPU time each invocation used, delivery to response.
    pub cpu_ms: Vec<f64>,
    pub statuses: Vec<u16>,
    pub peak_rss_kib: Option<u64>,
    /// The time the process spent throttled by the share.
    pub throttled_ms: f64,
    /// The CPU time the process used by the end of init, and by its first response.
    pub init_cpu_ms: f64,
    pub first_response_cpu_ms: f64,
}

pub fn once(binary: &Binary, events: Vec<Vec<u8>>, setting: &Setting) -> Result<Figures, String> {
    let expected = events.len();
    let share = setting.share;
    if let Some(share) = share {
        share.throttle(setting.throttled_init)?;
    }
    let per_invocation = share
        .filter(|_| !setting.throttled_init)
        .map(CpuShare::switch);
    let invocations = Invocations::new(binary.name, events, per_invocation);
    let server = invocations.listen()?;
    let throttled_before = share.map_or(0, |s| s.throttled_ns());
    let mut command = Command::new(binary.bin);
    command
        .env("AWS_LAMBDA_RUNTIME_API", server.addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", binary.name)
        .env(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            setting.memory_mb.to_string(),
        )
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", binary.name),
        )
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .envs(binary.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(output(setting.log))
        .stderr(output(setting.log));
    let door = Door::new().map_err(|e| format!("a pipe: {e}"))?;
    // SAFETY: the hook makes only async-signal-safe system calls.
    unsafe { command.pre_exec(door.hook(share.map(CpuShare::procs))) };
    let timeout = Duration::from_secs(30) + Duration::from_millis(100) * expected as u32;
    let (opener, ends) = door.open_when_ready();
    let spawned = command.spawn();
    drop(ends);
    let let_through = opener.join().ok().flatten();
    let result = match (spawned, let_through) {
        (Err(e), _) => Err(format!("cannot run {}: {e}", binary.bin)),
        (Ok(mut child), None) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(format!("{} never reached its exec", binary.bin))
        }
        (Ok(mut child), Some(started)) => {
            invocations.set_pid(child.id());
            let progress = invocations.wait(&mut child, started, timeout);
            let peak_rss_kib = peak_rss_kib(child.id());
            let _ = child.kill();
            let _ = child.wait();
            match progress.failure {
                Some(failure) => Err(failure),
                None => {
                    let ms = |t: Instant| (t - started).as_secs_f64() * 1000.0;
                    Ok(Figures {
                        init_ms: progress.first_next_at.map_or(f64::NAN, ms),
                        first_response_ms: ms(progress.responded_at[0]),
                        durations_ms: progress
                            .delivered_at
                            .iter()
                            .zip(&progress.responded_at)
                            .map(|(d, r)| (*r - *d).as_secs_f64() * 1000.0)
                            .collect(),
                        cpu_ms: progress
                            .invocation_cpu_ns
                            .iter()
                            .map(|&ns| ns as f64 / 1e6)
                            .collect(),
                        statuses: progress.statuses,
                        peak_rss_kib,
                        throttled_ms: share
                            .map_or(0, |s| s.throttled_ns().saturating_sub(throttled_before))
                            as f64
                            / 1e6,
                        init_cpu_ms: progress
                            .cpu_at_first_next_ns
                            .map_or(f64::NAN, |n| n as f64 / 1e6),
                        first_response_cpu_ms: progress
                            .cpu_at_first_response_ns
                            .map_or(f64::NAN, |n| n as f64 / 1e6),
                    })
                }
            }
        }
    };
    invocations.stop(server);
    if let Some(share) = share {
        share.throttle(false)?;
    }
    result
}

fn output(log: Option<&str>) -> Stdio {
    log.and_then(|path| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()
    })
    .map_or(Stdio::null(), Stdio::from)
}

/// VmHWM of a live process, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}
