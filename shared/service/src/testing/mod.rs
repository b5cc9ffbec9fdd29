//! The test kit (feature `test-support`) for everything that needs no AWS: handler states over
//! the in-memory ports, the shared fixture constants, API Gateway v2 events to drive handlers
//! with, a stand-in JWKS endpoint and a stand-in vendor API. The functions' tests and the workspace tests use it.

mod fixtures;
mod jwks_server;
mod loopback;
mod stand_ins;
mod vendor_api_server;

pub use fixtures::*;
pub use jwks_server::JwksServer;
pub use stand_ins::{DownSource, DownStore, LogCapture};
pub use vendor_api_server::{Received, VendorApiServer};

use crate::clock::ManualClock;
use crate::identity::{IdentityVerifier, Jwks, StandinIdp};
use crate::source::{ConfigSource, ProjectFuture, SourceError};
use crate::store::{Logout, LogoutDelivery, Session, SessionStore};
use crate::{ProjectConfig, ProjectId, Settings, State};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};

/// A state over memory ports, with handles on its store and clock.
pub struct Harness {
    pub state: State,
    pub store: Arc<dyn SessionStore>,
    pub clock: Arc<ManualClock>,
}

/// A state holding `projects` (id, config document), its clock at `now`, built as every runner
/// builds its state ([`State::build`] from in-memory [`Settings`]): the config cache in front
/// of the projects, as a warm Lambda has it.
pub fn harness(projects: &[(&str, Value)], now: u64) -> Harness {
    let clock = Arc::new(ManualClock::at(now));
    let state = memory_state(projects, clock.clone());
    Harness {
        store: state.sessions.clone(),
        state,
        clock,
    }
}

/// The state of [`harness`] on `clock`.
pub fn memory_state(projects: &[(&str, Value)], clock: Arc<ManualClock>) -> State {
    let configs = projects
        .iter()
        .map(|(id, doc)| ProjectConfig::from_value(id, doc.clone()).expect("a valid test project"))
        .collect();
    State::build(Settings::memory(configs), clock, None).expect("in-memory settings build")
}

impl Harness {
    /// Applies a logout of the fixtures' user ([`USER_ID`]) in `project` at `at`, as delivery
    /// `delivery` received at `now`.
    pub async fn log_out_user(&self, project: &str, delivery: &str, at: u64, now: u64) {
        let logout = Logout::User {
            user_id: USER_ID.into(),
        };
        let delivery = LogoutDelivery {
            project,
            id: delivery,
            logout: &logout,
            at,
        };
        self.store
            .apply_logout(delivery, now)
            .await
            .expect("the memory store applies a logout");
    }

    /// The same harness checking bearer identity tokens of `idp` itself, as a deployment
    /// without API Gateway's authorizer does.
    pub fn with_verifier(mut self, idp: &StandinIdp) -> Harness {
        self.state = self.state.with_verifier(verifier_for(idp));
        self
    }
}

/// The stand-in identity provider the tests share ([`ISSUER`], [`AUDIENCE`]): one RSA key per
/// test binary.
pub fn idp() -> &'static StandinIdp {
    static IDP: OnceLock<StandinIdp> = OnceLock::new();
    IDP.get_or_init(|| StandinIdp::generate(ISSUER, AUDIENCE))
}

/// A verifier of `idp`'s identity tokens, from its JWKS document.
pub fn verifier_for(idp: &StandinIdp) -> Arc<IdentityVerifier> {
    Arc::new(IdentityVerifier::new(
        Jwks::document(&idp.jwks()).expect("the stand-in's JWKS"),
        idp.issuer.clone(),
        idp.audience.clone(),
    ))
}

/// A session of `user` in `project` made at `at` (unix seconds; its identity issued then too),
/// living `ttl` seconds.
pub fn session(
    project: &str,
    reference: &str,
    user: chatpass_signing::User,
    at: u64,
    ttl: u64,
) -> Session {
    Session {
        project: project.into(),
        reference: reference.into(),
        user,
        created_ms: at * 1000,
        issued_at: Some(at),
        expires_at: at + ttl,
    }
}

/// An event fixture file as JSON.
pub fn fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Points a fixture event at `project` (path, raw path and path parameter).
pub fn for_project(mut event: Value, project: &str) -> Value {
    let route = event["routeKey"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let path = format!("/v1/projects/{project}/{route}");
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event["pathParameters"] = json!({ "project": project });
    event
}

/// The request a Lambda handler gets for an API Gateway v2 event.
pub fn request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).expect("an API Gateway v2 event")
}

/// The response body as JSON (`null` when it is not JSON).
pub fn json_body(response: &Response<Body>) -> Value {
    serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null)
}

pub fn header<'r>(response: &'r Response<Body>, name: &str) -> Option<&'r str> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().expect("a text header"))
}

/// The event with header `name` set to `value`, or removed for `None`.
pub fn with_header(mut event: Value, name: &str, value: Option<&str>) -> Value {
    let headers = event["headers"]
        .as_object_mut()
        .expect("an event with headers");
    match value {
        Some(value) => headers.insert(name.into(), json!(value)),
        None => headers.remove(name),
    };
    event
}

/// The event with `body` as its (text) body.
pub fn with_body(mut event: Value, body: &str) -> Value {
    event["body"] = json!(body);
    event["isBase64Encoded"] = json!(false);
    event
}

/// The event with its HTTP method (request context and route key) replaced.
pub fn with_method(mut event: Value, method: &str) -> Value {
    event["requestContext"]["http"]["method"] = json!(method);
    if let Some(route) = event["routeKey"].as_str() {
        let path = route.split_once(' ').map_or(route, |(_, path)| path);
        let route = format!("{method} {path}");
        event["routeKey"] = json!(route);
        event["requestContext"]["routeKey"] = json!(route);
    }
    event
}

/// The event as a request that came without API Gateway's JWT authorizer.
pub fn without_authorizer(mut event: Value) -> Value {
    event["requestContext"]
        .as_object_mut()
        .expect("a request context")
        .remove("authorizer");
    event
}

/// The event's authorizer claims with `changes` applied (`null` removes a claim).
pub fn with_claims(mut event: Value, changes: Value) -> Value {
    let claims = &mut event["requestContext"]["authorizer"]["jwt"]["claims"];
    *claims = with_changes(claims.take(), &changes);
    event
}

/// The JSON object `object` with `changes` applied: `null` removes a member, anything else
/// sets it.
pub fn with_changes(mut object: Value, changes: &Value) -> Value {
    let members = object.as_object_mut().expect("an object to change");
    for (name, value) in changes.as_object().expect("an object of changes") {
        if value.is_null() {
            members.remove(name);
        } else {
            members.insert(name.clone(), value.clone());
        }
    }
    object
}

/// Flattened claims, as API Gateway's JWT authorizer passes them: every value a string.
pub fn flat_claims(pairs: &[(&str, &str)]) -> crate::identity::Claims {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// How a front end renders a claim that is neither a string nor a number into the strings an
/// authorizer hands a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendering {
    /// As API Gateway's JWT authorizer does: arrays as `[a b]`, objects as Go's `map[k:v]`.
    ApiGateway,
    /// Arrays and objects as JSON text.
    JsonText,
}

impl Rendering {
    pub const BOTH: [Rendering; 2] = [Rendering::ApiGateway, Rendering::JsonText];
}

/// `claims` (a JSON object) as an authorizer hands them on: every value a string.
pub fn authorizer_claims(claims: &Value, rendering: Rendering) -> crate::identity::Claims {
    let members = claims.as_object().expect("an object of claims").clone();
    match rendering {
        Rendering::ApiGateway => crate::identity::flatten(members),
        Rendering::JsonText => members
            .into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect(),
    }
}

/// Asserts that the page at [`ORIGIN`] may read the answer (its CORS header names it).
#[track_caller]
pub fn assert_readable_by_origin(response: &Response<Body>, what: &str) {
    let allowed = header(response, "access-control-allow-origin");
    assert_eq!(allowed, Some(ORIGIN), "{what}");
}

/// Asserts a problem+json answer with `status` and `code`, never cached.
#[track_caller]
pub fn assert_problem(response: &Response<Body>, status: u16, code: &str) {
    let problem = json_body(response);
    assert_eq!(
        (response.status().as_u16(), problem["code"].as_str()),
        (status, Some(code)),
        "{problem}"
    );
    assert_eq!(
        header(response, "content-type"),
        Some("application/problem+json")
    );
    assert_eq!(header(response, "cache-control"), Some("no-store"));
}

/// Project configs kept as raw JSON documents and checked on every lookup, the way a secret
/// is read: a document that does not check is a [`SourceError::Invalid`], as Secrets Manager
/// and file sources report it.
#[derive(Debug, Default, Clone)]
pub struct RawSource {
    documents: std::collections::HashMap<String, Value>,
}

impl RawSource {
    pub fn new(projects: &[(&str, Value)]) -> Self {
        RawSource {
            documents: projects
                .iter()
                .map(|(id, doc)| ((*id).to_owned(), doc.clone()))
                .collect(),
        }
    }
}

impl ConfigSource for RawSource {
    fn project<'a>(&'a self, id: &'a ProjectId) -> ProjectFuture<'a> {
        let found = match self.documents.get(id.as_str()) {
            None => Err(SourceError::NotFound),
            Some(doc) => ProjectConfig::from_value(id.as_str(), doc.clone())
                .map(Arc::new)
                .map_err(SourceError::from),
        };
        Box::pin(async move { found })
    }
}

/// A state over in-memory ports whose configs are checked on lookup (see [`RawSource`]), so
/// a project may hold a config that does not check.
pub fn raw_state(projects: &[(&str, Value)], clock: Arc<ManualClock>) -> State {
    let state =
        State::build(Settings::memory(Vec::new()), clock, None).expect("in-memory settings build");
    state.with_configs(Arc::new(RawSource::new(projects)))
}

/// Sends `event` through a function's Lambda entry point (what its `main` runs), with `state`,
/// and answers the Lambda response as JSON (`statusCode`, `headers`, `body`).
pub async fn through_lambda_entry<F, Fut>(state: State, handler: F, event: &Value) -> Value
where
    F: Fn(&'static State, Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    use lambda_http::{Context, LambdaEvent, Service};
    let payload = serde_json::value::to_raw_value(event).expect("an event as JSON");
    // The entry point takes the process's state for the life of the process, as `main` does.
    let state: &'static State = Box::leak(Box::new(state));
    let mut entry = crate::lambda::LambdaEntry::new(state, handler, None);
    let response = entry
        .call(LambdaEvent::new(payload, Context::default()))
        .await
        .expect("an API Gateway v2 event");
    serde_json::to_value(response).expect("a serializable Lambda response")
}
