//! Standard Webhooks verification against arbitrary headers and bodies. Differential: a
//! delivery is accepted exactly when the id is present, the timestamp is whole seconds within
//! 300 s of now, and some `v1,` entry is the HMAC of `id.timestamp.body` under one of the
//! project's secrets, computed here independently; any other outcome is a crash.

#![no_main]

use arbitrary::Arbitrary;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chatpass_signing::mac::hmac_sha256;
use chatpass_signing::webhook::{self, Delivery, TOLERANCE_SECONDS, WebhookError, WebhookSecret};
use libfuzzer_sys::fuzz_target;

/// The project's secrets (two while rotating).
const SECRETS: [&str; 2] = [
    "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
];
/// A secret the project does not hold.
const FOREIGN: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const NOW: i64 = 1_700_000_000;

#[derive(Arbitrary, Debug)]
enum Signature {
    /// Whatever the sender put in the header.
    Raw(String),
    /// Entries around a real signature of (id, timestamp, body) under one of the secrets
    /// (0, 1) or a foreign one (2), then the body changed at `tamper` if given.
    Signed {
        secret: u8,
        before: Vec<String>,
        after: Vec<String>,
        separator: Separator,
        tamper: Option<(u16, u8)>,
    },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Separator {
    Space,
    Comma,
    Tab,
    Spaces,
}

#[derive(Arbitrary, Debug)]
struct Input {
    id: String,
    timestamp: Timestamp,
    signature: Signature,
    body: Vec<u8>,
}

#[derive(Arbitrary, Debug)]
enum Timestamp {
    /// Seconds from now, as the sender writes them.
    Offset(i16),
    Raw(String),
}

fn key(secret: &str) -> Vec<u8> {
    STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .unwrap()
}

fn content(id: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
    [id.as_bytes(), b".", timestamp.as_bytes(), b".", body].concat()
}

/// Digits only, at most 18 of them.
fn whole_seconds(value: &str) -> Option<i64> {
    (!value.is_empty() && value.len() <= 18 && value.bytes().all(|b| b.is_ascii_digit()))
        .then(|| value.parse().ok())
        .flatten()
}

fuzz_target!(|input: Input| {
    let secrets: Vec<WebhookSecret> = SECRETS
        .iter()
        .map(|s| WebhookSecret::parse(s).unwrap())
        .collect();
    let timestamp = match &input.timestamp {
        Timestamp::Offset(offset) => (NOW + i64::from(*offset)).to_string(),
        Timestamp::Raw(raw) => raw.clone(),
    };
    let mut body = input.body.clone();
    let signature = match &input.signature {
        Signature::Raw(raw) => raw.clone(),
        Signature::Signed {
            secret,
            before,
            after,
            separator,
            tamper,
        } => {
            let secret = match secret % 3 {
                0 => SECRETS[0],
                1 => SECRETS[1],
                _ => FOREIGN,
            };
            let tag = hmac_sha256(&key(secret), &content(&input.id, &timestamp, &body));
            if let Some((at, flip)) = tamper
                && !body.is_empty()
            {
                let at = usize::from(*at) % body.len();
                body[at] ^= flip | 1;
            }
            let separator = match separator {
                Separator::Space => " ",
                Separator::Comma => ",",
                Separator::Tab => "\t",
                Separator::Spaces => "  ",
            };
            let mut entries = before.clone();
            entries.push(format!("v1,{}", STANDARD.encode(tag)));
            entries.extend(after.iter().cloned());
            entries.join(separator)
        }
    };
    let delivery = Delivery {
        id: &input.id,
        timestamp: &timestamp,
        signature: &signature,
        body: &body,
    };
    let result = webhook::verify(&secrets, delivery, NOW);

    // The expected outcome, worked out independently.
    let expected = if input.id.is_empty() {
        Err(WebhookError::MissingHeader("id"))
    } else if timestamp.is_empty() {
        Err(WebhookError::MissingHeader("timestamp"))
    } else if signature.is_empty() {
        Err(WebhookError::MissingHeader("signature"))
    } else {
        match whole_seconds(&timestamp) {
            None => Err(WebhookError::BadTimestamp),
            Some(t) if NOW - t > TOLERANCE_SECONDS => Err(WebhookError::TooOld),
            Some(t) if t - NOW > TOLERANCE_SECONDS => Err(WebhookError::TooNew),
            Some(t) => {
                let signed = content(&input.id, &timestamp, &body);
                let genuine: Vec<String> = SECRETS
                    .iter()
                    .map(|s| format!("v1,{}", STANDARD.encode(hmac_sha256(&key(s), &signed))))
                    .collect();
                if signature
                    .split(' ')
                    .any(|entry| genuine.iter().any(|g| g == entry))
                {
                    Ok(t)
                } else {
                    Err(WebhookError::NoMatchingSignature)
                }
            }
        }
    };
    assert_eq!(result, expected, "{input:?}");
});
