//! The DynamoDB session store: one table, `pk` string key, `expires_at` number as the TTL
//! attribute. DynamoDB deletes expired items late, so every read checks `expires_at`; a logout
//! and its delivery id are written in one transaction so a repeat has no second effect.

use super::*;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, CancellationReason, Put, TransactWriteItem, Update};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct DynamoSessionStore {
    client: Client,
    table: String,
}

type Item = HashMap<String, AttributeValue>;

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn number(item: &Item, name: &str) -> Option<u64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

fn unavailable<E: ProvideErrorMetadata>(error: &SdkError<E>) -> StoreError {
    StoreError(match error {
        SdkError::ServiceError(e) => {
            format!("service error {}", e.err().code().unwrap_or("unknown"))
        }
        SdkError::TimeoutError(_) => "timeout".into(),
        SdkError::DispatchFailure(_) => "dispatch failure (unreachable)".into(),
        _ => "request failed".into(),
    })
}

/// Runs one DynamoDB call, recording its latency and whether DynamoDB failed to answer (a
/// refused condition is an answer).
async fn timed<T, E: ProvideErrorMetadata>(
    call: impl Future<Output = Result<T, SdkError<E>>>,
) -> Result<T, SdkError<E>> {
    let started = std::time::Instant::now();
    let result = call.await;
    let answered = match &result {
        Ok(_) => true,
        Err(SdkError::ServiceError(e)) => matches!(
            e.err().code(),
            Some("ConditionalCheckFailedException" | "TransactionCanceledException")
        ),
        Err(_) => false,
    };
    crate::metrics::dependency_call("dynamodb", started, answered);
    result
}

fn is_conditional_check_failed<E: ProvideErrorMetadata>(error: &SdkError<E>) -> bool {
    matches!(error, SdkError::ServiceError(e) if e.err().code() == Some("ConditionalCheckFailedException"))
}

/// For a cancelled transaction, whether each of its writes, in order, was cancelled by its
/// condition; `None` when the transaction failed otherwise.
fn refused_conditions(error: &SdkError<TransactWriteItemsError>) -> Option<Vec<bool>> {
    let TransactWriteItemsError::TransactionCanceledException(cancelled) =
        error.as_service_error()?
    else {
        return None;
    };
    let refused = |reason: &CancellationReason| reason.code() == Some("ConditionalCheckFailed");
    Some(
        cancelled
            .cancellation_reasons()
            .iter()
            .map(refused)
            .collect(),
    )
}

impl DynamoSessionStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoSessionStore {
            client,
            table: table.into(),
        }
    }

    async fn get(&self, pk: String) -> Result<Option<Item>, StoreError> {
        let get = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .consistent_read(true)
            .send();
        let output = timed(get).await.map_err(|e| unavailable(&e))?;
        Ok(output.item)
    }

    fn delivery_put(&self, delivery: LogoutDelivery<'_>, now: u64) -> Result<Put, StoreError> {
        Put::builder()
            .table_name(&self.table)
            .item("pk", s(delivery_key(delivery)))
            .item("expires_at", n(now + DELIVERY_RETENTION_SECONDS))
            .condition_expression("attribute_not_exists(pk) OR expires_at <= :now")
            .expression_attribute_values(":now", n(now))
            .build()
            .map_err(|e| StoreError(e.to_string()))
    }

    fn logout_update(&self, delivery: LogoutDelivery<'_>) -> Result<Update, StoreError> {
        let LogoutDelivery {
            project,
            logout,
            at,
            ..
        } = delivery;
        let update = match logout {
            Logout::User { user_id } => Update::builder()
                .key("pk", s(logout_key(UserIn { project, user_id })))
                .update_expression("SET logged_out_at = :at, expires_at = :exp")
                .condition_expression("attribute_not_exists(logged_out_at) OR logged_out_at < :at")
                .expression_attribute_values(":exp", n(at + LOGOUT_RETENTION_SECONDS)),
            Logout::Session { reference } => Update::builder()
                .key("pk", s(session_key(SessionIn { project, reference })))
                .update_expression("SET ended_at = :at")
                .condition_expression("attribute_exists(pk) AND attribute_not_exists(ended_at)"),
        };
        update
            .table_name(&self.table)
            .expression_attribute_values(":at", n(at))
            .build()
            .map_err(|e| StoreError(e.to_string()))
    }

    /// The delivery's Put and the logout's Update in one transaction, both conditional: a
    /// refused Put is a repeat; a refused Update alone (an older logout, or no such session)
    /// leaves the delivery to record by itself.
    async fn write_logout(
        &self,
        delivery: LogoutDelivery<'_>,
        now: u64,
    ) -> Result<Applied, StoreError> {
        let transaction = self
            .client
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .put(self.delivery_put(delivery, now)?)
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .update(self.logout_update(delivery)?)
                    .build(),
            )
            .send();
        match timed(transaction).await {
            Ok(_) => Ok(Applied::Done),
            Err(error) => match refused_conditions(&error).as_deref() {
                None => Err(unavailable(&error)),
                Some([true, ..]) => Ok(Applied::Repeat),
                Some([false, true, ..]) => self.record_delivery(delivery, now).await,
                Some(_) => Err(StoreError("logout transaction cancelled".into())),
            },
        }
    }

    /// Records the delivery alone, for a logout that has nothing (more) to change.
    async fn record_delivery(
        &self,
        delivery: LogoutDelivery<'_>,
        now: u64,
    ) -> Result<Applied, StoreError> {
        let put = self.delivery_put(delivery, now)?;
        let write = self
            .client
            .put_item()
            .table_name(put.table_name())
            .set_item(Some(put.item().clone()))
            .set_condition_expression(put.condition_expression().map(str::to_owned))
            .set_expression_attribute_values(put.expression_attribute_values().cloned())
            .send();
        let result = timed(write).await;
        match result {
            Ok(_) => Ok(Applied::Done),
            Err(e) if is_conditional_check_failed(&e) => Ok(Applied::Repeat),
            Err(e) => Err(unavailable(&e)),
        }
    }
}

impl SessionStore for DynamoSessionStore {
    fn put_session<'a>(&'a self, session: &'a Session) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let user =
                serde_json::to_string(&session.user).map_err(|e| StoreError(e.to_string()))?;
            let mut put = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("pk", s(session_key(session.which())))
                .item("user", s(user))
                .item("created_ms", n(session.created_ms))
                .item("expires_at", n(session.expires_at))
                .condition_expression("attribute_not_exists(pk)");
            if let Some(iat) = session.issued_at {
                put = put.item("identity_iat", n(iat));
            }
            let put = put.send();
            timed(put).await.map_err(|e| unavailable(&e))?;
            Ok(())
        })
    }

    fn session<'a>(&'a self, which: SessionIn<'a>, now: u64) -> StoreFuture<'a, SessionLookup> {
        Box::pin(async move {
            let Some(item) = self.get(session_key(which)).await? else {
                return Ok(SessionLookup::Unknown);
            };
            let expires_at = number(&item, "expires_at")
                .ok_or_else(|| StoreError("session without expires_at".into()))?;
            if expires_at <= now {
                return Ok(SessionLookup::Expired);
            }
            if let Some(at) = number(&item, "ended_at") {
                return Ok(SessionLookup::Ended(at));
            }
            let user = item
                .get("user")
                .and_then(|u| u.as_s().ok())
                .and_then(|u| serde_json::from_str(u).ok())
                .ok_or_else(|| StoreError("session without a readable user".into()))?;
            let created_ms = number(&item, "created_ms").unwrap_or(0);
            Ok(SessionLookup::Active(Box::new(Session {
                project: which.project.to_owned(),
                reference: which.reference.to_owned(),
                user,
                created_ms,
                issued_at: number(&item, "identity_iat"),
                expires_at,
            })))
        })
    }

    fn logged_out_at<'a>(&'a self, whose: UserIn<'a>, now: u64) -> StoreFuture<'a, Option<u64>> {
        Box::pin(async move {
            let item = self.get(logout_key(whose)).await?;
            Ok(item
                .filter(|i| number(i, "expires_at").is_some_and(|e| e > now))
                .and_then(|i| number(&i, "logged_out_at")))
        })
    }

    fn apply_logout<'a>(
        &'a self,
        delivery: LogoutDelivery<'a>,
        now: u64,
    ) -> StoreFuture<'a, Applied> {
        Box::pin(self.write_logout(delivery, now))
    }

    fn kept<'a>(&'a self, whose: KeptFor<'a>, now: u64) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move {
            let item = self.get(kept_key(whose)).await?;
            Ok(item
                .filter(|i| number(i, "expires_at").is_some_and(|e| e > now))
                .and_then(|i| i.get("kept")?.as_s().ok().cloned()))
        })
    }

    fn keep<'a>(&'a self, whose: KeptFor<'a>, value: &'a str, now: u64) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("pk", s(kept_key(whose)))
                .item("kept", s(value))
                .item("expires_at", n(now + KEPT_RETENTION_SECONDS))
                .send();
            timed(put).await.map_err(|e| unavailable(&e))?;
            Ok(())
        })
    }
}
