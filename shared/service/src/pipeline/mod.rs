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

use crate::{ProjectConfig, ServiceError, State, request};
use http::Method;
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

/// A request from start to answer: the shared steps, then `story` for a caller who passed
/// them; every failure as problem+json, one log line.
pub async fn respond<C: Caller>(
    state: &State,
    request: Request,
    route: &Route<C>,
    story: impl for<'c> AsyncFnOnce(Call<'c, C::Who>) -> Result<Answer, ServiceError>,
) -> Response<Body> {
    let mut log = RequestLog::start(&request, route.spec.name, route.spec.function);
    let mut cors = Cors::default();
    let result = steps(state, &request, route, &mut log, &mut cors, story).await;
    let (response, outcome, reason) = match result {
        Ok(answer) => (answer.response, answer.outcome, answer.outcome),
        Err(error) => {
            let (code, reason) = (error.code(), error.reason());
            (error.into_response(), code, reason)
        }
    };
    let response = if C::BROWSER {
        cors.apply(response)
    } else {
        response
    };
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
        .for_route(route.spec.stages)
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
