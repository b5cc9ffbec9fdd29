//! Standard Webhooks (v1, HMAC-SHA256): verify a delivery against one or more `whsec_` secrets,
//! and sign one. The signed content is `id.timestamp.body`; the timestamp must be within
//! [`TOLERANCE_SECONDS`] of `now` either way.

use crate::keys::{KeyError, VerifierKey};
use crate::mac::{hmac_sha256, verify_hmac_sha256};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use thiserror::Error;

pub const TOLERANCE_SECONDS: i64 = 300;
const PREFIX: &str = "whsec_";
const SIGNATURE_BYTES: usize = 32;

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum WebhookError {
    #[error("the `webhook-{0}` header is missing or empty")]
    MissingHeader(&'static str),
    #[error("`webhook-timestamp` is not a whole number of seconds")]
    BadTimestamp,
    #[error("the timestamp is more than {TOLERANCE_SECONDS} s old")]
    TooOld,
    #[error("the timestamp is more than {TOLERANCE_SECONDS} s in the future")]
    TooNew,
    #[error("no v1 signature in `webhook-signature` matches")]
    NoMatchingSignature,
}

impl WebhookError {
    /// The stable reason code for logs.
    pub fn reason(&self) -> &'static str {
        match self {
            WebhookError::MissingHeader(_) => "missing_webhook_header",
            WebhookError::BadTimestamp => "bad_webhook_timestamp",
            WebhookError::TooOld => "webhook_too_old",
            WebhookError::TooNew => "webhook_too_new",
            WebhookError::NoMatchingSignature => "webhook_signature_mismatch",
        }
    }
}

/// A webhook secret: the base64-decoded bytes after the optional `whsec_` prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSecret(VerifierKey);

impl WebhookSecret {
    /// Refuses an empty, non-base64 or short (< 24 bytes) secret.
    pub fn parse(secret: &str) -> Result<Self, KeyError> {
        let encoded = secret.strip_prefix(PREFIX).unwrap_or(secret);
        if encoded.is_empty() {
            return Err(KeyError::Empty);
        }
        let bytes = STANDARD.decode(encoded).map_err(|_| KeyError::NotBase64)?;
        VerifierKey::new(bytes).map(WebhookSecret)
    }

    /// Signs a delivery: the `webhook-signature` header value.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = hmac_sha256(
            self.0.as_bytes(),
            &signed_content(id, &timestamp.to_string(), body),
        );
        format!("v1,{}", STANDARD.encode(tag))
    }
}

fn signed_content(id: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(id.len() + timestamp.len() + body.len() + 2);
    content.extend_from_slice(id.as_bytes());
    content.push(b'.');
    content.extend_from_slice(timestamp.as_bytes());
    content.push(b'.');
    content.extend_from_slice(body);
    content
}

/// The headers of one delivery.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    pub id: &'a str,
    pub timestamp: &'a str,
    pub signature: &'a str,
    pub body: &'a [u8],
}

/// Verifies a delivery against any of `secrets` (several while rotating) at `now`.
/// Returns the delivery's timestamp.
pub fn verify(
    secrets: &[WebhookSecret],
    delivery: Delivery<'_>,
    now: i64,
) -> Result<i64, WebhookError> {
    if delivery.id.is_empty() {
        return Err(WebhookError::MissingHeader("id"));
    }
    if delivery.timestamp.is_empty() {
        return Err(WebhookError::MissingHeader("timestamp"));
    }
    if delivery.signature.is_empty() {
        return Err(WebhookError::MissingHeader("signature"));
    }
    let timestamp = parse_timestamp(delivery.timestamp)?;
    if now.saturating_sub(timestamp) > TOLERANCE_SECONDS {
        return Err(WebhookError::TooOld);
    }
    if timestamp.saturating_sub(now) > TOLERANCE_SECONDS {
        return Err(WebhookError::TooNew);
    }
    let content = signed_content(delivery.id, delivery.timestamp, delivery.body);
    let candidates = delivery
        .signature
        .split(' ')
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == "v1")
        .filter_map(|(_, sig)| STANDARD.decode(sig).ok());
    for candidate in candidates {
        let matched = secrets
            .iter()
            .any(|s| verify_hmac_sha256(s.0.as_bytes(), &content, &candidate, SIGNATURE_BYTES));
        if matched {
            return Ok(timestamp);
        }
    }
    Err(WebhookError::NoMatchingSignature)
}

/// Digits only: no sign, no spaces, no fractions.
fn parse_timestamp(value: &str) -> Result<i64, WebhookError> {
    if value.is_empty() || value.len() > 18 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookError::BadTimestamp);
    }
    value.parse().map_err(|_| WebhookError::BadTimestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

    /// Delivery `msg_1` of `{}` at 1700000000 signed with `signed_with`, verified against
    /// `verified_with` at that time.
    fn sign_and_verify(
        signed_with: &WebhookSecret,
        verified_with: &[WebhookSecret],
    ) -> Result<i64, WebhookError> {
        let signature = signed_with.sign("msg_1", 1_700_000_000, b"{}");
        let delivery = Delivery {
            id: "msg_1",
            timestamp: "1700000000",
            signature: &signature,
            body: b"{}",
        };
        verify(verified_with, delivery, 1_700_000_000)
    }

    #[test]
    fn signs_what_it_verifies() {
        let secret = WebhookSecret::parse(SECRET).unwrap();
        assert_eq!(
            sign_and_verify(&secret, std::slice::from_ref(&secret)),
            Ok(1_700_000_000)
        );
    }

    #[test]
    fn refuses_a_webhook_signed_with_an_old_secret() {
        let old =
            WebhookSecret::parse("whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXY=").unwrap();
        let current = WebhookSecret::parse(SECRET).unwrap();
        assert_eq!(
            sign_and_verify(&old, &[current]),
            Err(WebhookError::NoMatchingSignature)
        );
    }

    #[test]
    fn refuses_empty_short_and_non_base64_secrets_at_load() {
        assert_eq!(WebhookSecret::parse("whsec_").err(), Some(KeyError::Empty));
        assert_eq!(WebhookSecret::parse("").err(), Some(KeyError::Empty));
        assert_eq!(
            WebhookSecret::parse("whsec_AQID").err(),
            Some(KeyError::TooShort { len: 3 })
        );
        assert_eq!(
            WebhookSecret::parse("whsec_!!!").err(),
            Some(KeyError::NotBase64)
        );
    }

    #[test]
    fn refuses_signed_or_fractional_timestamps() {
        for ts in [
            "-1700000000",
            "+1700000000",
            "1700000000.5",
            " 1700000000",
            "99999999999999999999",
        ] {
            assert_eq!(parse_timestamp(ts), Err(WebhookError::BadTimestamp), "{ts}");
        }
    }
}
