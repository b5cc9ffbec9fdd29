//! Each function's Lambda entry point (what its `main` runs) with API Gateway v2 events that
//! lambda_http 1.3 cannot turn into a request as they come — a raw query string or path holding
//! spaces, quotes, `<>` or control characters, a Host header no URL can hold — answers itself:
//! the route's normal answer where it ignores the query, a 4xx where it reads it; never a panic
//! (a 500 from API Gateway) and never a 5xx.

use chatpass_service::pipeline::Served;
use chatpass_service::testing::{
    CALLBACK_KEY, NOW, ORIGIN, SPRINKLR_KEY, WEBHOOK_SECRET, harness, jsm_project,
    through_lambda_entry,
};
use chatpass_tests::support::{fixture, fixture_of, for_project};
use serde_json::{Value, json};

/// The projects the functions' fixtures name.
fn projects() -> Vec<(&'static str, Value)> {
    vec![
        ("acme-jsm", jsm_project()),
        (
            "acme-sprinklr",
            json!({"vendor": "sprinklr", "key": SPRINKLR_KEY, "allowed_origins": [ORIGIN],
                   "options": {"mode": "custom-user"}, "callback_keys": [CALLBACK_KEY],
                   "webhook_secrets": [WEBHOOK_SECRET]}),
        ),
    ]
}

/// The route's fixture, and the status its function answers with the query ignored or read:
/// for a route with no case here, its declared fixture for acme-jsm and whatever that answers
/// (below 500) as it comes.
async fn event(route: &'static Served) -> (Value, u16) {
    let declared = fixture_of(route);
    match route.spec.name {
        "token" | "user-hash" | "logout" => (declared, 200),
        // acme-jsm signs with a shared secret: no public keys to publish.
        "jwks.json" | "public-key.pem" | "public-keys.json" => {
            (for_project(declared, "acme-jsm"), 409)
        }
        // The reference comes from the query when the body has none: not one chatpass issued.
        "user-details" => (fixture("user-details-callback", "user-details-cookie"), 404),
        _ => {
            let event = for_project(declared, "acme-jsm");
            let (status, body) = answer(route, &event).await;
            assert!(status < 500, "{} as it comes: {body}", route.spec.name);
            (event, status)
        }
    }
}

const HOSTILE_QUERIES: [&str; 5] = [
    "token=a b",
    "token=\"quoted\"&x=<script>",
    "token=%zz%&y=\u{1}\u{7f}",
    "token=é&{x}=|^`\\",
    "token=#fragment",
];

async fn answer(route: &'static Served, event: &Value) -> (u16, Value) {
    let state = harness(&projects(), NOW).state;
    let response = through_lambda_entry(
        state,
        move |state, request| route.handle(state, request),
        event,
    )
    .await;
    let status = response["statusCode"].as_u64().unwrap() as u16;
    let body =
        serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn every_function_answers_a_raw_query_string_lambda_http_would_panic_on() {
    for route in chatpass::routes::all() {
        let (fixture, expected) = event(route).await;
        let (status, body) = answer(route, &fixture).await;
        assert_eq!(
            status, expected,
            "{} as it comes: {body}",
            route.spec.function
        );
        for query in HOSTILE_QUERIES {
            let mut event = fixture.clone();
            event["rawQueryString"] = json!(query);
            let (status, body) = answer(route, &event).await;
            assert_eq!(
                status, expected,
                "{} with `{query}`: {body}",
                route.spec.function
            );
        }
    }
}

#[tokio::test]
async fn every_function_answers_a_raw_path_or_host_no_url_can_hold() {
    for route in chatpass::routes::all() {
        let (fixture, expected) = event(route).await;
        let mut event = fixture.clone();
        let path = event["rawPath"].as_str().unwrap().to_owned();
        event["rawPath"] = json!(format!("{path} <x>"));
        let (status, body) = answer(route, &event).await;
        assert!(
            (400..500).contains(&status) || status == expected,
            "{} with a hostile path: {status} {body}",
            route.spec.function
        );
        let mut event = fixture.clone();
        event["headers"]["host"] = json!("bad host:x");
        event["headers"]["x-forwarded-proto"] = json!("h t");
        let (status, body) = answer(route, &event).await;
        assert_eq!(
            status, expected,
            "{} with a hostile host: {body}",
            route.spec.function
        );
    }
}

/// Authorities of only the bytes an authority may hold that still make no URL: lambda_http
/// 1.3 panicked on each, as a Host header or as API Gateway's `domainName`.
const MALFORMED_AUTHORITIES: [&str; 7] = ["a:b", "x:99999", "[", "]", ":", "a:1:2", "[::1"];

#[tokio::test]
async fn every_function_answers_a_host_or_domain_name_that_makes_no_url() {
    for route in chatpass::routes::all() {
        let (fixture, expected) = event(route).await;
        for authority in MALFORMED_AUTHORITIES {
            let mut in_header = fixture.clone();
            in_header["headers"]["host"] = json!(authority);
            let mut in_context = fixture.clone();
            in_context["requestContext"]["domainName"] = json!(authority);
            for (place, event) in [("Host", in_header), ("domainName", in_context)] {
                let (status, body) = answer(route, &event).await;
                assert_eq!(
                    status, expected,
                    "{} with {place} `{authority}`: {body}",
                    route.spec.function
                );
            }
        }
    }
}
