//! user-details-callback's floor: the vendor's callback key (constant time against each of
//! the project's), the session the reference names (one GetItem), and its user not logged out
//! since the identity behind it was issued (one GetItem), answered in the vendor's field names.

use crate::event::{Answer, Event};
use crate::projects::Project;
use crate::work::{Floor, Refused, now, number};
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

#[derive(Deserialize)]
struct Body {
    token: String,
}

#[derive(Deserialize)]
struct User {
    id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
}

pub async fn user_details(
    floor: &Floor,
    id: &str,
    project: &Project,
    event: &Event,
) -> Result<Answer, Refused> {
    let presented = event.bearer().ok_or(401u16)?.as_bytes();
    let known = project
        .callback_keys
        .iter()
        .any(|key| bool::from(key.as_bytes().ct_eq(presented)));
    if !known {
        return Err(401);
    }
    let body: Body =
        serde_json::from_str(event.body.as_deref().unwrap_or("")).map_err(|_| 400u16)?;
    let now = now().as_secs();
    let session = floor
        .get(format!("session#{id}#{}", body.token))
        .await?
        .filter(|item| number(item, "expires_at").is_some_and(|e| e > now))
        .filter(|item| !item.contains_key("ended_at"))
        .ok_or(404u16)?;
    let user: User = session
        .get("user")
        .and_then(|u| u.as_s().ok())
        .and_then(|u| serde_json::from_str(u).ok())
        .ok_or(500u16)?;
    let issued_at = number(&session, "identity_iat")
        .or_else(|| number(&session, "created_ms").map(|ms| ms / 1000));
    floor.not_logged_out(id, &user.id, issued_at).await?;
    let body = json!({"id": user.id, "firstName": user.first_name, "lastName": user.last_name,
                      "email": user.email});
    Ok(Answer::json(200, body.to_string()))
}
