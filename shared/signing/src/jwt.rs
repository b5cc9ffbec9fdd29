//! Compact JWS the way the vendors' docs show it: header `{"alg","typ"[,"kid"]}` in that
//! order, claims in the order given. HS256 is HMAC-SHA256 of `header.payload` (RFC 7518 §3.2)
//! from a key state prepared once at load (`hmac` + `sha2`); RS256, RS512 and ES256 sign with
//! the project's own private key. The jsonwebtoken-based tests and `explain` verify both.

use crate::SignError;
use crate::keys::VendorKey;
use crate::private_key::PrivateKey;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::Algorithm;
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
        Hs256::with_header(key.as_bytes(), kid, true)
    }

    /// Under the key's bytes (decoded, for vendors that issue an encoded secret), with
    /// `typ: "JWT"` in the header only when `typ`.
    pub(crate) fn with_header(key: &[u8], kid: Option<&str>, typ: bool) -> Self {
        let mut header = json!({"alg": "HS256"});
        if typ {
            header["typ"] = Value::from("JWT");
        }
        if let Some(kid) = kid {
            header["kid"] = Value::from(kid);
        }
        Hs256 {
            mac: Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length"),
            header_b64: URL_SAFE_NO_PAD.encode(header.to_string()),
        }
    }

    pub(crate) fn sign(&self, claims: &Map<String, Value>) -> Result<String, SignError> {
        let mut token = signing_input(&self.header_b64, claims)?;
        let mut mac = self.mac.clone();
        mac.update(token.as_bytes());
        let tag = mac.finalize().into_bytes();
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(tag, &mut token);
        Ok(token)
    }
}

/// `header.payload`, with room for the signature.
fn signing_input(header_b64: &str, claims: &Map<String, Value>) -> Result<String, SignError> {
    // Room for the claims' text as it usually is, so the payload is written without regrowing.
    let text: usize = claims
        .iter()
        .map(|(name, value)| name.len() + value.as_str().map_or(20, str::len) + 6)
        .sum();
    let mut payload = Vec::with_capacity(text + 2);
    serde_json::to_writer(&mut payload, claims).map_err(|_| SignError::Crypto)?;
    let mut token = String::with_capacity(header_b64.len() + payload.len() * 4 / 3 + 400);
    token.push_str(header_b64);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut token);
    Ok(token)
}

/// A JWS signed with a project's private key; the header is `{"alg"[,"typ"],"kid"}`.
pub(crate) struct PrivateJws {
    key: PrivateKey,
    header_b64: String,
}

impl PrivateJws {
    /// `typ: "JWT"` in the header only when `typ` (Salesforce's own key utility sets none).
    pub(crate) fn new(key: PrivateKey, kid: Option<&str>, typ: bool) -> Self {
        let mut header = Map::new();
        header.insert("alg".into(), json!(key.algorithm()));
        if typ {
            header.insert("typ".into(), "JWT".into());
        }
        if let Some(kid) = kid {
            header.insert("kid".into(), kid.into());
        }
        PrivateJws {
            key,
            header_b64: URL_SAFE_NO_PAD.encode(Value::Object(header).to_string()),
        }
    }

    fn sign(&self, claims: &Map<String, Value>) -> Result<String, SignError> {
        let mut token = signing_input(&self.header_b64, claims)?;
        let signature = self.key.sign(token.as_bytes())?;
        token.push('.');
        token.push_str(&signature);
        Ok(token)
    }
}

/// The signer of a JWT vendor: the vendor's shared secret, or the project's private key.
pub(crate) enum Jws {
    Hs256(Hs256),
    Private(PrivateJws),
}

impl Jws {
    pub(crate) fn sign(&self, claims: &Map<String, Value>) -> Result<String, SignError> {
        match self {
            Jws::Hs256(jws) => jws.sign(claims),
            Jws::Private(jws) => jws.sign(claims),
        }
    }

    pub(crate) fn algorithm(&self) -> Algorithm {
        match self {
            Jws::Hs256(_) => Algorithm::HS256,
            Jws::Private(jws) => jws.key.algorithm(),
        }
    }

    /// The public JWK of a private key; `None` for a shared secret.
    pub(crate) fn public_jwk(&self) -> Option<&Map<String, Value>> {
        match self {
            Jws::Hs256(_) => None,
            Jws::Private(jws) => Some(jws.key.public_jwk()),
        }
    }
}

impl From<Hs256> for Jws {
    fn from(jws: Hs256) -> Self {
        Jws::Hs256(jws)
    }
}
