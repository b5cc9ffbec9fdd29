//! A project's own private key, for the vendors that verify with public keys (RS256, RS512,
//! ES256): a PKCS#8 PEM read once at load (RSA refused under 2,048 bits), its public JWK, and
//! signatures through jsonwebtoken's aws-lc backend. Redacted in `Debug`, zeroed on drop.

use crate::SignError;
use crate::keys::KeyError;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, crypto};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::fmt;
use zeroize::Zeroizing;

const PEM_BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
const PEM_END: &str = "-----END PRIVATE KEY-----";

/// The asymmetric algorithms a project may sign with.
pub const ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::RS512, Algorithm::ES256];

/// A private key and the public JWK that verifies its signatures.
pub struct PrivateKey {
    algorithm: Algorithm,
    /// jsonwebtoken's key: zeroed when dropped.
    key: EncodingKey,
    public: Map<String, Value>,
}

impl PrivateKey {
    /// Reads a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) for `algorithm`; `kid` names it in
    /// the public JWK (its RFC 7638 thumbprint when `None`). An RSA key under 2,048 bits, or a
    /// key of the wrong type, is refused.
    pub fn from_pem(pem: &str, algorithm: Algorithm, kid: Option<&str>) -> Result<Self, KeyError> {
        let der = pkcs8_der(pem)?;
        let (key, mut public) = match algorithm {
            Algorithm::RS256 | Algorithm::RS512 => rsa(pem, &der)?,
            Algorithm::ES256 => ec(&der)?,
            _ => return Err(KeyError::UnsupportedAlgorithm),
        };
        let kid = kid.map_or_else(|| thumbprint(&public), str::to_owned);
        public.insert("use".into(), "sig".into());
        public.insert("alg".into(), json!(algorithm));
        public.insert("kid".into(), kid.into());
        Ok(PrivateKey {
            algorithm,
            key,
            public,
        })
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The public JWK (`kty`, its numbers, `use`, `alg`, `kid`): safe to publish.
    pub fn public_jwk(&self) -> &Map<String, Value> {
        &self.public
    }

    /// The base64url signature of `message` (a JWS signing input).
    pub fn sign(&self, message: &[u8]) -> Result<String, SignError> {
        crypto::sign(message, &self.key, self.algorithm).map_err(|_| SignError::Crypto)
    }
}

/// The DER inside a PKCS#8 PEM, zeroed when dropped.
fn pkcs8_der(pem: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let body = pem
        .trim()
        .strip_prefix(PEM_BEGIN)
        .and_then(|rest| rest.strip_suffix(PEM_END))
        .ok_or(KeyError::NotPkcs8Pem)?;
    let text: Zeroizing<String> =
        Zeroizing::new(body.chars().filter(|c| !c.is_whitespace()).collect());
    STANDARD
        .decode(text.as_bytes())
        .map(Zeroizing::new)
        .map_err(|_| KeyError::NotPkcs8Pem)
}

fn rsa(pem: &str, der: &[u8]) -> Result<(EncodingKey, Map<String, Value>), KeyError> {
    let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(der).map_err(|e| {
        if e.description_() == "TooSmall" {
            KeyError::WeakRsaKey
        } else {
            KeyError::NotAKey("an RSA private key")
        }
    })?;
    let public = pair.public_key();
    let jwk = json!({
        "kty": "RSA",
        "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
        "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
    });
    let key = EncodingKey::from_rsa_pem(pem.trim().as_bytes())
        .map_err(|_| KeyError::NotAKey("an RSA private key"))?;
    Ok((key, object(jwk)))
}

fn ec(der: &[u8]) -> Result<(EncodingKey, Map<String, Value>), KeyError> {
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
        .map_err(|_| KeyError::NotAKey("a P-256 EC private key"))?;
    // The uncompressed point: 0x04, then x and y.
    let point = pair.public_key().as_ref();
    if point.len() != 65 {
        return Err(KeyError::NotAKey("a P-256 EC private key"));
    }
    let jwk = json!({
        "kty": "EC",
        "crv": "P-256",
        "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
        "y": URL_SAFE_NO_PAD.encode(&point[33..]),
    });
    Ok((EncodingKey::from_ec_der(der), object(jwk)))
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The RFC 7638 thumbprint of a public JWK (base64url SHA-256 of its required members in
/// lexicographic order): a stable `kid` for a new key.
pub fn thumbprint(jwk: &Map<String, Value>) -> String {
    let members: &[&str] = match jwk.get("kty").and_then(Value::as_str) {
        Some("EC") => &["crv", "kty", "x", "y"],
        _ => &["e", "kty", "n"],
    };
    let canonical: Map<String, Value> = members
        .iter()
        .filter_map(|m| Some(((*m).to_owned(), jwk.get(*m)?.clone())))
        .collect();
    URL_SAFE_NO_PAD.encode(Sha256::digest(Value::Object(canonical).to_string()))
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({:?}, [REDACTED])", self.algorithm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A made-up 1,024-bit RSA key (openssl genpkey), too weak to load.
    const RSA_1024: &str = include_str!("../tests/keys/rsa-1024.pem");
    const RSA_2048: &str = include_str!("../tests/keys/rsa-2048.pem");
    const EC_P256: &str = include_str!("../tests/keys/ec-p256.pem");

    #[test]
    fn refuses_an_rsa_key_under_2048_bits() {
        assert_eq!(
            PrivateKey::from_pem(RSA_1024, Algorithm::RS256, None).err(),
            Some(KeyError::WeakRsaKey)
        );
    }

    #[test]
    fn refuses_what_is_not_a_pkcs8_key_of_the_algorithm() {
        let pkcs1 = RSA_2048.replace("PRIVATE KEY", "RSA PRIVATE KEY");
        for (pem, algorithm, error) in [
            (pkcs1.as_str(), Algorithm::RS256, KeyError::NotPkcs8Pem),
            ("not a key", Algorithm::RS256, KeyError::NotPkcs8Pem),
            (
                EC_P256,
                Algorithm::RS256,
                KeyError::NotAKey("an RSA private key"),
            ),
            (
                RSA_2048,
                Algorithm::ES256,
                KeyError::NotAKey("a P-256 EC private key"),
            ),
            (RSA_2048, Algorithm::HS256, KeyError::UnsupportedAlgorithm),
        ] {
            assert_eq!(
                PrivateKey::from_pem(pem, algorithm, None).err(),
                Some(error),
                "{algorithm:?}"
            );
        }
    }

    #[test]
    fn publishes_only_public_members_and_never_prints_the_key() {
        let key = PrivateKey::from_pem(RSA_2048, Algorithm::RS256, Some("k1")).unwrap();
        let mut members: Vec<&str> = key.public_jwk().keys().map(String::as_str).collect();
        members.sort_unstable();
        assert_eq!(members, ["alg", "e", "kid", "kty", "n", "use"]);
        assert_eq!(format!("{key:?}"), "PrivateKey(RS256, [REDACTED])");
        let ec = PrivateKey::from_pem(EC_P256, Algorithm::ES256, None).unwrap();
        let mut members: Vec<&str> = ec.public_jwk().keys().map(String::as_str).collect();
        members.sort_unstable();
        assert_eq!(members, ["alg", "crv", "kid", "kty", "use", "x", "y"]);
    }

    #[test]
    fn the_thumbprint_follows_rfc_7638() {
        // RFC 7638 §3.1's example key and thumbprint.
        let jwk = json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        assert_eq!(
            thumbprint(jwk.as_object().unwrap()),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }
}
