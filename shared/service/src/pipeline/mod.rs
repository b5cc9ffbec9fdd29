//! One pipeline for every route. A route declares what it is (`route.rs`: its methods, how its
//! caller authenticates, which secret versions it reads); [`respond`] does the shared steps once, in
//! one order — log line, project, preflight and method, the caller and its rules — then runs the
//! route's own story and turns its errors into problem+json, with CORS on both outcomes.

mod caller;
mod cors;
mod log;
mod route;
mod sign_in;

pub use caller::{Anyone, Caller, SignedDelivery, Unchecked, VendorServer};
pub use cors::Cors;
pub use log::RequestLog;
pub use route::{Handler, Route, RouteSpec, Served};
pub use sign_in::{Identity, SignedIn, ended_by_logout, identity_claims};

use crate::source::SourceError;
use crate::{ProjectConfig, ProjectId, ServiceError, State, request};
use http::{HeaderValue, Method, header};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

/// What a route's story has to work with.
pub struct Call<'a, Who> {
    pub state: &'a State,
    pub request: &'a Request,
    pub project: Arc<ProjectConfig>,
    pub who: Who,
}

/// A story's answer, with the outcome its log line records (`ok` unless it says otherwise).
pub struct Answer {
    pub response: Response<Body>,
    pub outcome: &'static str,
}

impl From<Response<Body>> for Answer {
    fn from(response: Response<Body>) -> Self {
        Answer {
            response,
            outcome: "ok",
        }
    }
}

/// The previous version (AWSPREVIOUS) of `project`'s config, where the source keeps versions
/// and one is there and loads: the keys a caller may still present while a rotation is under
/// way, and the public key `jwks.json` still publishes. Asked only when the current config's
/// keys did not do, so a request with the current keys reads one version.
pub async fn previous_config(
    state: &State,
    project: &ProjectConfig,
) -> Result<Option<Arc<ProjectConfig>>, ServiceError> {
    let (Some(previous), Some(id)) = (&state.configs.previous, ProjectId::parse(&project.project))
    else {
        return Ok(None);
    };
    match previous.project(&id).await {
        Ok(config) => Ok(Some(config)),
        Err(SourceError::NotFound | SourceError::Invalid(_)) => Ok(None),
        // Never a refusal that may only be for want of the previous keys: the caller retries.
        Err(SourceError::Unavailable(cause)) => Err(ServiceError::ConfigUnavailable(cause)),
    }
}

/// A request from start to answer: the shared steps, then `story` for a caller who passed
/// them; every failure as problem+json, one log line.
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn keeps a by-value argument twice in its future; this block keeps the request once"
)]
pub fn respond<'a, C: Caller>(
    state: &'a State,
    request: Request,
    route: &'a Route<C>,
    story: impl for<'c> AsyncFnOnce(Call<'c, C::Who>) -> Result<Answer, ServiceError> + 'a,
) -> impl Future<Output = Response<Body>> + 'a {
    async move {
        let mut log = RequestLog::start(&request, &route.spec);
        let mut cors = Cors::default();
        let result = steps(state, &request, route, &mut log, &mut cors, story).await;
        finish(route, log, cors, result)
    }
}

/// The answer to a request whose steps came to `result`: an error as problem+json, CORS, how
/// long it may be kept, and its log line.
fn finish<C: Caller>(
    route: &Route<C>,
    log: RequestLog,
    cors: Cors,
    result: Result<Answer, ServiceError>,
) -> Response<Body> {
    let (response, outcome, reason) = match result {
        Ok(answer) => (answer.response, answer.outcome, answer.outcome),
        Err(error) => {
            let (code, reason) = (error.code(), error.reason());
            (error.into_response(), code, reason)
        }
    };
    let mut response = if C::BROWSER {
        cors.apply(response)
    } else {
        response
    };
    if let Some(seconds) = route.spec.cacheable_for
        && response.status() == http::StatusCode::OK
        && let Ok(value) = HeaderValue::from_str(&format!("public, max-age={seconds}"))
    {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    log.finish(response.status().as_u16(), outcome, reason);
    response
}

async fn steps<C: Caller>(
    state: &State,
    request: &Request,
    route: &Route<C>,
    log: &mut RequestLog,
    cors: &mut Cors,
    story: impl for<'c> AsyncFnOnce(Call<'c, C::Who>) -> Result<Answer, ServiceError>,
) -> Result<Answer, ServiceError> {
    let project = state
        .configs
        .current
        .project(&request::project_id(request)?)
        .await?;
    log.vendor(project.vendor.id());
    if C::BROWSER {
        *cors = Cors::check(&project.allowed_origins, request.headers())?;
        if request.method() == Method::OPTIONS {
            return Ok(Answer {
                response: Cors::preflight(route.spec.methods),
                outcome: "preflight",
            });
        }
    }
    request::require_method(request, route.spec.methods)?;
    let who = route.caller.identify(state, request, &project).await?;
    story(Call {
        state,
        request,
        project,
        who,
    })
    .await
}
