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
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;

pub const SECRET_PREFIX: &str = "chatpass/projects/";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A file of ../shared/vectors (beside the repository), or of `CHATPASS_VECTORS`.
pub fn vectors(name: &str) -> Value {
    let dir = std::env::var_os("CHATPASS_VECTORS")
        .map_or_else(|| workspace().join("../shared/vectors"), PathBuf::from);
    let text = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap()
}

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

pub fn request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway v2 event")
}

/// The response body as JSON.
pub fn json_body(response: &Response<Body>) -> Value {
    serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null)
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

/// Creates the state table in moto as the SAM template does: `pk` key, TTL on `expires_at`.
pub async fn create_table(moto: &Moto, table: &str) {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        TimeToLiveSpecification,
    };
    let client = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name("expires_at")
                .enabled(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}
