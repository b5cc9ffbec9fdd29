//! What the workspace tests share: the vectors, API Gateway v2 events from the functions'
//! fixtures, handler states over memory or moto, and reading responses.

use crate::moto::Moto;
use chatpass_service::aws::Aws;
use chatpass_service::clock::Clock;
use chatpass_service::identity::LOOPBACK_HTTP_VAR;
use chatpass_service::pipeline::Served;
use chatpass_service::source::CacheSettings;
use chatpass_service::{Settings, State};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

pub use chatpass_service::testing::{
    for_project, json_body, memory_state, request, with_body, with_header, with_method,
};

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

/// The route of `/v1/projects/{project}/<name>`, from the route table.
pub fn route(name: &str) -> &'static Served {
    chatpass::routes::named(name).unwrap_or_else(|| panic!("no route {name}"))
}

/// The event fixture a route declares (`functions/<function>/events/<fixture>.json`).
pub fn fixture_of(route: &Served) -> Value {
    fixture(route.spec.function, route.spec.fixture)
}

/// Replaces the authorizer's claims (`None` removes the authorizer).
pub fn with_authorizer_claims(mut event: Value, claims: Option<Value>) -> Value {
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

/// A state as a deployed function builds it — its settings from the environment template.yaml
/// gives it ([`function_environment`]), the SDK made ready, [`State::build`] — with Secrets
/// Manager and DynamoDB on `moto` and the functions' default cache settings.
pub async fn moto_state(moto: &Moto, table: &str, clock: Arc<dyn Clock>) -> State {
    moto_state_with_cache(moto, table, CacheSettings::default(), clock).await
}

/// [`moto_state`] with its config cache set to `cache`.
pub async fn moto_state_with_cache(
    moto: &Moto,
    table: &str,
    cache: CacheSettings,
    clock: Arc<dyn Clock>,
) -> State {
    let environment = function_environment(table);
    let mut settings = Settings::from_vars(&|name| environment.get(name).cloned())
        .expect("the functions' environment");
    settings.cache = cache;
    let aws = Aws::ready(moto.sdk_config().await, SECRET_PREFIX).await;
    let state = State::build(settings, clock, Some(&aws)).expect("the functions' settings build");
    // What a test counts begins after the function's init (its warm-up call), as a warm
    // Lambda's requests do.
    moto.reset_recording();
    state
}

/// What template.yaml sets in every function's environment, with the tests' state table and
/// secret prefix, and the switch that lets the functions fetch the tests' stand-in identity
/// provider's keys over plain http on loopback.
pub fn function_environment(table: &str) -> HashMap<String, String> {
    [
        ("CHATPASS_TABLE", table),
        ("CHATPASS_SECRET_PREFIX", SECRET_PREFIX),
        (LOOPBACK_HTTP_VAR, "allow"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Stores a project's config in moto's Secrets Manager under the prefix: its first version,
/// or a new current one (the last becomes AWSPREVIOUS) when the project is there already.
pub async fn put_project(moto: &Moto, project: &str, config: &Value) {
    let client = aws_sdk_secretsmanager::Client::new(&moto.sdk_config().await);
    store_secret(
        &client,
        &format!("{SECRET_PREFIX}{project}"),
        &config.to_string(),
    )
    .await;
}

/// Makes `document` the AWSCURRENT version of secret `name`, creating the secret if needed.
pub async fn store_secret(client: &aws_sdk_secretsmanager::Client, name: &str, document: &str) {
    let created = client.create_secret().name(name).secret_string(document);
    match created.send().await {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_exists_exception()) =>
        {
            let put = client
                .put_secret_value()
                .secret_id(name)
                .secret_string(document);
            put.send()
                .await
                .unwrap_or_else(|e| panic!("put a version of {name}: {e:?}"));
        }
        Err(e) => panic!("create the secret {name}: {e:?}"),
    }
}

/// Creates the state table in moto as template.yaml declares it: its key schema and TTL
/// attribute (tests/src/template.rs reads them from the template).
pub async fn create_table(moto: &Moto, table: &str) {
    use aws_sdk_dynamodb::types::TimeToLiveSpecification;
    let client = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    let declared = crate::template::state_table();
    let created =
        crate::template::create_table_request(client.create_table().table_name(table), &declared)
            .send()
            .await;
    // On a loaded machine the SDK may retry a create whose answer came late: moto made the
    // table on the first try, and the retry finds it there.
    if let Err(error) = created {
        assert!(
            error
                .as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception()),
            "creating the table {table}: {error:?}"
        );
    }
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

/// Asserts a 503 whose `Retry-After` is a whole number of seconds above zero.
#[track_caller]
pub fn assert_503_with_retry_after(response: &Response<Body>, what: &str) {
    assert_eq!(response.status(), 503, "{what}: {}", json_body(response));
    let retry_after = response
        .headers()
        .get("retry-after")
        .unwrap_or_else(|| panic!("{what}: a 503 without Retry-After"));
    assert!(
        retry_after
            .to_str()
            .unwrap()
            .parse::<u32>()
            .is_ok_and(|s| s > 0),
        "{what}: Retry-After {retry_after:?}"
    );
}

/// Asserts a logout-webhook answer: 200 with `{"status": status}`.
#[track_caller]
pub fn assert_logout_status(response: &Response<Body>, status: &str, what: &str) {
    let body = json_body(response);
    assert_eq!(response.status(), 200, "{what}: {body}");
    assert_eq!(body, json!({ "status": status }), "{what}");
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

/// Asserts that the vendor's stand-in received exactly the call a vector's `vendor_call`
/// describes: the method, the URL's path, the bearer, a JSON content type and the JSON body.
#[track_caller]
pub fn assert_vendor_call(
    name: &str,
    expected: &Value,
    received: &chatpass_service::testing::Received,
) {
    let url = expected["url"].as_str().expect("a vendor_call url");
    let path = url
        .splitn(4, '/')
        .nth(3)
        .map(|p| format!("/{p}"))
        .expect("a URL with a path");
    assert_eq!(received.method, expected["method"], "{name}");
    assert_eq!(received.path, path, "{name}");
    assert_eq!(
        received.authorization.as_deref(),
        expected["authorization"].as_str(),
        "{name}"
    );
    assert_eq!(
        received.content_type.as_deref(),
        Some("application/json"),
        "{name}"
    );
    let body: Value = serde_json::from_str(&received.body).expect("a JSON body");
    assert_eq!(body, expected["body"], "{name}");
}

/// A vendors.json case's settings as answered, ready to compare with its `expected`: a token
/// with claims new on every token (`random_claims`) is checked by chatpass-signing's
/// vendor_vectors, so here it stands as the case writes it.
pub fn comparable_settings(settings: &Value, expected: &Value) -> Value {
    let mut settings = settings.clone();
    if expected.get("random_claims").is_some() {
        let field = expected["settings"]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap();
        settings[field] = expected["settings"][field].clone();
    }
    settings
}
