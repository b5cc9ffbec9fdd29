//! Standard Webhooks deliveries of `user.logged_out`: signature and timestamp checked against
//! the project's webhook secrets (the previous version's too, while rotating).

use crate::Verified;
use chatpass_service::store::Logout;
use chatpass_service::{ProjectConfig, ServiceError, State, http};
use chatpass_signing::webhook::{self, Delivery};
use lambda_http::Request;
use serde::Deserialize;

pub const EVENT_TYPE: &str = "user.logged_out";

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    user_id: String,
    #[serde(default)]
    session: Option<String>,
}

/// One value of a header that must appear once.
fn single_header<'r>(request: &'r Request, name: &'static str) -> Result<&'r str, ServiceError> {
    let mut values = request.headers().get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => value
            .to_str()
            .map_err(|_| ServiceError::Unauthorized("a webhook header is not text")),
        (None, _) => Ok(""),
        (Some(_), Some(_)) => Err(ServiceError::BadRequest(
            "repeated_header",
            format!("`{name}` must appear once"),
        )),
    }
}

pub(crate) fn verify(
    state: &State,
    project: &ProjectConfig,
    request: &Request,
) -> Result<Verified, ServiceError> {
    if project.webhook_secrets.is_empty() {
        return Err(ServiceError::Unauthorized("this project takes no webhooks"));
    }
    let body = http::body(request)?;
    let delivery = Delivery {
        id: single_header(request, "webhook-id")?,
        timestamp: single_header(request, "webhook-timestamp")?,
        signature: single_header(request, "webhook-signature")?,
        body,
    };
    let now = i64::try_from(state.clock.now()).unwrap_or(i64::MAX);
    let at = webhook::verify(&project.webhook_secrets, delivery, now).map_err(|e| {
        tracing::info!(reason = %e, "webhook refused");
        ServiceError::Unauthorized("the webhook signature or timestamp was refused")
    })?;
    let event: Event = serde_json::from_slice(body).map_err(|_| {
        ServiceError::BadRequest(
            "bad_event",
            format!("the body must be {{\"type\":\"{EVENT_TYPE}\",\"data\":{{\"user_id\":...}}}}"),
        )
    })?;
    if event.kind != EVENT_TYPE {
        return Err(ServiceError::BadRequest(
            "unsupported_event",
            format!("only `{EVENT_TYPE}` is handled"),
        ));
    }
    if event.data.user_id.is_empty() {
        return Err(ServiceError::BadRequest(
            "bad_event",
            "`data.user_id` is empty".into(),
        ));
    }
    let logout = match event.data.session {
        Some(reference) if !reference.is_empty() => Logout::Session { reference },
        _ => Logout::User {
            user_id: event.data.user_id,
        },
    };
    Ok(Verified {
        delivery: format!("webhook:{}", delivery.id),
        logout,
        at: at.max(0) as u64,
    })
}
