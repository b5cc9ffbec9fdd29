//! hash-user: `POST /v1/projects/{project}/user-hash` signs the user's details (HMAC or
//! SHA-256) the way the vendor's widget wants; for Sprinklr's custom-user and cookie modes it
//! keeps the details server-side in a session under a 128-bit reference.

use chatpass_service::http::json_response;
use chatpass_service::signin::{self, Refusal, SignedIn};
use chatpass_service::store::{Session, new_reference};
use chatpass_service::{ServiceError, State};
use chatpass_signing::{Endpoint, SessionUse};
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};

/// The cookie the vendor's servers get forwarded in cookie mode.
pub const SESSION_COOKIE: &str = "chatpass_session";

pub async fn handler(state: &State, request: Request) -> Response<Body> {
    signin::route(
        state,
        request,
        "user-hash",
        Endpoint::UserHash,
        |caller| async move {
            let cors = caller.cors.clone();
            sign(state, caller)
                .await
                .map(|r| cors.apply(r))
                .map_err(|error| Refusal { error, cors })
        },
    )
    .await
}

async fn sign(state: &State, caller: SignedIn) -> Result<Response<Body>, ServiceError> {
    let now_ms = state.clock.now_ms();
    let vendor = &caller.project.vendor;
    let reference = match vendor.session() {
        SessionUse::None => None,
        SessionUse::Reference | SessionUse::Cookie => {
            Some(new_reference().map_err(|e| ServiceError::Internal(e.to_string()))?)
        }
    };
    let signed = vendor.sign(&caller.user, now_ms / 1000, reference.as_deref())?;
    let mut response = json_response(StatusCode::OK, &signed);
    if let Some(reference) = reference {
        let expires_at = signed
            .expires_at
            .ok_or_else(|| ServiceError::Internal("a session vendor gave no expiry".into()))?;
        let session = Session {
            project: caller.project.project.clone(),
            reference,
            user: caller.user,
            created_ms: now_ms,
            expires_at,
        };
        state.sessions.put_session(&session).await.map_err(|e| {
            tracing::warn!(cause = %e, "session store unavailable");
            ServiceError::StoreUnavailable
        })?;
        if vendor.session() == SessionUse::Cookie {
            let max_age = expires_at.saturating_sub(now_ms / 1000);
            let cookie = cookie(
                &session.reference,
                caller.project.cookie_domain.as_deref(),
                max_age,
            );
            let value = HeaderValue::from_str(&cookie).map_err(|_| {
                ServiceError::Internal("cookie domain is not a header value".into())
            })?;
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

/// `chatpass_session`: HttpOnly, Secure, SameSite=None (the vendor's domain is a CNAME of the
/// brand's), on the configured domain.
fn cookie(reference: &str, domain: Option<&str>, max_age: u64) -> String {
    let domain = domain.map(|d| format!("; Domain={d}")).unwrap_or_default();
    format!(
        "{SESSION_COOKIE}={reference}; Path=/; Max-Age={max_age}{domain}; HttpOnly; Secure; SameSite=None"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_session_cookie_is_httponly_secure_and_samesite_none() {
        let cookie = super::cookie("abc", Some(".example.com"), 300);
        assert_eq!(
            cookie,
            "chatpass_session=abc; Path=/; Max-Age=300; Domain=.example.com; HttpOnly; Secure; SameSite=None"
        );
    }
}
