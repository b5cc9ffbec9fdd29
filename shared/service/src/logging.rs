//! Structured JSON logs through `tracing`, one line per event. Handlers log ids, codes and
//! timings only: never a key, a token, a hash or an email.

use tracing_subscriber::EnvFilter;

/// JSON lines on stdout (CloudWatch reads them), level from `RUST_LOG` (default `info`).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_env_filter(filter)
        .try_init();
}
