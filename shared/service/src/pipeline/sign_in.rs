//! The sign-in caller: the signed-in user of the brand's page, as API Gateway's JWT authorizer
//! or chatpass's own verifier vouches for them, and the rules every sign-in passes — the
//! project's email policy and "not logged out since" (written once, for sessions too). The
//! body holds nothing but the one value the project's vendor may take from the page.

use super::caller::Caller;
use crate::config::MissingClaim;
use crate::error::Unauthorized;
use crate::identity::rules::{ClaimView, TokenKind};
use crate::identity::{Claims, TokenError};
use crate::store::MAX_ID_BYTES;
use crate::{ProjectConfig, ServiceError, State, request};
use chatpass_signing::page_input::{PageInput, PageInputSpec};
use chatpass_signing::{Endpoint, SignError, User};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde_json::Value;
use std::ops::Deref;
use std::sync::Arc;

/// The signed-in user of the brand's page, to be signed for the vendor at `endpoint`.
pub struct SignedIn {
    pub endpoint: Endpoint,
}

/// A caller who passed every identity rule: the user to sign, when their identity was issued
/// (`None` when its token has no `iat`: then any logout of the user ends what it made), and the
/// value the page sent for the vendor, checked in its declared form (Freshchat's
/// `freshchat_uuid`; never an identity).
pub struct Identity {
    pub user: User,
    pub issued_at: Option<u64>,
    pub page_input: Option<PageInput>,
}

impl Caller for SignedIn {
    type Who = Identity;
    const BROWSER: bool = true;

    /// Verified claims (never the body), the project's vendor at this endpoint, the claims
    /// mapped to a user, the email policy, and not logged out since the identity was issued.
    async fn identify(
        &self,
        state: &State,
        request: &Request,
        project: &ProjectConfig,
    ) -> Result<Identity, ServiceError> {
        let vendor = &project.vendor;
        let page_value = page_value(request, vendor.page_input())?;
        let claims = identity_claims(state, request).await?;
        if vendor.endpoint() != self.endpoint {
            return Err(ServiceError::WrongEndpoint {
                vendor: vendor.id(),
                endpoint: vendor.endpoint().path(),
            });
        }
        let user = project
            .claims
            .user(&claims)
            .map_err(|MissingClaim(claim)| ServiceError::MissingClaim(claim))?;
        if user.id.len() > MAX_ID_BYTES {
            return Err(ServiceError::Sign(SignError::FieldTooLong {
                field: "id",
                max: MAX_ID_BYTES,
            }));
        }
        check_email_policy(project, &user)?;
        // The rules read `iat` already (a present one is a number); one reading everywhere.
        let issued_at = claims.seconds("iat").ok().flatten();
        let logged_out_at = state
            .sessions
            .logged_out_at(&project.project, &user.id, state.clock.now())
            .await?;
        if ended_by_logout(issued_at, logged_out_at) {
            return Err(ServiceError::LoggedOut);
        }
        // A value that is not text fails the form too; the error never echoes it.
        let page_input = match (page_value, vendor.page_input()) {
            (Some(value), Some(spec)) => Some(spec.parse(value.as_str().unwrap_or_default())?),
            _ => None,
        };
        Ok(Identity {
            user,
            issued_at,
            page_input,
        })
    }
}

/// The body's value for the field `spec` declares, unchecked; any other field is refused, and
/// so is every field for a vendor that takes nothing from the page. Who is signed never comes
/// from the body.
fn page_value(
    request: &Request,
    spec: Option<&PageInputSpec>,
) -> Result<Option<Value>, ServiceError> {
    let Some(mut body) = request::json_body(request)? else {
        return Ok(None);
    };
    let value = spec.and_then(|spec| body.remove(&spec.name));
    match body.keys().next() {
        Some(field) => Err(ServiceError::UnexpectedField(field.clone())),
        None => Ok(value),
    }
}

/// A caller's verified claims: borrowed from the request context where an authorizer put them
/// (no copy per request), or shared with the verifier's tokens already verified.
pub enum VerifiedClaims<'r> {
    Authorizer(&'r Claims),
    Verifier(Arc<Claims>),
}

impl Deref for VerifiedClaims<'_> {
    type Target = Claims;

    fn deref(&self) -> &Claims {
        match self {
            VerifiedClaims::Authorizer(claims) => claims,
            VerifiedClaims::Verifier(claims) => claims,
        }
    }
}

/// The caller's verified claims; the identity rules hold for the authorizer's as for our own
/// verifier's.
pub async fn identity_claims<'r>(
    state: &State,
    request: &'r Request,
) -> Result<VerifiedClaims<'r>, ServiceError> {
    let now = state.clock.now();
    if let Some(RequestContext::ApiGatewayV2(ctx)) = request.request_context_ref()
        && let Some(jwt) = ctx.authorizer.as_ref().and_then(|a| a.jwt.as_ref())
        && !jwt.claims.is_empty()
    {
        TokenKind::Identity
            .check(&jwt.claims, now)
            .map_err(|e| ServiceError::Unauthorized(Unauthorized::IdentityRefused(e)))?;
        return Ok(VerifiedClaims::Authorizer(&jwt.claims));
    }
    let Some(verifier) = &state.verifier else {
        return Err(ServiceError::Unauthorized(Unauthorized::NoIdentity));
    };
    let token =
        request::bearer(request).ok_or(ServiceError::Unauthorized(Unauthorized::MissingBearer))?;
    match verifier.verify(token, now).await {
        Ok(claims) => Ok(VerifiedClaims::Verifier(claims)),
        Err(TokenError::Refused(e)) => {
            Err(ServiceError::Unauthorized(Unauthorized::IdentityRefused(e)))
        }
        Err(TokenError::KeysUnavailable(e)) => Err(ServiceError::KeysUnavailable(e)),
    }
}

/// The logged-out rule, written once: an identity issued at `issued_at` — and any session
/// minted from it — is over when the user's last logout is at or after that second. Without
/// an issue time, any logout on record ends it.
pub fn ended_by_logout(issued_at: Option<u64>, logged_out_at: Option<u64>) -> bool {
    match (logged_out_at, issued_at) {
        (None, _) => false,
        (Some(out), Some(iat)) => iat <= out,
        (Some(_), None) => true,
    }
}

/// The project's email policy: `allowed_email_domains` only ever matches a verified email,
/// and vendors that identify users by email never get an unverified one (unless the project
/// says `trust_unverified_email`).
pub fn check_email_policy(project: &ProjectConfig, user: &User) -> Result<(), ServiceError> {
    let email = user.email.as_deref().filter(|e| !e.is_empty());
    let verified = user.email_verified == Some(true);
    if !project.allowed_email_domains.is_empty() {
        let domain = email
            .and_then(|e| e.rsplit_once('@'))
            .map(|(_, d)| d.to_ascii_lowercase());
        if !domain.is_some_and(|d| project.allowed_email_domains.contains(&d)) {
            return Err(ServiceError::EmailDomainNotAllowed);
        }
        if !verified {
            return Err(ServiceError::EmailNotVerified);
        }
    }
    if email.is_some()
        && project.vendor.identifies_by_email()
        && !verified
        && !project.trust_unverified_email
    {
        return Err(ServiceError::EmailNotVerified);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;

    #[test]
    fn a_logout_ends_what_was_issued_at_or_before_it() {
        assert!(!ended_by_logout(Some(NOW), None));
        assert!(ended_by_logout(Some(NOW), Some(NOW)));
        assert!(ended_by_logout(Some(NOW - 1), Some(NOW)));
        assert!(!ended_by_logout(Some(NOW + 1), Some(NOW)));
        assert!(ended_by_logout(None, Some(NOW)));
    }
}
