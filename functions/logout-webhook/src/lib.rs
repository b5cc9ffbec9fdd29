//! logout-webhook: `POST /v1/projects/{project}/logout` ends a user's sessions and earlier
//! identity tokens (or one session) when the brand's backend sends a Standard Webhooks
//! delivery or its IdP an OpenID Connect back-channel `logout_token`. Repeats change nothing.

mod oidc;
mod webhook;

use chatpass_service::http::{self, RequestLog, json_response};
use chatpass_service::store::{Applied, Logout, MAX_ID_BYTES};
use chatpass_service::{ServiceError, State, signin};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::json;

/// A logout a delivery asks for, checked and ready to apply.
pub(crate) struct Verified {
    /// Unique per delivery: `webhook:<webhook-id>` or `oidc:<jti>`.
    delivery: String,
    logout: Logout,
    /// When the logout happened (unix seconds): the delivery's timestamp or the token's `iat`.
    at: u64,
}

pub async fn handler(state: &State, request: Request) -> Response<Body> {
    let log = RequestLog::start(&request, "logout");
    let (response, code) = match answer(state, &request).await {
        Ok((response, code)) => (response, code),
        Err(error) => {
            let code = error.code();
            (error.into_response(), code)
        }
    };
    log.finish(response, code)
}

async fn answer(
    state: &State,
    request: &Request,
) -> Result<(Response<Body>, &'static str), ServiceError> {
    let project = signin::project(state, request).await?;
    http::require_method(request, &[Method::POST])?;
    let verified = if http::content_type_is(request, "application/x-www-form-urlencoded") {
        oidc::verify(state, &project, request).await?
    } else {
        webhook::verify(state, &project, request)?
    };
    let target = match &verified.logout {
        Logout::User { user_id } => user_id,
        Logout::Session { reference } => reference,
    };
    if verified.delivery.len() > MAX_ID_BYTES || target.len() > MAX_ID_BYTES {
        return Err(ServiceError::BadRequest(
            "field_too_long",
            format!(
                "delivery ids, user ids and session references are at most {MAX_ID_BYTES} bytes"
            ),
        ));
    }
    let applied = state
        .sessions
        .apply_logout(
            &project.project,
            &verified.delivery,
            &verified.logout,
            verified.at,
            state.clock.now(),
        )
        .await
        .map_err(|e| {
            tracing::warn!(cause = %e, "session store unavailable; the sender will retry");
            ServiceError::StoreUnavailable
        })?;
    let (status, code) = match applied {
        Applied::Done => ("logged_out", "ok"),
        Applied::Repeat => ("already_applied", "repeat"),
    };
    Ok((
        json_response(StatusCode::OK, &json!({ "status": status })),
        code,
    ))
}
