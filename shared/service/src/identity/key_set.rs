//! A JWKS document parsed once, at load: each key meant for verifying signatures (by its `use`,
//! `key_ops` and `alg`, where given) that is RS256 of 2,048 to 8,192 bits or ES256 on P-256,
//! made into an aws-lc public key, found later by the token header's `kid`.

use super::error::JwksError;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::PublicKeyComponents;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, Header};
use sha2::{Digest, Sha256};

/// The RSA modulus sizes RS256 keys may have (RFC 7518 §3.3 asks for at least 2,048 bits).
const RSA_MODULUS_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// The bit length of a big-endian unsigned integer.
fn bit_length(be: &[u8]) -> usize {
    let significant = be
        .iter()
        .position(|&b| b != 0)
        .map_or(&[][..], |i| &be[i..]);
    match significant.first() {
        Some(first) => significant.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

pub(super) struct Key {
    kid: Option<String>,
    algorithm: Algorithm,
    pub(super) key: ParsedPublicKey,
    /// The public key's bytes (RSA's DER, the P-256 point), for the set's fingerprint.
    public: Vec<u8>,
}

/// True unless the JWK says it is for something else than verifying signatures with
/// `algorithm`: `use` other than `sig`, `key_ops` without `verify`, or another `alg`
/// (RFC 7517 §4.2-4.4).
fn meant_for(jwk: &Jwk, algorithm: KeyAlgorithm) -> bool {
    let common = &jwk.common;
    let use_ok = common
        .public_key_use
        .as_ref()
        .is_none_or(|u| *u == PublicKeyUse::Signature);
    let ops_ok = common
        .key_operations
        .as_ref()
        .is_none_or(|ops| ops.contains(&KeyOperations::Verify));
    let alg_ok = common.key_algorithm.is_none_or(|alg| alg == algorithm);
    use_ok && ops_ok && alg_ok
}

impl Key {
    /// An RS256 key (2,048 to 8,192 bits) or an ES256 (P-256) key meant for verifying
    /// signatures; any other is skipped.
    fn from_jwk(jwk: &Jwk) -> Option<Key> {
        let (algorithm, key, public) = match &jwk.algorithm {
            AlgorithmParameters::RSA(rsa) if meant_for(jwk, KeyAlgorithm::RS256) => {
                let n = URL_SAFE_NO_PAD.decode(&rsa.n).ok()?;
                // aws-lc checks the size when verifying; checked here so a short key is
                // never loaded (and the JWKS with only such keys is refused at start).
                if !RSA_MODULUS_BITS.contains(&bit_length(&n)) {
                    return None;
                }
                let components = PublicKeyComponents {
                    n,
                    e: URL_SAFE_NO_PAD.decode(&rsa.e).ok()?,
                };
                let der = components.as_der().ok()?;
                let key = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der.as_ref()).ok()?;
                (Algorithm::RS256, key, der.as_ref().to_vec())
            }
            AlgorithmParameters::EllipticCurve(ec)
                if ec.curve == EllipticCurve::P256 && meant_for(jwk, KeyAlgorithm::ES256) =>
            {
                let mut point = vec![0x04];
                point.extend(URL_SAFE_NO_PAD.decode(&ec.x).ok()?);
                point.extend(URL_SAFE_NO_PAD.decode(&ec.y).ok()?);
                let key = ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point).ok()?;
                (Algorithm::ES256, key, point)
            }
            _ => return None,
        };
        Some(Key {
            kid: jwk.common.key_id.clone(),
            algorithm,
            key,
            public,
        })
    }
}

/// The usable keys of one JWKS document.
pub struct KeySet {
    keys: Vec<Key>,
    fingerprint: [u8; 32],
}

impl KeySet {
    /// Parses `document`; one with no usable key is refused.
    pub fn parse(document: &str) -> Result<KeySet, JwksError> {
        let set: JwkSet = serde_json::from_str(document).map_err(|_| JwksError::Invalid)?;
        let keys: Vec<Key> = set.keys.iter().filter_map(Key::from_jwk).collect();
        if keys.is_empty() {
            return Err(JwksError::NoUsableKey);
        }
        let mut digest = Sha256::new();
        for key in &keys {
            let kid = key.kid.as_deref().unwrap_or_default();
            for part in [
                kid.as_bytes(),
                format!("{:?}", key.algorithm).as_bytes(),
                &key.public,
            ] {
                digest.update((part.len() as u64).to_be_bytes());
                digest.update(part);
            }
        }
        let fingerprint = digest.finalize().into();
        Ok(KeySet { keys, fingerprint })
    }

    /// What the usable keys are, as one digest: two sets with the same keys (ids, algorithms,
    /// public keys, in order) have the same fingerprint, a set that lost or gained one another.
    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }

    /// The key the header names: by `kid`, or the only key of its algorithm.
    pub(super) fn key_for(&self, header: &Header) -> Option<&Key> {
        let mut candidates = self.keys.iter().filter(|k| k.algorithm == header.alg);
        match &header.kid {
            Some(kid) => candidates.find(|k| k.kid.as_deref() == Some(kid.as_str())),
            None => candidates.next().filter(|_| candidates.next().is_none()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::StandinIdp;
    use serde_json::{Value, json};

    #[test]
    fn measures_bit_lengths() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[1]), 1);
        assert_eq!(bit_length(&[0, 0x80, 0]), 16);
        assert_eq!(bit_length(&[0x7f; 256]), 2047);
        assert_eq!(bit_length(&[0xff; 256]), 2048);
    }

    #[test]
    fn skips_keys_it_cannot_use_at_load() {
        // An odd RSA modulus of exactly 1,024 bits: too short for RS256, refused before any
        // token.
        let idp = StandinIdp::generate("https://idp.example.com/", "chatpass");
        let jwks: Value = serde_json::from_str(&idp.jwks()).unwrap();
        let n = jwks["keys"][0]["n"].as_str().unwrap();
        let mut short = URL_SAFE_NO_PAD.decode(n).unwrap()[..128].to_vec();
        short[0] |= 0x80;
        short[127] |= 1;
        assert_eq!(bit_length(&short), 1024);
        let mut weak = jwks.clone();
        weak["keys"][0]["n"] = Value::from(URL_SAFE_NO_PAD.encode(&short));
        assert_eq!(
            KeySet::parse(&weak.to_string()).err(),
            Some(JwksError::NoUsableKey)
        );
        let p384 = json!({"keys": [{"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}]});
        assert_eq!(
            KeySet::parse(&p384.to_string()).err(),
            Some(JwksError::NoUsableKey)
        );
        assert_eq!(KeySet::parse("{").err(), Some(JwksError::Invalid));
    }

    #[test]
    fn skips_a_key_marked_for_encryption_or_another_algorithm() {
        let idp = StandinIdp::generate("https://idp.example.com/", "chatpass");
        let jwks: Value = serde_json::from_str(&idp.jwks()).unwrap();
        let marked = |member: &str, value: Value| {
            let mut key = jwks["keys"][0].clone();
            key[member] = value;
            json!({ "keys": [key] }).to_string()
        };
        for (member, value) in [
            ("use", json!("enc")),
            ("key_ops", json!(["encrypt", "wrapKey"])),
            ("key_ops", json!([])),
            ("alg", json!("RSA-OAEP")),
            ("alg", json!("RS512")),
            ("alg", json!("PS256")),
            ("alg", json!("ES256")),
        ] {
            assert_eq!(
                KeySet::parse(&marked(member, value.clone())).err(),
                Some(JwksError::NoUsableKey),
                "{member}: {value}"
            );
        }
        for (member, value) in [
            ("use", json!("sig")),
            ("key_ops", json!(["verify"])),
            ("alg", json!("RS256")),
        ] {
            assert!(
                KeySet::parse(&marked(member, value.clone())).is_ok(),
                "{member}: {value}"
            );
        }
        // With a signing key beside it, an encryption key is skipped, not the whole set.
        let mut enc = jwks["keys"][0].clone();
        enc["use"] = json!("enc");
        enc["kid"] = json!("enc-1");
        let both = json!({"keys": [jwks["keys"][0].clone(), enc]}).to_string();
        assert_eq!(KeySet::parse(&both).unwrap().keys.len(), 1);
    }
}
