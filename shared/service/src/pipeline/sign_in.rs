//! The sign-in caller: the signed-in user of the brand's page, as API Gateway's JWT authorizer
//! or chatpass's own verifier vouches for them, and the rules every sign-in passes — the
//! project's email policy and "not logged out since" (written once, for sessions too). The
//! body holds nothing but the one value the project's vendor may take from the page.

use super::caller::Caller;
use crate::config::MissingClaim;
use crate::error::Unauthorized;
use crate::identity::rules::{ClaimView, TokenKind};
use crate::identity::{Claims, TokenError};
use crate::store::{MAX_ID_BYTES, UserIn};
use crate::{ProjectConfig, ServiceError, State, request};
use chatpass_signing::page_input::{PageInput, PageInputSpec};
use chatpass_signing::{Endpoint, SignError, User};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde_json::Value;
use sha2::{Digest, Sha256};
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
    /// The user's sign-in at the identity provider, as a stable reference
    /// ([`sign_in_reference`]): what a vendor's session claim carries (Infobip's `sid`).
    pub sign_in: Option<String>,
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
        let whose = UserIn {
            project: &project.project,
            user_id: &user.id,
        };
        let logged_out_at = state
            .sessions
            .logged_out_at(whose, state.clock.now())
            .await?;
        if ended_by_logout(issued_at, logged_out_at) {
            return Err(ServiceError::LoggedOut);
        }
        // A value that is not text fails the form too; the error never echoes it.
        let page_input = match (page_value, vendor.page_input()) {
            (Some(value), Some(spec)) => Some(spec.parse(value.as_str().unwrap_or_default())?),
            _ => None,
        };
        let sign_in = sign_in_reference(&project.project, &user.id, &claims, issued_at);
        Ok(Identity {
            user,
            issued_at,
            page_input,
            sign_in,
        })
    }
}

/// One reference per sign-in of the user at the identity provider, the same for every identity
/// token of it, so a vendor that ties its widget session to one (Infobip's `sid`) keeps one
/// session: from the token's `sid` (OpenID Connect's session id, the same across renewals),
/// else its `auth_time` (when the user authenticated), else its `iat`; `None` when it has none
/// of them. A digest (128 bits, hex) of the project, the user and that claim: the identity
/// provider's session id never reaches the vendor, and no two users or projects share one.
pub fn sign_in_reference(
    project: &str,
    user_id: &str,
    claims: &Claims,
    issued_at: Option<u64>,
) -> Option<String> {
    let sid = claims.get("sid").filter(|sid| !sid.is_empty()).cloned();
    let auth_time = claims.seconds("auth_time").ok().flatten();
    let (claim, value) = (sid.map(|sid| ("sid", sid)))
        .or(auth_time.map(|at| ("auth_time", at.to_string())))
        .or(issued_at.map(|at| ("iat", at.to_string())))?;
    let digest = Sha256::new()
        .chain_update(b"chatpass sign-in\0")
        .chain_update(project.as_bytes())
        .chain_update([0])
        .chain_update(user_id.as_bytes())
        .chain_update([0])
        .chain_update(claim.as_bytes())
        .chain_update([0])
        .chain_update(value.as_bytes())
        .finalize();
    Some(hex::encode(&digest[..16]))
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
    // Boxed: the verifier's future (a key fetch among its states) would otherwise make every
    // request's future larger, an authorizer's claims or not.
    match Box::pin(verifier.verify(token, now)).await {
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

    fn claims(pairs: &[(&str, &str)]) -> Claims {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn one_sign_in_keeps_one_reference_across_its_identity_tokens() {
        let reference = |pairs: &[(&str, &str)], iat| {
            sign_in_reference("p", "u-1", &claims(pairs), Some(iat)).unwrap()
        };
        let session = [("sid", "idp-session-1"), ("auth_time", "1000")];
        let first = reference(&session, NOW);
        assert_eq!(first.len(), 32);
        assert!(first.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(reference(&session, NOW + 600), first, "a renewed token");
        assert_ne!(reference(&[("sid", "idp-session-2")], NOW), first);
        assert!(!first.contains("idp-session"));
        // Without `sid`, the time the user authenticated; without that, the token's own `iat`.
        let authenticated = reference(&[("auth_time", "1000")], NOW);
        assert_eq!(
            reference(&[("auth_time", "1000")], NOW + 600),
            authenticated
        );
        assert_ne!(reference(&[("auth_time", "2000")], NOW), authenticated);
        assert_ne!(reference(&[], NOW), reference(&[], NOW + 600));
        assert_eq!(sign_in_reference("p", "u-1", &claims(&[]), None), None);
    }

    #[test]
    fn no_two_users_or_projects_share_a_sign_in_reference() {
        let session = claims(&[("sid", "shared-idp-session")]);
        let of = |project, user| sign_in_reference(project, user, &session, Some(NOW));
        assert_ne!(of("p", "u-1"), of("p", "u-2"));
        assert_ne!(of("p", "u-1"), of("q", "u-1"));
    }

    #[test]
    fn a_logout_ends_what_was_issued_at_or_before_it() {
        assert!(!ended_by_logout(Some(NOW), None));
        assert!(ended_by_logout(Some(NOW), Some(NOW)));
        assert!(ended_by_logout(Some(NOW - 1), Some(NOW)));
        assert!(!ended_by_logout(Some(NOW + 1), Some(NOW)));
        assert!(ended_by_logout(None, Some(NOW)));
    }
}
