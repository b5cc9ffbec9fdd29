//! End to end under `cargo lambda watch`: the four functions' real binaries against moto
//! (Secrets Manager and DynamoDB), invoked with `cargo lambda invoke --data-file` on API Gateway
//! v2 fixtures, driving the sessions flow: token, user-hash (custom-user), user-details, logout.

use chatpass_signing::webhook::WebhookSecret;
use chatpass_tests::moto::Moto;
use chatpass_tests::support::{create_table, fixture, for_project, put_project};
use serde_json::{Value, json};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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

/// `cargo lambda watch` with the functions' environment, stopped on drop.
struct Watch {
    child: Child,
    port: u16,
}

impl Watch {
    fn start(moto: &Moto) -> Watch {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log =
            std::fs::File::create(std::env::temp_dir().join(format!("chatpass-watch-{port}.log")))
                .unwrap();
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
        Watch { child, port }
    }

    /// `cargo lambda invoke FUNCTION --data-file` with `event`; the API Gateway response.
    fn invoke(&self, function: &str, event: &Value) -> (u16, Value, Value) {
        let file =
            std::env::temp_dir().join(format!("chatpass-event-{}-{function}.json", self.port));
        std::fs::write(&file, event.to_string()).unwrap();
        let output = Command::new(cargo_lambda())
            .args([
                "lambda",
                "invoke",
                function,
                "--invoke-port",
                &self.port.to_string(),
                "--data-file",
            ])
            .arg(&file)
            .current_dir(root())
            .stderr(Stdio::inherit())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "invoke {function}: {}",
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
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_four_lambda_binaries_run_the_sessions_flow_against_moto() {
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "-q",
            "-p",
            "issue-jwt",
            "-p",
            "hash-user",
            "-p",
            "user-details-callback",
            "-p",
            "logout-webhook",
        ])
        .current_dir(root())
        .status()
        .unwrap();
    assert!(status.success(), "the function binaries build");
    let moto = Moto::start();
    create_table(&moto, TABLE).await;
    put_project(&moto, "acme-jsm", &json!({"vendor": "jsm-chat", "key": "dGVzdC1qc20tc2VjcmV0LWZvci12ZWN0b3Jz", "allowed_origins": ["https://www.example.com"]})).await;
    put_project(&moto, "acme-sprinklr", &json!({
        "vendor": "sprinklr", "key": "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d", "options": {"mode": "custom-user"},
        "allowed_origins": ["https://www.example.com"], "callback_keys": [CALLBACK_KEY], "webhook_secrets": [WEBHOOK_SECRET]
    }))
    .await;
    let watch = Watch::start(&moto);

    let (status, headers, body) = watch.invoke("issue-jwt", &fixture("issue-jwt", "token"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(
        body["settings"]["token"]
            .as_str()
            .unwrap()
            .starts_with("eyJ")
    );

    let mut hash = fixture("hash-user", "user-hash");
    hash["requestContext"]["authorizer"]["jwt"]["claims"]["iat"] = json!((now() - 10).to_string());
    let (status, _, body) = watch.invoke("hash-user", &hash);
    assert_eq!(status, 200, "{body}");
    let reference = body["settings"]["customUser"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut details = for_project(
        fixture("user-details-callback", "user-details"),
        "acme-sprinklr",
    );
    details["body"] = json!(json!({ "token": reference }).to_string());
    let (status, _, body) = watch.invoke("user-details-callback", &details);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["firstName"], "Alice");

    let mut logout = fixture("logout-webhook", "logout-webhook");
    let at = now();
    let event_body = logout["body"].as_str().unwrap().to_owned();
    let signature = WebhookSecret::parse(WEBHOOK_SECRET).unwrap().sign(
        "msg_watch_1",
        at as i64,
        event_body.as_bytes(),
    );
    logout["headers"]["webhook-id"] = json!("msg_watch_1");
    logout["headers"]["webhook-timestamp"] = json!(at.to_string());
    logout["headers"]["webhook-signature"] = json!(signature);
    let (status, _, body) = watch.invoke("logout-webhook", &logout);
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("logged_out")),
        "{body}"
    );
    let (status, _, body) = watch.invoke("logout-webhook", &logout);
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("already_applied")),
        "{body}"
    );

    let (status, _, body) = watch.invoke("user-details-callback", &details);
    assert_eq!(status, 410, "{body}");
    let (status, _, body) = watch.invoke("hash-user", &hash);
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("logged_out")),
        "{body}"
    );
}
