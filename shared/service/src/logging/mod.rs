//! Structured JSON logs through `tracing`, one line per event. chatpass's own code logs ids,
//! codes and timings only — never a key, a token, a hash or an email — at every level; other
//! crates are held to `info` (the Lambda runtime to `warn`) whatever `RUST_LOG` says, since at
//! `trace` the runtime prints whole events and the AWS SDK whole requests.

mod json_line;

pub use json_line::JsonLine;
use tracing::Level;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The crates under every function whose log lines chatpass writes itself.
const SHARED_CRATES: [&str; 3] = ["chatpass", "chatpass_service", "chatpass_signing"];

/// The filter every subscriber of chatpass uses: `RUST_LOG` (default `info`) for chatpass's own
/// crates (the shared ones and the crates of `functions`, by their folder names), and no finer
/// than `info` for any other.
pub fn filter(functions: &[&str]) -> (EnvFilter, Targets) {
    let wanted = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let own = SHARED_CRATES
        .iter()
        .map(|c| (*c).to_owned())
        .chain(functions.iter().map(|f| f.replace('-', "_")));
    // lambda_runtime opens an info span per invocation; kept off, it costs nothing.
    let bounds = Targets::new()
        .with_targets(own.map(|c| (c, Level::TRACE)))
        .with_target("lambda_runtime", Level::WARN)
        .with_default(Level::INFO);
    (wanted, bounds)
}

/// JSON lines on stdout (CloudWatch reads them), for the crates of `functions` and the shared
/// ones.
pub fn init(functions: &[&str]) {
    let (wanted, bounds) = filter(functions);
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .event_format(JsonLine),
        )
        .with(wanted)
        .with(bounds)
        .try_init();
}
