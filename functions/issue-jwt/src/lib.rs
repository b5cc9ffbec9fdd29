//! issue-jwt: `POST /v1/projects/{project}/token` mints the chat vendor's short-lived JWT for
//! the signed-in user. The Lambda binary, `chatpass serve` and the tests all call [`handler`].

use chatpass_service::http::json_response;
use chatpass_service::signin::{self, Refusal};
use chatpass_service::{ServiceError, State};
use chatpass_signing::Endpoint;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn handler(state: &State, request: Request) -> Response<Body> {
    signin::route(
        state,
        request,
        "token",
        Endpoint::Token,
        |caller| async move {
            match caller
                .project
                .vendor
                .sign(&caller.user, state.clock.now(), None)
            {
                Ok(signed) => Ok(caller.cors.apply(json_response(StatusCode::OK, &signed))),
                Err(e) => Err(Refusal {
                    error: ServiceError::from(e),
                    cors: caller.cors,
                }),
            }
        },
    )
    .await
}
