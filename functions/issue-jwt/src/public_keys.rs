//! The public keys that verify the project's tokens, for vendors that check them with the
//! project's own key pair, in the form each vendor fetches: `jwks.json` (a JWKS: Salesforce),
//! `public-key.pem` (PEM: LivePerson, Dynamics 365) and `public-keys.json` (Dynamics 365's
//! list of `{kid, publicKey, expiry}`). Anyone may read them; no CORS; cacheable. While a
//! rotation is under way each also publishes the previous version's key (AWSPREVIOUS), after
//! the current one, so a token minted just before the rotation still verifies when the vendor
//! fetches again.

use chatpass_service::pipeline::{self, Anyone, Call, Route};
use chatpass_service::request::json_response;
use chatpass_service::{ServiceError, State};
use chatpass_signing::public_keys::{dynamics_list, pem_bundle};
use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde_json::{Map, Value, json};

/// How long a vendor may keep the keys: the config cache's TTL, so a rotation reaches the
/// vendor no later than it reaches the signing function.
pub const MAX_AGE_SECONDS: u32 = 300;

/// The PEM answer's media type.
pub const PEM_MEDIA_TYPE: &str = "application/x-pem-file";

/// A form of the keys: anyone may GET it, and keep its 200 for [`MAX_AGE_SECONDS`].
const fn published(name: &'static str, fixture: &'static str) -> Route<Anyone> {
    Route::new(name, "issue-jwt", &[Method::GET], Anyone, fixture).cacheable_for(MAX_AGE_SECONDS)
}

pub const JWKS_ROUTE: Route<Anyone> = published("jwks.json", "jwks");
pub const PEM_ROUTE: Route<Anyone> = published("public-key.pem", "public-key-pem");
pub const KEY_LIST_ROUTE: Route<Anyone> = published("public-keys.json", "public-keys");

/// `GET .../jwks.json`: `{"keys": [JWK, ...]}`.
pub fn jwks_handler(state: &State, request: Request) -> impl Future<Output = Response<Body>> + '_ {
    pipeline::respond(state, request, &JWKS_ROUTE, async |call| {
        let keys: Vec<Value> = keys(&call).await?.into_iter().map(Value::Object).collect();
        Ok(json_response(StatusCode::OK, &json!({ "keys": keys })).into())
    })
}

/// `GET .../public-key.pem`: the keys' SubjectPublicKeyInfo PEMs, the current one first.
pub fn pem_handler(state: &State, request: Request) -> impl Future<Output = Response<Body>> + '_ {
    pipeline::respond(state, request, &PEM_ROUTE, async |call| {
        let keys = keys(&call).await?;
        let pems = pem_bundle(&keys.iter().collect::<Vec<_>>()).map_err(unpublishable)?;
        let mut response = Response::new(Body::Text(pems));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PEM_MEDIA_TYPE),
        );
        Ok(response.into())
    })
}

/// `GET .../public-keys.json`: Dynamics 365's list, each key good for a day from now.
pub fn key_list_handler(
    state: &State,
    request: Request,
) -> impl Future<Output = Response<Body>> + '_ {
    pipeline::respond(state, request, &KEY_LIST_ROUTE, async |call| {
        let keys = keys(&call).await?;
        let now = call.state.clock.now();
        let list = dynamics_list(&keys.iter().collect::<Vec<_>>(), now).map_err(unpublishable)?;
        Ok(json_response(StatusCode::OK, &list).into())
    })
}

/// The public JWKs to publish: the current version's, then the previous version's while it
/// differs; 409 for a project that signs with a shared secret. Never keys that may lack one
/// still in use: an unreadable previous version is a 503, which the vendor retries.
async fn keys(call: &Call<'_, ()>) -> Result<Vec<Map<String, Value>>, ServiceError> {
    let vendor = &call.project.vendor;
    let current = vendor.public_jwk().ok_or(ServiceError::NoPublicKeys {
        vendor: vendor.id(),
    })?;
    let mut keys = vec![current.clone()];
    if let Some(previous) = pipeline::previous_config(call.state, &call.project).await?
        && let Some(jwk) = previous.vendor.public_jwk()
        && jwk.get("kid") != current.get("kid")
    {
        keys.push(jwk.clone());
    }
    Ok(keys)
}

/// A published key no form can hold: the keys are chatpass's own, checked at load.
fn unpublishable(error: chatpass_signing::keys::KeyError) -> ServiceError {
    ServiceError::Internal(format!("a public key that cannot be published: {error}"))
}
