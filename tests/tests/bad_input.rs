//! Bad input gets the right 4xx problem+json and is never a 500: missing claims, a project
//! whose config does not check (unknown vendor, empty key, …), garbage JSON, the wrong content
//! type, a body over 16 KiB, a disallowed origin, the wrong method and a malformed project id,
//! on both browser-facing routes; then arbitrary requests through all four handlers.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chatpass_service::State;
use chatpass_service::clock::ManualClock;
use chatpass_service::pipeline::Served;
use chatpass_service::request::MAX_BODY_BYTES;
use chatpass_service::testing::{
    CALLBACK_KEY, JSM_KEY, NOW, ORIGIN, REFERENCE, SPRINKLR_KEY, WEBHOOK_SECRET,
    assert_readable_by_origin, idp, jsm_project, raw_state, session, verifier_for,
};
use chatpass_signing::User;
use chatpass_signing::webhook::WebhookSecret;
use chatpass_tests::support::route;
use chatpass_tests::support::{
    fixture, for_project, json_body, request, with_authorizer_claims, with_body, with_header,
    with_method,
};
use lambda_http::{Body, Response};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use std::sync::Arc;

/// Key values in configs that do not check: no answer may ever contain one.
const BROKEN_KEYS: [&str; 4] = [
    "KEY-bad-vendor-secret-0123456789",
    "KEY-short-callback-vendor-key-0123",
    "KEY-cb-short",
    "KEY-in-a-list-0123456789",
];

/// Every project the tests know: two good ones per browser route, and configs that do not check.
fn projects() -> Vec<(&'static str, Value)> {
    vec![
        ("acme-jsm", jsm_project()),
        (
            "acme-sprinklr",
            json!({"vendor": "sprinklr", "key": SPRINKLR_KEY, "allowed_origins": [ORIGIN],
                   "options": {"mode": "user", "hash_creation_time": false}}),
        ),
        (
            "acme-custom",
            json!({"vendor": "sprinklr", "key": SPRINKLR_KEY, "allowed_origins": [ORIGIN],
                   "options": {"mode": "custom-user"}, "callback_keys": [CALLBACK_KEY],
                   "webhook_secrets": [WEBHOOK_SECRET]}),
        ),
        (
            "acme-cookie",
            json!({"vendor": "sprinklr", "key": SPRINKLR_KEY, "allowed_origins": [ORIGIN],
                   "options": {"mode": "cookie"}, "cookie_domain": ".example.com",
                   "callback_keys": [CALLBACK_KEY], "callback_allowed_ips": ["203.0.113.0/24"],
                   "webhook_secrets": [WEBHOOK_SECRET],
                   "user_details_fields": {"id": "externalId", "email": "mail"}}),
        ),
        (
            "bad-vendor",
            json!({"vendor": "no-such-vendor", "key": BROKEN_KEYS[0]}),
        ),
        ("empty-key", json!({"vendor": "jsm-chat", "key": ""})),
        (
            "short-callback",
            json!({"vendor": "jsm-chat", "key": BROKEN_KEYS[1], "callback_keys": [BROKEN_KEYS[2]]}),
        ),
        (
            "key-not-text",
            json!({"vendor": "sprinklr", "key": [BROKEN_KEYS[3]]}),
        ),
    ]
}

fn state() -> State {
    raw_state(&projects(), Arc::new(ManualClock::at(NOW)))
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum SignInRoute {
    Token,
    UserHash,
}

impl SignInRoute {
    fn event(self) -> Value {
        match self {
            SignInRoute::Token => for_project(fixture("issue-jwt", "token"), "acme-jsm"),
            SignInRoute::UserHash => {
                for_project(fixture("hash-user", "user-hash"), "acme-sprinklr")
            }
        }
    }

    async fn call(self, state: &State, event: &Value) -> Response<Body> {
        let api = match self {
            SignInRoute::Token => route("token"),
            SignInRoute::UserHash => route("user-hash"),
        };
        api.handle(state, request(event)).await
    }
}

/// Applies `change` to the authorizer's claims.
fn claims(mut event: Value, change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    change(
        event["requestContext"]["authorizer"]["jwt"]["claims"]
            .as_object_mut()
            .unwrap(),
    );
    event
}

/// Sets the authorizer's claim `name` to `value`, or removes it for `None`.
fn claim(event: Value, name: &str, value: Option<Value>) -> Value {
    claims(event, |c| match value {
        Some(value) => {
            c.insert(name.into(), value);
        }
        None => {
            c.remove(name);
        }
    })
}

fn header<'r>(response: &'r Response<Body>, name: &str) -> Option<&'r str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A body of exactly `len` bytes: a JSON object padded with spaces.
fn padded_json(len: usize) -> String {
    format!("{{}}{}", " ".repeat(len - 2))
}

/// Asserts what every refusal must be: problem+json, below 500, never cached, the RFC 9457
/// members present, and no key of any project in it.
#[track_caller]
fn assert_refusal_shape(response: &Response<Body>, context: &str) {
    let status = response.status().as_u16();
    assert!(
        (400..500).contains(&status),
        "{context}: status {status} {:?}",
        response.body()
    );
    assert_eq!(
        header(response, "content-type"),
        Some("application/problem+json"),
        "{context}"
    );
    assert_eq!(
        header(response, "cache-control"),
        Some("no-store"),
        "{context}"
    );
    let problem = json_body(response);
    for member in ["type", "title", "code", "detail"] {
        assert!(
            problem[member].is_string(),
            "{context}: `{member}` in {problem}"
        );
    }
    assert_eq!(problem["status"], json!(status), "{context}: {problem}");
    let text = String::from_utf8_lossy(response.body().as_ref()).into_owned();
    for key in BROKEN_KEYS
        .iter()
        .chain(&[JSM_KEY, SPRINKLR_KEY, CALLBACK_KEY, WEBHOOK_SECRET])
    {
        assert!(!text.contains(key), "{context}: a key in {text}");
    }
}

struct Case {
    name: &'static str,
    /// Only for this route; both when `None`.
    only: Option<SignInRoute>,
    change: fn(Value) -> Value,
    status: u16,
    code: &'static str,
    /// Words the problem's `detail` must hold (a field name, say).
    detail: &'static [&'static str],
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "claims without sub",
            only: None,
            change: |e| claim(e, "sub", None),
            status: 422,
            code: "missing_claim",
            detail: &["sub"],
        },
        Case {
            name: "an empty sub claim",
            only: None,
            change: |e| claim(e, "sub", Some(json!(""))),
            status: 422,
            code: "missing_claim",
            detail: &["sub"],
        },
        Case {
            name: "no authorizer and no verifier",
            only: None,
            change: |mut e| {
                e["requestContext"]
                    .as_object_mut()
                    .unwrap()
                    .remove("authorizer");
                e
            },
            status: 401,
            code: "unauthorized",
            detail: &[],
        },
        Case {
            name: "claims without the email jsm-chat needs",
            only: Some(SignInRoute::Token),
            change: |e| claim(e, "email", None),
            status: 422,
            code: "missing_field",
            detail: &["email"],
        },
        Case {
            name: "a `_` in a name sprinklr would sign ambiguously",
            only: Some(SignInRoute::UserHash),
            change: |e| claim(e, "given_name", Some(json!("Al_ice"))),
            status: 422,
            code: "ambiguous_field",
            detail: &["first_name"],
        },
        Case {
            name: "an unknown vendor",
            only: None,
            change: |e| for_project(e, "bad-vendor"),
            status: 409,
            code: "invalid_project_config",
            detail: &["vendor"],
        },
        Case {
            name: "an empty vendor key",
            only: None,
            change: |e| for_project(e, "empty-key"),
            status: 409,
            code: "invalid_project_config",
            detail: &["key"],
        },
        Case {
            name: "a callback key shorter than 24 bytes",
            only: None,
            change: |e| for_project(e, "short-callback"),
            status: 409,
            code: "invalid_project_config",
            detail: &["callback_keys[0]"],
        },
        Case {
            name: "a vendor key that is not text",
            only: None,
            change: |e| for_project(e, "key-not-text"),
            status: 409,
            code: "invalid_project_config",
            detail: &["key"],
        },
        Case {
            name: "garbage JSON",
            only: None,
            change: |e| with_body(e, "{\"not\": json"),
            status: 400,
            code: "bad_json",
            detail: &[],
        },
        Case {
            name: "JSON that is not an object",
            only: None,
            change: |e| with_body(e, "[1, 2, 3]"),
            status: 400,
            code: "bad_json",
            detail: &[],
        },
        Case {
            name: "a text/plain body",
            only: None,
            change: |e| with_header(with_body(e, "hello"), "content-type", Some("text/plain")),
            status: 415,
            code: "unsupported_media_type",
            detail: &[],
        },
        Case {
            name: "a body without a content type",
            only: None,
            change: |e| with_header(e, "content-type", None),
            status: 415,
            code: "unsupported_media_type",
            detail: &[],
        },
        Case {
            name: "a body of 16 KiB + 1",
            only: None,
            change: |e| with_body(e, &padded_json(MAX_BODY_BYTES + 1)),
            status: 413,
            code: "payload_too_large",
            detail: &[],
        },
        Case {
            name: "a body that names fields",
            only: None,
            change: |e| with_body(e, r#"{"user": {"id": "evil"}}"#),
            status: 400,
            code: "unexpected_field",
            detail: &["user"],
        },
        Case {
            name: "a disallowed origin",
            only: None,
            change: |e| with_header(e, "origin", Some("https://evil.example")),
            status: 403,
            code: "origin_not_allowed",
            detail: &[],
        },
        Case {
            name: "a listed origin with another scheme",
            only: None,
            change: |e| with_header(e, "origin", Some("http://www.example.com")),
            status: 403,
            code: "origin_not_allowed",
            detail: &[],
        },
        Case {
            name: "a preflight from a disallowed origin",
            only: None,
            change: |e| {
                with_header(
                    with_method(e, "OPTIONS"),
                    "origin",
                    Some("https://evil.example"),
                )
            },
            status: 403,
            code: "origin_not_allowed",
            detail: &[],
        },
        Case {
            name: "GET",
            only: None,
            change: |e| with_method(e, "GET"),
            status: 405,
            code: "method_not_allowed",
            detail: &[],
        },
        Case {
            name: "DELETE",
            only: None,
            change: |e| with_method(e, "DELETE"),
            status: 405,
            code: "method_not_allowed",
            detail: &[],
        },
        Case {
            name: "a project id with upper case and `_`",
            only: None,
            change: |e| for_project(e, "Acme_Support"),
            status: 404,
            code: "unknown_project",
            detail: &[],
        },
        Case {
            name: "a project id of 64 characters",
            only: None,
            change: |e| for_project(e, &"a".repeat(64)),
            status: 404,
            code: "unknown_project",
            detail: &[],
        },
        Case {
            name: "a project id starting with `-`",
            only: None,
            change: |e| for_project(e, "-acme"),
            status: 404,
            code: "unknown_project",
            detail: &[],
        },
        Case {
            name: "an unknown project",
            only: None,
            change: |e| for_project(e, "acme-nobody"),
            status: 404,
            code: "unknown_project",
            detail: &[],
        },
    ]
}

#[tokio::test]
async fn each_bad_input_gets_its_4xx_problem_on_both_browser_routes() {
    let state = state();
    let mut checked = 0;
    for route in [SignInRoute::Token, SignInRoute::UserHash] {
        for case in cases().iter().filter(|c| c.only.is_none_or(|r| r == route)) {
            let context = format!("{route:?}: {}", case.name);
            let response = route.call(&state, &(case.change)(route.event())).await;
            assert_refusal_shape(&response, &context);
            let problem = json_body(&response);
            assert_eq!(
                (
                    response.status().as_u16(),
                    problem["code"].as_str().unwrap()
                ),
                (case.status, case.code),
                "{context}: {problem}"
            );
            let detail = problem["detail"].as_str().unwrap();
            for word in case.detail {
                assert!(detail.contains(word), "{context}: {detail}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * (cases().len() - 2) + 2);
}

#[tokio::test]
async fn a_disallowed_origin_cannot_read_the_refusal() {
    let state = state();
    for route in [SignInRoute::Token, SignInRoute::UserHash] {
        let event = with_header(route.event(), "origin", Some("https://evil.example"));
        let response = route.call(&state, &event).await;
        assert_eq!(response.status(), 403);
        assert!(
            header(&response, "access-control-allow-origin").is_none(),
            "{route:?}"
        );
        assert!(
            header(&response, "access-control-allow-credentials").is_none(),
            "{route:?}"
        );
    }
}

#[tokio::test]
async fn a_listed_origin_can_read_the_refusal() {
    let state = state();
    for route in [SignInRoute::Token, SignInRoute::UserHash] {
        let event = claims(route.event(), |c| {
            c.remove("sub");
        });
        let response = route.call(&state, &event).await;
        assert_eq!(response.status(), 422);
        assert_readable_by_origin(&response, &format!("{route:?}"));
    }
}

#[tokio::test]
async fn a_body_of_exactly_16_kib_is_still_read() {
    let state = state();
    for route in [SignInRoute::Token, SignInRoute::UserHash] {
        let event = with_body(route.event(), &padded_json(MAX_BODY_BYTES));
        let response = route.call(&state, &event).await;
        assert_eq!(response.status(), 200, "{route:?}: {:?}", response.body());
    }
}

// ---- arbitrary requests through all four handlers ------------------------------------------

/// What the webhook headers carry.
#[derive(Clone, Debug)]
enum Webhook {
    Absent,
    /// Signed properly for the body with the projects' secret at `NOW`.
    Signed(String),
    Arbitrary(String, String, String),
}

#[derive(Clone, Debug)]
struct Arbitrary {
    fixture: usize,
    project: String,
    method: String,
    content_type: Option<String>,
    origin: Option<String>,
    authorization: Option<String>,
    claims: Option<Vec<(String, String)>>,
    body: Vec<u8>,
    base64: bool,
    webhook: Webhook,
    cookie: Option<String>,
    query: Option<String>,
}

const FIXTURES: [(&str, &str); 6] = [
    ("issue-jwt", "token"),
    ("issue-jwt", "token-preflight"),
    ("hash-user", "user-hash"),
    ("user-details-callback", "user-details"),
    ("user-details-callback", "user-details-cookie"),
    ("logout-webhook", "logout-webhook"),
];

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[ -~]{{0,{max}}}")).unwrap()
}

fn arbitrary(bearer: String) -> impl Strategy<Value = Arbitrary> {
    // Weighted towards requests that pass the early checks, so the later ones are reached.
    let project = prop_oneof![
        3 => Just("acme-jsm".to_owned()),
        3 => Just("acme-sprinklr".to_owned()),
        3 => Just("acme-custom".to_owned()),
        3 => Just("acme-cookie".to_owned()),
        1 => Just("bad-vendor".to_owned()),
        1 => Just("empty-key".to_owned()),
        1 => Just("acme-nobody".to_owned()),
        1 => "[a-zA-Z0-9_.-]{0,70}",
    ];
    let method = prop_oneof![
        8 => Just("POST"),
        3 => Just("GET"),
        1 => Just("OPTIONS"),
        1 => Just("PUT"),
        1 => Just("DELETE"),
        1 => Just("HEAD"),
    ]
    .prop_map(str::to_owned);
    let content_type = proptest::option::weighted(
        0.8,
        prop_oneof![
            6 => Just("application/json".to_owned()),
            1 => Just("application/json; charset=utf-8".to_owned()),
            1 => Just("APPLICATION/JSON".to_owned()),
            1 => Just("text/plain".to_owned()),
            1 => Just("application/x-www-form-urlencoded".to_owned()),
            1 => text(40),
        ],
    );
    let origin = proptest::option::of(prop_oneof![
        6 => Just(ORIGIN.to_owned()),
        1 => Just("https://evil.example".to_owned()),
        1 => Just("null".to_owned()),
        1 => text(40),
    ]);
    let authorization = proptest::option::weighted(
        0.8,
        prop_oneof![
            4 => Just(format!("Bearer {CALLBACK_KEY}")),
            4 => Just(format!("Bearer {bearer}")),
            1 => Just("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.".to_owned()),
            1 => text(80).prop_map(|t| format!("Bearer {t}")),
            1 => text(80),
        ],
    );
    let claim_name = prop_oneof![
        Just("sub"),
        Just("email"),
        Just("email_verified"),
        Just("name"),
        Just("given_name"),
        Just("family_name"),
        Just("phone_number"),
        Just("picture"),
        Just("iat"),
    ]
    .prop_map(str::to_owned);
    let claim_value = prop_oneof![
        3 => text(30),
        1 => Just(String::new()),
        1 => Just("true".to_owned()),
        1 => Just("false".to_owned()),
        1 => Just(NOW.to_string()),
        1 => Just("a@example.com".to_owned()),
    ];
    let alice = [
        ("sub", "u-1001"),
        ("email", "alice@example.com"),
        ("email_verified", "true"),
        ("name", "Alice Smith"),
        ("given_name", "Alice"),
        ("family_name", "Smith"),
        ("iat", "1700000000"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .to_vec();
    let changes = proptest::collection::vec((claim_name, claim_value), 0..6);
    let claims = proptest::option::weighted(
        0.8,
        prop_oneof![
            3 => changes.clone().prop_map(move |changes| [alice.clone(), changes].concat()),
            1 => changes,
        ],
    );
    let body = prop_oneof![
        3 => Just(Vec::new()),
        2 => Just(b"{}".to_vec()),
        2 => proptest::collection::vec(any::<u8>(), 0..300),
        2 => text(200).prop_map(String::into_bytes),
        2 => Just(format!(r#"{{"token": "{REFERENCE}"}}"#).into_bytes()),
        2 => text(40).prop_map(|t| json!({ "token": t }).to_string().into_bytes()),
        1 => Just(br#"{"token": 7}"#.to_vec()),
        3 => (
            prop_oneof![Just("user.logged_out".to_owned()), text(20)],
            prop_oneof![Just("u-1001".to_owned()), text(20)],
            proptest::option::of(prop_oneof![Just(REFERENCE.to_owned()), text(40)]),
        )
            .prop_map(|(kind, user, session)| {
                json!({"type": kind, "data": {"user_id": user, "session": session}})
                    .to_string()
                    .into_bytes()
            }),
        1 => text(60).prop_map(|t| format!("logout_token={t}").into_bytes()),
        1 => (MAX_BODY_BYTES - 4..MAX_BODY_BYTES + 4).prop_map(|n| vec![b' '; n]),
        1 => (MAX_BODY_BYTES - 4..MAX_BODY_BYTES + 4).prop_map(|n| vec![b'x'; n]),
    ];
    let webhook = prop_oneof![
        1 => Just(Webhook::Absent),
        2 => "msg_[a-zA-Z0-9]{1,12}".prop_map(Webhook::Signed),
        1 => (text(20), text(12), text(60)).prop_map(|(i, t, s)| Webhook::Arbitrary(i, t, s)),
    ];
    let cookie = proptest::option::of(prop_oneof![
        Just(format!("chatpass_session={REFERENCE}")),
        "chatpass_session=[0-9a-f]{32}",
        "[!-~]{0,40}",
    ]);
    let query = proptest::option::of(prop_oneof![
        Just(format!("token={REFERENCE}")),
        "token=[a-zA-Z0-9%._-]{0,40}",
        "[a-zA-Z0-9=&%._-]{0,40}",
    ]);
    (
        (0..FIXTURES.len(), project, method, content_type, origin),
        (authorization, claims, body, any::<bool>(), webhook),
        (cookie, query),
    )
        .prop_map(
            |(
                (fixture, project, method, content_type, origin),
                (authorization, claims, body, base64, webhook),
                (cookie, query),
            )| Arbitrary {
                fixture,
                project,
                method,
                content_type,
                origin,
                authorization,
                claims,
                body,
                base64,
                webhook,
                cookie,
                query,
            },
        )
}

/// The API Gateway v2 event of an arbitrary request.
fn arbitrary_event(a: &Arbitrary) -> Value {
    let (function, name) = FIXTURES[a.fixture];
    let mut event = with_method(for_project(fixture(function, name), &a.project), &a.method);
    if a.project.is_empty() || a.project.contains(['/', '.']) {
        // Keep the path a path; the parameter still carries the odd id.
        event["rawPath"] = json!("/v1/projects/x/route");
        event["requestContext"]["http"]["path"] = json!("/v1/projects/x/route");
    }
    event["headers"] = json!({});
    let mut set = |name: &str, value: &Option<String>| {
        if let Some(value) = value {
            event["headers"][name] = json!(value);
        }
    };
    set("content-type", &a.content_type);
    set("origin", &a.origin);
    set("authorization", &a.authorization);
    set("cookie", &a.cookie);
    match &a.webhook {
        Webhook::Absent => {}
        Webhook::Signed(id) => {
            let signature = WebhookSecret::parse(WEBHOOK_SECRET)
                .unwrap()
                .sign(id, NOW as i64, &a.body);
            event["headers"]["webhook-id"] = json!(id);
            event["headers"]["webhook-timestamp"] = json!(NOW.to_string());
            event["headers"]["webhook-signature"] = json!(signature);
        }
        Webhook::Arbitrary(id, timestamp, signature) => {
            event["headers"]["webhook-id"] = json!(id);
            event["headers"]["webhook-timestamp"] = json!(timestamp);
            event["headers"]["webhook-signature"] = json!(signature);
        }
    }
    let claims = a
        .claims
        .as_ref()
        .map(|claims| Value::Object(claims.iter().map(|(k, v)| (k.clone(), json!(v))).collect()));
    let mut event = with_authorizer_claims(event, claims);
    event.as_object_mut().unwrap().remove("cookies");
    if let Some(query) = &a.query {
        event["rawQueryString"] = json!(query);
        let params: serde_json::Map<String, Value> = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), json!(v)))
            .collect();
        event["queryStringParameters"] = Value::Object(params);
    }
    match (a.base64, std::str::from_utf8(&a.body)) {
        (false, Ok(text)) => {
            event["body"] = json!(text);
            event["isBase64Encoded"] = json!(false);
        }
        _ => {
            event["body"] = json!(STANDARD.encode(&a.body));
            event["isBase64Encoded"] = json!(true);
        }
    }
    event
}

/// Never a 5xx, every answer uncached (but a 200 of a route that declares how long it may be
/// kept), every refusal problem+json.
fn check(route: &Served, response: &Response<Body>) -> Result<(), TestCaseError> {
    let handler = route.spec.name;
    let status = response.status().as_u16();
    prop_assert!(status < 500, "{handler}: {status} {:?}", response.body());
    let cache = match route.spec.cacheable_for {
        Some(seconds) if status == 200 => format!("public, max-age={seconds}"),
        _ => "no-store".to_owned(),
    };
    prop_assert_eq!(
        header(response, "cache-control"),
        Some(cache.as_str()),
        "{}",
        handler
    );
    if status >= 400 {
        prop_assert_eq!(
            header(response, "content-type"),
            Some("application/problem+json"),
            "{}",
            handler
        );
        let problem = json_body(response);
        prop_assert!(problem["code"].is_string(), "{handler}: {problem}");
        prop_assert_eq!(&problem["status"], &json!(status), "{}", handler);
    }
    Ok(())
}

#[test]
fn arbitrary_requests_never_get_a_5xx_or_a_panic_from_any_handler() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let bearer = idp().id_token(
        "u-1001",
        NOW,
        json!({"email": "alice@example.com", "email_verified": true, "given_name": "Alice"}),
    );
    let state = state().with_verifier(verifier_for(idp()));
    for project in ["acme-custom", "acme-cookie"] {
        let user = User {
            id: "u-1001".into(),
            email: Some("alice@example.com".into()),
            ..User::default()
        };
        let session = session(project, REFERENCE, user, NOW, 300);
        runtime
            .block_on(state.sessions.put_session(&session))
            .unwrap();
    }

    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&arbitrary(bearer), |a| {
            let event = arbitrary_event(&a);
            let Ok(request) = lambda_http::request::from_str(&event.to_string()) else {
                // Not an event API Gateway could send; nothing reaches a handler.
                return Ok(());
            };
            drop(request);
            runtime.block_on(async {
                for route in chatpass::routes::all() {
                    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
                    check(route, &route.handle(&state, request).await)?;
                }
                Ok(())
            })
        })
        .unwrap();
}
