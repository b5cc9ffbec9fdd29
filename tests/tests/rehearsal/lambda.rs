//! A function run as Lambda runs it: its binary under a Lambda Runtime API on loopback, with its
//! template's environment and timeout, its role's credentials, and its logs delivered.

use super::edge::Edge;
use super::http1::{self, Message, Server};
use super::signed;
use super::stack::{Credentials, FunctionSpec};
use chatpass_service::identity::LOOPBACK_HTTP_VAR;
use chatpass_service::vendor_api::OVERRIDE_VAR;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const PREFIX: &str = "/2018-06-01/runtime";
/// How long an invocation waits for the function's log line before delivering what there is.
const LOG_LINE_WAIT: Duration = Duration::from_millis(500);

#[derive(Default)]
struct Queue {
    pending: VecDeque<(String, Vec<u8>)>,
    answers: HashMap<String, Result<Vec<u8>, String>>,
    init_error: Option<String>,
}

struct Runtime {
    queue: Mutex<Queue>,
    changed: Condvar,
    stop: AtomicBool,
    function_arn: String,
    timeout: Duration,
}

/// The process's output, line by line, and where it goes: the function's log group.
struct Logs {
    lines: Mutex<Vec<(u64, String)>>,
    arrived: Condvar,
    delivered: AtomicUsize,
    stream_created: AtomicBool,
    group: String,
    stream: String,
    edge: SocketAddr,
    region: String,
    credentials: Credentials,
}

pub struct Function {
    child: Child,
    runtime: Arc<Runtime>,
    logs: Arc<Logs>,
    /// The function's Runtime API; dropped after the process is killed.
    _server: Server,
    invocations: usize,
}

impl Function {
    /// Starts `binary` as the function `spec` in `(region, account)` under `credentials`, its
    /// AWS calls going to `edge` and its vendor API calls to the stand-in at `vendor_api`.
    pub fn start(
        binary: &Path,
        spec: &FunctionSpec,
        (region, account): (&str, &str),
        credentials: &Credentials,
        edge: &Edge,
        vendor_api: &str,
    ) -> Function {
        let runtime = Arc::new(Runtime {
            queue: Mutex::new(Queue::default()),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
            function_arn: format!("arn:aws:lambda:{region}:{account}:function:{}", spec.name),
            timeout: Duration::from_secs(spec.timeout_seconds),
        });
        let server = {
            let runtime = runtime.clone();
            Server::start(move |stream| serve(stream, &runtime))
        };
        let addr = server.addr;
        let logs = Arc::new(Logs {
            lines: Mutex::new(Vec::new()),
            arrived: Condvar::new(),
            delivered: AtomicUsize::new(0),
            stream_created: AtomicBool::new(false),
            group: spec.log_group.clone(),
            stream: log_stream_name(),
            edge: edge.addr(),
            region: region.to_owned(),
            credentials: credentials.clone(),
        });

        let mut command = Command::new(binary);
        command.env_clear().envs(&spec.environment);
        let session_token = credentials.session_token.clone().unwrap_or_default();
        let memory = spec.memory_mb.to_string();
        for (name, value) in [
            ("AWS_LAMBDA_RUNTIME_API", addr.to_string().as_str()),
            ("_HANDLER", "bootstrap"),
            ("AWS_REGION", region),
            ("AWS_DEFAULT_REGION", region),
            ("AWS_LAMBDA_FUNCTION_NAME", &spec.name),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", &memory),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", &logs.group),
            ("AWS_LAMBDA_LOG_STREAM_NAME", &logs.stream),
            ("AWS_ACCESS_KEY_ID", &credentials.access_key_id),
            ("AWS_SECRET_ACCESS_KEY", &credentials.secret_access_key),
            ("AWS_SESSION_TOKEN", &session_token),
            ("TZ", ":UTC"),
            // The rehearsal's additions: every AWS endpoint is the account's edge, the
            // identity provider's stand-in serves its keys over plain http on loopback, and
            // vendors' APIs are a stand-in on loopback too.
            ("AWS_ENDPOINT_URL", &edge.url()),
            (LOOPBACK_HTTP_VAR, "allow"),
            (OVERRIDE_VAR, vendor_api),
        ] {
            command.env(name, value);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
        read_lines(child.stdout.take().unwrap(), logs.clone());
        read_lines(child.stderr.take().unwrap(), logs.clone());
        Function {
            child,
            runtime,
            logs,
            _server: server,
            invocations: 0,
        }
    }

    /// Hands `event` to the function and waits, at most its timeout, for its answer; then
    /// delivers its log lines. `Err` when the function failed or did not answer in time.
    pub fn invoke(&mut self, event: &Value) -> Result<Value, String> {
        self.invocations += 1;
        let n = self.invocations;
        let id = format!("rehearsal-{n:08}-{}", std::process::id());
        let lines_before = self.logs.lines.lock().unwrap().len();
        let started = Instant::now();
        {
            let mut queue = self.runtime.queue.lock().unwrap();
            queue
                .pending
                .push_back((id.clone(), serde_json::to_vec(event).unwrap()));
            self.runtime.changed.notify_all();
        }
        let answer = loop {
            let mut queue = self.runtime.queue.lock().unwrap();
            if let Some(answer) = queue.answers.remove(&id) {
                break answer;
            }
            if let Some(error) = &queue.init_error {
                break Err(format!("init error: {error}"));
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                break Err(format!(
                    "the process exited ({status}): {}",
                    self.output_tail()
                ));
            }
            if started.elapsed() > self.runtime.timeout {
                break Err(format!(
                    "no answer within the template's timeout of {:?}",
                    self.runtime.timeout
                ));
            }
            drop(
                self.runtime
                    .changed
                    .wait_timeout(queue, Duration::from_millis(20))
                    .unwrap(),
            );
        };
        self.logs.wait_for_line_after(lines_before);
        self.logs.deliver();
        let answer = answer?;
        serde_json::from_slice(&answer).map_err(|e| format!("not an API Gateway answer: {e}"))
    }

    /// The last lines the process wrote, for a failure's message.
    pub fn output_tail(&self) -> String {
        let lines = self.logs.lines.lock().unwrap();
        let tail: Vec<&str> = lines[lines.len().saturating_sub(10)..]
            .iter()
            .map(|(_, line)| line.as_str())
            .collect();
        tail.join("\n")
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Ends the runtime client's waiting request; the server stops after this.
        self.runtime.stop.store(true, Ordering::SeqCst);
        self.runtime.changed.notify_all();
    }
}

impl Logs {
    fn wait_for_line_after(&self, count: usize) {
        let lines = self.lines.lock().unwrap();
        let _ = self
            .arrived
            .wait_timeout_while(lines, LOG_LINE_WAIT, |lines| lines.len() <= count);
    }

    /// Sends the lines not yet delivered, creating the stream first, as Lambda does. A refused
    /// call loses them, as it does in Lambda; the edge has recorded the refusal.
    fn deliver(&self) {
        let lines = self.lines.lock().unwrap();
        let from = self.delivered.swap(lines.len(), Ordering::SeqCst);
        let events: Vec<Value> = lines[from..]
            .iter()
            .map(|(timestamp, message)| json!({"timestamp": timestamp, "message": message}))
            .collect();
        drop(lines);
        if events.is_empty() {
            return;
        }
        let call = |target: &str, body: Value| {
            signed::call(
                self.edge,
                &self.region,
                &self.credentials,
                "logs",
                target,
                &body,
            )
        };
        if !self.stream_created.load(Ordering::SeqCst) {
            let created = call(
                "Logs_20140328.CreateLogStream",
                json!({"logGroupName": self.group, "logStreamName": self.stream}),
            );
            if !matches!(created, Ok((200, _))) {
                return;
            }
            self.stream_created.store(true, Ordering::SeqCst);
        }
        let _ = call(
            "Logs_20140328.PutLogEvents",
            json!({"logGroupName": self.group, "logStreamName": self.stream, "logEvents": events}),
        );
    }
}

fn read_lines(output: impl Read + Send + 'static, logs: Arc<Logs>) {
    thread::spawn(move || {
        for line in BufReader::new(output).lines().map_while(Result::ok) {
            logs.lines.lock().unwrap().push((now_ms(), line));
            logs.arrived.notify_all();
        }
    });
}

/// One connection of the function's runtime client.
fn serve(stream: TcpStream, runtime: &Runtime) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Ok(Some(request)) = http1::read(&mut reader, false) {
        let mut parts = request.start_line().split(' ');
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let response = if method == "GET" && path == format!("{PREFIX}/invocation/next") {
            match next_event(runtime) {
                Some((id, event)) => {
                    let deadline = (now_ms() + runtime.timeout.as_millis() as u64).to_string();
                    Message::new(
                        "HTTP/1.1 200 OK",
                        &[
                            ("Content-Type", "application/json"),
                            ("Lambda-Runtime-Aws-Request-Id", &id),
                            ("Lambda-Runtime-Deadline-Ms", &deadline),
                            ("Lambda-Runtime-Invoked-Function-Arn", &runtime.function_arn),
                            (
                                "Lambda-Runtime-Trace-Id",
                                "Root=1-00000000-000000000000000000000000;Sampled=0",
                            ),
                        ],
                        event,
                    )
                }
                None => return,
            }
        } else if method == "POST" && path.starts_with(&format!("{PREFIX}/invocation/")) {
            let rest = &path[PREFIX.len() + "/invocation/".len()..];
            let (id, kind) = rest.split_once('/').unwrap_or((rest, ""));
            let answer = match kind {
                "response" => Ok(request.body.clone()),
                _ => Err(String::from_utf8_lossy(&request.body).into_owned()),
            };
            let mut queue = runtime.queue.lock().unwrap();
            queue.answers.insert(id.to_owned(), answer);
            runtime.changed.notify_all();
            accepted()
        } else if method == "POST" && path == format!("{PREFIX}/init/error") {
            let mut queue = runtime.queue.lock().unwrap();
            queue.init_error = Some(String::from_utf8_lossy(&request.body).into_owned());
            runtime.changed.notify_all();
            accepted()
        } else {
            Message::new("HTTP/1.1 404 Not Found", &[], Vec::new())
        };
        if writer.write_all(&response.to_bytes()).is_err() {
            return;
        }
    }
}

fn accepted() -> Message {
    Message::new(
        "HTTP/1.1 202 Accepted",
        &[("Content-Type", "application/json")],
        br#"{"status":"OK"}"#.to_vec(),
    )
}

/// Waits for the next event (`None` once the function is stopped).
fn next_event(runtime: &Runtime) -> Option<(String, Vec<u8>)> {
    let mut queue = runtime.queue.lock().unwrap();
    loop {
        if runtime.stop.load(Ordering::SeqCst) {
            return None;
        }
        if let Some(event) = queue.pending.pop_front() {
            return Some(event);
        }
        queue = runtime
            .changed
            .wait_timeout(queue, Duration::from_millis(100))
            .unwrap()
            .0;
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// `[$LATEST]` and 32 hex digits, as Lambda names an execution environment's stream (without
/// the date it puts first).
fn log_stream_name() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "[$LATEST]{:032x}",
        nanos ^ (u128::from(std::process::id()) << 64)
    )
}
