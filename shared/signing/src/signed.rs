//! The result of signing: the body the HTTP API answers and `chatpass sign` prints.

use serde::Serialize;
use serde_json::Value;

/// `{"vendor", "settings", "expires_at"}`: `settings` is exactly what the widget takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signed {
    pub vendor: &'static str,
    pub settings: Value,
    /// Unix seconds after which the vendor refuses what was signed; `None` when it never expires.
    pub expires_at: Option<u64>,
}
