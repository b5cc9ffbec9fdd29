//! issue-jwt: `POST /v1/projects/{project}/token` mints the chat vendor's short-lived JWT for
//! the signed-in user. The Lambda binary, `chatpass serve` and the tests all call [`handler`].

use chatpass_service::pipeline::{self, Call, Identity, Route, SignedIn};
use chatpass_service::request::json_response;
use chatpass_service::source::Stages;
use chatpass_service::{ServiceError, State};
use chatpass_signing::Endpoint;
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};

pub const ROUTE: Route<SignedIn> = Route {
    name: "token",
    function: "issue-jwt",
    methods: &[Method::OPTIONS, Method::POST],
    caller: SignedIn {
        endpoint: Endpoint::Token,
    },
    stages: Stages::Current,
};

pub async fn handler(state: &State, request: Request) -> Response<Body> {
    pipeline::respond(state, request, &ROUTE, mint).await
}

/// The vendor's token for the signed-in user, valid from now.
async fn mint(call: Call<'_, Identity>) -> Result<pipeline::Answer, ServiceError> {
    let now = call.state.clock.now();
    let signed = call.project.vendor.sign(&call.who.user, now, None)?;
    Ok(json_response(StatusCode::OK, &signed).into())
}
