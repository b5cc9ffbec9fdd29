//! How each route's caller authenticates, and what the route's story then knows about it: a
//! signed-in user (browser routes), the vendor's server (a callback key), a signed delivery
//! (checked by the route itself, which reads the body to know how it is signed), or anyone.

use crate::config::MissingClaim;
use crate::error::Unauthorized;
use crate::identity::rules::ClaimView;
use crate::identity::{identity_claims, rules};
use crate::store::MAX_ID_BYTES;
use crate::{ProjectConfig, ServiceError, State, request};
use chatpass_signing::keys::matches_any;
use chatpass_signing::{Endpoint, SignError, User};
use lambda_http::Request;

/// A kind of caller: whether its route faces browsers, and how it is identified.
pub trait Caller: Sync {
    /// What the route's story learns about the caller.
    type Who: Send;
    /// Browser-facing routes do CORS per project and answer preflights.
    const BROWSER: bool;

    fn identify(
        &self,
        state: &State,
        request: &Request,
        project: &ProjectConfig,
    ) -> impl Future<Output = Result<Self::Who, ServiceError>> + Send;
}

/// The signed-in user of the brand's page, to be signed for the vendor at `endpoint`.
pub struct SignedIn {
    pub endpoint: Endpoint,
}

/// A caller who passed every identity rule: the user to sign and when their identity was
/// issued (`None` when its token has no `iat`: then any logout of the user ends what it made).
pub struct Identity {
    pub user: User,
    pub issued_at: Option<u64>,
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
        if let Some(field) = request::json_body(request)?.and_then(|b| b.keys().next().cloned()) {
            return Err(ServiceError::UnexpectedField(field));
        }
        let claims = identity_claims(state, request).await?;
        let vendor = &project.vendor;
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
        rules::check_email_policy(project, &user)?;
        // The rules read `iat` already (a present one is a number); one reading everywhere.
        let issued_at = claims.seconds("iat").ok().flatten();
        let logged_out_at = state
            .sessions
            .logged_out_at(&project.project, &user.id, state.clock.now())
            .await?;
        if rules::ended_by_logout(issued_at, logged_out_at) {
            return Err(ServiceError::LoggedOut);
        }
        Ok(Identity { user, issued_at })
    }
}

/// The chat vendor's server calling back: from an allowed address if the project lists any,
/// with one of the project's callback keys (compared in constant time).
pub struct VendorServer;

impl Caller for VendorServer {
    type Who = ();
    const BROWSER: bool = false;

    async fn identify(
        &self,
        _state: &State,
        request: &Request,
        project: &ProjectConfig,
    ) -> Result<(), ServiceError> {
        let refuse = |why| Err(ServiceError::Unauthorized(why));
        if !project.callback_allowed_ips.is_empty() {
            let allowed = request::source_ip(request).is_some_and(|ip| {
                project
                    .callback_allowed_ips
                    .iter()
                    .any(|net| net.contains(&ip))
            });
            if !allowed {
                return refuse(Unauthorized::AddressNotAllowed);
            }
        }
        let Some(presented) = request::bearer(request) else {
            return refuse(Unauthorized::MissingCallbackKey);
        };
        if project.callback_keys.is_empty()
            || !matches_any(&project.callback_keys, presented.as_bytes())
        {
            return refuse(Unauthorized::CallbackKeyRefused);
        }
        Ok(())
    }
}

/// A caller the pipeline lets through as it is: the route gives out public data only, or checks
/// the caller itself.
pub trait Unchecked: Sync {}

impl<C: Unchecked> Caller for C {
    type Who = ();
    const BROWSER: bool = false;

    async fn identify(
        &self,
        _: &State,
        _: &Request,
        _: &ProjectConfig,
    ) -> Result<(), ServiceError> {
        Ok(())
    }
}

/// Anyone at all: the route gives out public data only (a project's public keys), and faces
/// the vendor's servers rather than browsers, so it does no CORS.
pub struct Anyone;

impl Unchecked for Anyone {}

/// A delivery signed by the brand's backend or its identity provider; the route checks the
/// signature itself, since only the body says which kind it is.
pub struct SignedDelivery;

impl Unchecked for SignedDelivery {}
