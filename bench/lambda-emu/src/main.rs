//! A local Lambda Runtime API for cold starts: starts a function's `bootstrap` RUNS times, each
//! against its own runtime API on a fresh loopback port, hands it one event and times
//!
//! - init: exec → the binary's first `GET /2018-06-01/runtime/invocation/next`;
//! - first response: exec → its `POST .../invocation/{id}/response` for that event.
//!
//! Then the process is killed and the next run starts. `.../error` and `.../init/error` end
//! the run as a failure. The event is an API Gateway v2 JSON file; with `--webhook-secret`
//! its Standard Webhooks headers are signed afresh for each run (now, a new id).
//!
//! ```text
//! lambda-emu --plan PLAN.json [--runs 30] [--log FILE]
//! ```
//! PLAN.json lists the binaries: `[{"name", "bin", "event", "webhook_secret"?}, ...]`; they
//! are started in turn, RUNS times each after one unmeasured start. Prints one line of JSON per
//! binary: its name, the runs, the init and first-response times in ms (min, median, p90,
//! max), the statuses of the first responses and any failures.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const PREFIX: &str = "/2018-06-01/runtime";
const RUN_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Default)]
struct Run {
    next_at: Option<Instant>,
    response_at: Option<Instant>,
    status: Option<u16>,
    failure: Option<String>,
    delivered: bool,
}

struct Shared {
    run: Mutex<Run>,
    changed: Condvar,
    stop: AtomicBool,
    event: Vec<u8>,
    name: String,
}

fn main() {
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
    let plan_file = args.get("plan").expect("--plan FILE is required");
    let plan: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(plan_file).expect("--plan: a readable file"))
            .expect("--plan: a JSON list of {name, bin, event[, webhook_secret]}");
    let runs: usize = args
        .get("runs")
        .map_or(30, |r| r.parse().expect("--runs N"));
    let log = args.get("log").cloned();

    struct Entry {
        name: String,
        bin: String,
        event: Value,
        webhook_secret: Option<String>,
        init_ms: Vec<f64>,
        first_ms: Vec<f64>,
        statuses: Vec<u16>,
        failures: Vec<String>,
    }
    let mut entries: Vec<Entry> = plan
        .iter()
        .map(|p| {
            let text = |k: &str| p[k].as_str().map(str::to_owned);
            let event_file = text("event").expect("an event file");
            Entry {
                name: text("name").expect("a name"),
                bin: text("bin").expect("a bin"),
                event: serde_json::from_str(
                    &std::fs::read_to_string(&event_file)
                        .unwrap_or_else(|e| panic!("{event_file}: {e}")),
                )
                .expect("an event in JSON"),
                webhook_secret: text("webhook_secret"),
                init_ms: Vec::new(),
                first_ms: Vec::new(),
                statuses: Vec::new(),
                failures: Vec::new(),
            }
        })
        .collect();
    // One unmeasured start of each binary first (its pages into the page cache), then the
    // binaries in turn, so a disturbance on the machine falls on all of them alike.
    for run in 0..=runs {
        for entry in &mut entries {
            let event = prepare(entry.event.clone(), run, entry.webhook_secret.as_deref());
            let result = once(&entry.bin, &entry.name, event, log.as_deref());
            if run == 0 {
                continue;
            }
            match result {
                Ok((init, first, status)) => {
                    entry.init_ms.push(init);
                    entry.first_ms.push(first);
                    entry.statuses.push(status);
                }
                Err(e) => entry.failures.push(e),
            }
        }
    }
    for entry in &mut entries {
        let mut statuses = entry.statuses.clone();
        statuses.sort_unstable();
        statuses.dedup();
        let summary = json!({
            "name": entry.name,
            "runs": runs,
            "ok_runs": entry.init_ms.len(),
            "init_ms": stats(&mut entry.init_ms),
            "first_response_ms": stats(&mut entry.first_ms),
            "statuses": statuses,
            "failures": entry.failures,
        });
        println!("{summary}");
    }
}

fn stats(values: &mut [f64]) -> Value {
    if values.is_empty() {
        return Value::Null;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    json!({"min": round(values[0]), "median": round(at(0.5)), "p90": round(at(0.9)), "max": round(values[values.len() - 1])})
}

/// The event for run `run`: a fresh request time, and fresh signed webhook headers if asked.
fn prepare(mut event: Value, run: usize, webhook_secret: Option<&str>) -> Vec<u8> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    event["requestContext"]["timeEpoch"] = json!(now.as_millis() as u64);
    if let Some(secret) = webhook_secret {
        let key = STANDARD
            .decode(secret.trim_start_matches("whsec_"))
            .expect("a base64 webhook secret");
        let id = format!("msg_bench_{run}_{}", now.as_nanos());
        let timestamp = now.as_secs().to_string();
        let body = event["body"].as_str().unwrap_or("").to_owned();
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).expect("any key length");
        mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
        let signature = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        let headers = &mut event["headers"];
        headers["webhook-id"] = json!(id);
        headers["webhook-timestamp"] = json!(timestamp);
        headers["webhook-signature"] = json!(signature);
    }
    serde_json::to_vec(&event).unwrap()
}

/// One cold start: (init ms, first response ms, the response's statusCode).
fn once(
    bin: &str,
    name: &str,
    event: Vec<u8>,
    log: Option<&str>,
) -> Result<(f64, f64, u16), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let shared = Arc::new(Shared {
        run: Mutex::new(Run::default()),
        changed: Condvar::new(),
        stop: AtomicBool::new(false),
        event,
        name: name.to_owned(),
    });
    let acceptor = {
        let shared = shared.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                if shared.stop.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(stream) = stream {
                    let shared = shared.clone();
                    thread::spawn(move || serve(stream, &shared));
                }
            }
        })
    };
    let output = |append: bool| -> Stdio {
        match log {
            Some(path) => std::fs::OpenOptions::new()
                .create(true)
                .append(append)
                .write(true)
                .open(path)
                .map_or(Stdio::null(), Stdio::from),
            None => Stdio::null(),
        }
    };
    let started = Instant::now();
    let mut child = Command::new(bin)
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .stdin(Stdio::null())
        .stdout(output(true))
        .stderr(output(true))
        .spawn()
        .map_err(|e| format!("cannot run {bin}: {e}"))?;

    let result = {
        let mut run = shared.run.lock().unwrap();
        while run.response_at.is_none() && run.failure.is_none() && started.elapsed() < RUN_TIMEOUT
        {
            if let Ok(Some(status)) = child.try_wait() {
                run.failure = Some(format!("exited with {status} before answering"));
                break;
            }
            run = shared
                .changed
                .wait_timeout(run, Duration::from_millis(20))
                .unwrap()
                .0;
        }
        match (&run.failure, run.next_at, run.response_at) {
            (Some(failure), _, _) => Err(failure.clone()),
            (None, Some(next), Some(response)) => Ok((
                (next - started).as_secs_f64() * 1000.0,
                (response - started).as_secs_f64() * 1000.0,
                run.status.unwrap_or(0),
            )),
            _ => Err(format!("no answer within {RUN_TIMEOUT:?}")),
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    shared.stop.store(true, Ordering::SeqCst);
    shared.changed.notify_all();
    let _ = TcpStream::connect(addr); // wakes the acceptor so it sees `stop`
    let _ = acceptor.join();
    result
}

/// One connection of the runtime client: HTTP/1.1 requests, keep-alive, until it closes.
fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some((method, path, body)) = read_request(&mut reader) {
        let arrived = Instant::now();
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let answer: (u16, Vec<(String, String)>, Vec<u8>) = if method == "GET"
            && path == format!("{PREFIX}/invocation/next")
        {
            let mut run = shared.run.lock().unwrap();
            run.next_at.get_or_insert(arrived);
            let deliver = !run.delivered;
            run.delivered = true;
            shared.changed.notify_all();
            if !deliver {
                // The next event never comes: the run ends and the process is killed.
                while !shared.stop.load(Ordering::SeqCst) {
                    run = shared
                        .changed
                        .wait_timeout(run, Duration::from_millis(50))
                        .unwrap()
                        .0;
                }
                return;
            }
            drop(run);
            let deadline = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis() as u64
                + 30_000;
            (
                200,
                vec![
                    ("Content-Type".into(), "application/json".into()),
                    ("Lambda-Runtime-Aws-Request-Id".into(), "8476a536-e9f4-11e8-9739-2dfe598c3fcd".into()),
                    ("Lambda-Runtime-Deadline-Ms".into(), deadline.to_string()),
                    (
                        "Lambda-Runtime-Invoked-Function-Arn".into(),
                        format!("arn:aws:lambda:us-east-1:123456789012:function:{}", shared.name),
                    ),
                    ("Lambda-Runtime-Trace-Id".into(), "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1".into()),
                ],
                shared.event.clone(),
            )
        } else if method == "POST" && path.starts_with(&format!("{PREFIX}/invocation/")) {
            let mut run = shared.run.lock().unwrap();
            if path.ends_with("/response") {
                run.response_at.get_or_insert(arrived);
                run.status = serde_json::from_slice::<Value>(&body)
                    .ok()
                    .and_then(|v| v["statusCode"].as_u64())
                    .map(|s| s as u16);
            } else {
                run.failure = Some(format!(
                    "invocation error: {}",
                    String::from_utf8_lossy(&body)
                ));
            }
            shared.changed.notify_all();
            (
                202,
                vec![("Content-Type".into(), "application/json".into())],
                br#"{"status":"OK"}"#.to_vec(),
            )
        } else if method == "POST" && path == format!("{PREFIX}/init/error") {
            let mut run = shared.run.lock().unwrap();
            run.failure = Some(format!("init error: {}", String::from_utf8_lossy(&body)));
            shared.changed.notify_all();
            (
                202,
                vec![("Content-Type".into(), "application/json".into())],
                br#"{"status":"OK"}"#.to_vec(),
            )
        } else {
            (404, vec![], Vec::new())
        };
        let (status, headers, body) = answer;
        let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        if writer
            .write_all(head.as_bytes())
            .and_then(|_| writer.write_all(&body))
            .is_err()
        {
            return;
        }
    }
}

/// (method, path, body) of the next request; `None` when the connection ends.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().ok()?;
            } else if name.eq_ignore_ascii_case("transfer-encoding")
                && value.eq_ignore_ascii_case("chunked")
            {
                chunked = true;
            }
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    Some((method, path, body))
}
