//! The Lambda Runtime API one start of a bootstrap talks to: hands out the start's events one
//! at a time on `GET .../invocation/next`, takes `.../response`, `.../error` and `init/error`,
//! and notes when each happened. With a CPU share to switch, the share is on from an event's
//! delivery to its response, as Lambda bills and throttles an invocation.

use crate::cpu_share::Switch;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const PREFIX: &str = "/2018-06-01/runtime";

/// What happened during a start, in order.
#[derive(Default, Clone)]
pub struct Progress {
    /// The bootstrap's first `GET .../next`: the end of its init.
    pub first_next_at: Option<Instant>,
    /// The CPU time the process had used by then, and by its first response, in ns.
    pub cpu_at_first_next_ns: Option<u64>,
    pub cpu_at_first_response_ns: Option<u64>,
    pub delivered_at: Vec<Instant>,
    pub responded_at: Vec<Instant>,
    /// The CPU time the process used on each invocation, delivery to response, in ns (0 when
    /// it could not be read).
    pub invocation_cpu_ns: Vec<u64>,
    cpu_at_delivery_ns: Option<u64>,
    /// The `statusCode` of each response (0 when it has none).
    pub statuses: Vec<u16>,
    pub failure: Option<String>,
}

pub struct Invocations {
    name: String,
    events: Vec<Vec<u8>>,
    per_invocation_share: Option<Switch>,
    /// The bootstrap's pid, once spawned.
    pid: AtomicU32,
    progress: Mutex<Progress>,
    changed: Condvar,
    stop: AtomicBool,
}

/// The listening side of a start: its address for `AWS_LAMBDA_RUNTIME_API`.
pub struct Server {
    pub addr: SocketAddr,
    acceptor: JoinHandle<()>,
}

impl Invocations {
    /// The runtime API for `events`; with `per_invocation_share`, that share is switched on for
    /// each invocation and off after it.
    pub fn new(
        name: &str,
        events: Vec<Vec<u8>>,
        per_invocation_share: Option<Switch>,
    ) -> Arc<Invocations> {
        Arc::new(Invocations {
            name: name.to_owned(),
            events,
            per_invocation_share,
            pid: AtomicU32::new(0),
            progress: Mutex::new(Progress::default()),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
        })
    }

    /// Listens on a fresh loopback port, one thread per connection of the runtime client.
    pub fn listen(self: &Arc<Self>) -> Result<Server, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let shared = self.clone();
        let acceptor = thread::spawn(move || {
            for stream in listener.incoming() {
                if shared.stop.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(stream) = stream {
                    let shared = shared.clone();
                    thread::spawn(move || shared.serve(stream));
                }
            }
        });
        Ok(Server { addr, acceptor })
    }

    /// Whose CPU time to note at the end of init and at the first response.
    pub fn set_pid(&self, pid: u32) {
        self.pid.store(pid, Ordering::SeqCst);
    }

    /// Waits until every event has its response, a failure, the child's exit or `timeout`.
    pub fn wait(&self, child: &mut Child, started: Instant, timeout: Duration) -> Progress {
        let mut progress = self.progress.lock().unwrap();
        while progress.responded_at.len() < self.events.len() && progress.failure.is_none() {
            if started.elapsed() >= timeout {
                progress.failure = Some(format!(
                    "{} of {} answers within {timeout:?}",
                    progress.responded_at.len(),
                    self.events.len()
                ));
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                progress.failure = Some(format!("exited with {status} before answering"));
                break;
            }
            progress = self
                .changed
                .wait_timeout(progress, Duration::from_millis(20))
                .unwrap()
                .0;
        }
        progress.clone()
    }

    /// Ends the start's connections and the acceptor (the bootstrap is dead by now).
    pub fn stop(&self, server: Server) {
        self.stop.store(true, Ordering::SeqCst);
        self.changed.notify_all();
        let _ = TcpStream::connect(server.addr); // wakes the acceptor so it sees `stop`
        let _ = server.acceptor.join();
    }

    fn fail(&self, progress: &mut Progress, failure: String) {
        progress.failure.get_or_insert(failure);
        self.changed.notify_all();
    }

    /// One connection of the runtime client: HTTP/1.1 requests, keep-alive, until it closes.
    fn serve(&self, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let Ok(mut writer) = stream.try_clone() else {
            return;
        };
        let mut reader = BufReader::new(stream);
        while let Some((method, path, body)) = read_request(&mut reader) {
            let arrived = Instant::now();
            if self.stop.load(Ordering::SeqCst) {
                return;
            }
            let answer = if method == "GET" && path == format!("{PREFIX}/invocation/next") {
                match self.next(arrived) {
                    Some(answer) => answer,
                    None => return, // no more events: the start ends and the process is killed
                }
            } else if method == "POST" && path.starts_with(&format!("{PREFIX}/invocation/")) {
                self.invocation_result(arrived, path.ends_with("/response"), &body)
            } else if method == "POST" && path == format!("{PREFIX}/init/error") {
                let mut progress = self.progress.lock().unwrap();
                let failure = format!("init error: {}", String::from_utf8_lossy(&body));
                self.fail(&mut progress, failure);
                accepted()
            } else {
                (404, vec![], Vec::new())
            };
            if write_response(&mut writer, answer).is_err() {
                return;
            }
        }
    }

    /// The next event, with the CPU share switched on; `None` once all were delivered.
    fn next(&self, arrived: Instant) -> Option<Answer> {
        let mut progress = self.progress.lock().unwrap();
        if progress.first_next_at.is_none() {
            progress.first_next_at = Some(arrived);
            progress.cpu_at_first_next_ns = cpu_ns(self.pid.load(Ordering::SeqCst));
        }
        let index = progress.delivered_at.len();
        if index >= self.events.len() {
            // The next event never comes, as for a Lambda nobody invokes again.
            while !self.stop.load(Ordering::SeqCst) {
                progress = self
                    .changed
                    .wait_timeout(progress, Duration::from_millis(50))
                    .unwrap()
                    .0;
            }
            return None;
        }
        progress.cpu_at_delivery_ns = cpu_ns(self.pid.load(Ordering::SeqCst));
        if let Some(share) = &self.per_invocation_share
            && let Err(e) = share.set(true)
        {
            self.fail(&mut progress, e);
        }
        progress.delivered_at.push(Instant::now());
        self.changed.notify_all();
        drop(progress);
        let deadline = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
            + 30_000;
        Some((
            200,
            vec![
                ("Content-Type".into(), "application/json".into()),
                (
                    "Lambda-Runtime-Aws-Request-Id".into(),
                    format!("8476a536-e9f4-11e8-9739-{index:012x}"),
                ),
                ("Lambda-Runtime-Deadline-Ms".into(), deadline.to_string()),
                (
                    "Lambda-Runtime-Invoked-Function-Arn".into(),
                    format!(
                        "arn:aws:lambda:us-east-1:123456789012:function:{}",
                        self.name
                    ),
                ),
                (
                    "Lambda-Runtime-Trace-Id".into(),
                    "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"
                        .into(),
                ),
            ],
            self.events[index].clone(),
        ))
    }

    /// A response (or an invocation error) for the event delivered last.
    fn invocation_result(&self, arrived: Instant, is_response: bool, body: &[u8]) -> Answer {
        let mut progress = self.progress.lock().unwrap();
        if let Some(share) = &self.per_invocation_share
            && let Err(e) = share.set(false)
        {
            self.fail(&mut progress, e);
        }
        if !is_response {
            let failure = format!("invocation error: {}", String::from_utf8_lossy(body));
            self.fail(&mut progress, failure);
        } else if progress.responded_at.len() < progress.delivered_at.len() {
            let cpu = cpu_ns(self.pid.load(Ordering::SeqCst));
            if progress.responded_at.is_empty() {
                progress.cpu_at_first_response_ns = cpu;
            }
            let used = cpu.zip(progress.cpu_at_delivery_ns.take());
            progress
                .invocation_cpu_ns
                .push(used.map_or(0, |(now, then)| now.saturating_sub(then)));
            progress.responded_at.push(arrived);
            let status = serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| v["statusCode"].as_u64())
                .map_or(0, |s| s as u16);
            progress.statuses.push(status);
            self.changed.notify_all();
        } else {
            self.fail(&mut progress, "a response for no invocation".into());
        }
        accepted()
    }
}

type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// The CPU time a process's threads have used so far (the first field of each thread's
/// `schedstat`, in ns): precise where `stat`'s clock ticks are 10 ms.
fn cpu_ns(pid: u32) -> Option<u64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0;
    for task in tasks.flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

fn accepted() -> Answer {
    (
        202,
        vec![("Content-Type".into(), "application/json".into())],
        br#"{"status":"OK"}"#.to_vec(),
    )
}

fn write_response(writer: &mut TcpStream, (status, headers, body): Answer) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes())?;
    writer.write_all(&body)
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
