//! A stand-in for an identity provider's JWKS endpoint on 127.0.0.1: serves whatever document
//! it was last given, counts fetches, and can fail, hang, or send a body that never ends, so
//! the key caches are tested against real HTTP.

use std::sync::atomic::{AtomicBool, AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::loopback::LoopbackServer;

#[derive(Default)]
struct Published {
    document: Mutex<String>,
    fetches: AtomicUsize,
    fail_with: AtomicU16,
    endless: AtomicBool,
    hang: AtomicBool,
}

/// The endpoint; it stops when dropped.
pub struct JwksServer {
    server: LoopbackServer,
    published: Arc<Published>,
}

impl JwksServer {
    pub async fn start(document: &str) -> JwksServer {
        let published = Arc::new(Published::default());
        *published.document.lock().expect("not poisoned") = document.to_owned();
        JwksServer {
            server: LoopbackServer::start(published.clone(), answer).await,
            published,
        }
    }

    pub fn url(&self) -> String {
        format!("{}/jwks.json", self.server.origin)
    }

    /// Serves `document` from now on (a key rotation).
    pub fn publish(&self, document: &str) {
        *self.published.document.lock().expect("not poisoned") = document.to_owned();
        self.published.fail_with.store(0, Ordering::SeqCst);
    }

    /// Answers `status` with no document from now on (the provider is down).
    pub fn fail_with(&self, status: u16) {
        self.published.fail_with.store(status, Ordering::SeqCst);
    }

    /// Sends a body that never ends.
    pub fn endless(&self) {
        self.published.endless.store(true, Ordering::SeqCst);
    }

    /// Reads each request and never answers it (the provider hangs).
    pub fn hang(&self) {
        self.published.hang.store(true, Ordering::SeqCst);
    }

    /// How many requests it has answered.
    pub fn fetches(&self) -> usize {
        self.published.fetches.load(Ordering::SeqCst)
    }
}

async fn answer(mut stream: TcpStream, published: Arc<Published>) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    published.fetches.fetch_add(1, Ordering::SeqCst);
    if published.hang.load(Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
    if published.endless.load(Ordering::SeqCst) {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n";
        let _ = stream.write_all(head.as_bytes()).await;
        let chunk = vec![b' '; 16 * 1024];
        while stream.write_all(&chunk).await.is_ok() {}
        return;
    }
    let status = published.fail_with.load(Ordering::SeqCst);
    let (status, body) = if status == 0 {
        let document = published.document.lock().expect("not poisoned").clone();
        (200, document)
    } else {
        (status, String::new())
    };
    let response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
}
