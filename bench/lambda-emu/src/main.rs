//! A local Lambda Runtime API for cold starts and warm invocations: starts each bootstrap of a
//! plan many times, each against its own runtime API on a fresh loopback port, and times
//!
//! - init: exec → the binary's first `GET /2018-06-01/runtime/invocation/next`;
//! - first response: exec → its `POST .../invocation/{id}/response` to the first event;
//! - with `--warm N`, one more start per binary answering N more events in a row: each one's
//!   duration (event delivered → response), and the process's peak RSS (VmHWM) after them.
//!
//! `.../error` and `.../init/error` end the start as a failure. With `--cpu-cgroup`, each
//! bootstrap runs in a cgroup v1 `cpu` group holding it to `--memory-mb`'s share of one vCPU
//! (Lambda's M/1769) for the whole start (`--init throttled`) or only while it handles an
//! invocation (`--init unthrottled`, the default).
//!
//! ```text
//! lambda-emu --plan PLAN.json [--runs 30] [--log FILE] [--memory-mb 128] [--warm 0]
//!            [--cpu-cgroup /sys/fs/cgroup/cpu --cfs-period-us 20000 --init unthrottled|throttled]
//! ```
//! PLAN.json lists the binaries: `[{"name", "bin", "event", "webhook_secret"?, "env"?}, ...]`;
//! they are started in turn, RUNS times each after one unmeasured start. Prints one line of
//! JSON per binary: its name, the setting, the init and first-response times in ms (min,
//! median, p90, p99, max, mean), the CPU time used by then, the time spent throttled, the
//! statuses, any failures, and
//! `warm` (with the mean duration Lambda would bill, each rounded up to the ms).

mod cpu_share;
mod door;
mod event;
mod runtime_api;
mod start;
mod stats;

use cpu_share::CpuShare;
use serde_json::{Value, json};
use start::{Binary, Figures, Setting};
use stats::{billed_mean_ms, rounded, summary};
use std::collections::HashMap;
use std::path::Path;

struct Entry {
    name: String,
    bin: String,
    event: Value,
    webhook_secret: Option<String>,
    env: Vec<(String, String)>,
    cold: Vec<Figures>,
    failures: Vec<String>,
    warm: Option<Result<Figures, String>>,
}

impl Entry {
    fn from_plan(p: &Value) -> Result<Entry, String> {
        let text = |k: &str| p[k].as_str().map(str::to_owned);
        let event_file = text("event").ok_or("a plan entry without an event file")?;
        let event = std::fs::read_to_string(&event_file)
            .map_err(|e| format!("{event_file}: {e}"))
            .and_then(|t| serde_json::from_str(&t).map_err(|e| format!("{event_file}: {e}")))?;
        let env = match &p["env"] {
            Value::Null => Vec::new(),
            Value::Object(vars) => vars
                .iter()
                .map(|(k, v)| {
                    Ok((
                        k.clone(),
                        v.as_str().ok_or("env values are strings")?.into(),
                    ))
                })
                .collect::<Result<_, String>>()?,
            _ => return Err("a plan entry's env is an object".into()),
        };
        Ok(Entry {
            name: text("name").ok_or("a plan entry without a name")?,
            bin: text("bin").ok_or("a plan entry without a bin")?,
            event,
            webhook_secret: text("webhook_secret"),
            env,
            cold: Vec::new(),
            failures: Vec::new(),
            warm: None,
        })
    }

    fn binary(&self) -> Binary<'_> {
        Binary {
            name: &self.name,
            bin: &self.bin,
            env: &self.env,
        }
    }

    fn events(&self, start: usize, count: usize) -> Vec<Vec<u8>> {
        (0..count)
            .map(|i| event::prepare(self.event.clone(), start, i, self.webhook_secret.as_deref()))
            .collect()
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("lambda-emu: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let args: HashMap<String, String> = std::env::args()
        .skip(1)
        .collect::<Vec<_>>()
        .chunks(2)
        .map(|p| {
            (
                p[0].trim_start_matches("--").to_owned(),
                p.get(1).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let number = |name: &str, default: u64| -> Result<u64, String> {
        args.get(name).map_or(Ok(default), |v| {
            v.parse().map_err(|_| format!("--{name}: a number"))
        })
    };
    let plan_file = args.get("plan").ok_or("--plan FILE is required")?;
    let plan: Vec<Value> = std::fs::read_to_string(plan_file)
        .map_err(|e| format!("--plan {plan_file}: {e}"))
        .and_then(|t| serde_json::from_str(&t).map_err(|e| format!("--plan {plan_file}: {e}")))?;
    let runs = number("runs", 30)? as usize;
    let warm = number("warm", 0)? as usize;
    let memory_mb = number("memory-mb", 128)?;
    let period_us = number("cfs-period-us", 20_000)?;
    let throttled_init = match args.get("init").map(String::as_str) {
        None | Some("unthrottled") => false,
        Some("throttled") => true,
        Some(other) => return Err(format!("--init {other}: throttled or unthrottled")),
    };
    let share = args
        .get("cpu-cgroup")
        .map(|root| CpuShare::create(Path::new(root), memory_mb, period_us))
        .transpose()?;
    let setting = Setting {
        memory_mb,
        share: share.as_ref(),
        throttled_init,
        log: args.get("log").map(String::as_str),
    };
    let mut entries: Vec<Entry> = plan
        .iter()
        .map(Entry::from_plan)
        .collect::<Result<_, _>>()?;

    // One unmeasured start of each binary first (its pages into the page cache), then the
    // binaries in turn, so a disturbance on the machine falls on all of them alike.
    for run in 0..=runs {
        for entry in &mut entries {
            let result = start::once(&entry.binary(), entry.events(run, 1), &setting);
            match result {
                _ if run == 0 => {}
                Ok(figures) => entry.cold.push(figures),
                Err(e) => entry.failures.push(e),
            }
        }
    }
    if warm > 0 {
        for entry in &mut entries {
            let events = entry.events(runs + 1, warm + 1);
            entry.warm = Some(start::once(&entry.binary(), events, &setting));
        }
    }
    for entry in &entries {
        println!("{}", report(entry, runs, &setting, period_us, warm));
    }
    Ok(())
}

/// The binary's JSON line.
fn report(entry: &Entry, runs: usize, setting: &Setting, period_us: u64, warm: usize) -> Value {
    let of = |f: fn(&Figures) -> f64| entry.cold.iter().map(f).collect::<Vec<_>>();
    let mut statuses: Vec<u16> = entry.cold.iter().flat_map(|f| f.statuses.clone()).collect();
    statuses.sort_unstable();
    statuses.dedup();
    let warm = entry.warm.as_ref().map(|result| match result {
        Ok(figures) => {
            let mut statuses = figures.statuses[1..].to_vec();
            statuses.sort_unstable();
            statuses.dedup();
            json!({
                "invocations": warm,
                "duration_ms": summary(&figures.durations_ms[1..]),
                "cpu_ms": summary(&figures.cpu_ms[1..]),
                // Each invocation's, in order, to tell which ones make the tail and why.
                "each": {
                    "duration_ms": rounded(&figures.durations_ms[1..]),
                    "cpu_ms": rounded(&figures.cpu_ms[1..]),
                },
                "billed_ms_mean": billed_mean_ms(&figures.durations_ms[1..]),
                "statuses": statuses,
                "peak_rss_kib": figures.peak_rss_kib,
                "throttled_ms": figures.throttled_ms,
            })
        }
        Err(failure) => json!({"invocations": warm, "failure": failure}),
    });
    json!({
        "name": entry.name,
        "runs": runs,
        "ok_runs": entry.cold.len(),
        "memory_mb": setting.memory_mb,
        "cpu": setting.share.map(|share| json!({
            "quota_us": share.quota_us(),
            "period_us": period_us,
            "init": if setting.throttled_init { "throttled" } else { "unthrottled" },
        })),
        "init_ms": summary(&of(|f| f.init_ms)),
        "first_response_ms": summary(&of(|f| f.first_response_ms)),
        "throttled_ms": summary(&of(|f| f.throttled_ms)),
        "init_cpu_ms": summary(&of(|f| f.init_cpu_ms)),
        "first_response_cpu_ms": summary(&of(|f| f.first_response_cpu_ms)),
        // Each start's, in order: the entries' starts alternate, so two entries' can be paired.
        "each": {
            "init_ms": rounded(&of(|f| f.init_ms)),
            "first_response_ms": rounded(&of(|f| f.first_response_ms)),
            "init_cpu_ms": rounded(&of(|f| f.init_cpu_ms)),
            "first_response_cpu_ms": rounded(&of(|f| f.first_response_cpu_ms)),
        },
        "statuses": statuses,
        "failures": entry.failures,
        "warm": warm,
    })
}
