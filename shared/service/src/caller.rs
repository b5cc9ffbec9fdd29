//! Who is calling a browser-facing route: the verified claims API Gateway's JWT authorizer put
//! in the request context, or, with no authorizer, the bearer token checked by our own
//! verifier. Never anything from the body.

use crate::identity::Claims;
use crate::state::State;
use crate::{ServiceError, http};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use std::borrow::Cow;

/// Borrowed from the request context when an authorizer put them there (no copy per request).
pub fn claims<'r>(state: &State, request: &'r Request) -> Result<Cow<'r, Claims>, ServiceError> {
    if let Some(RequestContext::ApiGatewayV2(ctx)) = request.request_context_ref()
        && let Some(jwt) = ctx.authorizer.as_ref().and_then(|a| a.jwt.as_ref())
        && !jwt.claims.is_empty()
    {
        return Ok(Cow::Borrowed(&jwt.claims));
    }
    let Some(verifier) = &state.verifier else {
        return Err(ServiceError::Unauthorized(
            "no verified identity: sign in first",
        ));
    };
    let token = http::bearer(request).ok_or(ServiceError::Unauthorized(
        "a bearer identity token is required",
    ))?;
    verifier
        .verify(token, state.clock.now())
        .map(Cow::Owned)
        .map_err(|e| {
            tracing::info!(reason = %e, "identity token refused");
            ServiceError::Unauthorized("the identity token was refused")
        })
}
