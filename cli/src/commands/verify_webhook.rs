//! `chatpass verify-webhook`: checks one Standard Webhooks delivery against a secret, the way
//! the logout webhook does, and says why it would be refused.

use super::{Failure, Report, inline_or_file, read_file};
use crate::times::{iso8601, now_or_system};
use chatpass_signing::webhook::{Delivery, TOLERANCE_SECONDS, WebhookSecret, verify};
use std::path::PathBuf;

/// Check a Standard Webhooks signature (webhook-id, webhook-timestamp, webhook-signature).
///
/// Exits 0 if valid, 1 if not (saying why), 2 if the secret itself is unusable.
#[derive(clap::Args)]
pub struct Args {
    /// The webhook secret (whsec_...), inline or as @path
    #[arg(long, value_name = "SECRET")]
    secret: String,
    /// The `webhook-id` header
    #[arg(long, value_name = "ID", allow_hyphen_values = true)]
    id: String,
    /// The `webhook-timestamp` header (unix seconds)
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    timestamp: String,
    /// The `webhook-signature` header (e.g. "v1,base64...")
    #[arg(long, value_name = "SIG", allow_hyphen_values = true)]
    signature: String,
    /// The raw request body, byte for byte ("-" for stdin)
    #[arg(long, value_name = "FILE")]
    body_file: PathBuf,
    /// Judge the timestamp as of this time (unix seconds) instead of now
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,
}

pub fn run(args: Args) -> Result<Report, Failure> {
    let secret = inline_or_file(&args.secret).map_err(Failure::Unable)?;
    let secret = WebhookSecret::parse(secret.trim())
        .map_err(|e| Failure::Unable(format!("unusable webhook secret: {e}")))?;
    let body = read_file(&args.body_file).map_err(Failure::Unable)?;
    let now = now_or_system(args.now);
    let delivery = Delivery {
        id: &args.id,
        timestamp: &args.timestamp,
        signature: &args.signature,
        body: &body,
    };
    match verify(&[secret], delivery, i64::try_from(now).unwrap_or(i64::MAX)) {
        Ok(at) => {
            let at = u64::try_from(at).unwrap_or_default();
            Ok(Report::ok(format!(
                "valid: signed by the secret at {at} ({})\n",
                iso8601(at)
            )))
        }
        Err(e) => Ok(Report {
            text: format!(
                "invalid: {e}\n(checked at {now}, {}; timestamps within {TOLERANCE_SECONDS} s either way are accepted)\n",
                iso8601(now)
            ),
            accepted: false,
        }),
    }
}
