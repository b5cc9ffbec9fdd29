//! End to end under `cargo lambda watch`: the four functions' real binaries against moto
//! (Secrets Manager and DynamoDB), driving the sessions flow as the deployed API would:
//! token and user-hash invoked with `cargo lambda invoke --data-file` on API Gateway v2 events
//! carrying the JWT authorizer's claims; user-details and logout over HTTP, through the
//! emulator's function URLs (`/lambda-url/<function>/<path>`: no path parameters there, so
//! the handlers find the project in `/v1/projects/{project}/...`). Last, every fixture under
//! `functions/*/events/` is invoked as a `--data-file` and must get an API Gateway answer. What
//! the functions print is read back: the flow's metrics as Embedded Metric Format documents,
//! and no secret, email or token at `RUST_LOG=trace`.

use chatpass_service::clock::{Clock, SystemClock};
use chatpass_service::testing::with_claims;
use chatpass_signing::webhook::WebhookSecret;
use chatpass_tests::moto::Moto;
use chatpass_tests::support::{create_table, fixture, put_project};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WEBHOOK_SECRET: &str = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
const CALLBACK_KEY: &str = "cb-key-0123456789abcdefghijklmnop";
const TABLE: &str = "chatpass-lambda-watch";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn cargo_lambda() -> PathBuf {
    std::env::var_os("CHATPASS_CARGO_LAMBDA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv/bin/cargo-lambda"))
}

/// `cargo lambda watch` with the functions' environment, stopped on drop; the functions run
/// at `RUST_LOG=trace` and what they print lands in `log`.
struct Watch {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Watch {
    fn start(moto: &Moto) -> Watch {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log_path = std::env::temp_dir().join(format!("chatpass-watch-{port}.log"));
        let log = std::fs::File::create(&log_path).unwrap();
        let mut command = Command::new(cargo_lambda());
        command.args([
            "lambda",
            "watch",
            "--invoke-port",
            &port.to_string(),
            "--ignore-changes",
        ]);
        for (name, value) in [
            ("CHATPASS_TABLE", TABLE),
            ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", "us-east-1"),
            ("RUST_LOG", "trace"),
        ] {
            command.args(["--env-var", &format!("{name}={value}")]);
        }
        let child = command
            .current_dir(root())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("cargo lambda (run scripts/test.sh)");
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "cargo lambda watch did not start"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        Watch {
            child,
            port,
            log: log_path,
        }
    }

    /// `cargo lambda invoke FUNCTION --data-file` with `event`; the API Gateway response.
    fn invoke(&self, function: &str, event: &Value) -> (u16, Value, Value) {
        let file =
            std::env::temp_dir().join(format!("chatpass-event-{}-{function}.json", self.port));
        std::fs::write(&file, event.to_string()).unwrap();
        self.invoke_file(function, &file)
    }

    /// `cargo lambda invoke FUNCTION --data-file FILE`; the API Gateway response.
    fn invoke_file(&self, function: &str, file: &Path) -> (u16, Value, Value) {
        let output = Command::new(cargo_lambda())
            .args([
                "lambda",
                "invoke",
                function,
                "--invoke-port",
                &self.port.to_string(),
                "--data-file",
            ])
            .arg(file)
            .current_dir(root())
            .stderr(Stdio::inherit())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "invoke {function} --data-file {}: {}",
            file.display(),
            String::from_utf8_lossy(&output.stdout)
        );
        let response: Value = serde_json::from_slice(&output.stdout).unwrap();
        let body = serde_json::from_str(response["body"].as_str().unwrap_or("null"))
            .unwrap_or(Value::Null);
        (
            response["statusCode"].as_u64().unwrap() as u16,
            response["headers"].clone(),
            body,
        )
    }

    /// An HTTP request through the emulator's function URL of `function`:
    /// `http://127.0.0.1:PORT/lambda-url/<function><path_and_query>`.
    async fn http(
        &self,
        function: &str,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let url = format!(
            "http://127.0.0.1:{}/lambda-url/{function}{path_and_query}",
            self.port
        );
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        let mut request = client.request(method.parse().unwrap(), &url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        (
            status,
            headers,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

/// Every fixture event of every function: (function, file).
fn all_fixtures() -> Vec<(String, PathBuf)> {
    let mut fixtures = Vec::new();
    for function in chatpass::routes::functions() {
        let dir = root().join("functions").join(function).join("events");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{function} has event fixtures");
        fixtures.extend(files.into_iter().map(|file| (function.to_owned(), file)));
    }
    fixtures
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A metric's dimensions, by name.
type Dimensions<'a> = &'a [(&'a str, &'a str)];

/// Every Embedded Metric Format document in `printed`, summed: (metric, dimensions) → the sum
/// of a counter's values, or how many values a histogram recorded.
fn emf_metrics(printed: &str) -> BTreeMap<(String, BTreeMap<String, String>), f64> {
    let mut sums = BTreeMap::new();
    for line in printed.lines() {
        let Some(start) = line.find('{') else {
            continue;
        };
        let Ok(doc) = serde_json::from_str::<Value>(&line[start..]) else {
            continue;
        };
        let Some(definition) = doc["_aws"]["CloudWatchMetrics"].get(0) else {
            continue;
        };
        assert_eq!(definition["Namespace"], "chatpass");
        let dimensions: BTreeMap<String, String> = definition["Dimensions"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let name = d.as_str().unwrap();
                (name.to_owned(), doc[name].as_str().unwrap().to_owned())
            })
            .collect();
        for metric in definition["Metrics"].as_array().unwrap() {
            let name = metric["Name"].as_str().unwrap();
            let value = match &doc[name] {
                Value::Array(values) => values.len() as f64,
                value => value.as_f64().unwrap(),
            };
            *sums
                .entry((name.to_owned(), dimensions.clone()))
                .or_default() += value;
        }
    }
    sums
}

fn now() -> u64 {
    SystemClock.now()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_four_lambda_binaries_run_the_sessions_flow_against_moto() {
    chatpass_tests::binaries::dir();
    let moto = Moto::start();
    create_table(&moto, TABLE).await;
    put_project(&moto, "acme-jsm", &json!({"vendor": "jsm-chat", "key": "dGVzdC1qc20tc2VjcmV0LWZvci12ZWN0b3Jz", "allowed_origins": ["https://www.example.com"]})).await;
    put_project(&moto, "acme-sprinklr", &json!({
        "vendor": "sprinklr", "key": "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d", "options": {"mode": "custom-user"},
        "allowed_origins": ["https://www.example.com"], "callback_keys": [CALLBACK_KEY], "webhook_secrets": [WEBHOOK_SECRET]
    }))
    .await;
    let watch = Watch::start(&moto);

    // The functions judge the authorizer's claims by the system clock: issued just now.
    let issued_now = |event: Value| {
        let now = now();
        with_claims(
            event,
            json!({"iat": (now - 10).to_string(), "exp": (now + 3600).to_string()}),
        )
    };
    let (status, headers, body) =
        watch.invoke("issue-jwt", &issued_now(fixture("issue-jwt", "token")));
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(
        body["settings"]["token"]
            .as_str()
            .unwrap()
            .starts_with("eyJ")
    );

    let hash = issued_now(fixture("hash-user", "user-hash"));
    let (status, _, body) = watch.invoke("hash-user", &hash);
    assert_eq!(status, 200, "{body}");
    let reference = body["settings"]["customUser"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    // The vendor's server asks for the user over HTTP (no authorizer: a callback key), the
    // token in the body, then in the query string.
    let callback = [
        ("authorization", format!("Bearer {CALLBACK_KEY}")),
        ("content-type", "application/json".to_owned()),
    ];
    let callback: Vec<(&str, &str)> = callback.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let details_path = "/v1/projects/acme-sprinklr/user-details";
    let details_query = format!("{details_path}?token={reference}");
    let token_in_body = Some(json!({ "token": reference }).to_string());
    let details_by_body = async || {
        let body = token_in_body.clone();
        watch
            .http(
                "user-details-callback",
                "POST",
                details_path,
                &callback,
                body,
            )
            .await
    };
    let details_by_query = async |headers: &[(&str, &str)]| {
        watch
            .http(
                "user-details-callback",
                "GET",
                &details_query,
                headers,
                None,
            )
            .await
    };
    let (status, headers, body) = details_by_body().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["firstName"], "Alice");
    assert_eq!(headers["cache-control"], "no-store");
    let (status, _, body) = details_by_query(&callback[..1]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["firstName"], "Alice");
    let wrong_key = [("authorization", "Bearer not-the-callback-key-0123456789")];
    let (status, _, body) = details_by_query(&wrong_key).await;
    assert_eq!(status, 401, "{body}");

    // The brand backend's logout webhook, over HTTP (no authorizer: a Standard Webhooks
    // signature); a repeat of the same delivery changes nothing.
    let logout_body = fixture("logout-webhook", "logout-webhook")["body"]
        .as_str()
        .unwrap()
        .to_owned();
    let at = now().to_string();
    let signature = WebhookSecret::parse(WEBHOOK_SECRET).unwrap().sign(
        "msg_watch_1",
        at.parse().unwrap(),
        logout_body.as_bytes(),
    );
    let delivery = [
        ("content-type", "application/json"),
        ("webhook-id", "msg_watch_1"),
        ("webhook-timestamp", at.as_str()),
        ("webhook-signature", signature.as_str()),
    ];
    let logout_path = "/v1/projects/acme-sprinklr/logout";
    let deliver = async || {
        let body = Some(logout_body.clone());
        watch
            .http("logout-webhook", "POST", logout_path, &delivery, body)
            .await
    };
    let (status, _, body) = deliver().await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("logged_out")),
        "{body}"
    );
    let (status, _, body) = deliver().await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("already_applied")),
        "{body}"
    );

    // From then on the session is gone and the user's earlier identity token is refused.
    let (status, _, body) = details_by_body().await;
    assert_eq!(status, 410, "{body}");
    let (status, _, body) = details_by_query(&callback[..1]).await;
    assert_eq!(status, 410, "{body}");
    let (status, _, body) = watch.invoke("hash-user", &hash);
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("logged_out")),
        "{body}"
    );

    // What the flow counted, as the functions wrote it in CloudWatch's Embedded Metric Format.
    let metrics = emf_metrics(&std::fs::read_to_string(&watch.log).unwrap());
    let count = |name: &str, dimensions: Dimensions| {
        let key: BTreeMap<String, String> = dimensions
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        metrics
            .get(&(name.to_owned(), key))
            .copied()
            .unwrap_or_default()
    };
    let expected: [(&str, Dimensions, f64); 12] = [
        ("Refusals", &[("function", "user-details-callback")], 3.0),
        (
            "SignIn",
            &[
                ("function", "issue-jwt"),
                ("vendor", "jsm-chat"),
                ("outcome", "ok"),
            ],
            1.0,
        ),
        (
            "SignIn",
            &[
                ("function", "hash-user"),
                ("vendor", "sprinklr"),
                ("outcome", "ok"),
            ],
            1.0,
        ),
        (
            "SignIn",
            &[
                ("function", "hash-user"),
                ("vendor", "sprinklr"),
                ("outcome", "logged_out"),
            ],
            1.0,
        ),
        (
            "Refusal",
            &[("function", "hash-user"), ("reason", "logged_out")],
            1.0,
        ),
        (
            "Refusal",
            &[
                ("function", "user-details-callback"),
                ("reason", "callback_key_refused"),
            ],
            1.0,
        ),
        (
            "Refusal",
            &[
                ("function", "user-details-callback"),
                ("reason", "session_logged_out"),
            ],
            2.0,
        ),
        (
            "Logout",
            &[("function", "logout-webhook"), ("outcome", "applied")],
            1.0,
        ),
        (
            "Logout",
            &[("function", "logout-webhook"), ("outcome", "repeated")],
            1.0,
        ),
        // Each function's first lookup, and user-details' of the previous version (AWSPREVIOUS)
        // for the callback key the current one refused.
        ("ConfigCache", &[("result", "miss")], 5.0),
        ("ConfigCache", &[("result", "hit")], 6.0),
        ("ColdStart", &[("function", "issue-jwt")], 1.0),
    ];
    for (name, dimensions, value) in expected {
        assert_eq!(
            count(name, dimensions),
            value,
            "{name} {dimensions:?} in {metrics:?}"
        );
    }
    for function in ["hash-user", "user-details-callback", "logout-webhook"] {
        assert_eq!(
            count("ColdStart", &[("function", function)]),
            1.0,
            "{function}"
        );
    }
    for dependency in ["secretsmanager", "dynamodb"] {
        assert!(
            count("DependencyLatency", &[("dependency", dependency)]) > 0.0,
            "{dependency}"
        );
        assert_eq!(
            count("DependencyFailure", &[("dependency", dependency)]),
            0.0
        );
    }
    assert!(
        metrics
            .keys()
            .all(|(_, dimensions)| !dimensions.contains_key("project")),
        "no project id is a dimension"
    );

    // Every fixture is a usable `--data-file`: the function answers it as API Gateway would
    // relay it (whatever the status: the fixtures' tokens and signatures are made up), never
    // with a crash or a 5xx.
    for (function, file) in all_fixtures() {
        let (status, _, body) = watch.invoke_file(&function, &file);
        assert!(
            (200..500).contains(&status),
            "{function} {}: {status} {body}",
            file.display()
        );
    }

    // At every log level, nothing the functions print holds the user's email, a token, a
    // session reference or a key (the Lambda runtime and the AWS SDK print whole events and
    // requests at `trace`: their lines are held to `info`).
    let printed = std::fs::read_to_string(&watch.log).unwrap();
    assert!(
        printed.contains(r#""message":"request""#),
        "the functions logged"
    );
    for secret in [
        "alice@example.com",
        reference.as_str(),
        CALLBACK_KEY,
        WEBHOOK_SECRET,
        "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d",
        "dGVzdC1qc20tc2VjcmV0LWZvci12ZWN0b3Jz",
        "eyJ",
    ] {
        assert!(
            !printed.contains(secret),
            "`{secret}` in the functions' output"
        );
    }
}
