//! Compact HS256 JWS the way the vendors' docs show it: header `{"alg","typ"[,"kid"]}` in
//! that order, claims in the order given. The signature is HMAC-SHA256 of `header.payload`
//! (RFC 7518 §3.2) from a key state prepared once at load (`hmac` + `sha2`), which the
//! jsonwebtoken-based tests and `explain` verify.

use crate::SignError;
use crate::keys::VendorKey;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;

/// An HS256 signer with its header encoded and its HMAC key schedule (the inner and outer
/// padded key states) computed once at load: signing then costs only the message's own blocks.
pub(crate) struct Hs256 {
    mac: Hmac<Sha256>,
    header_b64: String,
}

impl Hs256 {
    pub(crate) fn new(key: &VendorKey, kid: Option<&str>) -> Self {
        let mut header = json!({"alg": "HS256", "typ": "JWT"});
        if let Some(kid) = kid {
            header["kid"] = Value::from(kid);
        }
        Hs256 {
            mac: Hmac::<Sha256>::new_from_slice(key.as_bytes())
                .expect("HMAC accepts any key length"),
            header_b64: URL_SAFE_NO_PAD.encode(header.to_string()),
        }
    }

    pub(crate) fn sign(&self, claims: &Map<String, Value>) -> Result<String, SignError> {
        let payload = serde_json::to_vec(claims).map_err(|_| SignError::Crypto)?;
        let mut token = String::with_capacity(self.header_b64.len() + payload.len() * 4 / 3 + 48);
        token.push_str(&self.header_b64);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let mut mac = self.mac.clone();
        mac.update(token.as_bytes());
        let tag = mac.finalize().into_bytes();
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(tag, &mut token);
        Ok(token)
    }
}
