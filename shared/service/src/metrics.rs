//! What chatpass counts, through the `metrics` facade: the Lambda runner exports it in
//! CloudWatch's Embedded Metric Format (no extra AWS call), `chatpass serve` as a Prometheus
//! page. Dimensions are low-cardinality only — function, vendor, outcome or reason codes,
//! dependency — never a project id, a user id or an email.

use std::time::Instant;

/// What a request counts as, beside its refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// A sign-in (a browser-facing route; its preflights aside).
    SignIn,
    /// A logout delivery.
    Logout,
    Other,
}

/// The namespace of every metric, unless `CHATPASS_METRICS_NAMESPACE` names another (the
/// template gives each stack its own: `chatpass/<stack>`).
pub fn namespace() -> String {
    std::env::var("CHATPASS_METRICS_NAMESPACE")
        .ok()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "chatpass".into())
}

/// The outcome of one request of `function`: sign-ins by vendor and outcome, refusals by
/// reason, logouts as applied, repeated or refused. `vendor` is empty when no project was found.
pub fn request(
    function: &'static str,
    counted: Counted,
    vendor: &'static str,
    status: u16,
    outcome: &'static str,
    reason: &'static str,
) {
    match counted {
        Counted::SignIn if status != 204 => {
            metrics::counter!("SignIn", "function" => function, "vendor" => vendor, "outcome" => outcome)
                .increment(1);
        }
        Counted::Logout => {
            let logout = match (status, outcome) {
                (200, "ok") => "applied",
                (200, _) => "repeated",
                (503, _) => "failed",
                _ => "refused",
            };
            metrics::counter!("Logout", "function" => function, "outcome" => logout).increment(1);
        }
        _ => {}
    }
    if (400..500).contains(&status) {
        metrics::counter!("Refusal", "function" => function, "reason" => reason).increment(1);
        // All of a function's refusals under one name, for an alarm on a spike.
        metrics::counter!("Refusals", "function" => function).increment(1);
    }
}

/// How the config cache answered: `hit`, `miss` (the source was asked) or `stale` (a cached
/// copy served while the source fails).
pub fn config_cache(result: &'static str) {
    metrics::counter!("ConfigCache", "result" => result).increment(1);
}

/// A call to `dependency` (`secretsmanager` or `dynamodb`) that started at `started`: its
/// latency, and a failure when it failed.
pub fn dependency_call(dependency: &'static str, started: Instant, ok: bool) {
    metrics::histogram!("DependencyLatency", "dependency" => dependency)
        .record(started.elapsed().as_secs_f64() * 1000.0);
    if !ok {
        metrics::counter!("DependencyFailure", "dependency" => dependency).increment(1);
    }
}

/// A function's first invocation since its process started.
pub fn cold_start(function: &'static str) {
    metrics::counter!("ColdStart", "function" => function).increment(1);
}

/// Units the exporters need ahead of the first value.
pub fn describe() {
    metrics::describe_histogram!(
        "DependencyLatency",
        metrics::Unit::Milliseconds,
        "latency of a Secrets Manager or DynamoDB call"
    );
}
