//! issue-jwt: `POST /v1/projects/{project}/token` gives the signed-in user the chat vendor's
//! token (signed here, or minted by the vendor's own server), and `GET
//! /v1/projects/{project}/jwks.json`, `.../public-key.pem` and `.../public-keys.json` publish
//! the public keys of projects that sign with their own private key, in the forms vendors
//! fetch. The Lambda binary, `chatpass serve` and the tests all call [`handler`].

mod public_keys;

use chatpass_service::pipeline::{self, Call, Identity, Route, Served, SignedIn};
use chatpass_service::request::json_response;
use chatpass_service::{ServiceError, State};
use chatpass_signing::Endpoint;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

pub use public_keys::{
    JWKS_ROUTE, KEY_LIST_ROUTE, MAX_AGE_SECONDS, PEM_MEDIA_TYPE, PEM_ROUTE, jwks_handler,
    key_list_handler, pem_handler,
};

pub const ROUTE: Route<SignedIn> = Route::sign_in("token", "issue-jwt", Endpoint::Token, "token");

/// The routes this function answers.
pub const ROUTES: &[Served] = &[
    ROUTE.served(|state, request| Box::pin(token_handler(state, request))),
    JWKS_ROUTE.served(|state, request| Box::pin(jwks_handler(state, request))),
    PEM_ROUTE.served(|state, request| Box::pin(pem_handler(state, request))),
    KEY_LIST_ROUTE.served(|state, request| Box::pin(key_list_handler(state, request))),
];

/// The function's answer: the public keys' routes publish keys; every other request is the
/// token route.
pub fn handler(state: &State, request: Request) -> impl Future<Output = Response<Body>> + '_ {
    Served::of(ROUTES, &request).handle(state, request)
}

/// `POST /v1/projects/{project}/token`.
pub fn token_handler(state: &State, request: Request) -> impl Future<Output = Response<Body>> + '_ {
    pipeline::respond(state, request, &ROUTE, mint)
}

/// The vendor's token for the signed-in user, valid from now: signed with the project's key
/// (a session claim naming the user's sign-in, Infobip's `sid`), or asked of the vendor's
/// server (once per user while fresh, with what the state table keeps for the user).
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn would keep `call` twice in every request's future"
)]
fn mint(
    call: Call<'_, Identity>,
) -> impl Future<Output = Result<pipeline::Answer, ServiceError>> + '_ {
    async move {
        let now = call.state.clock.now();
        let vendor = &call.project.vendor;
        let signed = match vendor.minted() {
            Some(minted) => {
                let (state, project) = (call.state, &call.project.project);
                let tokens = &state.vendor_tokens;
                // Boxed: the vendor call's future is large, and would otherwise be carried (and
                // allocated with the route's future) by every request, signed here or not.
                Box::pin(tokens.mint(
                    &*state.sessions,
                    project,
                    vendor.id(),
                    minted,
                    &call.who.user,
                    now,
                ))
                .await?
            }
            None => {
                let who = &call.who;
                let sign_in = who.sign_in.as_deref();
                vendor.sign_with_page_input(&who.user, now, sign_in, who.page_input.as_ref())?
            }
        };
        Ok(json_response(StatusCode::OK, &signed).into())
    }
}
