//! openapi.yaml against the code: the routes `chatpass serve` dispatches and the methods each
//! handler takes are the document's operations; `Problem.code` lists exactly the codes the code
//! can give; the vendor enum is the registry's; and a table of requests, run through the real
//! handlers, reaches every documented status (and code) of every operation, each answer
//! matching its documented status, content type, headers and schema.

use chatpass::routes::Route;
use chatpass_service::clock::ManualClock;
use chatpass_service::identity::StandinIdp;
use chatpass_service::source::{BoxFuture, ConfigSource, SourceError};
use chatpass_service::store::{Applied, Logout, Session, SessionLookup, SessionStore, StoreError};
use chatpass_service::testing::{JwksServer, RSA_KEY, raw_state};
use chatpass_service::vendor_api::MemoryVendorApi;
use chatpass_service::{ProjectConfig, ProjectId, ServiceError, State};
use chatpass_signing::User;
use chatpass_tests::support::{
    backchannel_events, fixture, for_project, logged_out_body, oidc_logout, request,
    signed_logout_webhook, with_authorizer_claims, with_body, with_header, with_method,
};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The fixtures' identity tokens are issued at 1_700_000_000.
const NOW: u64 = 1_700_000_100;
const ORIGIN: &str = "https://www.example.com";
const CALLBACK_KEY: &str = "cb-key-0123456789abcdefghijklmnop";
const WEBHOOK_SECRET: &str = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
const REFERENCE: &str = "00112233445566778899aabbccddeeff";
const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn document() -> Value {
    let text = std::fs::read_to_string(workspace().join("openapi.yaml")).expect("openapi.yaml");
    serde_norway::from_str(&text).expect("openapi.yaml is YAML")
}

/// Follows a local `$ref` (`#/components/...`) until a value without one.
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    while let Some(pointer) = value.get("$ref").and_then(Value::as_str) {
        let pointer = pointer.strip_prefix('#').expect("a local $ref");
        value = doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("$ref {pointer} resolves to nothing"));
    }
    value
}

fn path_of(route: &str) -> String {
    format!("/v1/projects/{{project}}/{route}")
}

/// The documented operation, e.g. (`token`, `POST`).
fn operation<'a>(doc: &'a Value, route: &str, method: &str) -> Option<&'a Value> {
    doc["paths"][path_of(route)].get(method.to_ascii_lowercase())
}

// --- a JSON Schema validator for the keywords openapi.yaml uses --------------------------

/// Why `value` does not match `schema`, if it does not. `pattern` is left to schemathesis.
fn mismatch(doc: &Value, schema: &Value, value: &Value, at: &str) -> Option<String> {
    let schema = resolve(doc, schema);
    let Some(object) = schema.as_object() else {
        return (schema != &Value::Bool(true)).then(|| format!("{at}: schema {schema}"));
    };
    for (keyword, rule) in object {
        let failure = match keyword.as_str() {
            "$ref" => None,
            "description" | "pattern" | "title" | "example" | "examples" => None,
            "type" => {
                let types: Vec<&str> = match rule {
                    Value::String(t) => vec![t],
                    Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                    _ => panic!("{at}: type {rule}"),
                };
                let actual = match value {
                    Value::Null => "null",
                    Value::Bool(_) => "boolean",
                    Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
                    Value::Number(_) => "number",
                    Value::String(_) => "string",
                    Value::Array(_) => "array",
                    Value::Object(_) => "object",
                };
                let ok =
                    types.contains(&actual) || (actual == "integer" && types.contains(&"number"));
                (!ok).then(|| format!("{at}: {value} is not {types:?}"))
            }
            "enum" => (!rule.as_array().unwrap().contains(value))
                .then(|| format!("{at}: {value} not in {rule}")),
            "const" => (rule != value).then(|| format!("{at}: {value} is not {rule}")),
            "minimum" => value
                .as_f64()
                .filter(|v| *v < rule.as_f64().unwrap())
                .map(|v| format!("{at}: {v} < {rule}")),
            "maximum" => value
                .as_f64()
                .filter(|v| *v > rule.as_f64().unwrap())
                .map(|v| format!("{at}: {v} > {rule}")),
            "minLength" => value
                .as_str()
                .filter(|s| (s.chars().count() as u64) < rule.as_u64().unwrap())
                .map(|s| format!("{at}: `{s}` shorter than {rule}")),
            "minItems" => value
                .as_array()
                .filter(|a| (a.len() as u64) < rule.as_u64().unwrap())
                .map(|a| format!("{at}: {} items", a.len())),
            "items" => value.as_array().and_then(|a| {
                a.iter()
                    .enumerate()
                    .find_map(|(i, v)| mismatch(doc, rule, v, &format!("{at}[{i}]")))
            }),
            "maxProperties" => value
                .as_object()
                .filter(|o| o.len() as u64 > rule.as_u64().unwrap())
                .map(|o| format!("{at}: {} properties", o.len())),
            "required" => value.as_object().and_then(|o| {
                rule.as_array()
                    .unwrap()
                    .iter()
                    .filter_map(Value::as_str)
                    .find(|name| !o.contains_key(*name))
                    .map(|name| format!("{at}: `{name}` is required"))
            }),
            "properties" => value.as_object().and_then(|o| {
                rule.as_object().unwrap().iter().find_map(|(name, sub)| {
                    o.get(name)
                        .and_then(|v| mismatch(doc, sub, v, &format!("{at}.{name}")))
                })
            }),
            "additionalProperties" => value.as_object().and_then(|o| {
                let declared = object.get("properties").and_then(Value::as_object);
                o.iter()
                    .filter(|(name, _)| !declared.is_some_and(|d| d.contains_key(*name)))
                    .find_map(|(name, v)| match rule {
                        Value::Bool(false) => Some(format!("{at}: `{name}` is not allowed")),
                        _ => mismatch(doc, rule, v, &format!("{at}.{name}")),
                    })
            }),
            "allOf" => rule
                .as_array()
                .unwrap()
                .iter()
                .find_map(|sub| mismatch(doc, sub, value, at)),
            other => panic!("{at}: the test's validator does not know `{other}`"),
        };
        if failure.is_some() {
            return failure;
        }
    }
    None
}

/// The codes a documented problem response allows (its own `code` restriction).
fn documented_codes(doc: &Value, response: &Value) -> BTreeSet<String> {
    let Some(schema) = response.pointer("/content/application~1problem+json/schema") else {
        return BTreeSet::new();
    };
    let code = schema["allOf"]
        .as_array()
        .and_then(|parts| parts.iter().find_map(|p| p.pointer("/properties/code")))
        .unwrap_or_else(|| panic!("a problem response restricts `code`: {schema}"));
    let code = resolve(doc, code);
    match (&code["enum"], &code["const"]) {
        (Value::Array(codes), _) => codes
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect(),
        (_, Value::String(code)) => BTreeSet::from([code.clone()]),
        _ => panic!("`code` neither enum nor const: {code}"),
    }
}

// --- failing ports ------------------------------------------------------------------------

struct DownSource;

impl ConfigSource for DownSource {
    fn project<'a>(
        &'a self,
        _id: &'a ProjectId,
    ) -> BoxFuture<'a, Result<Arc<ProjectConfig>, SourceError>> {
        Box::pin(async { Err(SourceError::Unavailable("down for the test".into())) })
    }
}

struct DownStore;

impl SessionStore for DownStore {
    fn put_session<'a>(&'a self, _: &'a Session) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async { Err(StoreError("down".into())) })
    }
    fn session<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: u64,
    ) -> BoxFuture<'a, Result<SessionLookup, StoreError>> {
        Box::pin(async { Err(StoreError("down".into())) })
    }
    fn logged_out_at<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: u64,
    ) -> BoxFuture<'a, Result<Option<u64>, StoreError>> {
        Box::pin(async { Err(StoreError("down".into())) })
    }
    fn apply_logout<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a Logout,
        _: u64,
        _: u64,
    ) -> BoxFuture<'a, Result<Applied, StoreError>> {
        Box::pin(async { Err(StoreError("down".into())) })
    }
}

// --- the projects and the requests --------------------------------------------------------

fn base(vendor: &str) -> serde_json::Map<String, Value> {
    json!({
        "vendor": vendor,
        "key": format!("{vendor}-vendor-secret-0123456789abcdef"),
        "allowed_origins": [ORIGIN],
        "callback_keys": [CALLBACK_KEY],
        "webhook_secrets": [WEBHOOK_SECRET],
    })
    .as_object()
    .unwrap()
    .clone()
}

fn project(vendor: &str, extra: Value) -> Value {
    let mut doc = base(vendor);
    doc.extend(extra.as_object().unwrap().clone());
    Value::Object(doc)
}

fn projects(oidc_jwks_url: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("oa-jwt", project("jsm-chat", json!({}))),
        ("oa-zendesk", project("zendesk", json!({"key_id": "app_1"}))),
        ("oa-hash", project("intercom", json!({}))),
        (
            "oa-domains",
            project(
                "jsm-chat",
                json!({"allowed_email_domains": ["example.org"]}),
            ),
        ),
        (
            "oa-hash-domains",
            project(
                "intercom",
                json!({"allowed_email_domains": ["example.org"]}),
            ),
        ),
        (
            "oa-custom",
            project("sprinklr", json!({"options": {"mode": "custom-user"}})),
        ),
        (
            "oa-cookie",
            project(
                "sprinklr",
                json!({"options": {"mode": "cookie"}, "cookie_domain": ".example.com"}),
            ),
        ),
        ("oa-useresponse", project("useresponse", json!({}))),
        (
            "oa-sprinklr",
            project("sprinklr", json!({"options": {"mode": "user"}})),
        ),
        (
            "oa-ips",
            project(
                "sprinklr",
                json!({"options": {"mode": "custom-user"}, "callback_allowed_ips": ["198.51.100.0/24"]}),
            ),
        ),
        (
            "oa-oidc",
            project(
                "intercom",
                json!({"oidc_logout": {"issuer": "https://idp.example.com/", "audience": "oa", "jwks_url": oidc_jwks_url}}),
            ),
        ),
        (
            "oa-oidc-down",
            project(
                "intercom",
                json!({"oidc_logout": {"issuer": "https://idp.example.com/", "audience": "oa", "jwks_url": "http://127.0.0.1:9/jwks.json"}}),
            ),
        ),
        (
            "oa-invalid",
            json!({"vendor": "nobody-we-know", "key": "k"}),
        ),
        (
            "oa-salesforce",
            project(
                "salesforce-miaw",
                json!({"key": RSA_KEY, "key_id": "k1", "options": {"issuer": "https://www.example.com"}}),
            ),
        ),
        ("oa-hubspot", project("hubspot", json!({}))),
        (
            "oa-hubspot-trusting",
            project("hubspot", json!({"trust_unverified_email": true})),
        ),
    ]
}

/// Which function serves a route, as `chatpass serve` and API Gateway route it.
async fn call(state: &State, route: &str, event: &Value) -> Response<Body> {
    call_request(state, route, request(event)).await
}

async fn call_request(state: &State, route: &str, request: lambda_http::Request) -> Response<Body> {
    let route = Route::named(route).unwrap_or_else(|| panic!("no route {route}"));
    route.handle(state, request).await
}

/// A sign-in request (token or user-hash) for `project`, from the fixture.
fn sign_in(route: &str, project: &str) -> Value {
    let (function, name) = match route {
        "token" => ("issue-jwt", "token"),
        _ => ("hash-user", "user-hash"),
    };
    let mut event = for_project(fixture(function, name), project);
    event["routeKey"] = json!(format!("POST /v1/projects/{{project}}/{route}"));
    event["requestContext"]["routeKey"] = event["routeKey"].clone();
    event
}

fn claims(extra: Value) -> Value {
    let mut claims = json!({
        "iss": "https://idp.example.com/", "aud": "chatpass", "sub": "u-1001",
        "email": "alice@example.com", "email_verified": "true", "name": "Alice Smith",
        "given_name": "Alice", "family_name": "Smith", "iat": "1700000000", "exp": "1700003600"
    });
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    claims
}

fn preflight(route: &str, project: &str) -> Value {
    let mut event = for_project(fixture("issue-jwt", "token-preflight"), project);
    event["routeKey"] = json!(format!("OPTIONS /v1/projects/{{project}}/{route}"));
    event
}

fn user_details(project: &str, body: Option<&str>) -> Value {
    let event = for_project(fixture("user-details-callback", "user-details"), project);
    match body {
        Some(body) => with_body(event, body),
        None => event,
    }
}

fn user_details_get(project: &str, query: Option<&str>) -> Value {
    let mut event = for_project(
        fixture("user-details-callback", "user-details-cookie"),
        project,
    );
    event.as_object_mut().unwrap().remove("cookies");
    if let Some(reference) = query {
        event["rawQueryString"] = json!(format!("token={reference}"));
        event["queryStringParameters"] = json!({ "token": reference });
    }
    event
}

fn webhook(project: &str, id: &str, body: &str) -> Value {
    signed_logout_webhook(project, WEBHOOK_SECRET, id, NOW, body)
}

fn session(project: &str, expires_at: u64) -> Session {
    Session {
        project: project.into(),
        reference: REFERENCE.into(),
        user: User {
            id: "u-1001".into(),
            email: Some("alice@example.com".into()),
            first_name: Some("Alice".into()),
            ..User::default()
        },
        created_ms: (NOW - 10) * 1000,
        issued_at: NOW - 10,
        expires_at,
    }
}

// --- what was seen ---------------------------------------------------------------------

/// Each answer checked against the document, and what the table reached.
struct Seen {
    doc: Value,
    /// (route, METHOD) → status → codes seen (`""` for a non-problem answer).
    reached: BTreeMap<(String, String), BTreeMap<String, BTreeSet<String>>>,
    /// Answers checked.
    checked: usize,
}

impl Seen {
    fn check(&mut self, route: &str, method: &str, what: &str, response: &Response<Body>) {
        let doc = &self.doc;
        let operation = operation(doc, route, method)
            .unwrap_or_else(|| panic!("{what}: {method} {route} is not in openapi.yaml"));
        let status = response.status().as_str().to_owned();
        let body = response.body().as_ref();
        let documented = operation["responses"].get(&status).unwrap_or_else(|| {
            panic!(
                "{what}: {method} {route} answered {status}, which openapi.yaml does not list: {}",
                String::from_utf8_lossy(body)
            )
        });
        let documented = resolve(doc, documented);
        for (name, header) in documented["headers"].as_object().into_iter().flatten() {
            let header = resolve(doc, header);
            let value = response.headers().get(name.as_str());
            if header["required"] == true {
                assert!(value.is_some(), "{what}: no `{name}` header ({status})");
            }
            if let Some(value) = value {
                let value = json!(value.to_str().unwrap());
                if let Some(problem) = mismatch(doc, &header["schema"], &value, name) {
                    panic!("{what}: header {problem}");
                }
            }
        }
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let mut code = String::new();
        match (documented.get("content"), content_type) {
            (None, _) => assert!(body.is_empty(), "{what}: a body where none is documented"),
            (Some(content), Some(content_type)) => {
                let media = content.get(&content_type).unwrap_or_else(|| {
                    panic!("{what}: {status} as {content_type}, documented as {content}")
                });
                let value: Value = serde_json::from_slice(body)
                    .unwrap_or_else(|e| panic!("{what}: the body is not JSON ({e})"));
                if let Some(problem) = mismatch(doc, &media["schema"], &value, "body") {
                    panic!("{what}: {problem}\n{value}");
                }
                if content_type == "application/problem+json" {
                    code = value["code"].as_str().unwrap().to_owned();
                    assert_eq!(value["status"], json!(response.status().as_u16()), "{what}");
                }
            }
            (Some(_), None) => panic!("{what}: {status} without a Content-Type"),
        }
        self.checked += 1;
        self.reached
            .entry((route.to_owned(), method.to_owned()))
            .or_default()
            .entry(status)
            .or_default()
            .insert(code);
    }
}

/// (route, METHOD, status, code or "") the table cannot reach through a handler, and why.
const NOT_REACHED: &[(&str, &str, &str, &str, &str)] = &[
    (
        "token",
        "OPTIONS",
        "413",
        "payload_too_large",
        "serve's 1 MiB read limit, before any route",
    ),
    (
        "user-hash",
        "OPTIONS",
        "413",
        "payload_too_large",
        "serve's 1 MiB read limit, before any route",
    ),
    (
        "user-details",
        "GET",
        "413",
        "payload_too_large",
        "serve's 1 MiB read limit, before any route",
    ),
    (
        "user-hash",
        "POST",
        "500",
        "internal_error",
        "no randomness for a reference",
    ),
    (
        "token",
        "POST",
        "422",
        "signing_failed",
        "the JWT backend failing",
    ),
    (
        "user-hash",
        "POST",
        "422",
        "missing_session_reference",
        "the handler always gives one",
    ),
];

fn not_reached(route: &str, method: &str, status: &str, code: &str) -> bool {
    NOT_REACHED.iter().any(|(r, m, s, c, _)| {
        *r == route && *m == method && *s == status && (code.is_empty() || *c == code)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_status_and_code_is_reached_and_every_answer_matches_the_document() {
    let idp = StandinIdp::generate("https://idp.example.com/", "oa");
    let jwks = JwksServer::start(&idp.jwks()).await;
    let documents = projects(&jwks.url());
    let fresh = || raw_state(&documents, Arc::new(ManualClock::at(NOW)));
    let down_source = || {
        let mut state = fresh();
        state.configs = Arc::new(DownSource);
        state
    };
    let down_store = || {
        let mut state = fresh();
        state.sessions = Arc::new(DownStore);
        state
    };
    let mut seen = Seen {
        doc: document(),
        reached: BTreeMap::new(),
        checked: 0,
    };
    let state = fresh();
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(17 * 1024));

    // token and user-hash
    for (route, ours, other) in [
        ("token", "oa-jwt", "oa-hash"),
        ("user-hash", "oa-hash", "oa-jwt"),
    ] {
        let post = |what: &str| format!("POST {route}: {what}");
        let mut check = async |what: &str, state: &State, event: Value| {
            let response = call(state, route, &event).await;
            seen.check(route, "POST", &post(what), &response);
        };
        check("signed", &state, sign_in(route, ours)).await;
        check("no body", &state, with_body(sign_in(route, ours), "")).await;
        check(
            "not an object",
            &state,
            with_body(sign_in(route, ours), "[1]"),
        )
        .await;
        check(
            "a field",
            &state,
            with_body(sign_in(route, ours), r#"{"sub":"x"}"#),
        )
        .await;
        check(
            "no identity",
            &state,
            with_authorizer_claims(sign_in(route, ours), None),
        )
        .await;
        let domains = if route == "token" {
            "oa-domains"
        } else {
            "oa-hash-domains"
        };
        check("other domain", &state, sign_in(route, domains)).await;
        let long = claims(json!({"sub": "u".repeat(600)}));
        check(
            "id too long for the store",
            &state,
            with_authorizer_claims(sign_in(route, ours), Some(long)),
        )
        .await;
        let unverified = claims(json!({"email_verified": "false"}));
        let vendor_by_email = if route == "token" {
            "oa-jwt"
        } else {
            "oa-useresponse"
        };
        check(
            "unverified email",
            &state,
            with_authorizer_claims(sign_in(route, vendor_by_email), Some(unverified)),
        )
        .await;
        check(
            "foreign origin",
            &state,
            with_header(
                sign_in(route, ours),
                "origin",
                Some("https://evil.example.net"),
            ),
        )
        .await;
        check("unknown project", &state, sign_in(route, "oa-nobody")).await;
        check("malformed project", &state, sign_in(route, "Bad_Id")).await;
        check("other endpoint", &state, sign_in(route, other)).await;
        check("invalid config", &state, sign_in(route, "oa-invalid")).await;
        check("too large", &state, with_body(sign_in(route, ours), &big)).await;
        let text = with_header(sign_in(route, ours), "content-type", Some("text/plain"));
        check("not JSON", &state, with_body(text, "hello")).await;
        let no_sub = claims(json!({"sub": null}));
        check(
            "no sub",
            &state,
            with_authorizer_claims(sign_in(route, ours), Some(no_sub)),
        )
        .await;
        let no_email = claims(json!({"email": null}));
        let needs_email = if route == "token" {
            "oa-jwt"
        } else {
            "oa-useresponse"
        };
        check(
            "no email",
            &state,
            with_authorizer_claims(sign_in(route, needs_email), Some(no_email)),
        )
        .await;
        check("config down", &down_source(), sign_in(route, ours)).await;
        check("store down", &down_store(), sign_in(route, ours)).await;
        let logged_out = fresh();
        let logout = Logout::User {
            user_id: "u-1001".into(),
        };
        logged_out
            .sessions
            .apply_logout(ours, "d-1", &logout, NOW - 50, NOW)
            .await
            .unwrap();
        check("logged out", &logged_out, sign_in(route, ours)).await;
        if route == "token" {
            let long = claims(json!({"sub": "u".repeat(256)}));
            check(
                "id too long",
                &state,
                with_authorizer_claims(sign_in(route, "oa-zendesk"), Some(long)),
            )
            .await;
            check("salesforce", &state, sign_in(route, "oa-salesforce")).await;
            for (status, what) in [
                (0, "hubspot"),
                (403, "hubspot without the feature"),
                (401, "hubspot refusing the key"),
                (500, "hubspot failing"),
            ] {
                let api = Arc::new(MemoryVendorApi::new());
                api.fail_with(status);
                let hubspot = fresh().with_vendor_api(api);
                check(what, &hubspot, sign_in(route, "oa-hubspot")).await;
            }
            let unverified = claims(json!({"email_verified": "false"}));
            check(
                "hubspot, an unverified email trusted",
                &state,
                with_authorizer_claims(sign_in(route, "oa-hubspot-trusting"), Some(unverified)),
            )
            .await;
        } else {
            check("custom-user", &state, sign_in(route, "oa-custom")).await;
            check("cookie", &state, sign_in(route, "oa-cookie")).await;
            check(
                "cookie, store down",
                &down_store(),
                sign_in(route, "oa-cookie"),
            )
            .await;
            let underscore = claims(json!({"given_name": "Al_ice"}));
            check(
                "ambiguous",
                &state,
                with_authorizer_claims(sign_in(route, "oa-sprinklr"), Some(underscore)),
            )
            .await;
            let mut bad_property = fresh();
            let mut doc = documents.clone();
            doc.push((
                "oa-props",
                project(
                    "useresponse",
                    json!({"identity": {"properties": {"tier": "tier"}}}),
                ),
            ));
            bad_property.configs = raw_state(&doc, Arc::new(ManualClock::at(NOW))).configs;
            let with_tier = claims(json!({"tier": "gold"}));
            check(
                "bad property key",
                &bad_property,
                with_authorizer_claims(sign_in(route, "oa-props"), Some(with_tier)),
            )
            .await;
        }

        // the preflight
        let mut check = async |what: &str, state: &State, event: Value| {
            let response = call(state, route, &event).await;
            seen.check(
                route,
                "OPTIONS",
                &format!("OPTIONS {route}: {what}"),
                &response,
            );
        };
        check("listed origin", &state, preflight(route, ours)).await;
        check(
            "no origin",
            &state,
            with_header(preflight(route, ours), "origin", None),
        )
        .await;
        check(
            "foreign origin",
            &state,
            with_header(
                preflight(route, ours),
                "origin",
                Some("https://evil.example.net"),
            ),
        )
        .await;
        check("unknown project", &state, preflight(route, "oa-nobody")).await;
        check("invalid config", &state, preflight(route, "oa-invalid")).await;
        check("config down", &down_source(), preflight(route, ours)).await;
    }

    // jwks.json
    {
        let mut check = async |what: &str, state: &State, project: &str| {
            let event = for_project(fixture("issue-jwt", "jwks"), project);
            let response = call(state, "jwks.json", &event).await;
            seen.check(
                "jwks.json",
                "GET",
                &format!("GET jwks.json: {what}"),
                &response,
            );
        };
        check("a key pair", &state, "oa-salesforce").await;
        check("a shared secret", &state, "oa-jwt").await;
        check("unknown project", &state, "oa-nobody").await;
        check("invalid config", &state, "oa-invalid").await;
        check("config down", &down_source(), "oa-salesforce").await;
    }

    // user-details, POST and GET
    let with_session = |expires_at: u64| async move {
        let state = fresh();
        state
            .sessions
            .put_session(&session("oa-custom", expires_at))
            .await
            .unwrap();
        state
    };
    let live = with_session(NOW + 300).await;
    let expired = with_session(NOW).await;
    let ended = with_session(NOW + 300).await;
    let end = Logout::Session {
        reference: REFERENCE.into(),
    };
    ended
        .sessions
        .apply_logout("oa-custom", "d-2", &end, NOW - 1, NOW)
        .await
        .unwrap();
    {
        let mut check = async |what: &str, state: &State, event: Value| {
            let response = call(state, "user-details", &event).await;
            seen.check(
                "user-details",
                "POST",
                &format!("POST user-details: {what}"),
                &response,
            );
        };
        check("known session", &live, user_details("oa-custom", None)).await;
        let in_query = user_details_get("oa-custom", Some(REFERENCE));
        check(
            "reference in the query",
            &live,
            with_method(in_query, "POST"),
        )
        .await;
        check("expired", &expired, user_details("oa-custom", None)).await;
        check("ended", &ended, user_details("oa-custom", None)).await;
        check("no session", &state, user_details("oa-custom", None)).await;
        check(
            "not a reference",
            &state,
            user_details("oa-custom", Some(r#"{"token":"nope"}"#)),
        )
        .await;
        check(
            "no reference",
            &state,
            user_details("oa-custom", Some("{}")),
        )
        .await;
        check(
            "token not a string",
            &state,
            user_details("oa-custom", Some(r#"{"token":5}"#)),
        )
        .await;
        check("not JSON", &state, user_details("oa-custom", Some("{"))).await;
        let planted = with_header(
            user_details("oa-custom", Some("")),
            "cookie",
            Some(&format!(
                "chatpass_session={REFERENCE}; chatpass_session=00000000000000000000000000000000"
            )),
        );
        check("two session cookies", &live, planted).await;
        let text = with_header(
            user_details("oa-custom", None),
            "content-type",
            Some("text/plain"),
        );
        check("not application/json", &state, text).await;
        check("too large", &state, user_details("oa-custom", Some(&big))).await;
        check(
            "no key",
            &state,
            with_header(user_details("oa-custom", None), "authorization", None),
        )
        .await;
        check(
            "wrong key",
            &state,
            with_header(
                user_details("oa-custom", None),
                "authorization",
                Some("Bearer cb-key-not-the-one-0000000000000"),
            ),
        )
        .await;
        check("address not allowed", &state, user_details("oa-ips", None)).await;
        check("unknown project", &state, user_details("oa-nobody", None)).await;
        check("invalid config", &state, user_details("oa-invalid", None)).await;
        check(
            "config down",
            &down_source(),
            user_details("oa-custom", None),
        )
        .await;
        check("store down", &down_store(), user_details("oa-custom", None)).await;
    }
    {
        let mut check = async |what: &str, state: &State, event: Value| {
            let response = call(state, "user-details", &event).await;
            seen.check(
                "user-details",
                "GET",
                &format!("GET user-details: {what}"),
                &response,
            );
        };
        let mut cookie = user_details_get("oa-custom", None);
        cookie["cookies"] = json!([format!("chatpass_session={REFERENCE}")]);
        check("cookie", &live, cookie).await;
        check(
            "query",
            &live,
            user_details_get("oa-custom", Some(REFERENCE)),
        )
        .await;
        check(
            "expired",
            &expired,
            user_details_get("oa-custom", Some(REFERENCE)),
        )
        .await;
        check(
            "no session",
            &state,
            user_details_get("oa-custom", Some(REFERENCE)),
        )
        .await;
        check("no reference", &state, user_details_get("oa-custom", None)).await;
        let mut planted = user_details_get("oa-custom", None);
        planted["cookies"] = json!([
            format!("chatpass_session={REFERENCE}"),
            "chatpass_session=00000000000000000000000000000000"
        ]);
        check("two session cookies", &live, planted).await;
        check(
            "no key",
            &state,
            with_header(user_details_get("oa-custom", None), "authorization", None),
        )
        .await;
        check(
            "unknown project",
            &state,
            user_details_get("oa-nobody", None),
        )
        .await;
        check(
            "invalid config",
            &state,
            user_details_get("oa-invalid", None),
        )
        .await;
        check(
            "config down",
            &down_source(),
            user_details_get("oa-custom", None),
        )
        .await;
        check(
            "store down",
            &down_store(),
            user_details_get("oa-custom", Some(REFERENCE)),
        )
        .await;
    }

    // logout
    {
        let mut check = async |what: &str, state: &State, request: lambda_http::Request| {
            let response = call_request(state, "logout", request).await;
            seen.check("logout", "POST", &format!("POST logout: {what}"), &response);
        };
        let delivery = webhook("oa-hash", "msg_oa_1", &logged_out_body("u-1001"));
        check("a delivery", &state, request(&delivery)).await;
        check("its repeat", &state, request(&delivery)).await;
        let mut repeated = request(&webhook("oa-hash", "msg_oa_2", &logged_out_body("u-1")));
        repeated
            .headers_mut()
            .append("webhook-id", "msg_oa_3".parse().unwrap());
        check("a repeated header", &state, repeated).await;
        let other_event = json!({"type": "user.created", "data": {"user_id": "u-1"}}).to_string();
        check(
            "another event",
            &state,
            request(&webhook("oa-hash", "msg_oa_4", &other_event)),
        )
        .await;
        check(
            "not the event",
            &state,
            request(&webhook("oa-hash", "msg_oa_5", "{}")),
        )
        .await;
        let long_id = "m".repeat(600);
        check(
            "a delivery id too long for the store",
            &state,
            request(&webhook("oa-hash", &long_id, &logged_out_body("u-1"))),
        )
        .await;
        let mut forged = webhook("oa-hash", "msg_oa_6", &logged_out_body("u-1001"));
        forged["body"] = json!(logged_out_body("u-1002"));
        check("a forged body", &state, request(&forged)).await;
        let unsigned = with_header(
            with_header(
                with_header(delivery.clone(), "webhook-signature", None),
                "webhook-id",
                None,
            ),
            "webhook-timestamp",
            None,
        );
        check("no signature", &state, request(&unsigned)).await;
        check(
            "too large",
            &state,
            request(&with_body(delivery.clone(), &big)),
        )
        .await;
        check(
            "unknown project",
            &state,
            request(&webhook("oa-nobody", "msg_oa_7", &logged_out_body("u-1"))),
        )
        .await;
        check(
            "invalid config",
            &state,
            request(&webhook("oa-invalid", "msg_oa_8", &logged_out_body("u-1"))),
        )
        .await;
        check("config down", &down_source(), request(&delivery)).await;
        check("store down", &down_store(), request(&delivery)).await;
        let token = idp.sign(
            json!({
                "iss": "https://idp.example.com/", "aud": "oa", "iat": NOW, "exp": NOW + 120,
                "jti": "jti-oa-1", "sub": "u-1001", "events": backchannel_events(),
            })
            .as_object()
            .unwrap(),
        );
        check(
            "a logout token",
            &state,
            request(&oidc_logout("oa-oidc", &token)),
        )
        .await;
        check(
            "a forged logout token",
            &state,
            request(&oidc_logout("oa-oidc", "eyJhbGciOiJub25lIn0.e30.")),
        )
        .await;
        check(
            "the IdP's JWKS unreachable",
            &state,
            request(&oidc_logout("oa-oidc-down", &token)),
        )
        .await;
    }

    // Every documented status and code of every operation was reached, or is listed as not
    // reachable through a handler, with why.
    let doc = &seen.doc;
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let route = path.rsplit('/').next().unwrap();
        for (method, op) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            let method = method.to_ascii_uppercase();
            let reached = seen
                .reached
                .get(&(route.to_owned(), method.clone()))
                .cloned()
                .unwrap_or_default();
            for (status, response) in op["responses"].as_object().unwrap() {
                let response = resolve(doc, response);
                let codes = reached.get(status);
                if codes.is_none() && !not_reached(route, &method, status, "") {
                    missing.push(format!("{method} {route} {status}"));
                }
                for code in documented_codes(doc, response) {
                    if !codes.is_some_and(|c| c.contains(&code))
                        && !not_reached(route, &method, status, &code)
                    {
                        missing.push(format!("{method} {route} {status} {code}"));
                    }
                }
            }
        }
    }
    eprintln!(
        "{} answers checked against openapi.yaml, reaching every documented status and code",
        seen.checked
    );
    assert!(
        missing.is_empty(),
        "documented but never answered by the table (reach them, or drop them from openapi.yaml):\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_document_has_exactly_the_routes_of_the_route_table() {
    let dispatched: BTreeSet<String> = Route::ALL
        .into_iter()
        .map(|route| path_of(route.name()))
        .collect();
    assert_eq!(
        dispatched.len(),
        Route::ALL.len(),
        "route names are distinct"
    );
    let documented: BTreeSet<String> = document()["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(documented, dispatched);
}

#[tokio::test]
async fn each_route_takes_exactly_the_documented_methods() {
    let doc = document();
    let state = raw_state(
        &projects("http://127.0.0.1:9/jwks.json"),
        Arc::new(ManualClock::at(NOW)),
    );
    let events = [
        ("token", sign_in("token", "oa-jwt")),
        (
            "jwks.json",
            for_project(fixture("issue-jwt", "jwks"), "oa-salesforce"),
        ),
        ("user-hash", sign_in("user-hash", "oa-hash")),
        ("user-details", user_details("oa-custom", None)),
        (
            "logout",
            webhook("oa-hash", "msg_methods", &logged_out_body("u-1")),
        ),
    ];
    for (route, event) in events {
        let mut documented_methods: Vec<&str> = METHODS
            .into_iter()
            .filter(|method| operation(&doc, route, method).is_some())
            .collect();
        documented_methods.sort_unstable();
        for method in METHODS {
            let response = call(&state, route, &with_method(event.clone(), method)).await;
            let refused = response.status() == 405;
            let documented = operation(&doc, route, method).is_some();
            assert_eq!(
                !refused,
                documented,
                "{method} {route}: answered {} but is {}documented",
                response.status(),
                if documented { "" } else { "not " }
            );
            if refused {
                let allow = response.headers()["allow"].to_str().unwrap();
                let mut allowed: Vec<&str> = allow.split(", ").collect();
                allowed.sort_unstable();
                assert_eq!(allowed, documented_methods, "{method} {route}: Allow");
            }
        }
    }
}

#[test]
fn problem_codes_are_exactly_the_codes_the_code_can_give() {
    let doc = document();
    let listed: Vec<String> = doc
        .pointer("/components/schemas/Problem/properties/code/enum")
        .and_then(Value::as_array)
        .expect("Problem.code is an enum")
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let all: Vec<String> = ServiceError::all_codes()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!(
        unique.len(),
        all.len(),
        "all_codes lists a code twice: {all:?}"
    );
    assert_eq!(
        listed.iter().collect::<BTreeSet<_>>(),
        unique,
        "Problem.code in openapi.yaml against ServiceError::all_codes()"
    );
    assert_eq!(listed.len(), all.len(), "Problem.code lists a code twice");

    // Every per-response restriction names codes of the list.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                for code in documented_codes(&doc, resolve(&doc, response)) {
                    assert!(
                        listed.contains(&code),
                        "{method} {path} {status}: `{code}` is not a Problem.code"
                    );
                }
            }
        }
    }
}

#[test]
fn the_project_pattern_is_the_one_the_code_checks() {
    let doc = document();
    assert_eq!(
        doc["components"]["parameters"]["project"]["schema"]["pattern"],
        "^[a-z0-9][a-z0-9-]{0,62}$"
    );
    for (id, ok) in [
        ("a", true),
        ("acme-support", true),
        (&"a".repeat(63), true),
        (&"a".repeat(64), false),
        ("-a", false),
        ("A", false),
        ("a_b", false),
    ] {
        assert_eq!(ProjectId::parse(id).is_some(), ok, "{id}");
    }
}
