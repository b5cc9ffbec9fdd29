//! The project's public keys in the forms vendors fetch besides a JWKS: a PEM
//! (`-----BEGIN PUBLIC KEY-----`, LivePerson's and Dynamics 365's single-key form) and Dynamics
//! 365's list of `{kid, publicKey: base64 of the PEM, expiry}` for several keys
//! (https://learn.microsoft.com/en-us/dynamics365/customer-service/administer/create-chat-auth-settings).
//! Built from the published JWKs, so the current and the previous key come out alike.

use crate::keys::KeyError;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};

/// How long a Dynamics list entry says a key is good for, from when the list is answered: a
/// day, longer than any token chatpass signs lives.
pub const DYNAMICS_KEY_EXPIRY_SECONDS: u64 = 86_400;

/// rsaEncryption (1.2.840.113549.1.1.1) with its NULL parameters.
const RSA_ALGORITHM: &[u8] = &[
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];
/// id-ecPublicKey (1.2.840.10045.2.1) on prime256v1 (1.2.840.10045.3.1.7).
const P256_ALGORITHM: &[u8] = &[
    0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
    0xce, 0x3d, 0x03, 0x01, 0x07,
];

/// The SubjectPublicKeyInfo PEM of a public JWK (RSA, or EC on P-256), lines of 64.
pub fn pem(jwk: &Map<String, Value>) -> Result<String, KeyError> {
    let body = STANDARD.encode(spki_der(jwk)?);
    let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).map_err(|_| KeyError::NotAKey("a public JWK"))?);
        pem.push('\n');
    }
    pem.push_str("-----END PUBLIC KEY-----\n");
    Ok(pem)
}

/// Several keys' PEMs one after another, the current key first (a vendor that reads one PEM
/// takes the first; a verifier that tries each finds a token's key during a rotation).
pub fn pem_bundle(jwks: &[&Map<String, Value>]) -> Result<String, KeyError> {
    jwks.iter().map(|jwk| pem(jwk)).collect()
}

/// Dynamics 365's list: one `{kid, publicKey, expiry}` per key, the current key first, each
/// good for [`DYNAMICS_KEY_EXPIRY_SECONDS`] from `now`.
pub fn dynamics_list(jwks: &[&Map<String, Value>], now: u64) -> Result<Value, KeyError> {
    let expiry = now.saturating_add(DYNAMICS_KEY_EXPIRY_SECONDS);
    let entries = jwks
        .iter()
        .map(|jwk| {
            let kid = jwk
                .get("kid")
                .and_then(Value::as_str)
                .ok_or(KeyError::NotAKey("a public JWK with a kid"))?;
            Ok(json!({"kid": kid, "publicKey": STANDARD.encode(pem(jwk)?), "expiry": expiry}))
        })
        .collect::<Result<Vec<Value>, KeyError>>()?;
    Ok(Value::Array(entries))
}

fn member(jwk: &Map<String, Value>, name: &str) -> Result<Vec<u8>, KeyError> {
    jwk.get(name)
        .and_then(Value::as_str)
        .and_then(|b64| URL_SAFE_NO_PAD.decode(b64).ok())
        .filter(|bytes| !bytes.is_empty())
        .ok_or(KeyError::NotAKey("a public JWK"))
}

fn spki_der(jwk: &Map<String, Value>) -> Result<Vec<u8>, KeyError> {
    let (algorithm, key) = match jwk.get("kty").and_then(Value::as_str) {
        Some("RSA") => {
            let n = integer(&member(jwk, "n")?);
            let e = integer(&member(jwk, "e")?);
            (RSA_ALGORITHM, tlv(0x30, &[n, e].concat()))
        }
        Some("EC") if jwk.get("crv").and_then(Value::as_str) == Some("P-256") => {
            let (x, y) = (member(jwk, "x")?, member(jwk, "y")?);
            if x.len() != 32 || y.len() != 32 {
                return Err(KeyError::NotAKey("a P-256 public JWK"));
            }
            (P256_ALGORITHM, [&[0x04][..], &x, &y].concat())
        }
        _ => return Err(KeyError::NotAKey("an RSA or P-256 public JWK")),
    };
    let bits = tlv(0x03, &[&[0x00][..], &key].concat());
    Ok(tlv(0x30, &[algorithm, &bits].concat()))
}

/// A DER INTEGER of an unsigned big-endian number.
fn integer(magnitude: &[u8]) -> Vec<u8> {
    let start = magnitude
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(magnitude.len() - 1);
    let trimmed = &magnitude[start..];
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed[0] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    tlv(0x02, &content)
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::private_key::PrivateKey;
    use jsonwebtoken::{Algorithm, DecodingKey, crypto};

    const RSA_2048: &str = include_str!("../tests/keys/rsa-2048.pem");
    const RSA_NEXT: &str = include_str!("../tests/keys/rsa-2048-next.pem");
    const EC_P256: &str = include_str!("../tests/keys/ec-p256.pem");

    fn signed_by(key: &PrivateKey) -> (String, String) {
        let message = "header.payload".to_owned();
        let signature = key.sign(message.as_bytes()).unwrap();
        (message, signature)
    }

    #[test]
    fn the_pem_verifies_what_the_private_key_signs() {
        for (pem_text, algorithm) in [(RSA_2048, Algorithm::RS256), (EC_P256, Algorithm::ES256)] {
            let key = PrivateKey::from_pem(pem_text, algorithm, Some("k1")).unwrap();
            let public = pem(key.public_jwk()).unwrap();
            assert!(public.starts_with("-----BEGIN PUBLIC KEY-----\n"));
            assert!(public.lines().all(|line| line.len() <= 64));
            let decoding = match algorithm {
                Algorithm::ES256 => DecodingKey::from_ec_pem(public.as_bytes()),
                _ => DecodingKey::from_rsa_pem(public.as_bytes()),
            }
            .unwrap();
            let (message, signature) = signed_by(&key);
            assert!(crypto::verify(&signature, message.as_bytes(), &decoding, algorithm).unwrap());
        }
    }

    #[test]
    fn the_dynamics_list_holds_each_key_by_kid_with_its_expiry_current_first() {
        let current = PrivateKey::from_pem(RSA_NEXT, Algorithm::RS256, Some("k2")).unwrap();
        let previous = PrivateKey::from_pem(RSA_2048, Algorithm::RS256, Some("k1")).unwrap();
        let list = dynamics_list(&[current.public_jwk(), previous.public_jwk()], 1_000).unwrap();
        let entries = list.as_array().unwrap();
        assert_eq!(entries.len(), 2);
        for (entry, key, kid) in [
            (&entries[0], &current, "k2"),
            (&entries[1], &previous, "k1"),
        ] {
            assert_eq!(entry["kid"], kid);
            assert_eq!(entry["expiry"], 1_000 + DYNAMICS_KEY_EXPIRY_SECONDS);
            let pem_bytes = STANDARD
                .decode(entry["publicKey"].as_str().unwrap())
                .unwrap();
            let decoding = DecodingKey::from_rsa_pem(&pem_bytes).unwrap();
            let (message, signature) = signed_by(key);
            assert!(
                crypto::verify(&signature, message.as_bytes(), &decoding, Algorithm::RS256)
                    .unwrap()
            );
        }
        let bundle = pem_bundle(&[current.public_jwk(), previous.public_jwk()]).unwrap();
        assert_eq!(bundle.matches("-----BEGIN PUBLIC KEY-----").count(), 2);
    }

    #[test]
    fn refuses_a_jwk_that_is_not_a_public_key_it_knows() {
        let oct = json!({"kty": "oct", "k": "c2VjcmV0"});
        assert!(pem(oct.as_object().unwrap()).is_err());
        let no_n = json!({"kty": "RSA", "e": "AQAB"});
        assert!(pem(no_n.as_object().unwrap()).is_err());
        let no_kid = json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"});
        assert!(dynamics_list(&[no_kid.as_object().unwrap()], 0).is_err());
    }
}
