//! logout-webhook: `POST /v1/projects/{project}/logout` ends a user's sessions and earlier
//! identity tokens (or one session) when the brand's backend sends a Standard Webhooks
//! delivery or its IdP an OpenID Connect back-channel `logout_token`. Repeats change nothing.

mod oidc;
mod webhook;

use chatpass_service::pipeline::{self, Answer, Call, Route, Served, SignedDelivery};
use chatpass_service::request::{self, json_response};
use chatpass_service::store::{Applied, Logout, LogoutDelivery, MAX_ID_BYTES};
use chatpass_service::{ServiceError, State};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::json;

pub const ROUTE: Route<SignedDelivery> = Route::new(
    "logout",
    "logout-webhook",
    &[Method::POST],
    SignedDelivery,
    "logout-webhook",
);

/// The routes this function answers.
pub const ROUTES: &[Served] = &[ROUTE.served(|state, request| Box::pin(handler(state, request)))];

/// A logout a delivery asks for, checked and ready to apply.
pub(crate) struct Verified {
    /// Unique per delivery: `webhook:<webhook-id>` or `oidc:<jti>`.
    delivery: String,
    logout: Logout,
    /// When the logout happened (unix seconds): the delivery's timestamp or the token's `iat`.
    at: u64,
}

pub fn handler(state: &State, request: Request) -> impl Future<Output = Response<Body>> + '_ {
    pipeline::respond(state, request, &ROUTE, apply)
}

/// Checks the delivery (a form body is a logout token, anything else a webhook) and applies
/// its logout once.
async fn apply(call: Call<'_, ()>) -> Result<Answer, ServiceError> {
    let verified = if request::content_type_is(call.request, "application/x-www-form-urlencoded") {
        // Boxed: the logout token's check may fetch keys, a large future every webhook
        // delivery would otherwise carry (and allocate) too.
        Box::pin(oidc::verify(&call)).await?
    } else {
        webhook::verify(&call).await?
    };
    let target = match &verified.logout {
        Logout::User { user_id } => user_id,
        Logout::Session { reference } => reference,
    };
    if verified.delivery.len() > MAX_ID_BYTES || target.len() > MAX_ID_BYTES {
        return Err(ServiceError::IdTooLong(MAX_ID_BYTES));
    }
    let delivery = LogoutDelivery {
        project: &call.project.project,
        id: &verified.delivery,
        logout: &verified.logout,
        at: verified.at,
    };
    let state = call.state;
    let applied = state
        .sessions
        .apply_logout(delivery, state.clock.now())
        .await?;
    let (status, outcome) = match applied {
        Applied::Done => ("logged_out", "ok"),
        Applied::Repeat => ("already_applied", "repeat"),
    };
    Ok(Answer {
        response: json_response(StatusCode::OK, &json!({ "status": status })),
        outcome,
    })
}
