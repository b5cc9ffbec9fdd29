//! `chatpass serve` over HTTP: the sessions flow with a projects file and a JWKS file, again
//! with `--secrets aws --store dynamodb:TABLE` against moto; bad start-up input stops it with
//! one clear line; Ctrl-C stops it cleanly.

use chatpass_tests::cli;

use chatpass_service::clock::{Clock, SystemClock};
use chatpass_service::identity::StandinIdp;
use chatpass_service::testing::{JSM_KEY, JwksServer, ORIGIN};
use chatpass_signing::webhook::WebhookSecret;
use chatpass_tests::moto::Moto;
use chatpass_tests::support::{create_table, put_project};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ISSUER: &str = "https://idp.example.com/";
const AUDIENCE: &str = "chatpass";
const WEBHOOK_SECRET: &str = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
const CALLBACK_KEY: &str = "cb-key-0123456789abcdefghijklmnop";

fn project() -> Value {
    json!({
        "vendor": "sprinklr", "key": "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d", "options": {"mode": "custom-user"},
        "callback_keys": [CALLBACK_KEY], "webhook_secrets": [WEBHOOK_SECRET]
    })
}

fn now() -> u64 {
    SystemClock.now()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A free port whose next one is free too: the embedded demo serves its page on the next port.
fn free_port_pair() -> u16 {
    loop {
        let port = free_port();
        if port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

/// A running `chatpass serve`, interrupted (Ctrl-C) on drop.
struct Serve {
    child: Child,
    base: String,
}

impl Serve {
    /// The demo page's address: the port after the API's.
    fn page(&self) -> String {
        let port: u16 = self.base.rsplit(':').next().unwrap().parse().unwrap();
        format!("http://127.0.0.1:{}", port + 1)
    }

    fn start(args: &[&str], env: &[(&str, &str)]) -> Serve {
        let port = free_port_pair();
        let addr = format!("127.0.0.1:{port}");
        let mut command = Command::new(cli::binary());
        command
            .args(["serve", "--addr", &addr])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command.envs(env.iter().copied());
        let mut child = command.spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(&addr).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                let mut stderr = String::new();
                let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
                panic!("chatpass serve exited ({status}) before listening: {stderr}");
            }
            assert!(Instant::now() < deadline, "chatpass serve did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Serve {
            child,
            base: format!("http://{addr}"),
        }
    }

    fn interrupt(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        self.child.wait().unwrap()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.interrupt();
        }
    }
}

async fn post(
    url: &str,
    headers: &[(&str, String)],
    body: String,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = reqwest::Client::new().post(url).body(body);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap_or(Value::Null);
    (status, headers, body)
}

/// user-hash (custom-user) → callback 200 → signed logout webhook → callback 410 →
/// user-hash with the pre-logout identity 403 → a fresh identity 200.
async fn sessions_flow(serve: &Serve, idp: &StandinIdp, project: &str) {
    let api = format!("{}/v1/projects/{project}", serve.base);
    let signed_in_at = now() - 5;
    let old_identity = idp.id_token(
        "u-1001",
        signed_in_at,
        json!({"email": "alice@example.com", "email_verified": true, "given_name": "Alice"}),
    );
    let bearer = |token: &str| vec![("authorization", format!("Bearer {token}"))];

    let (status, _, body) = post(
        &format!("{api}/user-hash"),
        &bearer(&old_identity),
        String::new(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let reference = body["settings"]["customUser"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let callback = |reference: &str| {
        (
            format!("{api}/user-details"),
            json!({ "token": reference }).to_string(),
        )
    };
    let (url, details) = callback(&reference);
    let caller = vec![
        ("authorization", format!("Bearer {CALLBACK_KEY}")),
        ("content-type", "application/json".into()),
    ];
    let (status, headers, body) = post(&url, &caller, details.clone()).await;
    assert_eq!(
        (status, body["firstName"].as_str()),
        (200, Some("Alice")),
        "{body}"
    );
    assert_eq!(headers["cache-control"], "no-store");

    let at = now();
    let delivery = json!({"type": "user.logged_out", "data": {"user_id": "u-1001"}}).to_string();
    let signature = WebhookSecret::parse(WEBHOOK_SECRET).unwrap().sign(
        "msg_serve_1",
        at as i64,
        delivery.as_bytes(),
    );
    let webhook = vec![
        ("webhook-id", "msg_serve_1".to_owned()),
        ("webhook-timestamp", at.to_string()),
        ("webhook-signature", signature),
        ("content-type", "application/json".to_owned()),
    ];
    let (status, _, body) = post(&format!("{api}/logout"), &webhook, delivery.clone()).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("logged_out")),
        "{body}"
    );
    let (status, _, body) = post(&format!("{api}/logout"), &webhook, delivery).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("already_applied")),
        "{body}"
    );

    let (status, _, body) = post(&url, &caller, details).await;
    assert_eq!(status, 410, "{body}");
    let (status, _, body) = post(
        &format!("{api}/user-hash"),
        &bearer(&old_identity),
        String::new(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("logged_out")),
        "{body}"
    );
    let fresh = idp.id_token(
        "u-1001",
        at + 1,
        json!({"email": "alice@example.com", "email_verified": true}),
    );
    let (status, _, body) = post(&format!("{api}/user-hash"), &bearer(&fresh), String::new()).await;
    assert_eq!(status, 200, "{body}");

    // The same counts the functions write as Embedded Metric Format, as a Prometheus page.
    let page = reqwest::get(format!("{}/metrics", serve.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        r#"SignIn{function="hash-user",vendor="sprinklr",outcome="ok"} 2"#,
        r#"SignIn{function="hash-user",vendor="sprinklr",outcome="logged_out"} 1"#,
        r#"Logout{function="logout-webhook",outcome="applied"} 1"#,
    ] {
        assert!(page.lines().any(|l| l == line), "no `{line}` in:\n{page}");
    }
    assert!(!page.contains(project), "no project id in the metrics");
}

fn scratch(name: &str, contents: &str) -> std::path::PathBuf {
    cli::write(
        &cli::scratch(&format!("serve_flows-{name}")),
        name,
        contents,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_runs_the_sessions_flow_from_a_projects_file_and_a_jwks_file() {
    let projects = scratch("projects.json", &json!({ "acme": project() }).to_string());
    let args = ["--projects", projects.to_str().unwrap()];
    sessions_flow_trusting_a_new_idp(&args, &[], "jwks.json", "acme").await;
}

/// Starts `serve` with `args` and `env`, trusting a new stand-in IdP whose JWKS it reads from
/// the scratch file `jwks_file`, and runs the sessions flow against `project`.
async fn sessions_flow_trusting_a_new_idp(
    args: &[&str],
    env: &[(&str, &str)],
    jwks_file: &str,
    project: &str,
) {
    let idp = StandinIdp::generate(ISSUER, AUDIENCE);
    let jwks = scratch(jwks_file, &idp.jwks());
    let trust = [
        "--jwks",
        jwks.to_str().unwrap(),
        "--issuer",
        ISSUER,
        "--audience",
        AUDIENCE,
    ];
    let serve = Serve::start(&[args, &trust].concat(), env);
    sessions_flow(&serve, &idp, project).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_runs_the_sessions_flow_on_secrets_manager_and_dynamodb() {
    let moto = Moto::start();
    create_table(&moto, "chatpass-serve").await;
    put_project(&moto, "acme-aws", &project()).await;
    let env = [
        ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
    ];
    let args = ["--secrets", "aws", "--store", "dynamodb:chatpass-serve"];
    sessions_flow_trusting_a_new_idp(&args, &env, "jwks-aws.json", "acme-aws").await;
}

/// Runs `serve` expecting it to refuse to start: its exit code and its stderr lines.
fn refused(args: &[&str]) -> (i32, Vec<String>) {
    let run = cli::chatpass(
        ["serve", "--addr", &format!("127.0.0.1:{}", free_port())]
            .iter()
            .copied()
            .chain(args.iter().copied()),
    );
    (run.code, run.stderr.lines().map(str::to_owned).collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_follows_an_identity_providers_key_rotation_at_its_jwks_url() {
    let (old, new) = (
        StandinIdp::generate(ISSUER, AUDIENCE),
        StandinIdp::generate(ISSUER, AUDIENCE),
    );
    let jwks = JwksServer::start(&old.jwks()).await;
    let jsm = json!({"vendor": "jsm-chat", "key": JSM_KEY, "allowed_origins": [ORIGIN]});
    let projects = scratch("rotation.json", &json!({ "acme": jsm }).to_string());
    let serve = Serve::start(
        &[
            "--projects",
            projects.to_str().unwrap(),
            "--jwks",
            &jwks.url(),
            "--issuer",
            ISSUER,
            "--audience",
            AUDIENCE,
        ],
        &[],
    );
    let token = format!("{}/v1/projects/acme/token", serve.base);
    let sign_in = |idp: &StandinIdp| {
        let id_token = idp.id_token(
            "u-1",
            now(),
            json!({"email": "alice@example.com", "email_verified": true, "name": "Alice"}),
        );
        vec![("authorization", format!("Bearer {id_token}"))]
    };
    let (status, _, body) = post(&token, &sign_in(&old), String::new()).await;
    assert_eq!(status, 200, "{body}");

    // The provider rotates: the new key signs, both are published. Its first token is
    // accepted at once (the unknown kid fetches the keys again), not after a restart.
    jwks.publish(&StandinIdp::jwks_of(&[&new, &old]));
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (status, _, body) = post(&token, &sign_in(&new), String::new()).await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = post(&token, &sign_in(&old), String::new()).await;
    assert_eq!(status, 200, "the old key is still published: {body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_closes_a_connection_that_never_finishes_its_headers() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let serve = Serve::start(&[], &[]);
    let addr = serve.base.trim_start_matches("http://");
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    // A slowloris: a request line and one header, then nothing.
    slow.write_all(b"POST /v1/projects/demo-crisp/user-hash HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), slow.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the connection was still held after 30 s");
    let held = started.elapsed();
    assert!(
        held >= Duration::from_secs(9),
        "closed after {held:?}, before the header timeout"
    );
}

#[test]
fn bad_start_up_input_stops_with_one_clear_line() {
    let (code, lines) = refused(&["--projects", "/nonexistent/projects.json"]);
    assert_ne!(code, 0);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("/nonexistent/projects.json"), "{lines:?}");

    let empty_key = scratch(
        "empty-key.json",
        &json!({"acme": {"vendor": "crisp", "key": ""}}).to_string(),
    );
    let (code, lines) = refused(&["--projects", empty_key.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("acme") && lines[0].contains("`key`"),
        "{lines:?}"
    );

    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let run = cli::chatpass(["serve", "--addr", &addr]);
    assert_ne!(run.code, 0);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains(&addr) && lines[0].contains("in use"),
        "{lines:?}"
    );
}

#[test]
fn ctrl_c_stops_serve_cleanly() {
    let mut serve = Serve::start(&[], &[]);
    let status = serve.interrupt();
    assert!(status.success(), "{status:?}");
}

#[test]
fn the_demo_is_never_served_beyond_loopback() {
    for addr in ["0.0.0.0:0", "[::]:0", "192.0.2.1:8080"] {
        let run = cli::chatpass(["serve", "--addr", addr]);
        assert_ne!(run.code, 0, "{addr}");
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("loopback"), "{lines:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_helpers_answer_a_project_id_no_path_can_hold() {
    let serve = Serve::start(&[], &[]);
    for helper in ["keys", "user-details"] {
        for project in ["a b", "a/../b", "A", "x\u{0}y"] {
            let (status, _, body) = post(
                &format!("{}/dev/{helper}", serve.base),
                &[("content-type", "application/json".into())],
                json!({ "project": project }).to_string(),
            )
            .await;
            assert_eq!(
                (status, body["code"].as_str()),
                (404, Some("unknown_project")),
                "/dev/{helper} {project:?}: {body}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_hands_pages_chatpass_js_and_its_demo_page_runs_under_a_strict_csp() {
    let serve = Serve::start(&[], &[]);
    let page = serve.page();
    let dist = concat!(env!("CARGO_MANIFEST_DIR"), "/../web/dist/");
    for base in [&serve.base, &page] {
        for (path, file) in [
            ("/chatpass.js", "chatpass.js"),
            ("/chatpass.mjs", "chatpass.mjs"),
        ] {
            let response = reqwest::get(format!("{base}{path}")).await.unwrap();
            assert_eq!(response.status(), 200, "{base}{path}");
            assert_eq!(
                response.headers()["content-type"],
                "text/javascript; charset=utf-8"
            );
            let committed = std::fs::read_to_string(format!("{dist}{file}")).unwrap();
            assert_eq!(response.text().await.unwrap(), committed, "{base}{path}");
        }
    }
    let response = reqwest::get(format!("{page}/")).await.unwrap();
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.starts_with("script-src 'self';"), "{csp}");
    let html = response.text().await.unwrap();
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty());
    assert!(
        scripts
            .iter()
            .all(|s| s.trim_start().starts_with("src=\"/")),
        "every script of the page is a same-origin file"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_vendor_has_a_demo_project_and_each_signs_the_demo_user_in() {
    let serve = Serve::start(&[], &[]);
    let page = serve.page();
    let listed = reqwest::get(format!("{}/dev/projects", serve.base))
        .await
        .unwrap();
    let projects: Value = serde_json::from_slice(&listed.bytes().await.unwrap()).unwrap();
    let projects = projects.as_array().unwrap();
    let vendors: BTreeSet<&str> = projects
        .iter()
        .map(|p| p["vendor"].as_str().unwrap())
        .collect();
    assert_eq!(vendors, chatpass_signing::vendors::ids().collect());
    let (_, _, login) = post(
        &format!("{}/dev/login", serve.base),
        &[("content-type", "application/json".into())],
        json!({"email": "alice@example.com", "name": "Alice Smith"}).to_string(),
    )
    .await;
    let id_token = login["id_token"].as_str().unwrap();
    let mut refused = Vec::new();
    for project in projects {
        let (id, vendor) = (project["project"].as_str().unwrap(), &project["vendor"]);
        // The one value a page sends: Freshchat's widget's uuid.
        let body = match vendor.as_str() {
            Some("freshchat") => json!({"freshchat_uuid": "0b7ad2a4-5c1e-4c1f-9d6a-2f1a3c4d5e6f"}),
            _ => json!({}),
        };
        let url = format!(
            "{}/v1/projects/{id}/{}",
            serve.base,
            project["endpoint"].as_str().unwrap()
        );
        let headers = [
            ("authorization", format!("Bearer {id_token}")),
            ("origin", page.clone()),
            ("content-type", "application/json".into()),
        ];
        let (status, _, answer) = post(&url, &headers, body.to_string()).await;
        if status != 200 || answer["vendor"] != *vendor || !answer["settings"].is_object() {
            refused.push(format!("{id}: {status} {answer}"));
        }
    }
    assert!(refused.is_empty(), "{}", refused.join("\n"));
}
