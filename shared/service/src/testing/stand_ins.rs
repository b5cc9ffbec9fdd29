//! Ports that are down — every call fails as an unreachable AWS service would — and a log
//! capture, for the tests of outages and of what gets logged.

use crate::ProjectId;
use crate::source::{ConfigSource, ProjectFuture, SourceError};
use crate::store::{
    Applied, KeptFor, LogoutDelivery, Session, SessionIn, SessionLookup, SessionStore, StoreError,
    StoreFuture, UserIn,
};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// A config source that is down.
pub struct DownSource;

impl ConfigSource for DownSource {
    fn project<'a>(&'a self, _: &'a ProjectId) -> ProjectFuture<'a> {
        Box::pin(async { Err(SourceError::Unavailable("connection refused".into())) })
    }
}

/// A session store that is down.
pub struct DownStore;

fn down<'a, T: Send + 'a>() -> StoreFuture<'a, T> {
    Box::pin(async { Err(StoreError("connection refused".into())) })
}

impl SessionStore for DownStore {
    fn put_session<'a>(&'a self, _: &'a Session) -> StoreFuture<'a, ()> {
        down()
    }
    fn session<'a>(&'a self, _: SessionIn<'a>, _: u64) -> StoreFuture<'a, SessionLookup> {
        down()
    }
    fn logged_out_at<'a>(&'a self, _: UserIn<'a>, _: u64) -> StoreFuture<'a, Option<u64>> {
        down()
    }
    fn apply_logout<'a>(&'a self, _: LogoutDelivery<'a>, _: u64) -> StoreFuture<'a, Applied> {
        down()
    }
    fn kept<'a>(&'a self, _: KeptFor<'a>, _: u64) -> StoreFuture<'a, Option<String>> {
        down()
    }
    fn keep<'a>(&'a self, _: KeptFor<'a>, _: &'a str, _: u64) -> StoreFuture<'a, ()> {
        down()
    }
}

/// Everything a deployed function could log from the moment [`LogCapture::install`] made it the
/// global subscriber: chatpass's own crates at every level, other crates within the bounds
/// [`crate::logging::bounds`] holds them to whatever `RUST_LOG` says (their TRACE lines cannot
/// reach a deployed log, and capturing the AWS SDK's would slow every test of the binary). One
/// per test binary (the subscriber is global).
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    /// The capture of this test binary, installed by the first test that asks.
    pub fn install() -> LogCapture {
        static INSTALLED: OnceLock<LogCapture> = OnceLock::new();
        INSTALLED
            .get_or_init(|| {
                let capture = LogCapture::default();
                let writer = capture.clone();
                let bounds = crate::logging::bounds(&[]);
                tracing_subscriber::registry()
                    .with(
                        tracing_subscriber::fmt::layer()
                            .with_ansi(false)
                            .event_format(crate::logging::JsonLine)
                            .with_writer(move || writer.clone()),
                    )
                    .with(bounds)
                    .init();
                capture
            })
            .clone()
    }

    /// The `reason` of the request line of request `request_id`, once it is logged.
    pub fn reason_of(&self, request_id: &str) -> Option<String> {
        self.request_lines_with(request_id)
            .into_iter()
            .find(|line| line["request_id"] == request_id)
            .and_then(|line| line["reason"].as_str().map(str::to_owned))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }

    /// The `request` lines (one per request), parsed.
    pub fn request_lines(&self) -> Vec<serde_json::Value> {
        self.request_lines_with("\"request\"")
    }

    /// The `request` lines whose text holds `needle`, parsed: only those lines are parsed, as
    /// the capture holds every test's lines.
    fn request_lines_with(&self, needle: &str) -> Vec<serde_json::Value> {
        self.text()
            .lines()
            .filter(|line| line.contains(needle))
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|line| line["message"] == "request")
            .collect()
    }
}
