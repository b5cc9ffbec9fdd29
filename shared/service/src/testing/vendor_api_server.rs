//! A stand-in for vendors' APIs on 127.0.0.1 (HubSpot's and LiveChat's token endpoints, as
//! their documentation describes them): answers every request with the status and body it was
//! last given for its path (or for any path), and keeps each request (method, path,
//! `Authorization`, `Content-Type`, body) so a test can check exactly what chatpass sent. Point calls at it with `HttpVendorApi::redirected_to`, or
//! `CHATPASS_VENDOR_API_OVERRIDE` for a process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::loopback::LoopbackServer;

/// A request as the stand-in received it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
}

#[derive(Default)]
struct Shared {
    answer: Mutex<(u16, String)>,
    /// Answers for one path, before `answer`.
    answers_at: Mutex<HashMap<String, (u16, String)>>,
    /// A `Location` header to send (a redirect).
    location: Mutex<Option<String>>,
    /// Read the request, then never answer.
    stall: std::sync::atomic::AtomicBool,
    received: Mutex<Vec<Received>>,
}

/// The endpoint; it stops when dropped.
pub struct VendorApiServer {
    server: LoopbackServer,
    shared: Arc<Shared>,
}

impl VendorApiServer {
    /// Answers `status` with `body` until told otherwise.
    pub async fn start(status: u16, body: &str) -> VendorApiServer {
        let shared = Arc::new(Shared::default());
        shared
            .answer
            .lock()
            .expect("not poisoned")
            .clone_from(&(status, body.to_owned()));
        VendorApiServer {
            server: LoopbackServer::start(shared.clone(), answer).await,
            shared,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        self.server.origin.clone()
    }

    /// Answers `status` with `body` from now on.
    pub fn answer(&self, status: u16, body: &str) {
        *self.shared.answer.lock().expect("not poisoned") = (status, body.to_owned());
    }

    /// Answers requests to `path` with `status` and `body` from now on, whatever other paths get.
    pub fn answer_at(&self, path: &str, status: u16, body: &str) {
        let mut answers = self.shared.answers_at.lock().expect("not poisoned");
        answers.insert(path.to_owned(), (status, body.to_owned()));
    }

    /// Answers 302 with `Location: url` from now on.
    pub fn redirect_to(&self, url: &str) {
        self.answer(302, "");
        *self.shared.location.lock().expect("not poisoned") = Some(url.to_owned());
    }

    /// Reads requests and never answers them.
    pub fn stall(&self) {
        self.shared
            .stall
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Every request so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().expect("not poisoned").clone()
    }
}

async fn answer(mut stream: TcpStream, shared: Arc<Shared>) {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    let (head_end, length) = loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => bytes.extend_from_slice(&buffer[..n]),
        }
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (end + 4, length);
        }
    };
    while bytes.len() < head_end + length {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => bytes.extend_from_slice(&buffer[..n]),
        }
    }
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let mut lines = head.lines();
    let mut start = lines.next().unwrap_or_default().split(' ');
    let header = |name: &str| {
        head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    };
    let received = Received {
        method: start.next().unwrap_or_default().to_owned(),
        path: start.next().unwrap_or_default().to_owned(),
        authorization: header("authorization"),
        content_type: header("content-type"),
        body: String::from_utf8_lossy(&bytes[head_end..head_end + length]).into_owned(),
    };
    let received_path = received.path.clone();
    shared.received.lock().expect("not poisoned").push(received);
    if shared.stall.load(std::sync::atomic::Ordering::SeqCst) {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        return;
    }
    let at_path = shared
        .answers_at
        .lock()
        .expect("not poisoned")
        .get(&received_path)
        .cloned();
    let (status, body) = match at_path {
        Some(answer) => answer,
        None => shared.answer.lock().expect("not poisoned").clone(),
    };
    let location = shared.location.lock().expect("not poisoned").clone();
    let location = location
        .map(|l| format!("location: {l}\r\n"))
        .unwrap_or_default();
    let response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{location}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
}
