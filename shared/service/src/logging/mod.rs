//! Structured JSON logs through `tracing`, one line per event. chatpass's own code logs ids,
//! codes and timings only — never a key, a token, a hash or an email — at every level; other
//! crates are held to `info` (the Lambda runtime to `warn`) whatever `RUST_LOG` says, since at
//! `trace` the runtime prints whole events and the AWS SDK whole requests.

mod json_line;

pub use json_line::JsonLine;
use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The crates under every function whose log lines chatpass writes itself.
const SHARED_CRATES: [&str; 3] = ["chatpass", "chatpass_service", "chatpass_signing"];

/// The bounds every subscriber of chatpass keeps: any level for chatpass's own crates (the
/// shared ones and the crates of `functions`, by their folder names), no finer than `info` for
/// any other, whatever `RUST_LOG` says.
pub fn bounds(functions: &[&str]) -> Targets {
    let own = SHARED_CRATES
        .iter()
        .map(|c| (*c).to_owned())
        .chain(functions.iter().map(|f| f.replace('-', "_")));
    // lambda_runtime opens an info span per invocation; kept off, it costs nothing.
    Targets::new()
        .with_targets(own.map(|c| (c, Level::TRACE)))
        .with_target("lambda_runtime", Level::WARN)
        .with_default(Level::INFO)
}

/// What `rust_log` asks for (`info` where it is unset, empty or unreadable), and whether it
/// could not be read.
///
/// `RUST_LOG` holds a level or `target=level` directives, read as `tracing_subscriber`'s
/// `Targets`: `EnvFilter`'s span and field filters would link a regex engine into every
/// function and cost each cold start its set-up (BENCHMARKS.md, "Against the floor").
fn wanted(rust_log: Option<&str>) -> (Targets, bool) {
    let info = || Targets::new().with_default(Level::INFO);
    match rust_log
        .map(str::trim)
        .filter(|directives| !directives.is_empty())
    {
        None => (info(), false),
        Some(directives) => match directives.parse::<Targets>() {
            Ok(wanted) => (wanted, false),
            Err(_) => (info(), true),
        },
    }
}

/// JSON lines on stdout (CloudWatch reads them), for the crates of `functions` and the shared
/// ones: what `RUST_LOG` asks for (default `info`), within [`bounds`].
pub fn init(functions: &[&str]) {
    let (wanted, unread) = wanted(std::env::var("RUST_LOG").ok().as_deref());
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .event_format(JsonLine),
        )
        .with(wanted)
        .with(bounds(functions))
        .try_init();
    if unread {
        tracing::warn!("RUST_LOG is not a level or target=level directives; info is used");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_is_a_level_or_target_level_directives_and_info_otherwise() {
        let at = |rust_log, target, level| wanted(rust_log).0.would_enable(target, &level);
        assert!(at(None, "chatpass_service", Level::INFO));
        assert!(!at(None, "chatpass_service", Level::DEBUG));
        assert!(at(Some(" "), "chatpass_service", Level::INFO));
        assert!(at(Some("debug"), "hash_user", Level::DEBUG));
        assert!(!at(Some("warn"), "hash_user", Level::INFO));
        let directives = Some("chatpass_service=trace,warn");
        assert!(at(directives, "chatpass_service::pipeline", Level::TRACE));
        assert!(!at(directives, "hash_user", Level::INFO));
        assert!(!at(Some("off"), "chatpass_service", Level::ERROR));
        for unreadable in ["[span{user=x}]=debug", "chatpass=loud"] {
            let (wanted, unread) = wanted(Some(unreadable));
            assert!(unread, "{unreadable}");
            assert!(wanted.would_enable("chatpass_service", &Level::INFO));
            assert!(!wanted.would_enable("chatpass_service", &Level::DEBUG));
        }
    }
}
