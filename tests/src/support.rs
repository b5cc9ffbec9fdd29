//! What the workspace tests share: the vectors, API Gateway v2 events from the functions'
//! fixtures, handler states over memory or moto, and reading responses.

use crate::moto::Moto;
use chatpass_service::clock::{Clock, ManualClock};
use chatpass_service::jwks::JwksCache;
use chatpass_service::source::{
    CacheSettings, ConfigCache, ConfigSource, MemorySource, SecretsManagerSource, Stages,
};
use chatpass_service::store::{DynamoSessionStore, MemorySessionStore, SessionStore};
use chatpass_service::{ProjectConfig, State};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;

pub use chatpass_service::testing::{json_body, request, with_body, with_header, with_method};

pub const SECRET_PREFIX: &str = "chatpass/projects/";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub use crate::vectors::load as vectors;

/// A fixture event of a function (`functions/<function>/events/<name>.json`) as JSON.
pub fn fixture(function: &str, name: &str) -> Value {
    let path = workspace()
        .join("functions")
        .join(function)
        .join("events")
        .join(format!("{name}.json"));
    serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
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

/// Replaces the authorizer's claims (`None` removes the authorizer).
pub fn with_claims(mut event: Value, claims: Option<Value>) -> Value {
    match claims {
        Some(claims) => {
            event["requestContext"]["authorizer"] =
                json!({"jwt": {"claims": claims, "scopes": null}})
        }
        None => {
            event["requestContext"]
                .as_object_mut()
                .unwrap()
                .remove("authorizer");
        }
    }
    event
}

/// Claims as API Gateway hands them over (every value a string) for a vector's user.
pub fn claims_for(user: &Value, iat: u64) -> Value {
    let mut claims = serde_json::Map::new();
    let pairs = [
        ("id", "sub"),
        ("email", "email"),
        ("name", "name"),
        ("first_name", "given_name"),
        ("last_name", "family_name"),
        ("phone", "phone_number"),
        ("avatar_url", "picture"),
    ];
    for (field, claim) in pairs {
        if let Some(value) = user.get(field).and_then(Value::as_str) {
            claims.insert(claim.into(), json!(value));
        }
    }
    let verified = user
        .get("email_verified")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    claims.insert("email_verified".into(), json!(verified.to_string()));
    claims.insert("iat".into(), json!(iat.to_string()));
    claims.insert("exp".into(), json!((iat + 3600).to_string()));
    Value::Object(claims)
}

/// A state over in-memory ports.
pub fn memory_state(projects: &[(&str, Value)], clock: Arc<ManualClock>) -> State {
    let projects = projects
        .iter()
        .map(|(id, doc)| ProjectConfig::from_value(id, doc.clone()).unwrap());
    State {
        configs: Arc::new(MemorySource::new(projects)),
        verifier: None,
        sessions: Arc::new(MemorySessionStore::new()),
        clock,
        jwks: Arc::new(JwksCache::default()),
    }
}

/// A state as a deployed function builds it, with Secrets Manager and DynamoDB on `moto`.
pub async fn moto_state(
    moto: &Moto,
    table: &str,
    stages: Stages,
    settings: CacheSettings,
    clock: Arc<dyn Clock>,
) -> State {
    let sdk = moto.sdk_config().await;
    let source = SecretsManagerSource::new(
        aws_sdk_secretsmanager::Client::new(&sdk),
        SECRET_PREFIX,
        stages,
    );
    let configs: Arc<dyn ConfigSource> =
        Arc::new(ConfigCache::new(Arc::new(source), clock.clone(), settings));
    let sessions: Arc<dyn SessionStore> = Arc::new(DynamoSessionStore::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        table,
    ));
    State {
        configs,
        verifier: None,
        sessions,
        clock,
        jwks: Arc::new(JwksCache::default()),
    }
}

/// Stores a project's config in moto's Secrets Manager under the prefix.
pub async fn put_project(moto: &Moto, project: &str, config: &Value) {
    let client = aws_sdk_secretsmanager::Client::new(&moto.sdk_config().await);
    client
        .create_secret()
        .name(format!("{SECRET_PREFIX}{project}"))
        .secret_string(config.to_string())
        .send()
        .await
        .unwrap();
}

/// Creates the state table in moto as template.yaml declares it: its key schema, indexes and
/// TTL attribute (tests/src/template.rs reads them from the template).
pub async fn create_table(moto: &Moto, table: &str) {
    use aws_sdk_dynamodb::types::TimeToLiveSpecification;
    let client = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    let declared = crate::template::state_table();
    crate::template::create_table_request(client.create_table().table_name(table), &declared)
        .send()
        .await
        .unwrap();
    if let Some(attribute) = crate::template::ttl_attribute(&declared) {
        client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(attribute)
                    .enabled(true)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
}

/// The `code` of a problem+json answer (`""` when there is none).
pub fn problem_code(response: &Response<Body>) -> String {
    json_body(response)["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A Standard Webhooks delivery of `body` to `project`'s logout-webhook, signed with `secret`
/// (`whsec_...`) at `timestamp` under `id`, from the `logout-webhook` fixture.
pub fn signed_logout_webhook(
    project: &str,
    secret: &str,
    id: &str,
    timestamp: u64,
    body: &str,
) -> Value {
    let signature = chatpass_signing::webhook::WebhookSecret::parse(secret)
        .expect("a usable webhook secret")
        .sign(id, timestamp as i64, body.as_bytes());
    let mut event = for_project(fixture("logout-webhook", "logout-webhook"), project);
    event["body"] = json!(body);
    let event = with_header(event, "webhook-id", Some(id));
    let event = with_header(event, "webhook-timestamp", Some(&timestamp.to_string()));
    with_header(event, "webhook-signature", Some(&signature))
}

/// The body of a `user.logged_out` delivery for `user_id`.
pub fn logged_out_body(user_id: &str) -> String {
    json!({"type": "user.logged_out", "data": {"user_id": user_id}}).to_string()
}

/// An OIDC back-channel logout of `project`: `logout_token` form-encoded, from the
/// `logout-oidc` fixture. (A compact JWS needs no form escaping.)
pub fn oidc_logout(project: &str, logout_token: &str) -> Value {
    let mut event = for_project(fixture("logout-webhook", "logout-oidc"), project);
    event["body"] = json!(format!("logout_token={logout_token}"));
    event
}

/// The `events` claim of an OIDC back-channel logout token.
pub fn backchannel_events() -> Value {
    json!({"http://schemas.openid.net/event/backchannel-logout": {}})
}

/// A JWKS document served over plain HTTP/1.1 on a loopback port, as an identity provider
/// would serve it (`GET` any path answers the document). Stops when dropped.
pub struct JwksServer {
    /// `http://127.0.0.1:<port>/jwks.json`
    pub url: String,
    addr: std::net::SocketAddr,
    served: Arc<std::sync::atomic::AtomicUsize>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl JwksServer {
    /// Serves `jwks` (a JWKS document) until dropped.
    pub fn start(jwks: String) -> JwksServer {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let addr = listener.local_addr().expect("the listener's address");
        let served = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread = {
            let (served, stop) = (served.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(mut stream) = stream else { continue };
                    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let (status, body) = if head.starts_with(b"GET ") {
                        served.fetch_add(1, Ordering::SeqCst);
                        ("200 OK", jwks.as_str())
                    } else {
                        ("405 Method Not Allowed", "")
                    };
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                }
            })
        };
        JwksServer {
            url: format!("http://{addr}/jwks.json"),
            addr,
            served,
            stop,
            thread: Some(thread),
        }
    }

    /// How many GETs it has answered.
    pub fn served(&self) -> usize {
        self.served.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = std::net::TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Project configs kept as raw JSON documents and checked on every lookup, the way a secret
/// is read: a document that does not check is a [`SourceError::Invalid`], as Secrets Manager
/// and file sources report it.
///
/// [`SourceError::Invalid`]: chatpass_service::source::SourceError::Invalid
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
    fn project<'a>(
        &'a self,
        id: &'a chatpass_service::ProjectId,
    ) -> chatpass_service::source::BoxFuture<
        'a,
        Result<Arc<ProjectConfig>, chatpass_service::source::SourceError>,
    > {
        use chatpass_service::source::SourceError;
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
    State {
        configs: Arc::new(RawSource::new(projects)),
        verifier: None,
        sessions: Arc::new(MemorySessionStore::new()),
        clock,
        jwks: Arc::new(JwksCache::default()),
    }
}
