//! Verifies an identity token the way API Gateway's JWT authorizer does, for deployments
//! without one (function URL, load balancer) and for `chatpass serve`: RS256 or ES256 only,
//! a key from the JWKS, `iss`, `aud`, `exp` and `nbf` checked against `now`; beyond the
//! authorizer, a bound on the token's lifetime and no `crit` header extensions.
//!
//! The JWKS is read with `jsonwebtoken`'s types and each key parsed once, at load, into an
//! aws-lc public key; a token then costs one header parse, one signature check and one parse
//! of its claims (issue 8: rebuilding the RSA key per token was a tenth of a request).

use crate::identity::{Claims, flatten};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::PublicKeyComponents;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, Header};
use serde_json::{Map, Value};

/// Seconds of clock skew allowed on `exp`, `nbf` and `iat`.
pub const LEEWAY_SECONDS: u64 = 60;

/// The longest an identity token may live (`exp` − `iat`) unless the verifier is told
/// otherwise: a day, far beyond what identity providers issue (minutes to an hour), so only
/// a token minted to outlive a logout or a key rotation is refused.
pub const DEFAULT_MAX_LIFETIME_SECONDS: u64 = 86_400;

/// The `events` member that marks an OpenID Connect back-channel logout token.
const BACKCHANNEL_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// Why an identity token was refused. Deliberately coarse: the caller learns no more than 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("not a JWT")]
    Malformed,
    #[error("algorithm not accepted (RS256 or ES256 only)")]
    Algorithm,
    #[error("no key in the JWKS matches the token's kid")]
    UnknownKey,
    #[error("bad signature")]
    Signature,
    #[error("wrong issuer")]
    Issuer,
    #[error("wrong audience")]
    Audience,
    #[error("`{0}` is missing or not a number")]
    TimeClaim(&'static str),
    #[error("expired")]
    Expired,
    #[error("not valid yet")]
    NotYetValid,
    #[error("issued in the future")]
    IssuedInFuture,
    #[error("lives longer than {max} s")]
    LifetimeTooLong { max: u64 },
    #[error("the header names critical extensions (`crit`) that are not understood")]
    CriticalHeader,
    #[error("a logout token is not an identity token")]
    LogoutToken,
}

/// Why a JWKS could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    #[error("the JWKS is not a valid JWK set")]
    Invalid,
    #[error("the JWKS has no RS256 or ES256 (P-256) signing key")]
    NoUsableKey,
}

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

struct Key {
    kid: Option<String>,
    algorithm: Algorithm,
    key: ParsedPublicKey,
}

impl Key {
    /// An RS256 key (2,048 to 8,192 bits) or an ES256 (P-256) key; any other is skipped.
    fn from_jwk(jwk: &Jwk) -> Option<Key> {
        let (algorithm, key) = match &jwk.algorithm {
            AlgorithmParameters::RSA(rsa) => {
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
                (Algorithm::RS256, key)
            }
            AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
                let mut point = vec![0x04];
                point.extend(URL_SAFE_NO_PAD.decode(&ec.x).ok()?);
                point.extend(URL_SAFE_NO_PAD.decode(&ec.y).ok()?);
                let key = ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point).ok()?;
                (Algorithm::ES256, key)
            }
            _ => return None,
        };
        Some(Key {
            kid: jwk.common.key_id.clone(),
            algorithm,
            key,
        })
    }
}

/// Checks identity tokens of one issuer and audience against its JWKS.
pub struct IdentityVerifier {
    keys: Vec<Key>,
    issuer: String,
    audience: String,
    max_lifetime: u64,
}

impl IdentityVerifier {
    pub fn new(jwks: &str, issuer: &str, audience: &str) -> Result<Self, JwksError> {
        let set: JwkSet = serde_json::from_str(jwks).map_err(|_| JwksError::Invalid)?;
        let keys: Vec<Key> = set.keys.iter().filter_map(Key::from_jwk).collect();
        if keys.is_empty() {
            return Err(JwksError::NoUsableKey);
        }
        Ok(IdentityVerifier {
            keys,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            max_lifetime: DEFAULT_MAX_LIFETIME_SECONDS,
        })
    }

    /// Refuses tokens that live longer than `seconds` (`exp` − `iat`, or `exp` − now when
    /// there is no `iat`). The default is [`DEFAULT_MAX_LIFETIME_SECONDS`].
    pub fn with_max_lifetime(mut self, seconds: u64) -> Self {
        self.max_lifetime = seconds;
        self
    }

    /// The token's claims, flattened as API Gateway hands them to a function. An OpenID
    /// Connect back-channel logout token (typ `logout+jwt`, or the back-channel event) is no
    /// identity token, even from the same issuer for the same audience.
    pub fn verify(&self, token: &str, now: u64) -> Result<Claims, VerifyError> {
        let (header, claims) = self.check(token, now)?;
        let logout_event = claims
            .get("events")
            .and_then(Value::as_object)
            .is_some_and(|events| events.contains_key(BACKCHANNEL_EVENT));
        if logout_event || header.typ.as_deref().is_some_and(typ_is_logout) {
            return Err(VerifyError::LogoutToken);
        }
        Ok(flatten(claims))
    }

    /// The token's claims as JSON, after every check.
    pub fn verify_claims(&self, token: &str, now: u64) -> Result<Map<String, Value>, VerifyError> {
        self.check(token, now).map(|(_, claims)| claims)
    }

    /// The header and the claims, in the order the checks go: the header (algorithm, `crit`,
    /// key), the signature, and only then the claims the signature covers.
    fn check(&self, token: &str, now: u64) -> Result<(Header, Map<String, Value>), VerifyError> {
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(VerifyError::Malformed);
        };
        let header = decode_header(header_b64)?;
        // RFC 7515 §4.1.11: extensions named in `crit` must be understood; none are.
        if header.crit.is_some() {
            return Err(VerifyError::CriticalHeader);
        }
        let key = self.key_for(&header)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature_b64)
            .map_err(|_| VerifyError::Malformed)?;
        let signed = &token[..header_b64.len() + 1 + payload_b64.len()];
        key.key
            .verify_sig(signed.as_bytes(), &signature)
            .map_err(|_| VerifyError::Signature)?;

        let claims: Map<String, Value> = URL_SAFE_NO_PAD
            .decode(payload_b64)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or(VerifyError::Malformed)?;
        // `iss` is one string (RFC 7519 §4.1.1), never a list, even one holding it.
        if claims.get("iss").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return Err(VerifyError::Issuer);
        }
        let audience = self.audience.as_str();
        let for_us = match claims.get("aud") {
            Some(Value::String(aud)) => aud == audience,
            Some(Value::Array(auds)) => auds.iter().any(|aud| aud.as_str() == Some(audience)),
            _ => false,
        };
        if !for_us {
            return Err(VerifyError::Audience);
        }
        check_times(&claims, now, self.max_lifetime)?;
        Ok((header, claims))
    }

    /// The JWKS key the header names: by `kid`, or the only key of its algorithm.
    fn key_for(&self, header: &Header) -> Result<&Key, VerifyError> {
        let mut candidates = self.keys.iter().filter(|k| k.algorithm == header.alg);
        match &header.kid {
            Some(kid) => candidates.find(|k| k.kid.as_deref() == Some(kid.as_str())),
            None => candidates.next().filter(|_| candidates.next().is_none()),
        }
        .ok_or(VerifyError::UnknownKey)
    }
}

/// The header, typed. An `alg` other than RS256 or ES256 (`none` in any casing, HS256, …) is
/// an algorithm refusal, not a malformed token, whether or not the JWT library knows the
/// name; a header that repeats a member is malformed, whichever copy a parser would keep.
fn decode_header(encoded: &str) -> Result<Header, VerifyError> {
    let json = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| VerifyError::Malformed)?;
    let members: Map<String, Value> =
        serde_json::from_slice(&json).map_err(|_| VerifyError::Malformed)?;
    match members.get("alg") {
        Some(Value::String(alg)) if alg == "RS256" || alg == "ES256" => {}
        Some(_) => return Err(VerifyError::Algorithm),
        None => return Err(VerifyError::Malformed),
    }
    serde_json::from_slice(&json).map_err(|_| VerifyError::Malformed)
}

/// `typ: logout+jwt` (RFC 8725 §3.11 explicit typing; `application/` prefix optional).
fn typ_is_logout(typ: &str) -> bool {
    let typ = typ.to_ascii_lowercase();
    typ.trim_start_matches("application/") == "logout+jwt"
}

/// `exp` required, `nbf` and `iat` optional; each a JSON number of seconds. The lifetime,
/// `exp` − `iat` (or `exp` − `now` without `iat`), is at most `max_lifetime`.
fn check_times(
    claims: &Map<String, Value>,
    now: u64,
    max_lifetime: u64,
) -> Result<(), VerifyError> {
    let seconds = |name: &'static str| -> Result<Option<u64>, VerifyError> {
        match claims.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
                .map(Some)
                .ok_or(VerifyError::TimeClaim(name)),
        }
    };
    let exp = seconds("exp")?.ok_or(VerifyError::TimeClaim("exp"))?;
    if exp.saturating_add(LEEWAY_SECONDS) <= now {
        return Err(VerifyError::Expired);
    }
    if seconds("nbf")?.is_some_and(|nbf| nbf > now.saturating_add(LEEWAY_SECONDS)) {
        return Err(VerifyError::NotYetValid);
    }
    let iat = seconds("iat")?;
    if iat.is_some_and(|iat| iat > now.saturating_add(LEEWAY_SECONDS)) {
        return Err(VerifyError::IssuedInFuture);
    }
    if exp.saturating_sub(iat.unwrap_or(now)) > max_lifetime {
        return Err(VerifyError::LifetimeTooLong { max: max_lifetime });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standin_idp::StandinIdp;
    use serde_json::json;
    use std::sync::OnceLock;

    const NOW: u64 = 1_700_000_000;

    fn idp() -> &'static StandinIdp {
        static IDP: OnceLock<StandinIdp> = OnceLock::new();
        IDP.get_or_init(|| StandinIdp::generate("https://idp.example.com/", "chatpass"))
    }

    fn verifier() -> IdentityVerifier {
        IdentityVerifier::new(&idp().jwks(), &idp().issuer, &idp().audience).unwrap()
    }

    fn token(claims: serde_json::Value) -> String {
        let mut base = json!({"iss": idp().issuer, "aud": idp().audience, "sub": "u-1", "iat": NOW, "exp": NOW + 300});
        base.as_object_mut()
            .unwrap()
            .extend(claims.as_object().unwrap().clone());
        idp().sign(base.as_object().unwrap())
    }

    #[test]
    fn accepts_a_good_token_and_flattens_its_claims() {
        let claims = verifier()
            .verify(&token(json!({"email_verified": true})), NOW)
            .unwrap();
        assert_eq!(claims["sub"], "u-1");
        assert_eq!(claims["email_verified"], "true");
        assert_eq!(claims["iat"], NOW.to_string());
    }

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
        let jwks: Value = serde_json::from_str(&idp().jwks()).unwrap();
        let n = jwks["keys"][0]["n"].as_str().unwrap();
        let mut short = URL_SAFE_NO_PAD.decode(n).unwrap()[..128].to_vec();
        short[0] |= 0x80;
        short[127] |= 1;
        assert_eq!(bit_length(&short), 1024);
        let mut weak = jwks.clone();
        weak["keys"][0]["n"] = Value::from(URL_SAFE_NO_PAD.encode(&short));
        assert_eq!(
            IdentityVerifier::new(&weak.to_string(), "i", "a").err(),
            Some(JwksError::NoUsableKey)
        );
        let p384 = json!({"keys": [{"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}]});
        assert_eq!(
            IdentityVerifier::new(&p384.to_string(), "i", "a").err(),
            Some(JwksError::NoUsableKey)
        );
        assert_eq!(
            IdentityVerifier::new("{", "i", "a").err(),
            Some(JwksError::Invalid)
        );
    }

    #[test]
    fn refuses_wrong_issuer_audience_and_times() {
        let v = verifier();
        assert_eq!(
            v.verify(&token(json!({"iss": "https://evil/"})), NOW),
            Err(VerifyError::Issuer)
        );
        assert_eq!(
            v.verify(&token(json!({"aud": "other"})), NOW),
            Err(VerifyError::Audience)
        );
        assert_eq!(
            v.verify(&token(json!({})), NOW + 300 + LEEWAY_SECONDS),
            Err(VerifyError::Expired)
        );
        assert_eq!(
            v.verify(&token(json!({"nbf": NOW + 120})), NOW),
            Err(VerifyError::NotYetValid)
        );
        assert_eq!(
            v.verify(&token(json!({"iat": NOW + 120})), NOW),
            Err(VerifyError::IssuedInFuture)
        );
        assert_eq!(
            v.verify(&token(json!({"exp": "9999999999"})), NOW),
            Err(VerifyError::TimeClaim("exp"))
        );
    }

    #[test]
    fn refuses_alg_none_and_hs256_signed_with_the_public_key() {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let good = token(json!({}));
        let payload = good.split('.').nth(1).unwrap();
        for alg in ["none", "None", "NONE", "HS256"] {
            let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
            let forged = format!("{header}.{payload}.");
            assert!(verifier().verify(&forged, NOW).is_err(), "{alg}");
        }
        let hs = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &serde_json::from_slice::<Map<String, Value>>(
                &URL_SAFE_NO_PAD.decode(payload).unwrap(),
            )
            .unwrap(),
            &jsonwebtoken::EncodingKey::from_secret(idp().jwks().as_bytes()),
        )
        .unwrap();
        assert_eq!(verifier().verify(&hs, NOW), Err(VerifyError::Algorithm));
    }

    #[test]
    fn refuses_a_token_signed_by_another_key() {
        let other = StandinIdp::generate(&idp().issuer, &idp().audience);
        let claims =
            json!({"iss": idp().issuer, "aud": idp().audience, "sub": "u", "exp": NOW + 60});
        assert!(
            verifier()
                .verify(&other.sign(claims.as_object().unwrap()), NOW)
                .is_err()
        );
    }

    #[test]
    fn refuses_a_token_that_lives_longer_than_the_maximum() {
        let v = verifier();
        let day = DEFAULT_MAX_LIFETIME_SECONDS;
        assert!(v.verify(&token(json!({"exp": NOW + day})), NOW).is_ok());
        assert_eq!(
            v.verify(&token(json!({"exp": NOW + day + 1})), NOW),
            Err(VerifyError::LifetimeTooLong { max: day })
        );
        // Without `iat` the lifetime counts from now.
        let no_iat =
            json!({"iss": idp().issuer, "aud": idp().audience, "sub": "u-1", "exp": NOW + day + 1});
        assert_eq!(
            v.verify(&idp().sign(no_iat.as_object().unwrap()), NOW),
            Err(VerifyError::LifetimeTooLong { max: day })
        );
        // Issued long ago, still unexpired: the lifetime, not the remaining time, counts.
        assert_eq!(
            v.verify(&token(json!({"iat": NOW - day, "exp": NOW + 60})), NOW),
            Err(VerifyError::LifetimeTooLong { max: day })
        );
        let short = verifier().with_max_lifetime(600);
        assert!(short.verify(&token(json!({"exp": NOW + 600})), NOW).is_ok());
        assert_eq!(
            short.verify(&token(json!({"exp": NOW + 601})), NOW),
            Err(VerifyError::LifetimeTooLong { max: 600 })
        );
    }

    #[test]
    fn refuses_alg_none_in_any_casing_as_an_algorithm_refusal() {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let good = token(json!({}));
        let payload = good.split('.').nth(1).unwrap();
        for alg in ["none", "None", "NONE", "nOnE", "HS256", "PS256", "RS512"] {
            let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}"}}"#));
            assert_eq!(
                verifier().verify(&format!("{header}.{payload}."), NOW),
                Err(VerifyError::Algorithm),
                "{alg}"
            );
        }
    }

    #[test]
    fn refuses_an_issuer_list_even_one_holding_ours() {
        for iss in [
            json!([idp().issuer]),
            json!([idp().issuer, "https://evil/"]),
        ] {
            assert_eq!(
                verifier().verify(&token(json!({ "iss": iss })), NOW),
                Err(VerifyError::Issuer),
                "{iss}"
            );
        }
    }

    #[test]
    fn refuses_a_critical_header_extension() {
        let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
        header.crit = Some(vec!["exp".into()]);
        let good = token(json!({}));
        let (_, rest) = good.split_once('.').unwrap();
        let forged = format!(
            "{}.{rest}",
            base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                serde_json::to_vec(&header).unwrap()
            )
        );
        assert_eq!(
            verifier().verify(&forged, NOW),
            Err(VerifyError::CriticalHeader)
        );
    }

    #[test]
    fn refuses_a_logout_token_as_an_identity_token() {
        let events = json!({"events": {BACKCHANNEL_EVENT: {}}, "jti": "j-1"});
        assert_eq!(
            verifier().verify(&token(events.clone()), NOW),
            Err(VerifyError::LogoutToken)
        );
        // The logout path reads the same token's claims.
        assert!(verifier().verify_claims(&token(events), NOW).is_ok());
    }
}
