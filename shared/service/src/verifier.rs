//! Verifies an identity token the way API Gateway's JWT authorizer does, for deployments
//! without one (function URL, load balancer) and for `chatpass serve`: RS256 or ES256 only,
//! a key from the JWKS, `iss`, `aud`, `exp` and `nbf` checked against `now`.

use crate::identity::{Claims, flatten};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::{Map, Value};

/// Seconds of clock skew allowed on `exp`, `nbf` and `iat`.
pub const LEEWAY_SECONDS: u64 = 60;

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
}

/// Why a JWKS could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    #[error("the JWKS is not a valid JWK set")]
    Invalid,
    #[error("the JWKS has no RS256 or ES256 (P-256) signing key")]
    NoUsableKey,
}

struct Key {
    kid: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

/// Checks identity tokens of one issuer and audience against its JWKS.
pub struct IdentityVerifier {
    keys: Vec<Key>,
    issuer: String,
    audience: String,
}

impl IdentityVerifier {
    pub fn new(jwks: &str, issuer: &str, audience: &str) -> Result<Self, JwksError> {
        let set: JwkSet = serde_json::from_str(jwks).map_err(|_| JwksError::Invalid)?;
        let keys: Vec<Key> = set
            .keys
            .iter()
            .filter_map(|jwk| {
                let algorithm = match &jwk.algorithm {
                    AlgorithmParameters::RSA(_) => Algorithm::RS256,
                    AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
                        Algorithm::ES256
                    }
                    _ => return None,
                };
                let key = DecodingKey::from_jwk(jwk).ok()?;
                Some(Key {
                    kid: jwk.common.key_id.clone(),
                    algorithm,
                    key,
                })
            })
            .collect();
        if keys.is_empty() {
            return Err(JwksError::NoUsableKey);
        }
        Ok(IdentityVerifier {
            keys,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        })
    }

    /// The token's claims, flattened as API Gateway hands them to a function.
    pub fn verify(&self, token: &str, now: u64) -> Result<Claims, VerifyError> {
        self.verify_claims(token, now).map(flatten)
    }

    /// The token's claims as JSON, after every check.
    pub fn verify_claims(&self, token: &str, now: u64) -> Result<Map<String, Value>, VerifyError> {
        let header = decode_header(token).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidAlgorithmName => VerifyError::Algorithm,
            _ => VerifyError::Malformed,
        })?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(VerifyError::Algorithm);
        }
        let mut candidates = self.keys.iter().filter(|k| k.algorithm == header.alg);
        let key = match &header.kid {
            Some(kid) => candidates.find(|k| k.kid.as_deref() == Some(kid.as_str())),
            None => candidates.next().filter(|_| {
                self.keys
                    .iter()
                    .filter(|k| k.algorithm == header.alg)
                    .count()
                    == 1
            }),
        }
        .ok_or(VerifyError::UnknownKey)?;

        let mut validation = Validation::new(key.algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["iss", "aud"]);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = decode::<Map<String, Value>>(token, &key.key, &validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind::*;
                match e.kind() {
                    InvalidSignature => VerifyError::Signature,
                    InvalidIssuer => VerifyError::Issuer,
                    MissingRequiredClaim(claim) if claim == "iss" => VerifyError::Issuer,
                    InvalidAudience | MissingRequiredClaim(_) => VerifyError::Audience,
                    InvalidAlgorithm => VerifyError::Algorithm,
                    _ => VerifyError::Malformed,
                }
            })?
            .claims;
        check_times(&claims, now)?;
        Ok(claims)
    }
}

/// `exp` required, `nbf` and `iat` optional; each a JSON number of seconds.
fn check_times(claims: &Map<String, Value>, now: u64) -> Result<(), VerifyError> {
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
    if seconds("nbf")?.is_some_and(|nbf| nbf > now + LEEWAY_SECONDS) {
        return Err(VerifyError::NotYetValid);
    }
    if seconds("iat")?.is_some_and(|iat| iat > now + LEEWAY_SECONDS) {
        return Err(VerifyError::IssuedInFuture);
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
}
