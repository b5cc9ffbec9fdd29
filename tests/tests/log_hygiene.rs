//! No log line ever holds a key, a token, a hash or a user's email in clear (SECURITY.md): every
//! flow and error path of the four handlers is driven with marker values while a JSON
//! subscriber captures all a deployed function could log (chatpass's crates at TRACE, others
//! within production's bounds), then the capture is searched for the markers, for the base64 of
//! the keys and for what the handlers produced (hashes, JWTs, references).
//!
//! One test only: the subscriber is global, and the capture must see every request.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chatpass_service::State;
use chatpass_service::clock::ManualClock;
use chatpass_service::identity::{FetchPolicy, StandinIdp};
use chatpass_service::pipeline::Served;
use chatpass_service::source::{CacheSettings, ConfigCache};
use chatpass_service::store::MemorySessionStore;
use chatpass_service::testing::{
    AUDIENCE, DownStore, ISSUER, JwksServer, LogCapture, NOW, ORIGIN, RSA_KEY, RawSource,
    verifier_for,
};
use chatpass_service::vendor_api::MemoryVendorApi;
use chatpass_signing::webhook::WebhookSecret;
use chatpass_tests::support::route;
use chatpass_tests::support::{
    backchannel_events, fixture, for_project, json_body, oidc_logout, request, with_body,
    with_header, with_method,
};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use std::sync::Arc;

// Vendor keys.
const JSM_KEY: &str = "KEYMARK-vendor-key-jsm-0123456789abcdef";
const SPRINKLR_KEY: &str = "KEYMARK-vendor-key-sprinklr-0123456789abcdef";
const CRISP_KEY: &str = "KEYMARK-vendor-key-crisp-0123456789abcdef";
const SHORT_VENDOR_KEY: &str = "KEYMARK-vk";
const BROKEN_VENDOR_KEY: &str = "KEYMARK-vendor-key-broken-0123456789abcdef";
// Callback keys.
const CALLBACK_KEY: &str = "KEYMARK-callback-key-0123456789abcdef";
const CALLBACK_NEXT: &str = "KEYMARK-callback-next-0123456789abcdef";
const CALLBACK_WRONG: &str = "KEYMARK-callback-wrong-0123456789abcdef";
const CALLBACK_SHORT: &str = "KEYMARK-callback-short";
// Webhook secrets, as raw bytes before base64.
const WEBHOOK_RAW: &str = "KEYMARK-webhook-secret-0123456789abcdef";
const WEBHOOK_WRONG_RAW: &str = "KEYMARK-webhook-wrong-0123456789abcdef";
const WEBHOOK_SHORT_RAW: &str = "KEYMARK-webhook-s";
// The user.
const USER: &str = "usermark-1001";
const OTHER_USER: &str = "usermark-2002";
const EMAIL: &str = "emailmark@example.com";
const OTHER_EMAIL: &str = "emailmark-other@example.com";
const NAME: &str = "Namemark Surnamemark";
const GIVEN: &str = "Givenmark";
const FAMILY: &str = "Familymark";
const AMBIGUOUS_GIVEN: &str = "Givenmark_ambiguous";
const PHONE: &str = "5550100-phonemark";
const AVATAR: &str = "https://img.example.com/avatarmark.png";
const GARBAGE_BEARER: &str = "KEYMARK-garbage-bearer-not-a-jwt";
const HUBSPOT_TOKEN: &str = "KEYMARK-hubspot-private-app-token-0123";

fn whsec(raw: &str) -> String {
    format!("whsec_{}", STANDARD.encode(raw))
}

fn projects(jwks_url: &str) -> Vec<(&'static str, Value)> {
    let custom = json!({
        "vendor": "sprinklr", "key": SPRINKLR_KEY, "options": {"mode": "custom-user"},
        "allowed_origins": [ORIGIN], "callback_keys": [CALLBACK_KEY, CALLBACK_NEXT],
        "webhook_secrets": [whsec(WEBHOOK_RAW)],
        "oidc_logout": {"issuer": ISSUER, "audience": AUDIENCE, "jwks_url": jwks_url},
    });
    vec![
        (
            "log-salesforce",
            json!({"vendor": "salesforce-miaw", "key": RSA_KEY, "key_id": "log-k1",
                   "options": {"issuer": "https://www.example.com", "claims": {"email": "email"}},
                   "allowed_origins": [ORIGIN]}),
        ),
        (
            "log-hubspot",
            json!({"vendor": "hubspot", "key": HUBSPOT_TOKEN, "allowed_origins": [ORIGIN]}),
        ),
        (
            "log-jsm",
            json!({"vendor": "jsm-chat", "key": JSM_KEY, "allowed_origins": [ORIGIN]}),
        ),
        (
            "log-domain",
            json!({"vendor": "jsm-chat", "key": JSM_KEY, "allowed_email_domains": ["example.org"], "allowed_origins": [ORIGIN]}),
        ),
        (
            "log-crisp",
            json!({"vendor": "crisp", "key": CRISP_KEY, "allowed_origins": [ORIGIN]}),
        ),
        (
            "log-short",
            json!({"vendor": "crisp", "key": SHORT_VENDOR_KEY, "allowed_origins": [ORIGIN]}),
        ),
        (
            "log-sprinklr",
            json!({"vendor": "sprinklr", "key": SPRINKLR_KEY, "options": {"mode": "user"}, "allowed_origins": [ORIGIN]}),
        ),
        ("log-custom", custom),
        (
            "log-cookie",
            json!({
                "vendor": "sprinklr", "key": SPRINKLR_KEY, "options": {"mode": "cookie"},
                "cookie_domain": ".example.com", "callback_keys": [CALLBACK_KEY], "allowed_origins": [ORIGIN],
                "callback_allowed_ips": ["203.0.113.0/24"], "webhook_secrets": [whsec(WEBHOOK_RAW)],
            }),
        ),
        (
            "log-ips",
            json!({
                "vendor": "sprinklr", "key": SPRINKLR_KEY, "options": {"mode": "custom-user"},
                "callback_keys": [CALLBACK_KEY], "callback_allowed_ips": ["198.51.100.0/24"],
            }),
        ),
        (
            "log-unreachable-idp",
            json!({
                "vendor": "sprinklr", "key": SPRINKLR_KEY, "options": {"mode": "custom-user"},
                "oidc_logout": {"issuer": ISSUER, "audience": AUDIENCE,
                                "jwks_url": "http://127.0.0.1:9/jwks.json"},
            }),
        ),
        (
            "log-bad-vendor",
            json!({"vendor": "no-such-vendor", "key": BROKEN_VENDOR_KEY}),
        ),
        ("log-empty-key", json!({"vendor": "crisp", "key": ""})),
        (
            "log-short-callback",
            json!({"vendor": "crisp", "key": BROKEN_VENDOR_KEY, "callback_keys": [CALLBACK_SHORT]}),
        ),
        (
            "log-short-webhook",
            json!({"vendor": "crisp", "key": BROKEN_VENDOR_KEY, "webhook_secrets": [whsec(WEBHOOK_SHORT_RAW)]}),
        ),
        (
            "log-bad-options",
            json!({"vendor": "sprinklr", "key": BROKEN_VENDOR_KEY, "options": {"mode": BROKEN_VENDOR_KEY}}),
        ),
    ]
}

/// Calls the handlers, counting the calls (each must log one `request` line).
struct Driver {
    state: State,
    calls: usize,
    /// The `code` of every refusal.
    codes: std::collections::BTreeSet<String>,
}

impl Driver {
    /// Signs in at `project`'s token route with the bearer identity token `bearer`.
    async fn token(&mut self, project: &str, bearer: &str, status: u16) -> Response<Body> {
        let event = browser("issue-jwt", "token", project, bearer);
        self.call(route("token"), &event, status).await
    }

    /// Signs in at `project`'s user-hash route with the bearer identity token `bearer`.
    async fn user_hash(&mut self, project: &str, bearer: &str, status: u16) -> Response<Body> {
        let event = browser("hash-user", "user-hash", project, bearer);
        self.call(route("user-hash"), &event, status).await
    }

    /// The vendor's server asks user-details with `event`.
    async fn user_details(&mut self, event: &Value, status: u16) -> Response<Body> {
        self.call(route("user-details"), event, status).await
    }

    /// The vendor's server asks user-details of `project` with `key` and the body `body`.
    async fn ask_details(
        &mut self,
        project: &str,
        key: &str,
        body: &str,
        status: u16,
    ) -> Response<Body> {
        self.user_details(&details(project, key, body), status)
            .await
    }

    /// A Standard Webhooks logout delivery (see [`webhook`]).
    async fn deliver(
        &mut self,
        project: &str,
        secret_raw: &str,
        id: &str,
        body: &str,
        status: u16,
    ) -> Response<Body> {
        let event = webhook(project, secret_raw, id, body);
        self.logout(&event, status).await
    }

    /// A logout delivery (webhook or OIDC) `event`.
    async fn logout(&mut self, event: &Value, status: u16) -> Response<Body> {
        self.call(route("logout"), event, status).await
    }

    /// Sends `event` to `handler` as request `hygiene-<n>`, the id its log line carries.
    async fn call(&mut self, handler: &Served, event: &Value, status: u16) -> Response<Body> {
        let mut event = event.clone();
        event["requestContext"]["requestId"] = json!(format!("hygiene-{}", self.calls));
        let response = handler.handle(&self.state, request(&event)).await;
        self.calls += 1;
        if let Some(code) = json_body(&response)["code"].as_str() {
            self.codes.insert(code.to_owned());
        }
        assert_eq!(
            response.status().as_u16(),
            status,
            "{} call {}: {}",
            handler.spec.name,
            self.calls,
            String::from_utf8_lossy(response.body().as_ref())
        );
        response
    }
}

fn bearer_claims(iat: u64) -> Value {
    json!({
        "email": EMAIL, "email_verified": true, "name": NAME, "given_name": GIVEN,
        "family_name": FAMILY, "phone_number": PHONE, "picture": AVATAR, "iat": iat,
    })
}

/// The text at JSON pointer `pointer` in the response's body.
fn text_at(response: &Response<Body>, pointer: &str) -> String {
    let body = json_body(response);
    let text = body.pointer(pointer).and_then(Value::as_str);
    text.unwrap_or_else(|| panic!("no text at {pointer} in {body}"))
        .to_owned()
}

/// A browser route's fixture for `project`, the caller identified by a bearer identity token
/// (no API Gateway authorizer: our own verifier checks it).
fn browser(function: &str, name: &str, project: &str, bearer: &str) -> Value {
    let mut event = for_project(fixture(function, name), project);
    event["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("authorizer");
    with_header(event, "authorization", Some(&format!("Bearer {bearer}")))
}

/// A browser route's fixture for `project` with the authorizer's claims for the marker user.
fn authorized(function: &str, name: &str, project: &str) -> Value {
    let mut event = for_project(fixture(function, name), project);
    event["requestContext"]["authorizer"]["jwt"]["claims"] = json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": USER, "email": EMAIL, "email_verified": "true",
        "name": NAME, "given_name": GIVEN, "family_name": FAMILY, "phone_number": PHONE,
        "picture": AVATAR, "iat": NOW.to_string(), "exp": (NOW + 3600).to_string(),
    });
    with_header(
        event,
        "authorization",
        Some(&format!("Bearer {GARBAGE_BEARER}")),
    )
}

fn details(project: &str, key: &str, body: &str) -> Value {
    let event = for_project(fixture("user-details-callback", "user-details"), project);
    with_body(
        with_header(event, "authorization", Some(&format!("Bearer {key}"))),
        body,
    )
}

fn details_by_cookie(project: &str, key: &str, reference: &str) -> Value {
    let mut event = for_project(
        fixture("user-details-callback", "user-details-cookie"),
        project,
    );
    event["cookies"] = json!([format!("chatpass_session={reference}"), "other=1"]);
    with_header(event, "authorization", Some(&format!("Bearer {key}")))
}

fn details_by_query(project: &str, key: &str, reference: &str) -> Value {
    let mut event = details_by_cookie(project, key, reference);
    event.as_object_mut().unwrap().remove("cookies");
    event["rawQueryString"] = json!(format!("token={reference}"));
    event["queryStringParameters"] = json!({ "token": reference });
    event
}

/// A `user.logged_out` delivery to `project` signed with `secret_raw` (base64'd) at `NOW`.
fn webhook(project: &str, secret_raw: &str, id: &str, body: &str) -> Value {
    let signature =
        WebhookSecret::parse(&whsec(secret_raw))
            .unwrap()
            .sign(id, NOW as i64, body.as_bytes());
    let event = with_body(
        for_project(fixture("logout-webhook", "logout-webhook"), project),
        body,
    );
    let event = with_header(event, "webhook-id", Some(id));
    let event = with_header(event, "webhook-timestamp", Some(&NOW.to_string()));
    with_header(event, "webhook-signature", Some(&signature))
}

#[tokio::test]
async fn no_log_line_holds_a_key_a_token_a_hash_or_an_email() {
    let capture = LogCapture::install();
    let idp = StandinIdp::generate(ISSUER, AUDIENCE);
    let jwks = JwksServer::start(&idp.jwks()).await;
    let clock = Arc::new(ManualClock::at(NOW));
    let configs = Arc::new(ConfigCache::new(
        Arc::new(RawSource::new(&projects(&jwks.url()))),
        clock.clone(),
        CacheSettings::default(),
    ));
    let store = Arc::new(MemorySessionStore::new());
    let verifier = verifier_for(&idp);
    let hubspot = Arc::new(MemoryVendorApi::new());
    let mut d = Driver {
        state: State::new(configs.clone(), store.clone(), clock.clone())
            .with_verifier(verifier.clone())
            .with_vendor_api(hubspot.clone())
            .with_jwks_policy(FetchPolicy::LOOPBACK_HTTP),
        calls: 0,
        codes: Default::default(),
    };
    // What must never be logged, beyond the constants: filled in as the flows produce it.
    let mut produced: Vec<String> = Vec::new();

    let bearer = idp.id_token(USER, NOW, bearer_claims(NOW));
    let other_bearer = idp.id_token(
        OTHER_USER,
        NOW,
        json!({"email": OTHER_EMAIL, "email_verified": true, "name": NAME}),
    );
    let unverified_bearer = idp.id_token(
        USER,
        NOW,
        json!({"email": EMAIL, "email_verified": false, "name": NAME}),
    );
    let ambiguous_bearer = idp.id_token(
        USER,
        NOW,
        json!({"email": EMAIL, "email_verified": true, "given_name": AMBIGUOUS_GIVEN}),
    );
    let expired_bearer = idp.id_token(USER, NOW - 7200, bearer_claims(NOW - 7200));
    let stranger = StandinIdp::generate(ISSUER, AUDIENCE);
    let stranger_bearer = stranger.id_token(USER, NOW, bearer_claims(NOW));
    let wrong_audience_bearer = idp.sign(
        json!({"iss": ISSUER, "aud": "someone-else", "sub": USER, "email": EMAIL,
               "iat": NOW, "exp": NOW + 3600})
        .as_object()
        .unwrap(),
    );
    produced.extend([
        bearer.clone(),
        other_bearer.clone(),
        unverified_bearer.clone(),
        ambiguous_bearer.clone(),
        expired_bearer.clone(),
        stranger_bearer.clone(),
        wrong_audience_bearer.clone(),
    ]);

    // ---- token --------------------------------------------------------------------------
    let response = d.token("log-jsm", &bearer, 200).await;
    let jwt = text_at(&response, "/settings/token");
    produced.push(jwt.clone());
    let event = authorized("issue-jwt", "token", "log-jsm");
    let response = d.call(route("token"), &event, 200).await;
    produced.push(text_at(&response, "/settings/token"));
    d.call(
        route("token"),
        &for_project(fixture("issue-jwt", "token-preflight"), "log-jsm"),
        204,
    )
    .await;
    d.token("log-domain", &bearer, 403).await;
    d.token("log-jsm", &unverified_bearer, 403).await;
    for refused in [
        &stranger_bearer,
        &expired_bearer,
        &wrong_audience_bearer,
        &GARBAGE_BEARER.to_owned(),
    ] {
        d.token("log-jsm", refused, 401).await;
    }
    let event = browser("issue-jwt", "token", "log-jsm", &bearer);
    d.call(
        route("token"),
        &with_body(
            event.clone(),
            &json!({"email": EMAIL, "key": JSM_KEY}).to_string(),
        ),
        400,
    )
    .await;
    d.call(
        route("token"),
        &with_body(
            event.clone(),
            &format!("{{\"email\": \"{EMAIL}\", {JSM_KEY}"),
        ),
        400,
    )
    .await;
    d.call(
        route("token"),
        &with_header(
            with_body(event.clone(), EMAIL),
            "content-type",
            Some("text/plain"),
        ),
        415,
    )
    .await;
    d.call(
        route("token"),
        &with_body(event.clone(), &format!("\"{}\"", EMAIL.repeat(1000))),
        413,
    )
    .await;
    d.call(
        route("token"),
        &with_header(event.clone(), "origin", Some("https://evil.example")),
        403,
    )
    .await;
    d.call(route("token"), &with_method(event.clone(), "GET"), 405)
        .await;
    d.token("log-crisp", &bearer, 409).await;
    for broken in [
        "log-bad-vendor",
        "log-empty-key",
        "log-short-callback",
        "log-short-webhook",
        "log-bad-options",
    ] {
        for _ in 0..2 {
            let response = d.token(broken, &bearer, 409).await;
            assert_eq!(json_body(&response)["code"], "invalid_project_config");
        }
    }

    // ---- token: a key of the project's own, and a vendor that mints ----------------------
    let response = d.token("log-salesforce", &bearer, 200).await;
    let identity_token = json_body(&response)["settings"]["identityToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text_of_jwt(&identity_token).contains(EMAIL));
    produced.push(identity_token);
    d.call(
        route("jwks.json"),
        &for_project(fixture("issue-jwt", "jwks"), "log-salesforce"),
        200,
    )
    .await;
    d.call(
        route("jwks.json"),
        &for_project(fixture("issue-jwt", "jwks"), "log-jsm"),
        409,
    )
    .await;
    let response = d.token("log-hubspot", &bearer, 200).await;
    produced.push(text_at(&response, "/settings/identificationToken"));
    for (status, answer) in [(500, 503), (403, 409), (401, 409)] {
        hubspot.fail_with(status);
        d.token("log-hubspot", &other_bearer, answer).await;
    }
    assert_eq!(hubspot.calls(), 4);

    // ---- user-hash ----------------------------------------------------------------------
    let response = d.user_hash("log-crisp", &bearer, 200).await;
    produced.push(text_at(&response, "/settings/signature"));
    let response = d.user_hash("log-short", &bearer, 200).await;
    produced.push(text_at(&response, "/settings/signature"));
    let response = d.user_hash("log-sprinklr", &bearer, 200).await;
    produced.push(text_at(&response, "/settings/user/hash"));
    let event = authorized("hash-user", "user-hash", "log-sprinklr");
    let response = d.call(route("user-hash"), &event, 200).await;
    produced.push(text_at(&response, "/settings/user/hash"));
    let response = d.user_hash("log-custom", &bearer, 200).await;
    let custom = json_body(&response)["settings"]["customUser"].clone();
    let custom_reference = custom["token"].as_str().unwrap().to_owned();
    produced.push(custom_reference.clone());
    produced.push(custom["hash"].as_str().unwrap().into());
    let response = d.user_hash("log-custom", &other_bearer, 200).await;
    let other_reference = json_body(&response)["settings"]["customUser"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    produced.push(other_reference.clone());
    produced.push(text_at(&response, "/settings/customUser/hash"));
    let response = d.user_hash("log-cookie", &bearer, 200).await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    let cookie_reference = cookie
        .strip_prefix("chatpass_session=")
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .to_owned();
    produced.push(cookie_reference.clone());
    d.user_hash("log-sprinklr", &ambiguous_bearer, 422).await;
    d.user_hash("log-jsm", &bearer, 409).await;
    d.user_hash("log-bad-vendor", &bearer, 409).await;
    d.user_hash("log-custom", &stranger_bearer, 401).await;

    // ---- user-details -------------------------------------------------------------------
    let by_body = json!({ "token": custom_reference }).to_string();
    for key in [CALLBACK_KEY, CALLBACK_NEXT] {
        let response = d.ask_details("log-custom", key, &by_body, 200).await;
        assert_eq!(
            json_body(&response)["email"],
            EMAIL,
            "the flow reached the user"
        );
    }
    d.user_details(
        &details_by_cookie("log-cookie", CALLBACK_KEY, &cookie_reference),
        200,
    )
    .await;
    d.user_details(
        &details_by_query("log-custom", CALLBACK_KEY, &custom_reference),
        200,
    )
    .await;
    d.ask_details("log-custom", CALLBACK_WRONG, &by_body, 401)
        .await;
    d.ask_details("log-custom", JSM_KEY, &by_body, 401).await;
    d.ask_details("log-ips", CALLBACK_KEY, &by_body, 401).await;
    d.ask_details(
        "log-custom",
        CALLBACK_KEY,
        r#"{"token": "ffeeddccbbaa99887766554433221100"}"#,
        404,
    )
    .await;
    d.ask_details(
        "log-custom",
        CALLBACK_KEY,
        &json!({ "token": format!("{custom_reference}-{EMAIL}") }).to_string(),
        404,
    )
    .await;
    d.ask_details("log-custom", CALLBACK_KEY, "{}", 400).await;
    d.ask_details(
        "log-custom",
        CALLBACK_KEY,
        &format!("{{\"token\": {custom_reference}"),
        400,
    )
    .await;
    d.ask_details("log-short-callback", CALLBACK_SHORT, &by_body, 409)
        .await;

    // ---- logout: Standard Webhooks ------------------------------------------------------
    let session_logout = json!({"type": "user.logged_out",
                                "data": {"user_id": USER, "session": custom_reference}})
    .to_string();
    let user_logout = json!({"type": "user.logged_out", "data": {"user_id": USER}}).to_string();
    d.deliver(
        "log-custom",
        WEBHOOK_RAW,
        "msg_logmark_1",
        &session_logout,
        200,
    )
    .await;
    d.deliver(
        "log-cookie",
        WEBHOOK_RAW,
        "msg_logmark_2",
        &user_logout,
        200,
    )
    .await;
    let delivered_twice = webhook("log-custom", WEBHOOK_RAW, "msg_logmark_3", &user_logout);
    d.logout(&delivered_twice, 200).await;
    let response = d.logout(&delivered_twice, 200).await;
    assert_eq!(json_body(&response)["status"], "already_applied");
    d.deliver(
        "log-custom",
        WEBHOOK_WRONG_RAW,
        "msg_logmark_4",
        &user_logout,
        401,
    )
    .await;
    let tampered = with_body(
        webhook("log-custom", WEBHOOK_RAW, "msg_logmark_5", &user_logout),
        &user_logout.replace(USER, OTHER_USER),
    );
    d.logout(&tampered, 401).await;
    d.deliver(
        "log-custom",
        WEBHOOK_RAW,
        "msg_logmark_6",
        &json!({"type": "user.created", "data": {"user_id": USER, "email": EMAIL}}).to_string(),
        400,
    )
    .await;
    d.deliver(
        "log-custom",
        WEBHOOK_RAW,
        "msg_logmark_7",
        &format!("{{\"email\": \"{EMAIL}\""),
        400,
    )
    .await;
    d.deliver("log-jsm", WEBHOOK_RAW, "msg_logmark_8", &user_logout, 401)
        .await;
    d.deliver(
        "log-short-webhook",
        WEBHOOK_RAW,
        "msg_logmark_9",
        &user_logout,
        409,
    )
    .await;

    // ---- logout: OIDC back-channel ------------------------------------------------------
    let logout_token = |sub: &str, jti: &str| {
        idp.sign(
            json!({"iss": ISSUER, "aud": AUDIENCE, "iat": NOW, "exp": NOW + 120, "jti": jti,
                   "sub": sub, "events": backchannel_events()})
            .as_object()
            .unwrap(),
        )
    };
    let oidc_token = logout_token(USER, "jti-logmark-1");
    let stranger_logout = stranger.sign(
        json!({"iss": ISSUER, "aud": AUDIENCE, "iat": NOW, "exp": NOW + 120,
               "jti": "jti-logmark-2", "sub": USER, "events": backchannel_events()})
        .as_object()
        .unwrap(),
    );
    produced.extend([oidc_token.clone(), stranger_logout.clone()]);
    d.logout(&oidc_logout("log-custom", &oidc_token), 200).await;
    d.logout(&oidc_logout("log-custom", &oidc_token), 200).await;
    d.logout(&oidc_logout("log-custom", &stranger_logout), 400)
        .await;
    d.logout(&oidc_logout("log-jsm", &oidc_token), 400).await;
    d.logout(&oidc_logout("log-unreachable-idp", &oidc_token), 503)
        .await;
    assert!(jwks.fetches() > 0, "the OIDC flow fetched the IdP's keys");

    // ---- after the logouts --------------------------------------------------------------
    d.ask_details("log-custom", CALLBACK_KEY, &by_body, 410)
        .await;
    d.user_details(
        &details_by_cookie("log-cookie", CALLBACK_KEY, &cookie_reference),
        410,
    )
    .await;
    d.token("log-jsm", &bearer, 200).await;
    d.user_hash("log-custom", &bearer, 403).await;
    clock.advance(301);
    d.ask_details(
        "log-custom",
        CALLBACK_KEY,
        &json!({ "token": other_reference }).to_string(),
        410,
    )
    .await;

    // ---- a session store that is down ---------------------------------------------------
    d.state.sessions = Arc::new(DownStore);
    let fresh = idp.id_token(USER, NOW + 301, bearer_claims(NOW + 301));
    produced.push(fresh.clone());
    d.token("log-jsm", &fresh, 503).await;
    d.user_hash("log-custom", &fresh, 503).await;
    d.ask_details("log-custom", CALLBACK_KEY, &by_body, 503)
        .await;
    let late = NOW + 301;
    let signature = WebhookSecret::parse(&whsec(WEBHOOK_RAW)).unwrap().sign(
        "msg_logmark_10",
        late as i64,
        user_logout.as_bytes(),
    );
    let event = webhook("log-custom", WEBHOOK_RAW, "msg_logmark_10", &user_logout);
    let event = with_header(event, "webhook-timestamp", Some(&late.to_string()));
    d.logout(
        &with_header(event, "webhook-signature", Some(&signature)),
        503,
    )
    .await;

    for code in [
        "unauthorized",
        "email_domain_not_allowed",
        "email_not_verified",
        "unexpected_field",
        "bad_json",
        "unsupported_media_type",
        "payload_too_large",
        "origin_not_allowed",
        "method_not_allowed",
        "wrong_endpoint",
        "invalid_project_config",
        "ambiguous_field",
        "logged_out",
        "missing_token",
        "not_found",
        "gone",
        "unsupported_event",
        "bad_event",
        "invalid_logout_token",
        "store_unavailable",
        "idp_unavailable",
    ] {
        assert!(
            d.codes.contains(code),
            "no `{code}` path was driven: {:?}",
            d.codes
        );
    }

    // ---- the capture --------------------------------------------------------------------
    drop(jwks);
    let log = capture.text();
    // Other tests of the binary log through the same capture: this one's requests are its own.
    let request_lines = capture
        .request_lines()
        .iter()
        .filter(|line| {
            line["request_id"]
                .as_str()
                .is_some_and(|id| id.starts_with("hygiene-"))
        })
        .count();
    assert_eq!(
        request_lines, d.calls,
        "one `request` line per call, or the capture missed some:\n{log}"
    );
    // The causes and precise reasons are logged (without the secrets checked for below).
    for expected in [
        "project config refused",
        "vendor key is shorter",
        r#""outcome":"unauthorized","reason":"malformed_token""#,
        r#""outcome":"unauthorized","reason":"webhook_signature_mismatch""#,
        r#""code":"store_unavailable","cause":"#,
        r#""code":"idp_unavailable","cause":"#,
        r#""code":"vendor_unavailable","cause":"#,
        r#""outcome":"vendor_feature_unavailable""#,
    ] {
        assert!(log.contains(expected), "no `{expected}` line:\n{log}");
    }

    let keys = [
        JSM_KEY,
        SPRINKLR_KEY,
        CRISP_KEY,
        SHORT_VENDOR_KEY,
        BROKEN_VENDOR_KEY,
        CALLBACK_KEY,
        CALLBACK_NEXT,
        CALLBACK_WRONG,
        CALLBACK_SHORT,
        WEBHOOK_RAW,
        WEBHOOK_WRONG_RAW,
        WEBHOOK_SHORT_RAW,
        HUBSPOT_TOKEN,
    ];
    let mut secrets: Vec<String> = Vec::new();
    // The private key's base64, line by line.
    secrets.extend(
        RSA_KEY
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::to_owned),
    );
    for key in keys {
        secrets.push(key.to_owned());
        secrets.push(STANDARD.encode(key));
        secrets.push(URL_SAFE_NO_PAD.encode(key));
        secrets.push(hex::encode(key));
    }
    secrets.push("KEYMARK".to_owned());
    for raw in [WEBHOOK_RAW, WEBHOOK_WRONG_RAW, WEBHOOK_SHORT_RAW] {
        secrets.push(whsec(raw));
    }
    for personal in [
        EMAIL,
        OTHER_EMAIL,
        "emailmark",
        NAME,
        GIVEN,
        FAMILY,
        AMBIGUOUS_GIVEN,
        PHONE,
        AVATAR,
        GARBAGE_BEARER,
    ] {
        secrets.push(personal.to_owned());
    }
    for value in &produced {
        assert!(
            value.len() >= 16,
            "a produced value worth searching: {value}"
        );
        secrets.push(value.clone());
        // A JWT's payload and signature on their own.
        for part in value.split('.').skip(1).filter(|p| p.len() >= 16) {
            secrets.push(part.to_owned());
        }
    }
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "the log holds `{secret}`:\n{}",
            log.lines()
                .filter(|l| l.contains(secret.as_str()))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    // The markers were really in play: the answers carried them.
    assert!(text_of_jwt(&jwt).contains(EMAIL));
}

/// The decoded payload of a JWT.
fn text_of_jwt(jwt: &str) -> String {
    let payload = jwt.split('.').nth(1).unwrap();
    String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}
