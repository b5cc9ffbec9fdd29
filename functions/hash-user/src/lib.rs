//! hash-user: `POST /v1/projects/{project}/user-hash` signs the user's details (HMAC or
//! SHA-256) the way the vendor's widget wants; for Sprinklr's custom-user and cookie modes it
//! keeps the details server-side in a session under a 128-bit reference.

use chatpass_service::pipeline::{self, Answer, Call, Identity, Route, Served, SignedIn};
use chatpass_service::request::json_response;
use chatpass_service::store::{SESSION_COOKIE, Session, new_reference};
use chatpass_service::{ServiceError, State};
use chatpass_signing::{Endpoint, SessionUse};
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};

pub const ROUTE: Route<SignedIn> =
    Route::sign_in("user-hash", "hash-user", Endpoint::UserHash, "user-hash");

/// The routes this function answers.
pub const ROUTES: &[Served] = &[ROUTE.served(|state, request| Box::pin(handler(state, request)))];

pub fn handler(state: &State, request: Request) -> impl Future<Output = Response<Body>> + '_ {
    pipeline::respond(state, request, &ROUTE, sign)
}

/// The vendor's settings for the signed-in user; in session modes, the session behind them.
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn would keep `call` twice in every request's future"
)]
fn sign(call: Call<'_, Identity>) -> impl Future<Output = Result<Answer, ServiceError>> + '_ {
    async move {
        let state = call.state;
        // Boxed: the session and its write, which only session modes carry, would otherwise be
        // carried (and allocated with the route's future) by every request.
        let kept = match signed(call)? {
            (response, None) => return Ok(response.into()),
            (response, Some(session)) => Box::pin(keep(state, session, response)),
        };
        kept.await
    }
}

/// A session to keep before the answer goes out, and the session cookie the answer sets, if
/// the vendor's mode has one.
struct Kept {
    session: Session,
    cookie: Option<HeaderValue>,
}

/// The signed answer and, in session modes, the session behind it.
fn signed(call: Call<'_, Identity>) -> Result<(Response<Body>, Option<Kept>), ServiceError> {
    let Call {
        state,
        project,
        who: identity,
        ..
    } = call;
    let now_ms = state.clock.now_ms();
    let vendor = &project.vendor;
    let reference = match vendor.session() {
        SessionUse::None => None,
        SessionUse::Reference | SessionUse::Cookie => {
            Some(new_reference().map_err(|e| ServiceError::Internal(e.to_string()))?)
        }
    };
    let signed = vendor.sign_with_page_input(
        &identity.user,
        now_ms / 1000,
        reference.as_deref(),
        identity.page_input.as_ref(),
    )?;
    let response = json_response(StatusCode::OK, &signed);
    let Some(reference) = reference else {
        return Ok((response, None));
    };
    let expires_at = signed
        .expires_at
        .ok_or_else(|| ServiceError::Internal("a session vendor gave no expiry".into()))?;
    let session = Session {
        project: project.project.clone(),
        reference,
        user: identity.user,
        created_ms: now_ms,
        issued_at: identity.issued_at,
        expires_at,
    };
    let cookie = match vendor.session() {
        SessionUse::Cookie => {
            let max_age = expires_at.saturating_sub(now_ms / 1000);
            let cookie = cookie(
                &session.reference,
                project.cookie_domain.as_deref(),
                max_age,
            );
            Some(HeaderValue::from_str(&cookie).map_err(|_| {
                ServiceError::Internal("cookie domain is not a header value".into())
            })?)
        }
        _ => None,
    };
    Ok((response, Some(Kept { session, cookie })))
}

/// Keeps the session, then answers `response` (with the session cookie, if any).
async fn keep(
    state: &State,
    kept: Kept,
    mut response: Response<Body>,
) -> Result<Answer, ServiceError> {
    state.sessions.put_session(&kept.session).await?;
    if let Some(cookie) = kept.cookie {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response.into())
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
