//! How each route's caller authenticates, and what the route's story then knows about it: a
//! signed-in user (browser routes, `sign_in.rs`), the vendor's server (a callback key), a
//! signed delivery (checked by the route itself, which reads the body to know how it is
//! signed), or anyone.

use crate::error::Unauthorized;
use crate::{ProjectConfig, ServiceError, State, request};
use chatpass_signing::keys::matches_any;
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

/// The chat vendor's server calling back: from an allowed address if the project lists any,
/// with one of the project's callback keys (compared in constant time), or, while a rotation is
/// under way, one of the previous version's.
pub struct VendorServer;

impl Caller for VendorServer {
    type Who = ();
    const BROWSER: bool = false;

    async fn identify(
        &self,
        state: &State,
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
        if matches_any(&project.callback_keys, presented.as_bytes()) {
            return Ok(());
        }
        // While a rotation is under way, the previous version's keys still do.
        match super::previous_config(state, project).await? {
            Some(previous) if matches_any(&previous.callback_keys, presented.as_bytes()) => Ok(()),
            _ => refuse(Unauthorized::CallbackKeyRefused),
        }
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
