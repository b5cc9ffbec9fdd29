//! The sign-in functions' floor: the signed-in user (the authorizer's claims), not logged out
//! since the identity was issued, signed with the project's prepared key: an HS256 JWT of
//! JSM's claims (issue-jwt) or HMAC-SHA256 hex of Sprinklr's `_`-joined user (hash-user).

#[path = "../../floor/src/jsm_claims.rs"]
mod jsm_claims;

use crate::event::{Answer, Claims, Event};
use crate::projects::Project;
use crate::work::{Floor, Refused, now};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use jsm_claims::JsmClaims;
use serde_json::json;

/// `{"alg":"HS256","typ":"JWT"}`, base64url.
const HS256_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
/// chatpass's JSM token lifetime.
const TOKEN_SECONDS: u64 = 300;

/// The signed-in user, not logged out since the identity was issued.
pub async fn signed_in<'e>(
    floor: &Floor,
    id: &str,
    event: &'e Event,
) -> Result<&'e Claims, Refused> {
    let claims = event.claims().ok_or(401u16)?;
    let issued_at = claims.iat.as_deref().and_then(|iat| iat.parse().ok());
    floor.not_logged_out(id, &claims.sub, issued_at).await?;
    Ok(claims)
}

pub fn token(project: &Project, claims: &Claims) -> Result<Answer, Refused> {
    let now = now().as_secs();
    let payload = serde_json::to_vec(&JsmClaims {
        email: claims.email.as_deref().ok_or(422u16)?,
        display_name: claims.name.as_deref(),
        iat: now,
        exp: now + TOKEN_SECONDS,
    })
    .map_err(|_| 500u16)?;
    let mut token = format!("{HS256_HEADER}.{}", URL_SAFE_NO_PAD.encode(payload));
    let mut mac = project.mac.clone();
    mac.update(token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(mac.finalize().into_bytes(), &mut token);
    let body = json!({"vendor": "jsm-chat", "settings": {"token": token},
                      "expires_at": now + TOKEN_SECONDS});
    Ok(Answer::json(200, body.to_string()))
}

pub fn user_hash(project: &Project, claims: &Claims) -> Result<Answer, Refused> {
    let now_ms = now().as_millis() as u64;
    fn field(value: &Option<String>) -> &str {
        value.as_deref().unwrap_or("")
    }
    let fields = [
        claims.sub.as_str(),
        field(&claims.given_name),
        field(&claims.family_name),
        field(&claims.picture),
        field(&claims.phone_number),
        field(&claims.email),
    ];
    let message = format!("{}_{now_ms}", fields.join("_"));
    let mut mac = project.mac.clone();
    mac.update(message.as_bytes());
    let hash = hex::encode(mac.finalize().into_bytes());
    let body = json!({"vendor": "sprinklr", "settings": {"user": {
        "id": fields[0], "firstName": fields[1], "lastName": fields[2],
        "profileImageUrl": fields[3], "phoneNo": fields[4], "email": fields[5],
        "hash": hash, "hashCreationTime": now_ms}}});
    Ok(Answer::json(200, body.to_string()))
}
