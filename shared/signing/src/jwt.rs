//! Compact HS256 JWS the way the vendors' docs show it: header `{"alg","typ"[,"kid"]}` in
//! that order, claims in the order given, signature by `jsonwebtoken`.

use crate::SignError;
use crate::keys::VendorKey;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, crypto};
use serde_json::{Map, Value, json};

/// An HS256 signer with its header encoded once at load.
pub(crate) struct Hs256 {
    key: EncodingKey,
    header_b64: String,
}

impl Hs256 {
    pub(crate) fn new(key: &VendorKey, kid: Option<&str>) -> Self {
        let mut header = json!({"alg": "HS256", "typ": "JWT"});
        if let Some(kid) = kid {
            header["kid"] = Value::from(kid);
        }
        Hs256 {
            key: EncodingKey::from_secret(key.as_bytes()),
            header_b64: URL_SAFE_NO_PAD.encode(header.to_string()),
        }
    }

    pub(crate) fn sign(&self, claims: &Map<String, Value>) -> Result<String, SignError> {
        let payload = serde_json::to_vec(claims).map_err(|_| SignError::Crypto)?;
        let mut token = String::with_capacity(self.header_b64.len() + payload.len() * 4 / 3 + 48);
        token.push_str(&self.header_b64);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let signature = crypto::sign(token.as_bytes(), &self.key, Algorithm::HS256)
            .map_err(|_| SignError::Crypto)?;
        token.push('.');
        token.push_str(&signature);
        Ok(token)
    }
}
