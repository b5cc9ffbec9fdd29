//! Verifies a token the way API Gateway's JWT authorizer does — RS256 or ES256 only, a key
//! from the issuer's JWKS, `iss`, `aud` — then the rules of its kind (times, lifetime,
//! identity or logout); beyond the authorizer, no `crit` header extensions.
//!
//! The keys were parsed once, at load (`KeySet`); a token costs one header parse, one
//! signature check and one parse of its claims.

use super::error::VerifyError;
use super::key_set::KeySet;
use super::rules::{Rules, TokenKind};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Header;
use serde_json::{Map, Value};

/// The token's claims after every check, in the order the checks go: the header (algorithm,
/// `crit`, key), the signature, and only then the claims the signature covers.
pub fn verify(
    keys: &KeySet,
    token: &str,
    rules: &Rules<'_>,
    now: u64,
) -> Result<Map<String, Value>, VerifyError> {
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
    let key = keys.key_for(&header).ok_or(VerifyError::UnknownKey)?;
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
    if claims.get("iss").and_then(Value::as_str) != Some(rules.issuer) {
        return Err(VerifyError::Issuer);
    }
    let for_us = match claims.get("aud") {
        Some(Value::String(aud)) => aud == rules.audience,
        Some(Value::Array(auds)) => auds.iter().any(|aud| aud.as_str() == Some(rules.audience)),
        _ => false,
    };
    if !for_us {
        return Err(VerifyError::Audience);
    }
    rules.kind.check(&claims, now)?;
    // An identity token is never a logout token, even from the same issuer for the same
    // audience: `typ: logout+jwt` says so too (RFC 8725 §3.11 explicit typing).
    if rules.kind == TokenKind::Identity && header.typ.as_deref().is_some_and(typ_is_logout) {
        return Err(VerifyError::LogoutToken);
    }
    Ok(claims)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::rules::{
        BACKCHANNEL_EVENT, LEEWAY_SECONDS, MAX_IDENTITY_LIFETIME_SECONDS,
    };
    use crate::identity::{Claims, StandinIdp, flatten};
    use jsonwebtoken::Algorithm;
    use serde_json::json;
    use std::sync::OnceLock;

    const NOW: u64 = 1_700_000_000;

    fn idp() -> &'static StandinIdp {
        static IDP: OnceLock<StandinIdp> = OnceLock::new();
        IDP.get_or_init(|| StandinIdp::generate("https://idp.example.com/", "chatpass"))
    }

    /// Checks tokens of the stand-in provider as identity tokens.
    struct Verifier {
        keys: KeySet,
        kind: TokenKind,
    }

    impl Verifier {
        fn verify(&self, token: &str, now: u64) -> Result<Claims, VerifyError> {
            let rules = Rules {
                kind: self.kind,
                issuer: &idp().issuer,
                audience: &idp().audience,
            };
            verify(&self.keys, token, &rules, now).map(flatten)
        }
    }

    fn verifier() -> Verifier {
        Verifier {
            keys: KeySet::parse(&idp().jwks()).unwrap(),
            kind: TokenKind::Identity,
        }
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
        let day = MAX_IDENTITY_LIFETIME_SECONDS;
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
        let short = Verifier {
            kind: TokenKind::Logout,
            ..verifier()
        };
        let event = json!({ BACKCHANNEL_EVENT: {} });
        assert!(
            short
                .verify(&token(json!({"exp": NOW + 600, "events": event})), NOW)
                .is_ok()
        );
        assert_eq!(
            short.verify(&token(json!({"exp": NOW + 601, "events": event})), NOW),
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
        // The logout path takes the same token.
        let logout = Verifier {
            kind: TokenKind::Logout,
            ..verifier()
        };
        assert!(logout.verify(&token(events), NOW).is_ok());
    }
}
