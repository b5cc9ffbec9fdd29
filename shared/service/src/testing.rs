//! Test support (feature `test-support`): handler states over the in-memory ports, and API
//! Gateway v2 events to drive handlers with. The functions' tests and the workspace tests use it.

use crate::clock::ManualClock;
use crate::jwks::JwksCache;
use crate::source::{CacheSettings, ConfigCache, MemorySource};
use crate::store::MemorySessionStore;
use crate::{ProjectConfig, State};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use std::sync::Arc;

/// A state over memory ports, with handles on its store and clock.
pub struct Harness {
    pub state: State,
    pub store: Arc<MemorySessionStore>,
    pub clock: Arc<ManualClock>,
}

/// A state holding `projects` (id, config document), its clock at `now`.
pub fn harness(projects: &[(&str, Value)], now: u64) -> Harness {
    let store = Arc::new(MemorySessionStore::new());
    let clock = Arc::new(ManualClock::at(now));
    let configs = projects
        .iter()
        .map(|(id, doc)| ProjectConfig::from_value(id, doc.clone()).expect("a valid test project"));
    let state = State {
        configs: Arc::new(MemorySource::new(configs)),
        verifier: None,
        sessions: store.clone(),
        clock: clock.clone(),
        jwks: Arc::new(JwksCache::default()),
    };
    Harness {
        state,
        store,
        clock,
    }
}

/// [`harness`] with the deployed functions' config cache in front of its projects, as a warm
/// Lambda has it (the benches fetch once before timing).
pub fn cached_harness(projects: &[(&str, Value)], now: u64) -> Harness {
    let mut h = harness(projects, now);
    h.state.configs = Arc::new(ConfigCache::new(
        h.state.configs.clone(),
        h.clock.clone(),
        CacheSettings::default(),
    ));
    h
}

/// An event fixture file as JSON.
pub fn fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
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
    let claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
        .as_object_mut()
        .expect("authorizer claims");
    for (name, value) in changes.as_object().expect("an object of claim changes") {
        if value.is_null() {
            claims.remove(name);
        } else {
            claims.insert(name.clone(), value.clone());
        }
    }
    event
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
