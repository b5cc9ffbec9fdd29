//! `GET /v1/projects/{project}/jwks.json`: the public keys that verify the project's tokens,
//! for vendors that fetch a keyset (Salesforce). Anyone may read it; no CORS; cacheable. While
//! a rotation is under way it also publishes the previous version's key (AWSPREVIOUS), so a
//! token minted just before the rotation still verifies when the vendor fetches again.

use chatpass_service::pipeline::{self, Answer, Anyone, Call, Route};
use chatpass_service::request::{json_response, project_id};
use chatpass_service::source::{SourceError, Stages};
use chatpass_service::{ServiceError, State};
use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};

/// How long a vendor may keep the keyset: the config cache's TTL, so a rotation reaches the
/// vendor no later than it reaches the signing function.
pub const MAX_AGE_SECONDS: u32 = 300;

/// The current version through the signing cache; the previous one through its own.
pub const JWKS_ROUTE: Route<Anyone> = Route::new(
    "jwks.json",
    "issue-jwt",
    &[Method::GET],
    Anyone,
    Stages::Current,
    "jwks",
);

pub async fn jwks_handler(state: &State, request: Request) -> Response<Body> {
    pipeline::respond(state, request, &JWKS_ROUTE, publish).await
}

async fn publish(call: Call<'_, ()>) -> Result<Answer, ServiceError> {
    let vendor = &call.project.vendor;
    let current = vendor.public_jwk().ok_or(ServiceError::NoPublicKeys {
        vendor: vendor.id(),
    })?;
    let mut keys = vec![Value::Object(current.clone())];
    if let Some(previous) = &call.state.configs.previous {
        match previous.project(&project_id(call.request)?).await {
            Ok(previous) => {
                if let Some(jwk) = previous.vendor.public_jwk()
                    && jwk.get("kid") != current.get("kid")
                {
                    keys.push(Value::Object(jwk.clone()));
                }
            }
            // No previous version, or one that does not load: nothing more to publish.
            Err(SourceError::NotFound | SourceError::Invalid(_)) => {}
            // Never a keyset that may lack a key still in use: the vendor retries.
            Err(SourceError::Unavailable(cause)) => {
                return Err(ServiceError::ConfigUnavailable(cause));
            }
        }
    }
    let mut response = json_response(StatusCode::OK, &json!({ "keys": keys }));
    let cache = format!("public, max-age={MAX_AGE_SECONDS}");
    if let Ok(value) = HeaderValue::from_str(&cache) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    Ok(response.into())
}
