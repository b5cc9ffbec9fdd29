//! The common front of the two browser-facing routes (token, user-hash): the project, CORS,
//! the body's limits, the caller, and the project's policy on who may be signed.

use crate::cors::Cors;
use crate::identity::Claims;
use crate::source::SourceError;
use crate::state::State;
use crate::store::MAX_ID_BYTES;
use crate::{ProjectConfig, ServiceError, caller, http};
use ::http::Method;
use chatpass_signing::{Endpoint, SignError, User};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

/// A caller the project's policy lets through.
pub struct SignedIn {
    pub project: Arc<ProjectConfig>,
    pub user: User,
    pub cors: Cors,
}

/// What the front decided: answer a preflight, or go on to sign.
pub enum Front {
    Preflight(Response<Body>),
    SignedIn(SignedIn),
}

/// A refusal with the CORS headers it may carry.
pub struct Refusal {
    pub error: ServiceError,
    pub cors: Cors,
}

impl Refusal {
    pub fn into_response(self) -> (Response<Body>, &'static str) {
        let code = self.error.code();
        (self.cors.apply(self.error.into_response()), code)
    }
}

impl From<ServiceError> for Refusal {
    fn from(error: ServiceError) -> Self {
        Refusal {
            error,
            cors: Cors::default(),
        }
    }
}

/// Looks the project up, mapping the source's failures to client answers.
pub async fn project(state: &State, request: &Request) -> Result<Arc<ProjectConfig>, ServiceError> {
    let id = http::project_id(request)?;
    state.configs.project(&id).await.map_err(|e| match e {
        SourceError::NotFound => ServiceError::UnknownProject,
        SourceError::Invalid(e) => ServiceError::InvalidProjectConfig { field: e.field },
        SourceError::Unavailable(_) => ServiceError::ConfigUnavailable,
    })
}

pub async fn front(state: &State, request: &Request, endpoint: Endpoint) -> Result<Front, Refusal> {
    let project = project(state, request).await?;
    let cors = Cors::check(&project, request)?;
    if request.method() == Method::OPTIONS {
        return Ok(Front::Preflight(cors.preflight()));
    }
    let refuse = |error: ServiceError| Refusal {
        error,
        cors: cors.clone(),
    };
    // OPTIONS was answered above; it is listed for the 405's `Allow`.
    http::require_method(request, &[Method::OPTIONS, Method::POST]).map_err(refuse)?;
    if let Some(field) = http::json_body(request)
        .map_err(refuse)?
        .and_then(|b| b.keys().next().cloned())
    {
        return Err(refuse(ServiceError::BadRequest(
            "unexpected_field",
            format!(
                "the body takes no fields (got `{field}`): who is signed comes from the identity token"
            ),
        )));
    }
    let claims = caller::claims(state, request).map_err(refuse)?;
    let vendor = &project.vendor;
    if vendor.endpoint() != endpoint {
        return Err(refuse(ServiceError::WrongEndpoint {
            vendor: vendor.id(),
            endpoint: vendor.endpoint().path(),
        }));
    }
    let user = project.claims.user(&claims).map_err(|e| {
        let crate::identity::IdentityError::MissingClaim(claim) = e;
        refuse(ServiceError::MissingClaim(claim))
    })?;
    if user.id.len() > MAX_ID_BYTES {
        return Err(refuse(ServiceError::Sign(SignError::FieldTooLong {
            field: "id",
            max: MAX_ID_BYTES,
        })));
    }
    check_policy(&project, &user).map_err(refuse)?;
    check_not_logged_out(state, &project, &user, &claims)
        .await
        .map_err(refuse)?;
    Ok(Front::SignedIn(SignedIn {
        project,
        user,
        cors,
    }))
}

/// Refuses an identity token issued at or before the user's last logout. Fails closed: a
/// store that cannot answer is a 503, never a pass.
async fn check_not_logged_out(
    state: &State,
    project: &ProjectConfig,
    user: &User,
    claims: &Claims,
) -> Result<(), ServiceError> {
    let logged_out_at = state
        .sessions
        .logged_out_at(&project.project, &user.id, state.clock.now())
        .await
        .map_err(|e| {
            tracing::warn!(cause = %e, "session store unavailable");
            ServiceError::StoreUnavailable
        })?;
    let issued_at = claims.get("iat").and_then(|iat| iat.parse::<u64>().ok());
    match (logged_out_at, issued_at) {
        (Some(out), Some(iat)) if iat > out => Ok(()),
        (Some(_), _) => Err(ServiceError::LoggedOut),
        (None, _) => Ok(()),
    }
}

/// `allowed_email_domains`, and no unverified email for vendors that identify users by email.
fn check_policy(project: &ProjectConfig, user: &User) -> Result<(), ServiceError> {
    let email = user.email.as_deref().filter(|e| !e.is_empty());
    if !project.allowed_email_domains.is_empty() {
        let domain = email
            .and_then(|e| e.rsplit_once('@'))
            .map(|(_, d)| d.to_ascii_lowercase());
        if !domain.is_some_and(|d| project.allowed_email_domains.contains(&d)) {
            return Err(ServiceError::EmailDomainNotAllowed);
        }
    }
    if email.is_some()
        && project.vendor.identifies_by_email()
        && user.email_verified != Some(true)
        && !project.trust_unverified_email
    {
        return Err(ServiceError::EmailNotVerified);
    }
    Ok(())
}

/// A browser-facing route from request to response: the front, then `sign` for a caller who
/// passed it, every refusal as problem+json with its CORS headers, and one log line.
pub async fn route<F, Fut>(
    state: &State,
    request: Request,
    route: &'static str,
    endpoint: Endpoint,
    sign: F,
) -> Response<Body>
where
    F: FnOnce(SignedIn) -> Fut,
    Fut: Future<Output = Result<Response<Body>, Refusal>>,
{
    let log = http::RequestLog::start(&request, route);
    let (response, code) = match front(state, &request, endpoint).await {
        Ok(Front::Preflight(response)) => (response, "preflight"),
        Ok(Front::SignedIn(signed_in)) => match sign(signed_in).await {
            Ok(response) => (response, "ok"),
            Err(refusal) => refusal.into_response(),
        },
        Err(refusal) => refusal.into_response(),
    };
    log.finish(response, code)
}
