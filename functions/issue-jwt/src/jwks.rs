//! `GET /v1/projects/{project}/jwks.json`: the public keys that verify the project's tokens,
//! for vendors that fetch a keyset (Salesforce). Anyone may read it; no CORS; cacheable. While
//! a rotation is under way it also publishes the previous version's key (AWSPREVIOUS), so a
//! token minted just before the rotation still verifies when the vendor fetches again.

use chatpass_service::pipeline::{self, Answer, Anyone, Call, Route};
use chatpass_service::request::json_response;
use chatpass_service::{ServiceError, State};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};

/// How long a vendor may keep the keyset: the config cache's TTL, so a rotation reaches the
/// vendor no later than it reaches the signing function.
pub const MAX_AGE_SECONDS: u32 = 300;

/// The current version through the signing cache; the previous one through its own.
pub const JWKS_ROUTE: Route<Anyone> =
    Route::new("jwks.json", "issue-jwt", &[Method::GET], Anyone, "jwks")
        .cacheable_for(MAX_AGE_SECONDS);

pub async fn jwks_handler(state: &State, request: Request) -> Response<Body> {
    pipeline::respond(state, request, &JWKS_ROUTE, publish).await
}

async fn publish(call: Call<'_, ()>) -> Result<Answer, ServiceError> {
    let vendor = &call.project.vendor;
    let current = vendor.public_jwk().ok_or(ServiceError::NoPublicKeys {
        vendor: vendor.id(),
    })?;
    let mut keys = vec![Value::Object(current.clone())];
    // Never a keyset that may lack a key still in use: an unreadable previous version is a 503.
    if let Some(previous) = pipeline::previous_config(call.state, &call.project).await?
        && let Some(jwk) = previous.vendor.public_jwk()
        && jwk.get("kid") != current.get("kid")
    {
        keys.push(Value::Object(jwk.clone()));
    }
    Ok(json_response(StatusCode::OK, &json!({ "keys": keys })).into())
}
