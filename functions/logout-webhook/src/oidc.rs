//! OpenID Connect Back-Channel Logout 1.0: a `logout_token` (form body) checked against the
//! IdP's keys from `oidc_logout` — signature, `iss`, `aud`, times, the back-channel event, no
//! `nonce` (the identity rules of a logout token) — then `iat`, `jti` and `sub`. A refused
//! token is a 400; keys that cannot be fetched are a 503, so the IdP delivers it again.

use crate::Verified;
use chatpass_service::ServiceError;
use chatpass_service::error::LogoutRefusal;
use chatpass_service::identity::rules::ClaimView;
use chatpass_service::identity::{Rules, TokenError};
use chatpass_service::pipeline::Call;
use chatpass_service::request;
use chatpass_service::store::Logout;
use serde_json::Value;

fn refuse(why: LogoutRefusal) -> ServiceError {
    ServiceError::InvalidLogoutToken(why)
}

pub(crate) async fn verify(call: &Call<'_, ()>) -> Result<Verified, ServiceError> {
    let Some(oidc) = &call.project.oidc_logout else {
        return Err(refuse(LogoutRefusal::NotConfigured));
    };
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(request::body(call.request)?)
        .map_err(|_| refuse(LogoutRefusal::NotAForm))?;
    let mut tokens = form
        .into_iter()
        .filter(|(k, _)| k == "logout_token")
        .map(|(_, v)| v);
    let (Some(token), None) = (tokens.next(), tokens.next()) else {
        return Err(refuse(LogoutRefusal::TokenCount));
    };
    // A URL this runner may not fetch (plain http to loopback, in a deployed function) is the
    // project's config to fix, not an outage to retry.
    let keys = call.state.jwks.for_url(&oidc.jwks_url).map_err(|_| {
        ServiceError::InvalidProjectConfig {
            field: "oidc_logout.jwks_url".into(),
        }
    })?;
    let rules = Rules::logout(&oidc.issuer, &oidc.audience);
    let claims = match keys.verify(&token, &rules, call.state.clock.now()).await {
        Ok(claims) => claims,
        Err(TokenError::Refused(e)) => return Err(refuse(LogoutRefusal::Refused(e))),
        Err(TokenError::KeysUnavailable(e)) => return Err(ServiceError::KeysUnavailable(e)),
    };
    let text = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let at = claims
        .seconds("iat")
        .ok()
        .flatten()
        .ok_or(refuse(LogoutRefusal::MissingIat))?;
    let jti = text("jti").ok_or(refuse(LogoutRefusal::MissingJti))?;
    let user_id = match (text("sub"), text("sid")) {
        (Some(sub), _) => sub.to_owned(),
        (None, Some(_)) => return Err(refuse(LogoutRefusal::SidOnly)),
        (None, None) => return Err(refuse(LogoutRefusal::NoSubject)),
    };
    Ok(Verified {
        delivery: format!("oidc:{jti}"),
        logout: Logout::User { user_id },
        at,
    })
}
