//! A moto server on a loopback port, so the AWS implementations are tested against real SDK calls.
//! Each `Moto` is its own process, port and state; `stop`/`restart` simulate an outage; drop kills it.
//!
//! The servers are forked from one Python that has imported moto once (`scripts/moto_forks.py`),
//! started with the first `Moto` of the test process: a fresh `moto_server` pays about a second
//! of CPU importing moto, and the tests start over a hundred.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::config::Credentials;

/// How long `start` and `restart` wait for moto to answer.
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// Read and write timeout of the harness's own small HTTP requests.
const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// Ports tried by `start` if moto cannot bind the one picked (another process took it meanwhile).
const START_ATTEMPTS: usize = 3;

/// A running moto server on `127.0.0.1`.
///
/// Every request it serves is also appended to a recording file (moto's own recorder), which
/// [`Moto::request_count`] reads. Its log and recording are in `<target dir>/moto/moto-<port>/`.
#[derive(Debug)]
pub struct Moto {
    /// `http://127.0.0.1:<port>`, the endpoint URL to give an AWS SDK client.
    pub endpoint: String,
    addr: SocketAddr,
    folder: PathBuf,
    log: PathBuf,
    recording: PathBuf,
    /// The server's process; `None` while stopped.
    pid: Option<u32>,
}

impl Moto {
    /// Starts a moto server on a free loopback port and waits until it answers.
    ///
    /// moto is `$CHATPASS_MOTO_SERVER`'s, else `<workspace>/.venv/bin/moto_server`'s, else that
    /// of `moto_server` on `PATH`, run by the Python beside it. Panics if there is none, or if
    /// it does not answer within 20 s.
    pub fn start() -> Moto {
        let dir = target_dir().join("moto");
        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            let addr = free_loopback_port();
            let folder = dir.join(format!("moto-{}", addr.port()));
            fs::create_dir_all(&folder).unwrap_or_else(|e| {
                panic!("cannot create moto's folder {}: {e}", folder.display())
            });
            let mut moto = Moto {
                endpoint: format!("http://{addr}"),
                addr,
                log: folder.join("moto.log"),
                recording: folder.join("requests.jsonl"),
                folder,
                pid: None,
            };
            // Left over from an earlier run on the same port: start both files empty.
            for file in [&moto.log, &moto.recording] {
                File::create(file)
                    .unwrap_or_else(|e| panic!("cannot create {}: {e}", file.display()));
            }
            match moto.spawn_and_wait() {
                Ok(()) => return moto,
                Err(e) => last_error = e,
            }
        }
        panic!("moto did not start after {START_ATTEMPTS} attempts: {last_error}");
    }

    /// Stops the server (SIGKILL) and waits for it to exit: from now on every request to
    /// [`Moto::endpoint`] is refused, as during an outage. Does nothing if already stopped.
    pub fn stop(&mut self) {
        if let Some(pid) = self.pid.take() {
            let answer = forks().ask(&format!("stop {pid}"));
            // Dropped while a test panics, the first panic is the one to report.
            if answer.as_deref() != Ok("stopped") && !thread::panicking() {
                panic!("moto {pid} could not be stopped: {answer:?}");
            }
        }
    }

    /// Starts the server again on the SAME port (stopping it first if it runs) and waits
    /// until it answers.
    ///
    /// The new server has EMPTY state, like a fresh `start`: whatever the test created
    /// before (secrets, tables, items) is gone and must be created again. The request
    /// recording is kept, so [`Moto::request_count`] counts across the outage until
    /// [`Moto::reset`]. Panics if the server does not come back within 20 s.
    pub fn restart(&mut self) {
        self.stop();
        if let Err(e) = self.spawn_and_wait() {
            panic!("moto did not restart on {}: {e}", self.endpoint);
        }
    }

    /// chatpass's own SDK config (timeouts, retries) pointed at this server: region
    /// `us-east-1`, static test credentials, `endpoint_url` = [`Moto::endpoint`].
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        chatpass_service::aws::loader()
            .region("us-east-1")
            .credentials_provider(Credentials::new("test", "test", None, None, "moto"))
            .endpoint_url(&self.endpoint)
            .load()
            .await
    }

    /// Empties moto's state (every service) and its request recording, so a test can start
    /// from nothing or count only the requests after this point. Panics if moto does not
    /// answer 200.
    pub fn reset(&self) {
        self.post("/moto-api/reset");
        self.reset_recording();
    }

    /// Forgets the requests recorded so far (moto's state stays), so a test counts only what
    /// comes after this point.
    pub fn reset_recording(&self) {
        self.post("/moto-api/recorder/reset-recording");
    }

    /// POSTs to one of moto's own `/moto-api` routes; panics unless moto answers 200.
    fn post(&self, path: &str) {
        match http_request(self.addr, "POST", path) {
            Ok((200, _)) => {}
            Ok((status, body)) => panic!("moto answered POST {path} with {status}: {body}"),
            Err(e) => panic!("POST {path} to moto at {} failed: {e}", self.endpoint),
        }
    }

    /// How many requests moto has received for `action` since `start` or the last `reset`,
    /// across restarts.
    ///
    /// Requests are matched by their `X-Amz-Target` header, so this counts the JSON-protocol
    /// services (Secrets Manager, DynamoDB), not S3 or query-protocol ones. `action` is either
    /// the operation name (`"GetSecretValue"`, `"GetItem"`) or the full target
    /// (`"secretsmanager.GetSecretValue"`, `"DynamoDB_20120810.GetItem"`).
    pub fn request_count(&self, action: &str) -> usize {
        let file = File::open(&self.recording).unwrap_or_else(|e| {
            panic!(
                "cannot read moto's recording {}: {e}",
                self.recording.display()
            )
        });
        BufReader::new(file)
            .lines()
            .map(|line| line.expect("moto's recording is readable"))
            .filter(|line| !line.trim().is_empty())
            .filter(|line| {
                let entry: serde_json::Value =
                    serde_json::from_str(line).expect("moto's recording holds one JSON per line");
                amz_target(&entry).is_some_and(|target| {
                    target == action
                        || target
                            .rsplit_once('.')
                            .is_some_and(|(_, operation)| operation == action)
                })
            })
            .count()
    }

    /// Forks a server on `self.addr` and waits until it answers, or explains why not.
    fn spawn_and_wait(&mut self) -> Result<(), String> {
        let port = self.addr.port();
        let answer = forks().ask(&format!("start {port} {}", self.folder.display()))?;
        let pid = answer
            .strip_prefix("started ")
            .and_then(|pid| pid.parse().ok())
            .ok_or_else(|| format!("moto's forking parent answered {answer:?}"))?;
        self.pid = Some(pid);

        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok((200, _)) = http_request(self.addr, "GET", "/moto-api/") {
                return Ok(());
            }
            let state = forks().ask(&format!("poll {pid}"))?;
            if let Some(status) = state.strip_prefix("exited ") {
                self.pid = None;
                return Err(format!(
                    "it exited with {status} before answering; its log {}:\n{}",
                    self.log.display(),
                    log_tail(&self.log)
                ));
            }
            if Instant::now() >= deadline {
                self.stop();
                return Err(format!(
                    "no answer on {} within {READY_TIMEOUT:?}; its log {}:\n{}",
                    self.endpoint,
                    self.log.display(),
                    log_tail(&self.log)
                ));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!("moto's log: {}", self.log.display());
        }
        self.stop();
    }
}

/// The `moto_server` program to run; panics telling the developer how to get one.
fn moto_program() -> PathBuf {
    if let Some(path) = std::env::var_os("CHATPASS_MOTO_SERVER").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "CHATPASS_MOTO_SERVER is {}, which is not a file; unset it or run scripts/test.sh",
            path.display()
        );
        return path;
    }
    let venv = workspace_root().join(".venv/bin/moto_server");
    if venv.is_file() {
        return venv;
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("moto_server"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "moto_server not found (not in $CHATPASS_MOTO_SERVER, {}, or PATH): \
                 run scripts/test.sh once, which installs it into .venv",
                venv.display()
            )
        })
}

/// The Python of the moto install [`moto_program`] names: `python` or `python3` beside it.
fn moto_python() -> PathBuf {
    let program = moto_program();
    ["python", "python3"]
        .iter()
        .map(|name| program.with_file_name(name))
        .find(|python| python.is_file())
        .unwrap_or_else(|| panic!("no python beside {}", program.display()))
}

/// `scripts/moto_forks.py`, running for the rest of the test process: it forks every server.
struct Forks {
    /// Kept so the process is not reaped early; it exits when `stdin` closes with this process.
    _process: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    log: PathBuf,
}

/// The forking parent, started by the first caller; one command at a time.
fn forks() -> MutexGuard<'static, Forks> {
    static FORKS: OnceLock<Mutex<Forks>> = OnceLock::new();
    FORKS
        .get_or_init(|| Mutex::new(Forks::start()))
        .lock()
        // A test that panicked while holding it left nothing half-done: each command is a
        // line written and a line read.
        .unwrap_or_else(PoisonError::into_inner)
}

impl Forks {
    fn start() -> Forks {
        let dir = target_dir().join("moto");
        fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create moto's folder {}: {e}", dir.display()));
        let log = dir.join(format!("forks-{}.log", std::process::id()));
        let errors =
            File::create(&log).unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
        let mut process = Command::new(moto_python())
            .arg(workspace_root().join("scripts/moto_forks.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(errors)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run scripts/moto_forks.py: {e}"));
        let mut forks = Forks {
            stdin: process.stdin.take().expect("piped stdin"),
            stdout: BufReader::new(process.stdout.take().expect("piped stdout")),
            _process: process,
            log,
        };
        match forks.read_line() {
            Ok(ready) if ready == "ready" => {}
            answer => panic!("scripts/moto_forks.py did not start: {answer:?}"),
        }
        forks
    }

    /// Sends one command and returns its one-line answer, or why there is none.
    fn ask(&mut self, command: &str) -> Result<String, String> {
        writeln!(self.stdin, "{command}").map_err(|e| self.gone(&e.to_string()))?;
        self.read_line()
    }

    fn read_line(&mut self) -> Result<String, String> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(n) if n > 0 => Ok(line.trim_end().to_owned()),
            Ok(_) => Err(self.gone("it closed its output")),
            Err(e) => Err(self.gone(&e.to_string())),
        }
    }

    fn gone(&self, why: &str) -> String {
        format!(
            "scripts/moto_forks.py stopped answering ({why}); its log {}:\n{}",
            self.log.display(),
            log_tail(&self.log)
        )
    }
}

/// The workspace's root folder.
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits one folder below the workspace root")
}

/// `$CARGO_TARGET_DIR` (relative paths taken from the workspace root), else `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|p| !p.is_empty()) {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

/// A loopback port that was free a moment ago: bound to port 0, then released.
fn free_loopback_port() -> SocketAddr {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("can bind a free port on 127.0.0.1")
}

/// One bodiless HTTP/1.1 request with `Connection: close`; returns the status and the body.
fn http_request(addr: SocketAddr, method: &str, path: &str) -> io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| io::Error::other(format!("not an HTTP response: {response:.80}")))?;
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .to_owned();
    Ok((status, body))
}

/// The `X-Amz-Target` header of one recorded request, whatever its case.
fn amz_target(entry: &serde_json::Value) -> Option<&str> {
    entry
        .get("headers")?
        .as_object()?
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("x-amz-target"))?
        .1
        .as_str()
}

/// The last lines of moto's log, for a panic message.
fn log_tail(log: &Path) -> String {
    let text = fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
