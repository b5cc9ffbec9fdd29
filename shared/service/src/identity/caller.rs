//! Who is calling a browser-facing route: the verified claims API Gateway's JWT authorizer put
//! in the request context, or, with no authorizer, the bearer token checked by chatpass's own
//! verifier. Either way the same rules then apply; never anything from the body.

use super::claims::{Claims, flatten};
use super::jwks::{Jwks, TokenError};
use super::rules::{Rules, TokenKind};
use crate::error::{ServiceError, Unauthorized};
use crate::{State, request};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use std::borrow::Cow;

/// Checks the bearer identity tokens of one issuer for one audience, for deployments without
/// API Gateway's authorizer (function URL, load balancer) and for `chatpass serve`.
pub struct IdentityVerifier {
    pub jwks: Jwks,
    pub issuer: String,
    pub audience: String,
}

impl IdentityVerifier {
    /// The token's claims, flattened as API Gateway hands them to a function.
    pub async fn verify(&self, token: &str, now: u64) -> Result<Claims, TokenError> {
        let rules = Rules::identity(&self.issuer, &self.audience);
        self.jwks.verify(token, &rules, now).await.map(flatten)
    }
}

/// The caller's verified claims. Borrowed from the request context when an authorizer put them
/// there (no copy per request); the identity rules hold for them as for our own verifier's.
pub async fn identity_claims<'r>(
    state: &State,
    request: &'r Request,
) -> Result<Cow<'r, Claims>, ServiceError> {
    let now = state.clock.now();
    if let Some(RequestContext::ApiGatewayV2(ctx)) = request.request_context_ref()
        && let Some(jwt) = ctx.authorizer.as_ref().and_then(|a| a.jwt.as_ref())
        && !jwt.claims.is_empty()
    {
        TokenKind::Identity
            .check(&jwt.claims, now)
            .map_err(|e| ServiceError::Unauthorized(Unauthorized::IdentityRefused(e)))?;
        return Ok(Cow::Borrowed(&jwt.claims));
    }
    let Some(verifier) = &state.verifier else {
        return Err(ServiceError::Unauthorized(Unauthorized::NoIdentity));
    };
    let token =
        request::bearer(request).ok_or(ServiceError::Unauthorized(Unauthorized::MissingBearer))?;
    match verifier.verify(token, now).await {
        Ok(claims) => Ok(Cow::Owned(claims)),
        Err(TokenError::Refused(e)) => {
            Err(ServiceError::Unauthorized(Unauthorized::IdentityRefused(e)))
        }
        Err(TokenError::KeysUnavailable(e)) => Err(ServiceError::KeysUnavailable(e)),
    }
}
