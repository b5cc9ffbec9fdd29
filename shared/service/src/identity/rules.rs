//! The rules a token passes beyond its signature, issuer and audience — its kind (identity or
//! back-channel logout) and its times — applied alike to claims from API Gateway's JWT
//! authorizer (flattened to strings) and from chatpass's own verifier (JSON).

use super::claims::Claims;
use super::error::VerifyError;
use serde_json::{Map, Value};

/// Seconds of clock skew allowed on `exp`, `nbf` and `iat`.
pub const LEEWAY_SECONDS: u64 = 60;

/// The longest an identity token may live (`exp` − `iat`): a day, far beyond what identity
/// providers issue (minutes to an hour), so only a token minted to outlive a logout or a key
/// rotation is refused.
pub const MAX_IDENTITY_LIFETIME_SECONDS: u64 = 86_400;

/// The longest a logout token may live. The spec recommends at most two minutes; ten allow for
/// IdPs that issue five-minute tokens, and refuse long-lived ones that could be replayed after
/// their `jti` is forgotten.
pub const MAX_LOGOUT_LIFETIME_SECONDS: u64 = 600;

/// The `events` member that marks an OpenID Connect back-channel logout token.
pub const BACKCHANNEL_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An identity (ID or access) token naming the signed-in user.
    Identity,
    /// An OpenID Connect back-channel logout token.
    Logout,
}

impl TokenKind {
    pub fn max_lifetime(self) -> u64 {
        match self {
            TokenKind::Identity => MAX_IDENTITY_LIFETIME_SECONDS,
            TokenKind::Logout => MAX_LOGOUT_LIFETIME_SECONDS,
        }
    }

    /// The times (`exp` required; `nbf`, `iat`; the lifetime) and the kind: an identity token
    /// carries no `events` claim at all (whatever its value or rendering: only security event
    /// tokens such as a back-channel logout token have one), and a logout token carries the
    /// back-channel event and no `nonce`.
    pub fn check(self, claims: &impl ClaimView, now: u64) -> Result<(), VerifyError> {
        check_times(claims, now, self.max_lifetime())?;
        match self {
            TokenKind::Identity if claims.has("events") => Err(VerifyError::LogoutToken),
            TokenKind::Logout if !claims.has_backchannel_event() => {
                Err(VerifyError::NotLogoutToken)
            }
            TokenKind::Logout if claims.has("nonce") => Err(VerifyError::Nonce),
            _ => Ok(()),
        }
    }
}

/// Everything a token must be: its kind, its issuer and its audience.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    pub kind: TokenKind,
    pub issuer: &'a str,
    pub audience: &'a str,
}

impl<'a> Rules<'a> {
    pub fn identity(issuer: &'a str, audience: &'a str) -> Self {
        Rules {
            kind: TokenKind::Identity,
            issuer,
            audience,
        }
    }

    pub fn logout(issuer: &'a str, audience: &'a str) -> Self {
        Rules {
            kind: TokenKind::Logout,
            issuer,
            audience,
        }
    }
}

/// Claims as the rules read them, from either source.
pub trait ClaimView {
    /// A time claim in whole seconds; present but not a number is an error naming it.
    fn seconds(&self, name: &'static str) -> Result<Option<u64>, VerifyError>;
    fn has_backchannel_event(&self) -> bool;
    fn has(&self, name: &str) -> bool;
}

fn whole_seconds(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
}

/// The JSON claims of a token chatpass verified itself.
impl ClaimView for Map<String, Value> {
    fn seconds(&self, name: &'static str) -> Result<Option<u64>, VerifyError> {
        self.get(name)
            .map(|v| whole_seconds(v).ok_or(VerifyError::TimeClaim(name)))
            .transpose()
    }

    fn has_backchannel_event(&self) -> bool {
        self.get("events")
            .and_then(Value::as_object)
            .is_some_and(|events| events.get(BACKCHANNEL_EVENT).is_some_and(Value::is_object))
    }

    fn has(&self, name: &str) -> bool {
        self.contains_key(name)
    }
}

/// The authorizer's claims: numbers as text; objects as API Gateway renders them (Go's
/// `map[k:v]`), or as JSON text where a test or another front end flattened them so.
impl ClaimView for Claims {
    fn seconds(&self, name: &'static str) -> Result<Option<u64>, VerifyError> {
        self.get(name)
            .map(|text| text_seconds(text).ok_or(VerifyError::TimeClaim(name)))
            .transpose()
    }

    fn has_backchannel_event(&self) -> bool {
        self.get("events").is_some_and(|text| {
            let json = serde_json::from_str::<Map<String, Value>>(text)
                .is_ok_and(|events| events.get(BACKCHANNEL_EVENT).is_some_and(Value::is_object));
            json || text.starts_with("map[") && text.contains(&format!("{BACKCHANNEL_EVENT}:map["))
        })
    }

    fn has(&self, name: &str) -> bool {
        self.contains_key(name)
    }
}

/// A time claim's text in whole seconds, read as JSON; plain decimal digits (what API Gateway
/// hands over) are read directly, to the same number, without a JSON parser per claim.
fn text_seconds(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let plain = !bytes.is_empty()
        && bytes.iter().all(u8::is_ascii_digit)
        && (bytes[0] != b'0' || bytes.len() == 1);
    match plain.then(|| text.parse::<u64>().ok()).flatten() {
        Some(seconds) => Some(seconds),
        None => serde_json::from_str::<Value>(text)
            .ok()
            .as_ref()
            .and_then(whole_seconds),
    }
}

/// `exp` required, `nbf` and `iat` optional. The lifetime, `exp` − `iat` (or `exp` − `now`
/// without `iat`), is at most `max_lifetime`.
fn check_times(claims: &impl ClaimView, now: u64, max_lifetime: u64) -> Result<(), VerifyError> {
    let exp = claims
        .seconds("exp")?
        .ok_or(VerifyError::TimeClaim("exp"))?;
    if exp.saturating_add(LEEWAY_SECONDS) <= now {
        return Err(VerifyError::Expired);
    }
    if claims
        .seconds("nbf")?
        .is_some_and(|nbf| nbf > now.saturating_add(LEEWAY_SECONDS))
    {
        return Err(VerifyError::NotYetValid);
    }
    let iat = claims.seconds("iat")?;
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
    use crate::testing::{Rendering, authorizer_claims, flat_claims};
    use serde_json::json;

    const NOW: u64 = 1_700_000_000;

    #[test]
    fn the_same_rules_hold_for_json_and_for_the_authorizers_claims_in_either_rendering() {
        let day = MAX_IDENTITY_LIFETIME_SECONDS;
        let logout = Err(VerifyError::LogoutToken);
        let cases: [(Value, Result<(), VerifyError>); 8] = [
            (json!({"iat": NOW, "exp": NOW + 300}), Ok(())),
            (
                json!({"iat": NOW, "exp": NOW + 300, "aud": ["a", "b"]}),
                Ok(()),
            ),
            (
                json!({"iat": NOW, "exp": NOW + day + 1}),
                Err(VerifyError::LifetimeTooLong { max: day }),
            ),
            (
                json!({"iat": NOW, "exp": NOW + 60, "events": { BACKCHANNEL_EVENT: {} }}),
                logout.clone(),
            ),
            // Any `events` claim at all: another event, an empty one, a string, a list.
            (
                json!({"iat": NOW, "exp": NOW + 60, "events": {"urn:other": {"x": 1}}}),
                logout.clone(),
            ),
            (
                json!({"iat": NOW, "exp": NOW + 60, "events": {}}),
                logout.clone(),
            ),
            (json!({"iat": NOW, "exp": NOW + 60, "events": ""}), logout),
            (json!({"iat": NOW}), Err(VerifyError::TimeClaim("exp"))),
        ];
        for (claims, expected) in cases {
            let json = claims.as_object().unwrap().clone();
            assert_eq!(TokenKind::Identity.check(&json, NOW), expected, "{claims}");
            for rendering in Rendering::BOTH {
                let flat = authorizer_claims(&claims, rendering);
                assert_eq!(
                    TokenKind::Identity.check(&flat, NOW),
                    expected,
                    "{claims} as {rendering:?}"
                );
            }
        }
        let logout = json!({"iat": NOW, "exp": NOW + 60, "events": { BACKCHANNEL_EVENT: {} }});
        for rendering in Rendering::BOTH {
            let flat = authorizer_claims(&logout, rendering);
            assert_eq!(TokenKind::Logout.check(&flat, NOW), Ok(()), "{rendering:?}");
        }
    }

    #[test]
    fn the_api_gateway_rendering_of_a_logout_event_is_a_logout_token() {
        let flat = flat_claims(&[
            ("iat", "1700000000"),
            ("exp", "1700000060"),
            (
                "events",
                "map[http://schemas.openid.net/event/backchannel-logout:map[]]",
            ),
        ]);
        assert_eq!(
            TokenKind::Identity.check(&flat, NOW),
            Err(VerifyError::LogoutToken)
        );
        assert_eq!(TokenKind::Logout.check(&flat, NOW), Ok(()));
    }

    #[test]
    fn time_claims_as_text_read_as_their_json_does() {
        let texts = [
            "0",
            "7",
            "1700000000",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999",
            "017",
            "00",
            "1.5",
            "1e3",
            " 17",
            "17 ",
            "-1",
            "+1",
            "",
            "x",
            "\"17\"",
        ];
        for text in texts {
            let json = serde_json::from_str::<Value>(text)
                .ok()
                .as_ref()
                .and_then(whole_seconds);
            assert_eq!(text_seconds(text), json, "{text:?}");
        }
        assert_eq!(text_seconds("1700000000"), Some(1_700_000_000));
        assert_eq!(text_seconds("017"), None, "JSON has no leading zeros");
    }

    #[test]
    fn a_logout_token_carries_the_event_and_no_nonce() {
        let base = json!({"iat": NOW, "exp": NOW + 60});
        let no_event = base.as_object().unwrap().clone();
        assert_eq!(
            TokenKind::Logout.check(&no_event, NOW),
            Err(VerifyError::NotLogoutToken)
        );
        let with_nonce =
            json!({"iat": NOW, "exp": NOW + 60, "nonce": "n", "events": { BACKCHANNEL_EVENT: {} }});
        assert_eq!(
            TokenKind::Logout.check(with_nonce.as_object().unwrap(), NOW),
            Err(VerifyError::Nonce)
        );
        let long = json!({"iat": NOW, "exp": NOW + 601, "events": { BACKCHANNEL_EVENT: {} }});
        assert_eq!(
            TokenKind::Logout.check(long.as_object().unwrap(), NOW),
            Err(VerifyError::LifetimeTooLong { max: 600 })
        );
    }
}
