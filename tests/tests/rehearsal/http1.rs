//! Just enough HTTP/1.1 for the rehearsal's loopback servers and its signed calls: a message
//! read whole, its head kept as it came, and a server handing each connection to a thread.

use std::io::{self, BufRead};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};

/// A listener on a loopback port that serves each connection on a thread of its own, until
/// dropped.
pub struct Server {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let addr = listener.local_addr().expect("the listener's address");
        let stop = Arc::new(AtomicBool::new(false));
        let serve = Arc::new(serve);
        let acceptor = {
            let stop = stop.clone();
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    if let Ok(stream) = stream {
                        let serve = serve.clone();
                        thread::spawn(move || serve(stream));
                    }
                }
            })
        };
        Server {
            addr,
            stop,
            acceptor: Some(acceptor),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// A request or response: its head (start line and headers) and its body.
#[derive(Debug, Clone)]
pub struct Message {
    /// The start line and the header lines, without the blank line that ends them.
    pub head: String,
    pub body: Vec<u8>,
}

impl Message {
    pub fn new(start: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Message {
        let mut head = start.to_owned();
        for (name, value) in headers {
            head.push_str(&format!("\r\n{name}: {value}"));
        }
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        {
            head.push_str(&format!("\r\nContent-Length: {}", body.len()));
        }
        Message { head, body }
    }

    pub fn start_line(&self) -> &str {
        self.head.lines().next().unwrap_or_default()
    }

    /// A response's status code (0 if the start line has none).
    pub fn status(&self) -> u16 {
        self.start_line()
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// The message as bytes on the wire. A chunked body was read whole, so it goes out with a
    /// Content-Length instead.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head: Vec<&str> = self
            .head
            .lines()
            .filter(|line| {
                !line
                    .split_once(':')
                    .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("transfer-encoding"))
            })
            .collect();
        let length = format!("Content-Length: {}", self.body.len());
        if self.header("transfer-encoding").is_some() {
            head.push(&length);
        }
        let mut bytes = head.join("\r\n").into_bytes();
        bytes.extend_from_slice(b"\r\n\r\n");
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// The next message on `reader`; `None` when the peer closed before one began. A message with
/// neither Content-Length nor chunked encoding has a body only if `to_end` (a response that
/// ends with its connection).
pub fn read(reader: &mut impl BufRead, to_end: bool) -> io::Result<Option<Message>> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return if lines.is_empty() {
                Ok(None)
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            };
        }
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if line.is_empty() {
            break;
        }
        lines.push(line);
    }
    let mut message = Message {
        head: lines.join("\r\n"),
        body: Vec::new(),
    };
    if message
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            message.body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = message.header("content-length") {
        let length = length
            .parse()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        message.body.resize(length, 0);
        reader.read_exact(&mut message.body)?;
    } else if to_end {
        reader.read_to_end(&mut message.body)?;
    }
    Ok(Some(message))
}
