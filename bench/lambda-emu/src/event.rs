//! The API Gateway event each invocation gets: the plan's fixture with a fresh request time,
//! and with `webhook_secret`, its Standard Webhooks headers signed afresh (now, a new id), so
//! no delivery is a repeat of another.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

/// The event of invocation `invocation` of start `start`, as JSON bytes.
pub fn prepare(
    mut event: Value,
    start: usize,
    invocation: usize,
    webhook_secret: Option<&str>,
) -> Vec<u8> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    event["requestContext"]["timeEpoch"] = json!(now.as_millis() as u64);
    if let Some(secret) = webhook_secret {
        let key = STANDARD
            .decode(secret.trim_start_matches("whsec_"))
            .expect("a base64 webhook secret");
        let id = format!("msg_bench_{start}_{invocation}_{}", now.as_nanos());
        let timestamp = now.as_secs().to_string();
        let body = event["body"].as_str().unwrap_or("").to_owned();
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).expect("any key length");
        mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
        let signature = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        let headers = &mut event["headers"];
        headers["webhook-id"] = json!(id);
        headers["webhook-timestamp"] = json!(timestamp);
        headers["webhook-signature"] = json!(signature);
    }
    serde_json::to_vec(&event).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

    fn headers(bytes: &[u8]) -> Value {
        serde_json::from_slice::<Value>(bytes).unwrap()["headers"].clone()
    }

    #[test]
    fn each_invocation_gets_its_own_signed_delivery_id() {
        let event = json!({"headers": {}, "body": "{}", "requestContext": {}});
        let first = headers(&prepare(event.clone(), 1, 0, Some(SECRET)));
        let second = headers(&prepare(event, 1, 1, Some(SECRET)));
        assert_ne!(first["webhook-id"], second["webhook-id"]);
        let id = first["webhook-id"].as_str().unwrap();
        let timestamp = first["webhook-timestamp"].as_str().unwrap();
        let key = STANDARD
            .decode(SECRET.trim_start_matches("whsec_"))
            .unwrap();
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{id}.{timestamp}.{{}}").as_bytes());
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        assert_eq!(first["webhook-signature"], expected.as_str());
    }

    #[test]
    fn without_a_secret_only_the_request_time_changes() {
        let event = json!({"headers": {"a": "b"}, "requestContext": {"timeEpoch": 1}});
        let prepared: Value = serde_json::from_slice(&prepare(event, 0, 0, None)).unwrap();
        assert_eq!(prepared["headers"], json!({"a": "b"}));
        assert!(prepared["requestContext"]["timeEpoch"].as_u64().unwrap() > 1_700_000_000_000);
    }
}
