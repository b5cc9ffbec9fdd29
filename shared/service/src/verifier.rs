//! Verifies an identity token the way API Gateway's JWT authorizer does, for deployments
//! without one (function URL, load balancer) and for `chatpass serve`: RS256 or ES256 only,
//! a key from the JWKS, `iss`, `aud`, `exp` and `nbf` checked against `now`; beyond the
//! authorizer, a bound on the token's lifetime and no `crit` header extensions.

use crate::identity::{Claims, flatten};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
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
    max_lifetime: u64,
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
        let claims = self.verify_claims(token, now)?;
        let logout_event = claims
            .get("events")
            .and_then(Value::as_object)
            .is_some_and(|events| events.contains_key(BACKCHANNEL_EVENT));
        if logout_event || typ_is_logout(token) {
            return Err(VerifyError::LogoutToken);
        }
        Ok(flatten(claims))
    }

    /// The token's claims as JSON, after every check.
    pub fn verify_claims(&self, token: &str, now: u64) -> Result<Map<String, Value>, VerifyError> {
        check_alg(token)?;
        let header = decode_header(token).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidAlgorithmName => VerifyError::Algorithm,
            _ => VerifyError::Malformed,
        })?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(VerifyError::Algorithm);
        }
        // RFC 7515 §4.1.11: extensions named in `crit` must be understood; none are.
        if header.crit.is_some() {
            return Err(VerifyError::CriticalHeader);
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
        // `iss` is one string (RFC 7519 §4.1.1); the JWT library also takes a list holding it.
        if claims.get("iss").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return Err(VerifyError::Issuer);
        }
        check_times(&claims, now, self.max_lifetime)?;
        Ok(claims)
    }
}

/// The header as a JSON object, if the token has one.
fn raw_header(token: &str) -> Option<Map<String, Value>> {
    let encoded = token.split('.').next()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(encoded).ok()?).ok()
}

/// An `alg` other than RS256 or ES256 (`none` in any casing, HS256, …) is an algorithm
/// refusal, not a malformed token, whether or not the JWT library knows the name.
fn check_alg(token: &str) -> Result<(), VerifyError> {
    match raw_header(token).as_ref().and_then(|h| h.get("alg")) {
        Some(Value::String(alg)) if alg == "RS256" || alg == "ES256" => Ok(()),
        Some(_) => Err(VerifyError::Algorithm),
        None => Err(VerifyError::Malformed),
    }
}

/// `typ: logout+jwt` (RFC 8725 §3.11 explicit typing; `application/` prefix optional).
fn typ_is_logout(token: &str) -> bool {
    raw_header(token)
        .as_ref()
        .and_then(|h| h.get("typ"))
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .is_some_and(|typ| typ.trim_start_matches("application/") == "logout+jwt")
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
