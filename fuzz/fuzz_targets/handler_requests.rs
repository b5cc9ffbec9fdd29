//! Arbitrary requests, as API Gateway (HTTP API, payload 2.0) would hand them over, through
//! the handler of each route with in-memory state: never a panic, never a 5xx, every answer
//! `Cache-Control: no-store` (but a published keyset, cacheable), every refusal problem+json
//! with a stable code, and no sign-in for an identity that carries an `events` claim. The
//! inputs mix noise with the pieces that reach deep: a valid identity token, authorizer claims,
//! a correctly signed webhook, an IdP-signed logout token (its JWKS served on loopback), a live
//! session reference, and the Host header and API Gateway's `domainName` lambda_http builds
//! the request's URL from.

#![no_main]

use arbitrary::Arbitrary;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chatpass::routes;
use chatpass_service::clock::ManualClock;
use chatpass_service::identity::{FetchPolicy, JwksCache, StandinIdp};
use chatpass_service::lambda::to_request;
use chatpass_service::pipeline::Served;
use chatpass_service::settings::IdentityProvider;
use chatpass_service::store::Session;
use chatpass_service::{ProjectConfig, Settings, State};
use chatpass_signing::User;
use chatpass_signing::webhook::WebhookSecret;
use lambda_http::{Body, Response};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};
use std::io::{Read, Write};
use std::sync::{Arc, OnceLock};

const NOW: u64 = 1_700_000_000;
const ORIGIN: &str = "https://www.example.com";
const ISSUER: &str = "https://idp.example.com/";
const AUDIENCE: &str = "chatpass";
const LOGOUT_AUDIENCE: &str = "chatpass-backchannel";
const SPRINKLR_KEY: &str = "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d";
const CALLBACK_KEY: &str = "cb-key-0123456789abcdefghijklmnop";
const WEBHOOK_SECRET: &str = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
const REFERENCE: &str = "00112233445566778899aabbccddeeff";

const PROJECTS: [&str; 7] = [
    "acme-jsm",
    "acme-sprinklr",
    "acme-custom",
    "acme-cookie",
    "acme-zendesk",
    "acme-kustomer",
    "acme-intercom",
];
const CLAIMS: [&str; 12] = [
    "events",
    "aud",
    "sub",
    "email",
    "email_verified",
    "name",
    "given_name",
    "family_name",
    "phone_number",
    "picture",
    "iat",
    "exp",
];
/// Authorities API Gateway may hand on, lambda_http 1.3 panicked on some of them.
const AUTHORITIES: [&str; 12] = [
    "chatpassapi.execute-api.us-east-1.amazonaws.com",
    "chat-auth.example.com:443",
    "[::1]:8080",
    "a:b",
    "x:99999",
    "[",
    "]",
    ":",
    "a:1:2",
    "[::1",
    "map[a:b]",
    "",
];
const METHODS: [&str; 7] = ["POST", "GET", "OPTIONS", "PUT", "DELETE", "HEAD", "PATCH"];
const CONTENT_TYPES: [&str; 5] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "application/json; charset=utf-8",
    "APPLICATION/X-WWW-FORM-URLENCODED; charset=utf-8",
];

struct Fixture {
    runtime: tokio::runtime::Runtime,
    configs: Vec<ProjectConfig>,
    jwks: Arc<JwksCache>,
    idp: StandinIdp,
    /// Every route of the route table, with the event fixture it declares.
    routes: Vec<(&'static Served, Value)>,
}

fn configs(jwks_url: &str) -> Vec<ProjectConfig> {
    let docs = [
        json!({"vendor": "jsm-chat", "key": "dGVzdC1qc20tc2VjcmV0LWZvci12ZWN0b3Jz",
               "allowed_origins": [ORIGIN], "allowed_email_domains": ["example.com"]}),
        json!({"vendor": "sprinklr", "key": SPRINKLR_KEY, "allowed_origins": [ORIGIN],
               "options": {"mode": "user", "hash_creation_time": true}}),
        json!({"vendor": "sprinklr", "key": SPRINKLR_KEY, "allowed_origins": [ORIGIN],
               "options": {"mode": "custom-user"}, "callback_keys": [CALLBACK_KEY],
               "webhook_secrets": [WEBHOOK_SECRET],
               "oidc_logout": {"issuer": ISSUER, "audience": LOGOUT_AUDIENCE, "jwks_url": jwks_url}}),
        json!({"vendor": "sprinklr", "key": SPRINKLR_KEY, "allowed_origins": [ORIGIN],
               "options": {"mode": "cookie"}, "callback_keys": [CALLBACK_KEY],
               "callback_allowed_ips": ["203.0.113.0/24"], "cookie_domain": ".example.com",
               "webhook_secrets": [WEBHOOK_SECRET],
               "user_details_fields": {"id": "userId", "email": "mail"}}),
        json!({"vendor": "zendesk", "key": "zendesk-secret-0123456789", "key_id": "app_1"}),
        json!({"vendor": "kustomer", "key": "kustomer-secret-0123456789",
               "options": {"identify_by": "email"}, "trust_unverified_email": true}),
        json!({"vendor": "intercom", "key": "intercom-secret-0123456789",
               "identity": {"claims": {"id": "employee_id"}, "properties": {"tier": "tier"}}}),
    ];
    PROJECTS
        .iter()
        .zip(docs)
        .map(|(id, doc)| ProjectConfig::from_value(id, doc).expect("a fixture config"))
        .collect()
}

/// Answers every GET with `jwks` on a loopback port, for the life of the process.
fn serve_jwks(jwks: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{jwks}",
                jwks.len()
            );
        }
    });
    url
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let idp = StandinIdp::generate(ISSUER, AUDIENCE);
        let jwks_url = serve_jwks(idp.jwks());
        let declared = |route: &Served| {
            let path = format!(
                "{}/../functions/{}/events/{}.json",
                env!("CARGO_MANIFEST_DIR"),
                route.spec.function,
                route.spec.fixture
            );
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            serde_json::from_str::<Value>(&text).unwrap()
        };
        Fixture {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            configs: configs(&jwks_url),
            jwks: Arc::new(JwksCache::new(
                Arc::new(ManualClock::at(NOW)),
                FetchPolicy::LOOPBACK_HTTP,
            )),
            routes: routes::all().map(|route| (route, declared(route))).collect(),
            idp,
        }
    })
}

#[derive(Arbitrary, Debug)]
enum Choice {
    Known(u8),
    Raw(String),
}

impl Choice {
    fn pick(&self, known: &[&str]) -> String {
        match self {
            Choice::Known(i) => known[usize::from(*i) % known.len()].to_owned(),
            Choice::Raw(raw) => raw.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Authorization {
    /// A valid identity token of the stand-in IdP, with these claims added.
    Identity(Vec<(u8, String)>),
    /// `Bearer ` and arbitrary text.
    Bearer(String),
    Raw(String),
    CallbackKey,
}

#[derive(Arbitrary, Debug)]
enum Webhook {
    /// Signed with the projects' secret at now + offset, under this id.
    Signed { id: String, offset: i16 },
    Raw {
        id: String,
        timestamp: String,
        signature: String,
    },
}

#[derive(Arbitrary, Debug)]
enum BodyInput {
    Raw(Vec<u8>),
    Json(Vec<(String, String)>),
    Token(String),
    LoggedOut {
        user: String,
        session: Option<String>,
    },
    /// `logout_token=` and a token the IdP signed with these claims over a default set.
    LogoutToken {
        claims: Vec<(Choice, ClaimValue)>,
        drop: Vec<u8>,
        extra: Option<String>,
    },
}

#[derive(Arbitrary, Debug)]
enum ClaimValue {
    Text(String),
    Number(i64),
    Seconds(i32),
    Bool(bool),
    Events,
    Null,
}

#[derive(Arbitrary, Debug)]
struct Input {
    route: u8,
    project: Choice,
    method: Choice,
    content_type: Option<Choice>,
    origin: Option<Choice>,
    authorization: Option<Authorization>,
    authorizer_claims: Option<Vec<(Choice, String)>>,
    webhook: Option<Webhook>,
    body: BodyInput,
    base64: bool,
    cookie: Option<String>,
    query: Option<String>,
    source_ip: Option<String>,
    host: Option<Choice>,
    domain_name: Option<Choice>,
    forwarded_proto: Option<Choice>,
    headers: Vec<(String, String)>,
}

fn claim_value(value: &ClaimValue) -> Value {
    match value {
        ClaimValue::Text(text) => json!(text),
        ClaimValue::Number(n) => json!(n),
        ClaimValue::Seconds(offset) => json!(NOW as i64 + i64::from(*offset)),
        ClaimValue::Bool(b) => json!(b),
        ClaimValue::Events => {
            json!({"http://schemas.openid.net/event/backchannel-logout": {}})
        }
        ClaimValue::Null => Value::Null,
    }
}

fn body(f: &Fixture, input: &BodyInput) -> Vec<u8> {
    match input {
        BodyInput::Raw(bytes) => bytes.clone(),
        BodyInput::Json(pairs) => {
            let map: Map<String, Value> =
                pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            Value::Object(map).to_string().into_bytes()
        }
        BodyInput::Token(token) => json!({ "token": token }).to_string().into_bytes(),
        BodyInput::LoggedOut { user, session } => {
            json!({"type": "user.logged_out", "data": {"user_id": user, "session": session}})
                .to_string()
                .into_bytes()
        }
        BodyInput::LogoutToken {
            claims,
            drop,
            extra,
        } => {
            let mut all = json!({
                "iss": ISSUER, "aud": LOGOUT_AUDIENCE, "iat": NOW, "exp": NOW + 120,
                "jti": "jti-1", "sub": "u-1001",
                "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
            })
            .as_object()
            .unwrap()
            .clone();
            let names = [
                "iss", "aud", "iat", "exp", "jti", "sub", "sid", "nonce", "events", "nbf",
            ];
            for (name, value) in claims {
                all.insert(name.pick(&names), claim_value(value));
            }
            for i in drop {
                all.remove(names[usize::from(*i) % names.len()]);
            }
            let token = f.idp.sign(&all);
            let mut form = format!("logout_token={token}");
            if let Some(extra) = extra {
                form.push('&');
                form.push_str(extra);
            }
            form.into_bytes()
        }
    }
}

fn event(f: &Fixture, input: &Input) -> Value {
    let (route, fixture) = &f.routes[usize::from(input.route) % f.routes.len()];
    let mut event = fixture.clone();
    let project = input.project.pick(&PROJECTS);
    let method = input.method.pick(&METHODS);
    let suffix = route.spec.name;
    let path = if project.is_empty() || project.contains(['/', '.', '?', '#', '%', ' ']) {
        "/v1/projects/x/route".to_owned()
    } else {
        format!("/v1/projects/{project}/{suffix}")
    };
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event["requestContext"]["http"]["method"] = json!(method);
    event["routeKey"] = json!(format!("{method} /v1/projects/{{project}}/{suffix}"));
    event["pathParameters"] = json!({ "project": project });
    if let Some(ip) = &input.source_ip {
        event["requestContext"]["http"]["sourceIp"] = json!(ip);
    }
    if let Some(domain) = &input.domain_name {
        event["requestContext"]["domainName"] = json!(domain.pick(&AUTHORITIES));
    }
    let mut headers = Map::new();
    for (name, value) in &input.headers {
        let name = name.to_ascii_lowercase();
        // API Gateway sets these itself.
        if name != "host" && name != "x-forwarded-proto" {
            headers.insert(name, json!(value));
        }
    }
    let mut set = |name: &str, value: String| {
        headers.insert(name.to_owned(), json!(value));
    };
    if let Some(host) = &input.host {
        set("host", host.pick(&AUTHORITIES));
    }
    if let Some(proto) = &input.forwarded_proto {
        set("x-forwarded-proto", proto.pick(&["https", "http", "h t"]));
    }
    if let Some(content_type) = &input.content_type {
        set("content-type", content_type.pick(&CONTENT_TYPES));
    }
    if let Some(origin) = &input.origin {
        set(
            "origin",
            origin.pick(&[ORIGIN, "https://evil.example.com", "null"]),
        );
    }
    match &input.authorization {
        None => {}
        Some(Authorization::Identity(extra)) => {
            let extra: Map<String, Value> = extra
                .iter()
                .map(|(i, v)| (CLAIMS[usize::from(*i) % CLAIMS.len()].to_owned(), json!(v)))
                .collect();
            let token = f.idp.id_token(
                "u-1001",
                NOW - 10,
                json!({"email": "alice@example.com", "email_verified": true}),
            );
            let token = if extra.is_empty() {
                token
            } else {
                let mut claims = json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "u-1001",
                                        "iat": NOW - 10, "exp": NOW + 300});
                claims.as_object_mut().unwrap().extend(extra);
                f.idp.sign(claims.as_object().unwrap())
            };
            set("authorization", format!("Bearer {token}"));
        }
        Some(Authorization::Bearer(token)) => set("authorization", format!("Bearer {token}")),
        Some(Authorization::Raw(raw)) => set("authorization", raw.clone()),
        Some(Authorization::CallbackKey) => set("authorization", format!("Bearer {CALLBACK_KEY}")),
    }
    if let Some(cookie) = &input.cookie {
        set("cookie", cookie.clone());
    }
    let body = body(f, &input.body);
    match &input.webhook {
        None => {}
        Some(Webhook::Signed { id, offset }) => {
            let at = NOW as i64 + i64::from(*offset);
            let signature = WebhookSecret::parse(WEBHOOK_SECRET)
                .unwrap()
                .sign(id, at, &body);
            set("webhook-id", id.clone());
            set("webhook-timestamp", at.to_string());
            set("webhook-signature", signature);
        }
        Some(Webhook::Raw {
            id,
            timestamp,
            signature,
        }) => {
            set("webhook-id", id.clone());
            set("webhook-timestamp", timestamp.clone());
            set("webhook-signature", signature.clone());
        }
    }
    event["headers"] = Value::Object(headers);
    match &input.authorizer_claims {
        Some(claims) => {
            let claims: Map<String, Value> = claims
                .iter()
                .map(|(name, value)| (name.pick(&CLAIMS), json!(value)))
                .collect();
            event["requestContext"]["authorizer"] =
                json!({"jwt": {"claims": claims, "scopes": null}});
        }
        None => {
            event["requestContext"]
                .as_object_mut()
                .unwrap()
                .remove("authorizer");
        }
    }
    if let Some(query) = &input.query {
        event["rawQueryString"] = json!(query);
        let params: Map<String, Value> = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), json!(v)))
            .collect();
        event["queryStringParameters"] = Value::Object(params);
    }
    match (input.base64, std::str::from_utf8(&body)) {
        (false, Ok(text)) => {
            event["body"] = json!(text);
            event["isBase64Encoded"] = json!(false);
        }
        _ => {
            event["body"] = json!(STANDARD.encode(&body));
            event["isBase64Encoded"] = json!(true);
        }
    }
    event
}

/// Never a 5xx, every answer uncached (but a 200 of a route that declares how long it may be
/// kept), every refusal problem+json with its code and status.
fn check(served: &Served, response: &Response<Body>) {
    let route = served.spec.name;
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert!(
        status < 500,
        "route {route}: {status} {:?}",
        response.body()
    );
    let cache = match served.spec.cacheable_for {
        Some(seconds) if status == 200 => format!("public, max-age={seconds}"),
        _ => "no-store".to_owned(),
    };
    assert_eq!(
        header("cache-control").as_deref(),
        Some(cache.as_str()),
        "route {route}"
    );
    if status >= 400 {
        assert_eq!(
            header("content-type").as_deref(),
            Some("application/problem+json"),
            "route {route}"
        );
        let problem: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        assert!(problem["code"].is_string(), "route {route}: {problem}");
        assert_eq!(problem["status"], json!(status), "route {route}");
    }
}

/// True when the identity the handler reads carries an `events` claim: the authorizer's claims
/// when there are any, the bearer token's otherwise.
fn identity_has_events(input: &Input) -> bool {
    match input.authorizer_claims.as_deref() {
        Some(claims) if !claims.is_empty() => {
            claims.iter().any(|(name, _)| name.pick(&CLAIMS) == "events")
        }
        _ => matches!(&input.authorization, Some(Authorization::Identity(extra))
            if extra.iter().any(|(i, _)| CLAIMS[usize::from(*i) % CLAIMS.len()] == "events")),
    }
}

fuzz_target!(|input: Input| {
    let f = fixture();
    let event = event(f, &input);
    let Ok(payload) = serde_json::from_value(event) else {
        // Not an event API Gateway could send: nothing reaches a handler.
        return;
    };
    // What the function's Lambda entry point does with the event (a raw query string or path
    // lambda_http would panic on is made safe first).
    let request = to_request(payload);
    // The state as every runner builds it, keeping the key cache across runs.
    let mut settings = Settings::memory(f.configs.clone());
    settings.identity = Some(IdentityProvider {
        jwks: f.idp.jwks(),
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
    });
    let mut state = State::build(settings, Arc::new(ManualClock::at(NOW)), None).unwrap();
    state.jwks = f.jwks.clone();
    let sessions = state.sessions.clone();
    let (route, _) = f.routes[usize::from(input.route) % f.routes.len()];
    f.runtime.block_on(async {
        for project in ["acme-custom", "acme-cookie"] {
            let session = Session {
                project: project.into(),
                reference: REFERENCE.into(),
                user: User {
                    id: "u-1001".into(),
                    email: Some("alice@example.com".into()),
                    ..User::default()
                },
                created_ms: NOW * 1000 - 5_000,
                issued_at: Some(NOW - 5),
                expires_at: NOW + 300,
            };
            sessions.put_session(&session).await.unwrap();
        }
        let response = route.handle(&state, request).await;
        check(route, &response);
        let sign_in = route.spec.browser;
        assert!(
            !(sign_in && identity_has_events(&input) && response.status() == 200),
            "an identity carrying `events` signed in at {}",
            route.spec.name
        );
    });
});
