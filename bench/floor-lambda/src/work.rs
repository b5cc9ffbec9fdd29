//! The kinds of work the floor stands in for, one per chatpass function, and what every kind
//! shares: the project's config (cached) and the user's logout record.

use crate::event::{Answer, Event};
use crate::projects::Projects;
use crate::{callback, logout, sign_in};
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::lambda_runtime::Error;
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// Per request, after the project's config (one GetSecretValue, cached):
/// - `Token` (issue-jwt): the user's logout record (one GetItem), an HS256 JWT (JSM's claims);
/// - `UserHash` (hash-user): the logout record, HMAC-SHA256 hex of the user (Sprinklr's);
/// - `UserDetails` (user-details-callback): the callback key (constant time), the session (one
///   GetItem), its user's logout record (one GetItem);
/// - `Logout` (logout-webhook): the Standard Webhooks signature, one TransactWriteItems (the
///   delivery's Put and the logout's Update, both conditional), and the delivery's Put alone
///   when only the Update's condition failed.
///
/// The logout record is read because chatpass promises that a logout ends sign-ins and
/// sessions issued before it: that read is work chatpass must do, not overhead.
#[derive(Clone, Copy)]
pub enum Work {
    Token,
    UserHash,
    UserDetails,
    Logout,
}

impl Work {
    /// `FLOOR_WORK`: token, user-hash, user-details or logout.
    pub fn from_env() -> Result<Work, String> {
        match std::env::var("FLOOR_WORK").as_deref() {
            Ok("token") => Ok(Work::Token),
            Ok("user-hash") => Ok(Work::UserHash),
            Ok("user-details") => Ok(Work::UserDetails),
            Ok("logout") => Ok(Work::Logout),
            _ => Err("FLOOR_WORK: token, user-hash, user-details or logout".into()),
        }
    }
}

pub struct Floor {
    pub work: Work,
    pub projects: Projects,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub table: String,
}

/// An answer other than 200: its status.
pub type Refused = u16;

impl Floor {
    pub async fn answer(&self, event: Event) -> Result<Answer, Error> {
        let id = &event.path_parameters.project;
        let Some(project) = self.projects.get(id).await else {
            return Ok(Answer::json(503, "{}".into()));
        };
        let answered = match self.work {
            Work::Token => sign_in::signed_in(self, id, &event)
                .await
                .and_then(|claims| sign_in::token(&project, claims)),
            Work::UserHash => sign_in::signed_in(self, id, &event)
                .await
                .and_then(|claims| sign_in::user_hash(&project, claims)),
            Work::UserDetails => callback::user_details(self, id, &project, &event).await,
            Work::Logout => logout::apply(self, id, &project, &event).await,
        };
        Ok(answered.unwrap_or_else(|status| Answer::json(status, "{}".into())))
    }

    /// The item at `pk`, read consistently, as chatpass reads sessions and logouts.
    pub async fn get(&self, pk: String) -> Result<Option<Item>, Refused> {
        let output = self
            .dynamodb
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(pk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|_| 503u16)?;
        Ok(output.item)
    }

    /// 401 when the user logged out at or after `issued_at` (or it is unknown).
    pub async fn not_logged_out(
        &self,
        project: &str,
        user: &str,
        issued_at: Option<u64>,
    ) -> Result<(), Refused> {
        let now = now().as_secs();
        let logged_out_at = self
            .get(format!("logout#{project}#{user}"))
            .await?
            .filter(|item| number(item, "expires_at").is_some_and(|e| e > now))
            .and_then(|item| number(&item, "logged_out_at"));
        match (logged_out_at, issued_at) {
            (Some(out), Some(iat)) if iat <= out => Err(401),
            (Some(_), None) => Err(401),
            _ => Ok(()),
        }
    }
}

pub type Item = HashMap<String, AttributeValue>;

pub fn number(item: &Item, name: &str) -> Option<u64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

pub fn now() -> std::time::Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}
