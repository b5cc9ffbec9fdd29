//! What a route is, declared once in its function's `lib.rs`: its name, function, methods,
//! caller, event fixture and how long its answer may be kept. The function lists its routes
//! with their handlers (`ROUTES`); the Lambda runner, the route table, `chatpass serve`, the
//! OpenAPI and template checks and the fuzz target all read those declarations.

use super::caller::Caller;
use super::sign_in::SignedIn;
use crate::State;
use crate::source::BoxFuture;
use chatpass_signing::Endpoint;
use http::Method;
use lambda_http::{Body, Request, Response};

/// What a route is, whatever its caller.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    /// The last path segment (`/v1/projects/{project}/<name>`), also the log line's `route`.
    pub name: &'static str,
    /// The Lambda function that answers it (its folder under `functions/`), the metrics'
    /// `function` dimension.
    pub function: &'static str,
    /// The methods it takes, OPTIONS included where browsers preflight; others are a 405.
    pub methods: &'static [Method],
    /// Browser-facing: behind API Gateway's JWT authorizer, with CORS per project.
    pub browser: bool,
    /// Its API Gateway v2 event: `functions/<function>/events/<fixture>.json`.
    pub fixture: &'static str,
    /// How long anyone may keep its 200 answer (`Cache-Control: public, max-age`); every
    /// other answer, and every answer of a route without one, is `no-store`.
    pub cacheable_for: Option<u32>,
}

/// A route with the type of its caller, which the pipeline identifies.
pub struct Route<C> {
    pub spec: RouteSpec,
    pub caller: C,
}

impl<C: Caller> Route<C> {
    pub const fn new(
        name: &'static str,
        function: &'static str,
        methods: &'static [Method],
        caller: C,
        fixture: &'static str,
    ) -> Route<C> {
        let spec = RouteSpec {
            name,
            function,
            methods,
            browser: C::BROWSER,
            fixture,
            cacheable_for: None,
        };
        Route { spec, caller }
    }

    /// The same route, its 200 answer public and cacheable for `seconds`.
    pub const fn cacheable_for(mut self, seconds: u32) -> Self {
        self.spec.cacheable_for = Some(seconds);
        self
    }

    /// This route, answered by `handler`, as its function lists it.
    pub const fn served(&self, handler: Handler) -> Served {
        Served {
            spec: self.spec,
            handler,
        }
    }
}

impl Route<SignedIn> {
    /// A sign-in route: browsers preflight it and POST.
    pub const fn sign_in(
        name: &'static str,
        function: &'static str,
        endpoint: Endpoint,
        fixture: &'static str,
    ) -> Self {
        let methods = &[Method::OPTIONS, Method::POST];
        Route::new(name, function, methods, SignedIn { endpoint }, fixture)
    }
}

/// A function's answer to a request of one of its routes.
pub type Handler = for<'a> fn(&'a State, Request) -> BoxFuture<'a, Response<Body>>;

/// A route as its function lists it: what it is, and the handler that answers it.
#[derive(Clone, Copy)]
pub struct Served {
    pub spec: RouteSpec,
    pub handler: Handler,
}

impl Served {
    /// The function's answer to `request`.
    pub fn handle<'a>(&self, state: &'a State, request: Request) -> BoxFuture<'a, Response<Body>> {
        (self.handler)(state, request)
    }

    /// Of `routes` (one function's), the one whose name ends the request's path; the first
    /// for any other path (its pipeline then answers it).
    pub fn of<'r>(routes: &'r [Served], request: &Request) -> &'r Served {
        let last = request.uri().path().rsplit('/').next();
        routes
            .iter()
            .find(|route| Some(route.spec.name) == last)
            .unwrap_or(&routes[0])
    }
}
