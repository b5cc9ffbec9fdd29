//! logout-webhook's floor: a Standard Webhooks delivery checked against the project's secrets
//! (HMAC-SHA256, `Mac::verify_slice`, five minutes' tolerance), then the logout written as
//! chatpass writes it: the delivery's Put and the user's Update in one TransactWriteItems,
//! both conditional, and the delivery's Put alone when only the Update's condition failed.

use crate::event::{Answer, Event};
use crate::projects::Project;
use crate::work::{Floor, Refused, now};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;

const TOLERANCE_SECONDS: u64 = 300;
/// chatpass's retention of a logout and of a delivery id.
const LOGOUT_RETENTION_SECONDS: u64 = 30 * 86_400;
const DELIVERY_RETENTION_SECONDS: u64 = 86_400;

#[derive(Deserialize)]
struct Delivery {
    #[serde(rename = "type")]
    kind: String,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    user_id: String,
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn s(value: String) -> AttributeValue {
    AttributeValue::S(value)
}

/// The delivery's timestamp, when one of its signatures is one of the project's secrets'.
fn verify(project: &Project, event: &Event, now: u64) -> Result<u64, Refused> {
    let headers = &event.headers;
    let (Some(id), Some(timestamp), Some(signatures)) = (
        headers.webhook_id.as_deref(),
        headers.webhook_timestamp.as_deref(),
        headers.webhook_signature.as_deref(),
    ) else {
        return Err(401);
    };
    let at: u64 = timestamp.parse().map_err(|_| 401u16)?;
    if at.abs_diff(now) > TOLERANCE_SECONDS {
        return Err(401);
    }
    let body = event.body.as_deref().unwrap_or("");
    let signed = format!("{id}.{timestamp}.{body}");
    let keys = project.webhook_secrets.iter().filter_map(|secret| {
        STANDARD
            .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
            .ok()
    });
    for key in keys {
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| 500u16)?;
        mac.update(signed.as_bytes());
        let matches = signatures.split(' ').any(|signature| {
            signature
                .strip_prefix("v1,")
                .and_then(|s| STANDARD.decode(s).ok())
                .is_some_and(|s| mac.clone().verify_slice(&s).is_ok())
        });
        if matches {
            return Ok(at);
        }
    }
    Err(401)
}

pub async fn apply(
    floor: &Floor,
    id: &str,
    project: &Project,
    event: &Event,
) -> Result<Answer, Refused> {
    let now = now().as_secs();
    let at = verify(project, event, now)?;
    let delivery: Delivery =
        serde_json::from_str(event.body.as_deref().unwrap_or("")).map_err(|_| 400u16)?;
    if delivery.kind != "user.logged_out" {
        return Err(422);
    }
    let delivery_id = event.headers.webhook_id.as_deref().unwrap_or("");
    let put = Put::builder()
        .table_name(&floor.table)
        .item("pk", s(format!("delivery#{id}#webhook:{delivery_id}")))
        .item("expires_at", n(now + DELIVERY_RETENTION_SECONDS))
        .condition_expression("attribute_not_exists(pk) OR expires_at <= :now")
        .expression_attribute_values(":now", n(now))
        .build()
        .map_err(|_| 500u16)?;
    let update = Update::builder()
        .table_name(&floor.table)
        .key("pk", s(format!("logout#{id}#{}", delivery.data.user_id)))
        .update_expression("SET logged_out_at = :at, expires_at = :exp")
        .condition_expression("attribute_not_exists(logged_out_at) OR logged_out_at < :at")
        .expression_attribute_values(":exp", n(at + LOGOUT_RETENTION_SECONDS))
        .expression_attribute_values(":at", n(at))
        .build()
        .map_err(|_| 500u16)?;
    let written = floor
        .dynamodb
        .transact_write_items()
        .transact_items(TransactWriteItem::builder().put(put.clone()).build())
        .transact_items(TransactWriteItem::builder().update(update).build())
        .send()
        .await;
    let status = match written {
        Ok(_) => "logged_out",
        Err(error) => {
            let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
                error.as_service_error()
            else {
                return Err(503);
            };
            let failed = |i: usize| {
                cancelled
                    .cancellation_reasons()
                    .get(i)
                    .and_then(|r| r.code())
                    == Some("ConditionalCheckFailed")
            };
            if failed(0) {
                "already_applied"
            } else if failed(1) {
                floor
                    .dynamodb
                    .put_item()
                    .table_name(&floor.table)
                    .set_item(Some(put.item().clone()))
                    .set_condition_expression(put.condition_expression().map(str::to_owned))
                    .set_expression_attribute_values(put.expression_attribute_values().cloned())
                    .send()
                    .await
                    .map_err(|_| 503u16)?;
                "logged_out"
            } else {
                return Err(503);
            }
        }
    };
    Ok(Answer::json(200, format!(r#"{{"status":"{status}"}}"#)))
}
