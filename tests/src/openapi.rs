//! What the OpenAPI checks share: openapi.yaml read and resolved, a JSON Schema validator for
//! the keywords the document uses, and the projects and requests that reach every documented
//! answer through the real handlers.

use crate::support::{fixture, for_project, request, signed_logout_webhook, with_body};
use chatpass::routes;
use chatpass_service::State;
use chatpass_service::store::Session;
use chatpass_service::testing::RSA_KEY;
use chatpass_signing::User;
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The fixtures' identity tokens are issued at 1_700_000_000.
pub const NOW: u64 = 1_700_000_100;
pub const ORIGIN: &str = "https://www.example.com";
pub const CALLBACK_KEY: &str = "cb-key-0123456789abcdefghijklmnop";
pub const WEBHOOK_SECRET: &str = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
pub const REFERENCE: &str = "00112233445566778899aabbccddeeff";
pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn document() -> Value {
    let text = std::fs::read_to_string(workspace().join("openapi.yaml")).expect("openapi.yaml");
    serde_norway::from_str(&text).expect("openapi.yaml is YAML")
}

/// Follows a local `$ref` (`#/components/...`) until a value without one.
pub fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    while let Some(pointer) = value.get("$ref").and_then(Value::as_str) {
        let pointer = pointer.strip_prefix('#').expect("a local $ref");
        value = doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("$ref {pointer} resolves to nothing"));
    }
    value
}

pub fn path_of(route: &str) -> String {
    format!("/v1/projects/{{project}}/{route}")
}

/// The documented operation, e.g. (`token`, `POST`).
pub fn operation<'a>(doc: &'a Value, route: &str, method: &str) -> Option<&'a Value> {
    doc["paths"][path_of(route)].get(method.to_ascii_lowercase())
}

// --- a JSON Schema validator for the keywords openapi.yaml uses --------------------------

/// Why `value` does not match `schema`, if it does not. `pattern` is left to schemathesis.
pub fn mismatch(doc: &Value, schema: &Value, value: &Value, at: &str) -> Option<String> {
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
pub fn documented_codes(doc: &Value, response: &Value) -> BTreeSet<String> {
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

// --- the projects and the requests --------------------------------------------------------

pub fn base(vendor: &str) -> serde_json::Map<String, Value> {
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

pub fn project(vendor: &str, extra: Value) -> Value {
    let mut doc = base(vendor);
    doc.extend(extra.as_object().unwrap().clone());
    Value::Object(doc)
}

pub fn projects(oidc_jwks_url: &str) -> Vec<(&'static str, Value)> {
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
pub async fn call(state: &State, route: &str, event: &Value) -> Response<Body> {
    call_request(state, route, request(event)).await
}

pub async fn call_request(
    state: &State,
    route: &str,
    request: lambda_http::Request,
) -> Response<Body> {
    let route = routes::named(route).unwrap_or_else(|| panic!("no route {route}"));
    route.handle(state, request).await
}

/// A sign-in request (token or user-hash) for `project`, from the fixture.
pub fn sign_in(route: &str, project: &str) -> Value {
    let declared = routes::named(route).unwrap_or_else(|| panic!("no route {route}"));
    let mut event = for_project(crate::support::fixture_of(declared), project);
    event["routeKey"] = json!(format!("POST /v1/projects/{{project}}/{route}"));
    event["requestContext"]["routeKey"] = event["routeKey"].clone();
    event
}

/// [`sign_in`] carrying the authorizer's [`claims`] with `changes`.
pub fn sign_in_as(route: &str, project: &str, changes: Value) -> Value {
    crate::support::with_authorizer_claims(sign_in(route, project), Some(claims(changes)))
}

pub fn claims(extra: Value) -> Value {
    let claims = json!({
        "iss": "https://idp.example.com/", "aud": "chatpass", "sub": "u-1001",
        "email": "alice@example.com", "email_verified": "true", "name": "Alice Smith",
        "given_name": "Alice", "family_name": "Smith", "iat": "1700000000", "exp": "1700003600"
    });
    chatpass_service::testing::with_changes(claims, &extra)
}

pub fn preflight(route: &str, project: &str) -> Value {
    let mut event = for_project(fixture("issue-jwt", "token-preflight"), project);
    event["routeKey"] = json!(format!("OPTIONS /v1/projects/{{project}}/{route}"));
    event
}

pub fn user_details(project: &str, body: Option<&str>) -> Value {
    let event = for_project(fixture("user-details-callback", "user-details"), project);
    match body {
        Some(body) => with_body(event, body),
        None => event,
    }
}

pub fn user_details_get(project: &str, query: Option<&str>) -> Value {
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

pub fn webhook(project: &str, id: &str, body: &str) -> Value {
    signed_logout_webhook(project, WEBHOOK_SECRET, id, NOW, body)
}

pub fn session(project: &str, expires_at: u64) -> Session {
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
        issued_at: Some(NOW - 10),
        expires_at,
    }
}
