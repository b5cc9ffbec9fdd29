//! Standard Webhooks deliveries of `user.logged_out`: signature and timestamp checked against
//! the project's webhook secrets, or, while a rotation is under way and none of them signed it,
//! the previous version's.

use crate::Verified;
use chatpass_service::ServiceError;
use chatpass_service::error::Unauthorized;
use chatpass_service::pipeline::{self, Call};
use chatpass_service::request;
use chatpass_service::store::Logout;
use chatpass_signing::webhook::{self, Delivery, WebhookError};
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

/// One webhook header's text ("" when absent: the signature check names what is missing).
fn header<'r>(call: &'r Call<'_, ()>, name: &'static str) -> Result<&'r str, ServiceError> {
    match request::single_header(call.request, name)? {
        None => Ok(""),
        Some(value) => value
            .to_str()
            .map_err(|_| ServiceError::Unauthorized(Unauthorized::WebhookHeaderNotText)),
    }
}

pub(crate) async fn verify(call: &Call<'_, ()>) -> Result<Verified, ServiceError> {
    let secrets = &call.project.webhook_secrets;
    if secrets.is_empty() {
        return Err(ServiceError::Unauthorized(Unauthorized::NoWebhookSecrets));
    }
    let body = request::body(call.request)?;
    let delivery = Delivery {
        id: header(call, "webhook-id")?,
        timestamp: header(call, "webhook-timestamp")?,
        signature: header(call, "webhook-signature")?,
        body,
    };
    let now = i64::try_from(call.state.clock.now()).unwrap_or(i64::MAX);
    let at = match webhook::verify(secrets, delivery, now) {
        Err(WebhookError::NoMatchingSignature) => {
            match pipeline::previous_config(call.state, &call.project).await? {
                Some(previous) => webhook::verify(&previous.webhook_secrets, delivery, now),
                None => Err(WebhookError::NoMatchingSignature),
            }
        }
        checked => checked,
    }
    .map_err(|e| ServiceError::Unauthorized(Unauthorized::WebhookRefused(e)))?;
    let event: Event = serde_json::from_slice(body).map_err(|_| {
        ServiceError::BadEvent(format!(
            "the body must be {{\"type\":\"{EVENT_TYPE}\",\"data\":{{\"user_id\":...}}}}"
        ))
    })?;
    if event.kind != EVENT_TYPE {
        return Err(ServiceError::UnsupportedEvent(EVENT_TYPE));
    }
    if event.data.user_id.is_empty() {
        return Err(ServiceError::BadEvent("`data.user_id` is empty".into()));
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
