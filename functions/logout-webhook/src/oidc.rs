//! OpenID Connect Back-Channel Logout 1.0: a `logout_token` (form body) checked against the
//! IdP's JWKS from `oidc_logout`: signature, `iss`, `aud`, `iat`, `exp` (at most ten minutes
//! after `iat`), `jti`, the back-channel `events` member, `sub` (or `sid`), and no `nonce`.
//! Any failure is a 400.

use crate::Verified;
use chatpass_service::store::Logout;
use chatpass_service::verifier::VerifyError;
use chatpass_service::{ProjectConfig, ServiceError, State, http};
use lambda_http::Request;
use serde_json::{Map, Value};

pub const BACKCHANNEL_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// The longest a logout token may live (`exp` − `iat`). The spec recommends at most two
/// minutes; ten allow for IdPs that issue five-minute tokens, and refuse long-lived ones
/// that could be replayed after their `jti` is forgotten.
pub const MAX_LOGOUT_TOKEN_LIFETIME_SECONDS: u64 = 600;

fn invalid(detail: impl Into<String>) -> ServiceError {
    ServiceError::BadRequest("invalid_logout_token", detail.into())
}

pub(crate) async fn verify(
    state: &State,
    project: &ProjectConfig,
    request: &Request,
) -> Result<Verified, ServiceError> {
    let Some(oidc) = &project.oidc_logout else {
        return Err(invalid("this project takes no OIDC logout tokens"));
    };
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(http::body(request)?)
        .map_err(|_| invalid("the body is not a form"))?;
    let mut tokens = form
        .into_iter()
        .filter(|(k, _)| k == "logout_token")
        .map(|(_, v)| v);
    let (Some(token), None) = (tokens.next(), tokens.next()) else {
        return Err(invalid("the form must carry exactly one logout_token"));
    };

    let now_ms = state.clock.now_ms();
    let fetch_failed = |e: chatpass_service::jwks::JwksFetchError| {
        tracing::warn!(cause = %e, "IdP JWKS unavailable");
        ServiceError::ConfigUnavailable
    };
    let verifier = state
        .jwks
        .verifier(&oidc.jwks_url, &oidc.issuer, &oidc.audience, now_ms, false)
        .await
        .map_err(fetch_failed)?
        .with_max_lifetime(MAX_LOGOUT_TOKEN_LIFETIME_SECONDS);
    let claims = match verifier.verify_claims(&token, now_ms / 1000) {
        Err(VerifyError::UnknownKey) => {
            // The IdP may have rotated its keys: look again, at most once a minute.
            let verifier = state
                .jwks
                .verifier(&oidc.jwks_url, &oidc.issuer, &oidc.audience, now_ms, true)
                .await
                .map_err(fetch_failed)?
                .with_max_lifetime(MAX_LOGOUT_TOKEN_LIFETIME_SECONDS);
            verifier.verify_claims(&token, now_ms / 1000)
        }
        result => result,
    }
    .map_err(|e| invalid(format!("the logout token was refused: {e}")))?;
    check_claims(&claims)
}

/// The back-channel logout rules on top of the signature, issuer, audience and times.
fn check_claims(claims: &Map<String, Value>) -> Result<Verified, ServiceError> {
    let text = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let at = claims
        .get("iat")
        .and_then(Value::as_u64)
        .ok_or_else(|| invalid("`iat` is required"))?;
    let jti = text("jti").ok_or_else(|| invalid("`jti` is required"))?;
    let has_event = claims
        .get("events")
        .and_then(Value::as_object)
        .is_some_and(|e| e.get(BACKCHANNEL_EVENT).is_some_and(Value::is_object));
    if !has_event {
        return Err(invalid(format!("`events` must hold `{BACKCHANNEL_EVENT}`")));
    }
    if claims.contains_key("nonce") {
        return Err(invalid("a logout token must not carry `nonce`"));
    }
    let user_id = match (text("sub"), text("sid")) {
        (Some(sub), _) => sub.to_owned(),
        (None, Some(_)) => {
            return Err(invalid(
                "chatpass ends sessions by `sub`; this token carries only `sid`",
            ));
        }
        (None, None) => return Err(invalid("`sub` or `sid` is required")),
    };
    Ok(Verified {
        delivery: format!("oidc:{jti}"),
        logout: Logout::User { user_id },
        at,
    })
}
