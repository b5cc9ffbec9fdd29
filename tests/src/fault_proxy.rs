//! A loopback HTTP/1.1 proxy in front of moto that fails chosen AWS calls: holds them, answers
//! them late, or answers an error itself, by each request's `X-Amz-Target`.

use crate::moto::Moto;
use serde_json::json;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the proxy does with one request.
#[derive(Clone, Debug)]
pub enum Action {
    /// Passes it to moto and its answer back.
    Forward,
    /// Passes it to moto, but holds the answer this long (the write happens; the caller may
    /// have given up).
    Late(Duration),
    /// Never answers: holds the connection until the caller gives up.
    Hold,
    /// Answers this status and AWS JSON error body itself; moto never sees the request.
    Answer(u16, String),
}

type Rule = Arc<dyn Fn(&str) -> Action + Send + Sync>;

/// A loopback HTTP/1.1 proxy in front of moto that applies a rule, chosen by the request's
/// `X-Amz-Target`, to each request. Every answer closes its connection, so the SDK opens a
/// new one for each request and a rule change applies at once. Stops when dropped.
pub struct FaultProxy {
    pub endpoint: String,
    addr: SocketAddr,
    rule: Arc<Mutex<Rule>>,
    /// Requests received, by target.
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl FaultProxy {
    pub fn start(upstream: &Moto) -> FaultProxy {
        let upstream: SocketAddr = upstream
            .endpoint
            .trim_start_matches("http://")
            .parse()
            .expect("moto's endpoint is http://ip:port");
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let addr = listener.local_addr().unwrap();
        let rule: Arc<Mutex<Rule>> = Arc::new(Mutex::new(Arc::new(|_: &str| Action::Forward)));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        {
            let (rule, seen, stop) = (rule.clone(), seen.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let (rule, seen, stop) = (rule.clone(), seen.clone(), stop.clone());
                    std::thread::spawn(move || serve(stream, upstream, &rule, &seen, &stop));
                }
            });
        }
        FaultProxy {
            endpoint: format!("http://{addr}"),
            addr,
            rule,
            seen,
            stop,
        }
    }

    pub fn set(&self, rule: impl Fn(&str) -> Action + Send + Sync + 'static) {
        *self.rule.lock().unwrap() = Arc::new(rule);
    }

    pub fn forward(&self) {
        self.set(|_| Action::Forward);
    }

    /// How many requests for targets ending in `operation` it received.
    pub fn requests(&self, operation: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|t| t.ends_with(operation))
            .count()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

/// One request's head and body, or `None` if the client went away first.
fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = data[head_end..].to_vec();
    while body.len() < length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    Some((head, body))
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn serve(
    mut client: TcpStream,
    upstream: SocketAddr,
    rule: &Mutex<Rule>,
    seen: &Mutex<Vec<String>>,
    stop: &AtomicBool,
) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(10)));
    let Some((head, body)) = read_request(&mut client) else {
        return;
    };
    let target = header(&head, "x-amz-target").unwrap_or("").to_owned();
    seen.lock().unwrap().push(target.clone());
    let action = { rule.lock().unwrap().clone() }(&target);
    match action {
        Action::Hold => {
            // Until the caller gives up (closes) or the proxy stops.
            let _ = client.set_read_timeout(Some(Duration::from_millis(100)));
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut buf = [0u8; 256];
            while Instant::now() < deadline && !stop.load(Ordering::SeqCst) {
                match client.read(&mut buf) {
                    Ok(0) => return,
                    Err(e)
                        if e.kind() != std::io::ErrorKind::WouldBlock
                            && e.kind() != std::io::ErrorKind::TimedOut =>
                    {
                        return;
                    }
                    _ => {}
                }
            }
        }
        Action::Answer(status, error) => {
            let reason = if status == 400 {
                "Bad Request"
            } else {
                "Error"
            };
            let _ = write!(
                client,
                "HTTP/1.1 {status} {reason}\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{error}",
                error.len()
            );
        }
        Action::Forward | Action::Late(_) => {
            let Ok(mut moto) = TcpStream::connect(upstream) else {
                return;
            };
            let _ = moto.set_read_timeout(Some(Duration::from_secs(10)));
            // The same request, closing its connection after the answer.
            let mut forwarded = String::new();
            for line in head.trim_end().lines() {
                if !line.to_ascii_lowercase().starts_with("connection:") {
                    forwarded.push_str(line);
                    forwarded.push_str("\r\n");
                }
            }
            forwarded.push_str("Connection: close\r\n\r\n");
            if moto.write_all(forwarded.as_bytes()).is_err() || moto.write_all(&body).is_err() {
                return;
            }
            let mut answer = Vec::new();
            let _ = moto.read_to_end(&mut answer);
            if let Action::Late(delay) = action {
                std::thread::sleep(delay);
            }
            let _ = client.write_all(&answer);
        }
    }
    let _ = client.shutdown(Shutdown::Both);
}

/// An AWS JSON error body.
pub fn aws_error(kind: &str, message: &str) -> String {
    json!({"__type": kind, "message": message}).to_string()
}
