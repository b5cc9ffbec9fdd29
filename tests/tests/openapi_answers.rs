//! openapi.yaml against the code's answers: a table of requests, run through the real
//! handlers, reaches every documented status (and code) of every operation, each answer
//! matching its documented status, content type, headers and schema.

use chatpass_service::State;
use chatpass_service::clock::ManualClock;
use chatpass_service::identity::StandinIdp;
use chatpass_service::store::{Logout, LogoutDelivery};
use chatpass_service::testing::{DownSource, DownStore, JwksServer, raw_state};
use chatpass_service::vendor_api::MemoryVendorApi;
use chatpass_tests::openapi::*;
use chatpass_tests::support::{
    backchannel_events, logged_out_body, oidc_logout, request, with_authorizer_claims, with_body,
    with_header, with_method,
};
use chatpass_tests::support::{fixture, fixture_of, for_project};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

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
                let value: Value = match content_type.ends_with("json") {
                    true => serde_json::from_slice(body)
                        .unwrap_or_else(|e| panic!("{what}: the body is not JSON ({e})")),
                    false => json!(String::from_utf8_lossy(body)),
                };
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

/// `event` as sent from a page on an origin no project allows.
fn from_foreign_origin(event: Value) -> Value {
    with_header(event, "origin", Some("https://evil.example.net"))
}

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
        state.configs = chatpass_service::state::Configs::one(Arc::new(DownSource));
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

    // Every route's pipeline, from the fixture its declaration names: its answer for each of
    // the table's projects, an unknown project, and configs that cannot be read (on a state of
    // its own: the logout fixture's deliveries would log the table's user out).
    for declared in chatpass::routes::all() {
        let state = fresh();
        let route = declared.spec.name;
        let event = fixture_of(declared);
        let method = event["requestContext"]["http"]["method"]
            .as_str()
            .unwrap()
            .to_owned();
        let answer =
            async |state: &State, event: Value| declared.handle(state, request(&event)).await;
        for (project, _) in &documents {
            let response = answer(&state, for_project(event.clone(), project)).await;
            seen.check(
                route,
                &method,
                &format!("{method} {route}: the fixture for {project}"),
                &response,
            );
        }
        let unknown = answer(&state, for_project(event.clone(), "oa-nobody")).await;
        seen.check(
            route,
            &method,
            &format!("{method} {route}: an unknown project"),
            &unknown,
        );
        let down = answer(&down_source(), for_project(event.clone(), "oa-jwt")).await;
        seen.check(
            route,
            &method,
            &format!("{method} {route}: configs unavailable"),
            &down,
        );
    }

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
        check(
            "id too long for the store",
            &state,
            sign_in_as(route, ours, json!({"sub": "u".repeat(600)})),
        )
        .await;
        let vendor_by_email = if route == "token" {
            "oa-jwt"
        } else {
            "oa-useresponse"
        };
        check(
            "unverified email",
            &state,
            sign_in_as(route, vendor_by_email, json!({"email_verified": "false"})),
        )
        .await;
        let foreign = from_foreign_origin(sign_in(route, ours));
        check("foreign origin", &state, foreign).await;
        check("unknown project", &state, sign_in(route, "oa-nobody")).await;
        check("malformed project", &state, sign_in(route, "Bad_Id")).await;
        check("other endpoint", &state, sign_in(route, other)).await;
        check("invalid config", &state, sign_in(route, "oa-invalid")).await;
        check("too large", &state, with_body(sign_in(route, ours), &big)).await;
        let text = with_header(sign_in(route, ours), "content-type", Some("text/plain"));
        check("not JSON", &state, with_body(text, "hello")).await;
        check(
            "no sub",
            &state,
            sign_in_as(route, ours, json!({"sub": null})),
        )
        .await;
        check(
            "no email",
            &state,
            sign_in_as(route, vendor_by_email, json!({"email": null})),
        )
        .await;
        check("config down", &down_source(), sign_in(route, ours)).await;
        check("store down", &down_store(), sign_in(route, ours)).await;
        let logged_out = fresh();
        let logout = Logout::User {
            user_id: "u-1001".into(),
        };
        let delivery = LogoutDelivery {
            project: ours,
            id: "d-1",
            logout: &logout,
            at: NOW - 50,
        };
        logged_out
            .sessions
            .apply_logout(delivery, NOW)
            .await
            .unwrap();
        check("logged out", &logged_out, sign_in(route, ours)).await;
        if route == "token" {
            check(
                "id too long",
                &state,
                sign_in_as(route, "oa-zendesk", json!({"sub": "u".repeat(256)})),
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
            check(
                "hubspot, an unverified email trusted",
                &state,
                sign_in_as(
                    route,
                    "oa-hubspot-trusting",
                    json!({"email_verified": "false"}),
                ),
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
            check(
                "ambiguous",
                &state,
                sign_in_as(route, "oa-sprinklr", json!({"given_name": "Al_ice"})),
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
            check(
                "bad property key",
                &bad_property,
                sign_in_as(route, "oa-props", json!({"tier": "gold"})),
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
        let foreign = from_foreign_origin(preflight(route, ours));
        check("foreign origin", &state, foreign).await;
        check("unknown project", &state, preflight(route, "oa-nobody")).await;
        check("invalid config", &state, preflight(route, "oa-invalid")).await;
        check("config down", &down_source(), preflight(route, ours)).await;
    }

    // The public keys, in each form.
    for (route, fixture_name) in [
        ("jwks.json", "jwks"),
        ("public-key.pem", "public-key-pem"),
        ("public-keys.json", "public-keys"),
    ] {
        let mut check = async |what: &str, state: &State, project: &str| {
            let event = for_project(fixture("issue-jwt", fixture_name), project);
            let response = call(state, route, &event).await;
            seen.check(route, "GET", &format!("GET {route}: {what}"), &response);
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
    let delivery = LogoutDelivery {
        project: "oa-custom",
        id: "d-2",
        logout: &end,
        at: NOW - 1,
    };
    ended.sessions.apply_logout(delivery, NOW).await.unwrap();
    {
        let mut check_as = async |method: &str, what: &str, state: &State, event: Value| {
            let response = call(state, "user-details", &event).await;
            let what = format!("{method} user-details: {what}");
            seen.check("user-details", method, &what, &response);
        };
        // What both forms answer alike: no key, an unknown or invalid project, the config or
        // the store down (with the session's reference: in the POST fixture's body, else the
        // query).
        let forms = [
            (
                "POST",
                user_details as fn(&str, Option<&str>) -> Value,
                None,
            ),
            ("GET", user_details_get, Some(REFERENCE)),
        ];
        for (method, event, reference) in forms {
            let keyless = with_header(event("oa-custom", None), "authorization", None);
            check_as(method, "no key", &state, keyless).await;
            check_as(method, "unknown project", &state, event("oa-nobody", None)).await;
            check_as(method, "invalid config", &state, event("oa-invalid", None)).await;
            check_as(
                method,
                "config down",
                &down_source(),
                event("oa-custom", None),
            )
            .await;
            let known = event("oa-custom", reference);
            check_as(method, "store down", &down_store(), known).await;
        }

        let custom = |body| user_details("oa-custom", body);
        let mut check = async |what: &str, state: &State, event: Value| {
            check_as("POST", what, state, event).await;
        };
        check("known session", &live, custom(None)).await;
        let in_query = user_details_get("oa-custom", Some(REFERENCE));
        check(
            "reference in the query",
            &live,
            with_method(in_query, "POST"),
        )
        .await;
        check("expired", &expired, custom(None)).await;
        check("ended", &ended, custom(None)).await;
        check("no session", &state, custom(None)).await;
        check(
            "not a reference",
            &state,
            custom(Some(r#"{"token":"nope"}"#)),
        )
        .await;
        check("no reference", &state, custom(Some("{}"))).await;
        check("token not a string", &state, custom(Some(r#"{"token":5}"#))).await;
        check("not JSON", &state, custom(Some("{"))).await;
        let planted = with_header(
            custom(Some("")),
            "cookie",
            Some(&format!(
                "chatpass_session={REFERENCE}; chatpass_session=00000000000000000000000000000000"
            )),
        );
        check("two session cookies", &live, planted).await;
        let text = with_header(custom(None), "content-type", Some("text/plain"));
        check("not application/json", &state, text).await;
        check("too large", &state, custom(Some(&big))).await;
        check(
            "wrong key",
            &state,
            with_header(
                custom(None),
                "authorization",
                Some("Bearer cb-key-not-the-one-0000000000000"),
            ),
        )
        .await;
        check("address not allowed", &state, user_details("oa-ips", None)).await;

        let custom = |query| user_details_get("oa-custom", query);
        let mut check = async |what: &str, state: &State, event: Value| {
            check_as("GET", what, state, event).await;
        };
        let mut cookie = custom(None);
        cookie["cookies"] = json!([format!("chatpass_session={REFERENCE}")]);
        check("cookie", &live, cookie).await;
        check("query", &live, custom(Some(REFERENCE))).await;
        check("expired", &expired, custom(Some(REFERENCE))).await;
        check("no session", &state, custom(Some(REFERENCE))).await;
        check("no reference", &state, custom(None)).await;
        let mut planted = custom(None);
        planted["cookies"] = json!([
            format!("chatpass_session={REFERENCE}"),
            "chatpass_session=00000000000000000000000000000000"
        ]);
        check("two session cookies", &live, planted).await;
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
