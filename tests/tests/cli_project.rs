//! `chatpass project` end to end against moto: check, put, show, rotate and list through the
//! binary; what the functions then load; racing writes (none lost); failing writes (nothing
//! half-written); one-line errors and exit codes; no stored secret ever printed.

use chatpass_tests::cli;

use aws_sdk_secretsmanager::Client;
use chatpass_service::source::{ConfigSource, SecretsManagerSource, Stages};
use chatpass_service::testing::RSA_KEY;
use chatpass_service::{ProjectConfig, ProjectId};
use chatpass_signing::keys::matches_any;
use chatpass_signing::webhook::WebhookSecret;
use chatpass_tests::fault_proxy::{Action, FaultProxy, aws_error};
use chatpass_tests::moto::Moto;
use chatpass_tests::support::{SECRET_PREFIX, store_secret};
use cli::{Run, chatpass, chatpass_with, scratch, write};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const SPRINKLR_KEY: &str = "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d";
const CALLBACK_KEY: &str = "cbk-7Qx2vL9pRw4Zt8Nm3Kd6Hs1Yf5Gj0Ba";
const WEBHOOK_SECRET: &str = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
/// The stored secrets of `config`, none of which may ever be printed.
const STORED: [&str; 4] = [
    SPRINKLR_KEY,
    CALLBACK_KEY,
    WEBHOOK_SECRET,
    "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA",
];
const CONFLICT: &str = "another write changed the project meanwhile";

/// A Sprinklr custom-user project that draws no warning; `origin` tells versions apart.
fn config(origin: &str) -> Value {
    json!({
        "vendor": "sprinklr",
        "key": SPRINKLR_KEY,
        "options": {"mode": "custom-user"},
        "allowed_origins": [origin],
        "callback_keys": [CALLBACK_KEY],
        "callback_allowed_ips": ["203.0.113.0/24"],
        "webhook_secrets": [WEBHOOK_SECRET],
    })
}

/// `chatpass project` pointed at one Secrets Manager endpoint (moto, or a proxy before it).
#[derive(Clone)]
struct Project {
    endpoint: String,
    prefix: String,
}

impl Project {
    fn at(endpoint: &str) -> Project {
        Project {
            endpoint: endpoint.to_owned(),
            prefix: SECRET_PREFIX.to_owned(),
        }
    }

    /// Runs `chatpass project args...` with test credentials and nothing from ~/.aws.
    fn run(&self, args: &[&str]) -> Run {
        let run = chatpass_with(
            [&["project"], args].concat(),
            &[
                ("AWS_ENDPOINT_URL", &self.endpoint),
                ("AWS_REGION", "us-east-1"),
                ("AWS_ACCESS_KEY_ID", "test"),
                ("AWS_SECRET_ACCESS_KEY", "test"),
                ("AWS_CONFIG_FILE", "/nonexistent"),
                ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
                ("AWS_EC2_METADATA_DISABLED", "true"),
                ("CHATPASS_SECRET_PREFIX", &self.prefix),
            ],
        );
        assert_no_stored_secret(&run.all_output());
        if run.code != 0 {
            assert_eq!(
                run.stderr.lines().count(),
                1,
                "an error is one line: {}",
                run.stderr
            );
        }
        run
    }

    fn put(&self, project: &str, file: &Path) -> Run {
        self.run(&["put", project, file.to_str().unwrap()])
    }

    /// `put` only if the project is still at `version`.
    fn put_expecting(&self, project: &str, file: &Path, version: &str) -> Run {
        let file = file.to_str().unwrap();
        self.run(&["put", project, file, "--expect-version", version])
    }
}

fn assert_no_stored_secret(output: &str) {
    for secret in STORED {
        assert!(
            !output.contains(secret),
            "printed a stored secret:\n{output}"
        );
    }
}

fn ok(run: &Run) -> &str {
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    &run.stdout
}

/// Asserts that `run` failed with `code` and an error line starting with `start`.
fn fails(run: &Run, code: i32, start: &str) {
    assert_eq!(
        run.code, code,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(run.stderr.starts_with(start), "{}", run.stderr);
}

/// The config file `name` in a scratch dir.
fn file(dir: &Path, name: &str, config: &Value) -> PathBuf {
    write(dir, name, serde_json::to_string_pretty(config).unwrap())
}

/// A moto of its own, the CLI pointed at it, and a scratch dir.
fn moto_and_cli(test: &str) -> (Moto, Project, PathBuf) {
    let moto = Moto::start();
    let cli = Project::at(&moto.endpoint);
    (moto, cli, scratch(test))
}

/// A moto holding project `acme` (`config("https://v0.example.com")`, put by the CLI), the
/// CLI pointed at it, and a scratch dir.
fn moto_with_acme(test: &str) -> (Moto, Project, PathBuf) {
    let (moto, cli, dir) = moto_and_cli(test);
    ok(&cli.put(
        "acme",
        &file(&dir, "v0.json", &config("https://v0.example.com")),
    ));
    (moto, cli, dir)
}

/// A proxy before `moto` that holds the first stage change coming through (a write's
/// promotion) until `direct` has put `config("https://other.example.com")` on moto itself:
/// a write overtaken between its read and its promotion.
fn overtaking_proxy(moto: &Moto, direct: Project, dir: &Path) -> FaultProxy {
    let proxy = FaultProxy::start(moto);
    let other = file(dir, "other.json", &config("https://other.example.com"));
    let promotions = AtomicUsize::new(0);
    proxy.set(move |target: &str| {
        if target.ends_with("UpdateSecretVersionStage")
            && promotions.fetch_add(1, Ordering::SeqCst) == 0
        {
            ok(&direct.put("acme", &other));
        }
        Action::Forward
    });
    proxy
}

/// Moto's view of one project's secret.
struct Stored {
    client: Client,
    name: String,
}

impl Stored {
    async fn of(moto: &Moto, project: &str) -> Stored {
        Stored {
            client: Client::new(&moto.sdk_config().await),
            name: format!("{SECRET_PREFIX}{project}"),
        }
    }

    /// (version id, document) at `stage`.
    async fn at(&self, stage: &str) -> Option<(String, Value)> {
        let output = self
            .client
            .get_secret_value()
            .secret_id(&self.name)
            .version_stage(stage)
            .send()
            .await
            .ok()?;
        Some((
            output.version_id().unwrap().to_owned(),
            serde_json::from_str(output.secret_string().unwrap()).unwrap(),
        ))
    }

    async fn id_at(&self, stage: &str) -> Option<String> {
        self.at(stage).await.map(|(id, _)| id)
    }

    async fn doc(&self) -> Value {
        self.at("AWSCURRENT")
            .await
            .expect("an AWSCURRENT version")
            .1
    }
}

/// A project's configs as the deployed functions load them: AWSCURRENT, and AWSPREVIOUS, whose
/// callback keys and webhook secrets they still accept while a rotation is under way.
struct Loaded {
    current: Arc<ProjectConfig>,
    previous: Option<Arc<ProjectConfig>>,
}

impl std::ops::Deref for Loaded {
    type Target = ProjectConfig;

    fn deref(&self) -> &ProjectConfig {
        &self.current
    }
}

impl Loaded {
    fn versions(&self) -> impl Iterator<Item = &ProjectConfig> {
        std::iter::once(&*self.current).chain(self.previous.as_deref())
    }
}

async fn as_the_functions_load(moto: &Moto, project: &str) -> Loaded {
    let client = Client::new(&moto.sdk_config().await);
    let id = ProjectId::parse(project).unwrap();
    let at = |stages| SecretsManagerSource::new(client.clone(), SECRET_PREFIX, stages);
    let current = at(Stages::Current).project(&id).await;
    Loaded {
        current: current.expect("the functions load the project"),
        previous: at(Stages::Previous).project(&id).await.ok(),
    }
}

fn accepts_callback_key(loaded: &Loaded, key: &str) -> bool {
    loaded
        .versions()
        .any(|config| matches_any(&config.callback_keys, key.as_bytes()))
}

fn accepts_webhook_secret(loaded: &Loaded, secret: &str) -> bool {
    let secret = WebhookSecret::parse(secret).unwrap();
    loaded
        .versions()
        .any(|config| config.webhook_secrets.contains(&secret))
}

/// The value `rotate` printed: its last line.
fn printed_value(run: &Run) -> String {
    ok(run).lines().last().unwrap().to_owned()
}

// --- help and check, no AWS ----------------------------------------------------------------

#[test]
fn every_project_subcommand_answers_help() {
    let run = chatpass(["project", "--help"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for sub in ["check", "put", "show", "rotate", "list"] {
        assert!(
            run.stdout.contains(sub),
            "{sub} missing from:\n{}",
            run.stdout
        );
        let help = chatpass(["project", sub, "--help"]);
        assert_eq!(help.code, 0, "{sub}: {}", help.stderr);
        assert!(help.stdout.contains("Usage: chatpass project"), "{sub}");
    }
    let rotate = chatpass(["project", "rotate", "--help"]);
    for what in ["callback-key", "webhook-secret", "signing-key", "--finish"] {
        assert!(rotate.stdout.contains(what), "{what}");
    }
}

#[test]
fn bad_arguments_are_one_line_errors_with_exit_2() {
    for args in [
        vec!["project", "show", "Not_A_Project"],
        vec!["project", "rotate", "acme", "vendor-key"],
        vec!["project", "put", "acme"],
    ] {
        let run = chatpass(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("error: "),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn check_loads_a_file_as_the_functions_do_and_warns_by_field_name() {
    let dir = scratch("project-check");
    let good = file(&dir, "acme.json", &config("https://www.example.com"));
    let run = chatpass(["project", "check", good.to_str().unwrap()]);
    assert_eq!(ok(&run), "acme: loads (vendor sprinklr)\n");

    let mut risky = config("https://www.example.com");
    risky["callback_allowed_ips"] = json!(null);
    risky["identity"] = json!({"claims": {"email": "work_email"}});
    let risky = file(&dir, "risky.json", &risky);
    let run = chatpass(["project", "check", risky.to_str().unwrap()]);
    let out = ok(&run);
    assert!(
        out.contains("warning callback_without_ip_allowlist (callback_keys, callback_allowed_ips)"),
        "{out}"
    );
    assert!(
        out.contains("warning email_remapped_without_verified (identity.claims.email, identity.claims.email_verified)"),
        "{out}"
    );
    assert_no_stored_secret(out);
    let strict = chatpass([
        "project",
        "check",
        "--deny-warnings",
        risky.to_str().unwrap(),
    ]);
    assert_eq!(strict.code, 1);

    // Refused exactly as the functions refuse at load.
    let mut short_key = config("https://www.example.com");
    short_key["callback_keys"] = json!([CALLBACK_KEY, "too-short-key"]);
    let mut logout_by_other_id = config("https://www.example.com");
    logout_by_other_id["identity"] = json!({"claims": {"id": "employee_id"}});
    logout_by_other_id["oidc_logout"] = json!({"issuer": "https://idp.example.com/",
        "audience": "a", "jwks_url": "https://idp.example.com/jwks"});
    for (name, doc, field) in [
        ("short-key", short_key, "callback_keys[1]"),
        ("logout-by-other-id", logout_by_other_id, "oidc_logout"),
    ] {
        let config = ProjectConfig::from_value(name, doc.clone());
        assert_eq!(config.err().map(|e| e.field), Some(field.to_owned()));
        let path = file(&dir, &format!("{name}.json"), &doc);
        let run = chatpass(["project", "check", path.to_str().unwrap()]);
        assert_eq!(run.code, 1);
        let refusal = format!("refused: project `{name}`: `{field}`:");
        assert!(run.stdout.starts_with(&refusal), "{}", run.stdout);
        assert!(!run.all_output().contains("too-short-key"));
        assert_no_stored_secret(&run.all_output());
    }

    let starter = chatpass(["keygen", "--vendor", "crisp"]);
    let starter = write(&dir, "starter.json", &starter.stdout);
    let run = chatpass(["project", "check", starter.to_str().unwrap()]);
    assert_eq!(run.code, 1, "a starter's placeholder key is refused");
    assert!(
        run.stdout.contains("`key`: still the placeholder"),
        "{}",
        run.stdout
    );

    let run = chatpass([
        "project",
        "check",
        dir.join("missing.json").to_str().unwrap(),
    ]);
    fails(&run, 2, "error: cannot read");
}

// --- put ----------------------------------------------------------------------------------

#[tokio::test]
async fn put_creates_the_project_then_adds_versions_the_functions_load() {
    let (moto, cli, dir) = moto_and_cli("project-put");
    let stored = Stored::of(&moto, "acme").await;

    let first = file(&dir, "v1.json", &config("https://one.example.com"));
    let out = ok(&cli.put("acme", &first)).to_owned();
    assert!(
        out.starts_with("acme: created as secret chatpass/projects/acme"),
        "{out}"
    );
    let v1 = stored.id_at("AWSCURRENT").await.unwrap();
    assert_eq!(stored.doc().await, config("https://one.example.com"));

    let second = file(&dir, "v2.json", &config("https://two.example.com"));
    let out = ok(&cli.put("acme", &second)).to_owned();
    let v2 = stored.id_at("AWSCURRENT").await.unwrap();
    assert_eq!(
        out.lines().next().unwrap(),
        format!(
            "acme: version {v2} is AWSCURRENT; version {v1} is AWSPREVIOUS, whose callback keys and webhook secrets stay accepted until the next write"
        )
    );
    assert_eq!(stored.id_at("AWSPREVIOUS").await.unwrap(), v1);
    assert!(
        stored.id_at("AWSPENDING").await.is_none(),
        "no stage left behind"
    );
    let loaded = as_the_functions_load(&moto, "acme").await;
    assert_eq!(loaded.allowed_origins, ["https://two.example.com"]);

    let out = ok(&cli.put("acme", &second)).to_owned();
    assert!(out.contains("unchanged"), "{out}");
    assert_eq!(stored.id_at("AWSCURRENT").await.unwrap(), v2);
    assert_eq!(moto.request_count("PutSecretValue"), 1);
}

#[tokio::test]
async fn put_creates_a_project_under_the_kms_key_asked_for_and_only_when_creating() {
    let (moto, cli, dir) = moto_and_cli("project-put-kms");
    let v0 = file(&dir, "v0.json", &config("https://v0.example.com"));
    let key = "alias/chatpass-projects";
    ok(&cli.run(&["put", "acme", v0.to_str().unwrap(), "--kms-key-id", key]));
    let stored = Stored::of(&moto, "acme").await;
    let described = stored
        .client
        .describe_secret()
        .secret_id(&stored.name)
        .send()
        .await
        .unwrap();
    assert_eq!(described.kms_key_id(), Some(key));

    let v1 = file(&dir, "v1.json", &config("https://v1.example.com"));
    let run = cli.run(&["put", "acme", v1.to_str().unwrap(), "--kms-key-id", key]);
    fails(
        &run,
        1,
        "error: project `acme` exists: --kms-key-id applies only when creating it",
    );
    assert_eq!(stored.doc().await, config("https://v0.example.com"));
}

#[tokio::test]
async fn an_invalid_config_writes_nothing() {
    let (moto, cli, dir) = moto_and_cli("project-put-invalid");
    let mut bad = config("https://www.example.com");
    bad["webhook_secrets"] = json!(["whsec_c2hvcnQ="]);
    let bad = file(&dir, "bad.json", &bad);

    let run = cli.put("acme", &bad);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: project `acme`: `webhook_secrets[0]`: the key has 5 bytes; at least 24 random bytes are required; nothing written\n"
    );

    ok(&cli.put(
        "acme",
        &file(&dir, "good.json", &config("https://a.example.com")),
    ));
    let stored = Stored::of(&moto, "acme").await;
    let before = stored.id_at("AWSCURRENT").await;
    let mut masked = config("https://a.example.com");
    masked["key"] = json!("<masked sha256:0123abcd>");
    for refused in [bad, file(&dir, "masked.json", &masked)] {
        let run = cli.put("acme", &refused);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stderr.ends_with("; nothing written\n"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(stored.id_at("AWSCURRENT").await, before);
    assert_eq!(moto.request_count("PutSecretValue"), 0);
    assert_eq!(moto.request_count("CreateSecret"), 1);
}

#[tokio::test]
async fn put_with_a_version_that_is_no_longer_current_writes_nothing() {
    let (moto, cli, dir) = moto_and_cli("project-put-expect");
    let v1 = file(&dir, "v1.json", &config("https://one.example.com"));
    ok(&cli.put("acme", &v1));
    let stored = Stored::of(&moto, "acme").await;
    let seen = stored.id_at("AWSCURRENT").await.unwrap();
    ok(&cli.put(
        "acme",
        &file(&dir, "v2.json", &config("https://two.example.com")),
    ));

    let mine = file(&dir, "mine.json", &config("https://mine.example.com"));
    let run = cli.put_expecting("acme", &mine, &seen);
    fails(&run, 1, "error: project `acme` is at version ");
    assert!(run.stderr.contains(&format!(
        "not {seen}: another write came first; nothing written"
    )));
    assert_eq!(stored.doc().await, config("https://two.example.com"));

    let current = stored.id_at("AWSCURRENT").await.unwrap();
    let run = cli.put_expecting("acme", &mine, &current);
    ok(&run);
    assert_eq!(stored.doc().await, config("https://mine.example.com"));
}

#[tokio::test]
async fn concurrent_puts_each_land_on_the_version_they_read_or_are_refused() {
    let (moto, cli, dir) = moto_with_acme("project-put-race");
    let stored = Stored::of(&moto, "acme").await;
    let initial = stored.id_at("AWSCURRENT").await.unwrap();

    let writers: Vec<_> = (1..=6)
        .map(|i| {
            let origin = format!("https://v{i}.example.com");
            let path = file(&dir, &format!("v{i}.json"), &config(&origin));
            let cli = cli.clone();
            std::thread::spawn(move || (origin, cli.put("acme", &path)))
        })
        .collect();
    // Each landed write replaced exactly the version it read: (read, written, origin).
    let mut landed = Vec::new();
    let mut refused = 0;
    for writer in writers {
        let (origin, run) = writer.join().unwrap();
        match run.code {
            0 => {
                let line = run.stdout.lines().next().unwrap();
                let words: Vec<&str> = line.split(' ').collect();
                assert_eq!((words[1], words[5]), ("version", "version"), "{line}");
                landed.push((words[6].to_owned(), words[2].to_owned(), origin));
            }
            1 => {
                assert!(run.stderr.contains(CONFLICT), "{}", run.stderr);
                refused += 1;
            }
            _ => panic!("{}", run.stderr),
        }
    }
    assert!(!landed.is_empty());
    eprintln!("{} puts landed, {refused} refused", landed.len());
    // No two landed writes replaced the same version (that would be a lost update): they form
    // one chain from the initial version to AWSCURRENT, which holds the last one's config.
    let mut at = initial;
    let mut last_origin = "https://v0.example.com".to_owned();
    for _ in 0..landed.len() {
        let next: Vec<_> = landed.iter().filter(|(read, ..)| *read == at).collect();
        assert_eq!(next.len(), 1, "writes on version {at}: {landed:?}");
        (at, last_origin) = (next[0].1.clone(), next[0].2.clone());
    }
    assert_eq!(stored.id_at("AWSCURRENT").await.unwrap(), at);
    assert_eq!(stored.doc().await, config(&last_origin));
}

#[tokio::test]
async fn a_put_overtaken_between_its_read_and_its_promotion_is_refused_and_the_other_stays() {
    let (moto, direct, dir) = moto_with_acme("project-put-overtaken");
    let stored = Stored::of(&moto, "acme").await;
    let v0 = stored.id_at("AWSCURRENT").await.unwrap();

    let proxy = overtaking_proxy(&moto, direct, &dir);
    let mine = file(&dir, "mine.json", &config("https://mine.example.com"));
    let run = Project::at(&proxy.endpoint).put("acme", &mine);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stderr.contains(CONFLICT), "{}", run.stderr);

    assert_eq!(stored.doc().await, config("https://other.example.com"));
    assert_eq!(stored.id_at("AWSPREVIOUS").await.unwrap(), v0);
    let loaded = as_the_functions_load(&moto, "acme").await;
    assert_eq!(loaded.allowed_origins, ["https://other.example.com"]);
}

#[tokio::test]
async fn a_write_that_fails_leaves_the_project_as_it_was() {
    let (mut moto, direct, dir) = moto_with_acme("project-put-fails");
    ok(&direct.put(
        "acme",
        &file(&dir, "v1.json", &config("https://v1.example.com")),
    ));
    let stored = Stored::of(&moto, "acme").await;
    let (current, previous) = (
        stored.at("AWSCURRENT").await,
        stored.at("AWSPREVIOUS").await,
    );

    // The new version is written, then its promotion is refused every time.
    let proxy = FaultProxy::start(&moto);
    proxy.set(|target: &str| {
        if target.ends_with("UpdateSecretVersionStage") {
            Action::Answer(500, aws_error("InternalServiceError", "injected"))
        } else {
            Action::Forward
        }
    });
    let via_proxy = Project::at(&proxy.endpoint);
    let v2 = file(&dir, "v2.json", &config("https://v2.example.com"));
    let run = via_proxy.put("acme", &v2);
    fails(
        &run,
        2,
        "error: Secrets Manager UpdateSecretVersionStage: InternalServiceError",
    );
    let run = via_proxy.run(&["rotate", "acme", "webhook-secret"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout.is_empty(),
        "no new value printed for a write that failed"
    );

    assert_eq!(stored.at("AWSCURRENT").await, current);
    assert_eq!(stored.at("AWSPREVIOUS").await, previous);
    let loaded = as_the_functions_load(&moto, "acme").await;
    assert_eq!(loaded.allowed_origins, ["https://v1.example.com"]);
    assert_eq!(loaded.webhook_secrets.len(), 1);

    // Secrets Manager unreachable: a one-line error, exit 2.
    drop(proxy);
    moto.stop();
    let run = direct.put("acme", &v2);
    fails(&run, 2, "error: Secrets Manager GetSecretValue: ");
}

// --- show and list ------------------------------------------------------------------------

#[tokio::test]
async fn show_masks_every_secret_and_lists_versions_with_stages_and_dates() {
    let (moto, cli, dir) = moto_with_acme("project-show");
    let new_key = printed_value(&cli.run(&["rotate", "acme", "callback-key"]));
    let mut later = Stored::of(&moto, "acme").await.doc().await;
    later["webhook_secrets"] = json!(["whsec_ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="]);
    ok(&cli.put("acme", &file(&dir, "v2.json", &later)));

    let run = cli.run(&["show", "acme"]);
    assert!(!run.stdout.contains(&new_key));
    assert!(!run.stdout.contains("ICEiIyQlJico"));
    let shown = run.stdout_json();
    assert_eq!(shown["status"], "loads");
    assert_eq!(shown["secret"], "chatpass/projects/acme");
    let config = &shown["config"];
    assert_eq!(config["vendor"], "sprinklr");
    assert_eq!(config["options"], json!({"mode": "custom-user"}));
    let masked = |v: &Value| v.as_str().is_some_and(|s| s.starts_with("<masked sha256:"));
    assert!(masked(&config["key"]));
    assert_eq!(config["callback_keys"].as_array().unwrap().len(), 2);
    assert!(
        config["callback_keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(masked)
    );
    assert!(masked(&config["webhook_secrets"][0]));
    // The old webhook secret is still accepted through AWSPREVIOUS.
    assert!(masked(
        &shown["accepted_from_previous"]["webhook_secrets"][0]
    ));

    let stored = Stored::of(&moto, "acme").await;
    let versions = shown["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{versions:?}");
    assert_eq!(versions[0]["id"], stored.id_at("AWSCURRENT").await.unwrap());
    assert_eq!(versions[0]["stages"], json!(["AWSCURRENT"]));
    assert_eq!(
        versions[1]["id"],
        stored.id_at("AWSPREVIOUS").await.unwrap()
    );
    assert_eq!(versions[1]["stages"], json!(["AWSPREVIOUS"]));
    assert!(
        versions
            .iter()
            .all(|v| v["created"].as_str().is_some_and(|d| d.ends_with('Z')))
    );

    let run = cli.run(&["show", "nobody"]);
    fails(&run, 2, "error: no project `nobody`");

    // The next put moves AWSPREVIOUS on: the old webhook secret it alone held is dropped, and
    // put says which (by mask).
    later["allowed_origins"] = json!(["https://v3.example.com"]);
    let run = cli.put("acme", &file(&dir, "v3.json", &later));
    let dropped = shown["accepted_from_previous"]["webhook_secrets"][0]
        .as_str()
        .unwrap();
    let fingerprint = &dropped["<masked ".len()..dropped.len() - 1];
    assert!(
        ok(&run).contains(&format!(
            "no longer accepted (webhook_secrets only the former AWSPREVIOUS held): {fingerprint}\n"
        )),
        "{}",
        run.stdout
    );
    let loaded = as_the_functions_load(&moto, "acme").await;
    assert!(!accepts_webhook_secret(&loaded, WEBHOOK_SECRET));
}

#[tokio::test]
async fn list_shows_each_project_under_the_prefix_with_vendor_change_and_status() {
    let moto = Moto::start();
    let mut cli = Project::at(&moto.endpoint);
    cli.prefix = "team-a/chat/".into();
    let run = cli.run(&["list"]);
    assert_eq!(ok(&run), "no projects under team-a/chat/\n");

    let dir = scratch("project-list");
    ok(&cli.put(
        "acme-support",
        &file(&dir, "a.json", &config("https://a.example.com")),
    ));
    let crisp = json!({"vendor": "crisp", "key": "crisp-website-secret-0123456789",
        "allowed_origins": ["https://b.example.com"], "webhook_secrets": [WEBHOOK_SECRET]});
    ok(&cli.put("beta", &file(&dir, "b.json", &crisp)));
    let client = Client::new(&moto.sdk_config().await);
    for (name, document) in [
        (
            "team-a/chat/broken",
            json!({"vendor": "crisp", "key": ""}).to_string(),
        ),
        ("team-a/chat/Not_An_Id", "{}".to_owned()),
        (
            "team-b/chat/elsewhere",
            config("https://c.example.com").to_string(),
        ),
    ] {
        store_secret(&client, name, &document).await;
    }

    let run = cli.run(&["list"]);
    let rows: Vec<Vec<&str>> = ok(&run)
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0], ["PROJECT", "VENDOR", "CHANGED", "CONFIG"]);
    let projects: Vec<&str> = rows[1..].iter().map(|r| r[0]).collect();
    assert_eq!(projects, ["Not_An_Id", "acme-support", "beta", "broken"]);
    assert_eq!(rows[1][1..], ["-", "-", "not", "a", "project", "id"]);
    assert_eq!((rows[2][1], rows[2][3]), ("sprinklr", "loads"));
    assert_eq!((rows[3][1], rows[3][3]), ("crisp", "loads"));
    assert_eq!(rows[4][1..], ["crisp", rows[4][2], "refused", "(`key`)"]);
    assert!(rows[2][2].ends_with('Z'), "{:?}", rows[2]);
}

#[tokio::test]
async fn check_reads_a_stored_project_as_the_functions_do() {
    let (moto, cli, dir) = moto_with_acme("project-check-stored");
    assert_eq!(
        ok(&cli.run(&["check", "acme"])),
        "acme: loads (vendor sprinklr)\n"
    );

    // An AWSPREVIOUS that does not load is ignored by the functions: check says so.
    let stored = Stored::of(&moto, "acme").await;
    let broken = r#"{"vendor": "nope", "key": "k"}"#;
    store_secret(&stored.client, &stored.name, broken).await;
    ok(&cli.put(
        "acme",
        &file(&dir, "v1.json", &config("https://v1.example.com")),
    ));
    let out = ok(&cli.run(&["check", "acme"])).to_owned();
    assert!(
        out.contains("warning previous_version_refused (vendor)"),
        "{out}"
    );

    let run = cli.run(&["check", "nobody"]);
    fails(&run, 2, "error: no project `nobody`");
}

// --- rotate -------------------------------------------------------------------------------

#[tokio::test]
async fn rotating_adds_a_value_printed_once_keeps_the_old_one_and_finish_drops_it() {
    let (moto, cli, _) = moto_with_acme("project-rotate");
    let stored = Stored::of(&moto, "acme").await;

    type Accepts = fn(&Loaded, &str) -> bool;
    let kinds: [(&str, &str, &str, Accepts); 2] = [
        (
            "callback-key",
            "callback_keys",
            CALLBACK_KEY,
            accepts_callback_key,
        ),
        (
            "webhook-secret",
            "webhook_secrets",
            WEBHOOK_SECRET,
            accepts_webhook_secret,
        ),
    ];
    for (what, field, old, accepts) in kinds {
        let run = cli.run(&["rotate", "acme", what]);
        let new = printed_value(&run);
        assert_eq!(run.stdout.matches(&new).count(), 1, "printed once");
        assert_eq!(stored.doc().await[field], json!([new, old]));
        let loaded = as_the_functions_load(&moto, "acme").await;
        assert!(
            accepts(&loaded, &new) && accepts(&loaded, old),
            "{what}: both accepted"
        );

        let again = cli.run(&["rotate", "acme", what]);
        assert_eq!(again.code, 1);
        assert!(
            again.stderr.contains(&format!(
                "finish it first: chatpass project rotate acme {what} --finish"
            )),
            "{}",
            again.stderr
        );

        let finish = cli.run(&["rotate", "acme", what, "--finish"]);
        assert!(
            ok(&finish).contains("no longer accepted: sha256:"),
            "{}",
            finish.stdout
        );
        assert!(!finish.stdout.contains(&new));
        assert_eq!(stored.doc().await[field], json!([new]));
        assert_eq!(
            stored.id_at("AWSPREVIOUS").await,
            None,
            "no copy of the old value"
        );
        let loaded = as_the_functions_load(&moto, "acme").await;
        assert!(
            accepts(&loaded, &new) && !accepts(&loaded, old),
            "{what}: only the new one"
        );

        let run = cli.run(&["rotate", "acme", what, "--finish"]);
        assert!(ok(&run).contains("nothing to finish"), "{}", run.stdout);
    }
    let doc = stored.doc().await;
    assert_eq!(doc["allowed_origins"], json!(["https://v0.example.com"]));
    assert_eq!(doc["key"], SPRINKLR_KEY);
}

#[tokio::test]
async fn a_finish_that_cannot_drop_awsprevious_says_so_and_completes_when_run_again() {
    let (moto, direct, _) = moto_with_acme("project-finish-again");
    ok(&direct.run(&["rotate", "acme", "callback-key"]));

    // The finish's own write is promoted; every later stage change is refused.
    let proxy = FaultProxy::start(&moto);
    let stage_changes = Arc::new(AtomicUsize::new(0));
    proxy.set(move |target: &str| {
        if target.ends_with("UpdateSecretVersionStage")
            && stage_changes.fetch_add(1, Ordering::SeqCst) > 0
        {
            Action::Answer(500, aws_error("InternalServiceError", "injected"))
        } else {
            Action::Forward
        }
    });
    let run = Project::at(&proxy.endpoint).run(&["rotate", "acme", "callback-key", "--finish"]);
    fails(&run, 2, "error: Secrets Manager UpdateSecretVersionStage: ");
    assert!(run.stderr.contains("run the same --finish again"));
    let loaded = as_the_functions_load(&moto, "acme").await;
    assert!(
        accepts_callback_key(&loaded, CALLBACK_KEY),
        "still accepted through AWSPREVIOUS"
    );

    let run = direct.run(&["rotate", "acme", "callback-key", "--finish"]);
    assert!(ok(&run).contains("no longer accepted"), "{}", run.stdout);
    let loaded = as_the_functions_load(&moto, "acme").await;
    assert!(!accepts_callback_key(&loaded, CALLBACK_KEY));
    assert_eq!(loaded.callback_keys.len(), 1);
}

#[tokio::test]
async fn a_rotation_overtaken_by_a_put_is_applied_again_on_top_of_it() {
    let (moto, direct, dir) = moto_with_acme("project-rotate-overtaken");

    let proxy = overtaking_proxy(&moto, direct, &dir);
    let run = Project::at(&proxy.endpoint).run(&["rotate", "acme", "callback-key"]);
    let new = printed_value(&run);

    let doc = Stored::of(&moto, "acme").await.doc().await;
    assert_eq!(
        doc["allowed_origins"],
        json!(["https://other.example.com"]),
        "the put is kept"
    );
    assert_eq!(
        doc["callback_keys"],
        json!([new, CALLBACK_KEY]),
        "and so is the rotation"
    );
}

#[tokio::test]
async fn concurrent_rotations_add_exactly_one_value_and_only_its_writer_prints_it() {
    let (moto, cli, _) = moto_with_acme("project-rotate-race");

    let rotations: Vec<_> = (0..5)
        .map(|_| {
            let cli = cli.clone();
            std::thread::spawn(move || cli.run(&["rotate", "acme", "webhook-secret"]))
        })
        .collect();
    let mut printed = Vec::new();
    for rotation in rotations {
        let run = rotation.join().unwrap();
        match run.code {
            0 => printed.push(printed_value(&run)),
            1 => assert!(
                run.stderr.contains("is under way") || run.stderr.contains(CONFLICT),
                "{}",
                run.stderr
            ),
            _ => panic!("{}", run.stderr),
        }
    }
    assert_eq!(printed.len(), 1, "{printed:?}");
    let doc = Stored::of(&moto, "acme").await.doc().await;
    assert_eq!(doc["webhook_secrets"], json!([printed[0], WEBHOOK_SECRET]));
}

#[tokio::test]
async fn rotating_the_signing_key_of_a_vendor_issued_key_says_where_it_is_changed() {
    let (moto, cli, _) = moto_with_acme("project-rotate-signing");
    let run = cli.run(&["rotate", "acme", "signing-key"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: sprinklr signs with a key the vendor issues, not one chatpass generates: make a new one in sprinklr's console, set it as `key` and run `chatpass project put acme FILE`\n"
    );
    assert_eq!(moto.request_count("PutSecretValue"), 0);
}

#[tokio::test]
async fn rotating_a_generated_signing_key_keeps_the_old_one_published_until_finish() {
    let (moto, cli, dir) = moto_and_cli("project-rotate-key-pair");
    let salesforce = json!({
        "vendor": "salesforce-miaw", "key": RSA_KEY, "key_id": "k-old",
        "options": {"issuer": "https://www.example.com"},
        "allowed_origins": ["https://www.example.com"],
    });
    ok(&cli.put("sf", &file(&dir, "sf.json", &salesforce)));
    let stored = Stored::of(&moto, "sf").await;

    let run = cli.run(&["rotate", "sf", "signing-key"]);
    let printed = ok(&run);
    let current = stored.doc().await;
    let kid = current["key_id"].as_str().unwrap();
    assert_ne!(kid, "k-old");
    assert_ne!(current["key"], RSA_KEY);
    assert!(
        printed.contains(&format!("new signing key {kid}")),
        "{printed}"
    );
    // The public JWK with its certificate is printed; the private key never is.
    let jwk: Value = serde_json::from_str(&printed[printed.find('{').unwrap()..]).unwrap();
    assert_eq!(
        (jwk["kid"].as_str(), jwk["kty"].as_str()),
        (Some(kid), Some("RSA"))
    );
    assert!(jwk["x5c"][0].is_string() && jwk.get("d").is_none());
    assert!(!printed.contains("PRIVATE KEY"));
    for line in RSA_KEY.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!printed.contains(line));
    }
    assert!(!printed.contains(current["key"].as_str().unwrap().lines().nth(1).unwrap()));
    // AWSPREVIOUS holds the old key, which the public keys' routes keep publishing.
    let (_, previous) = stored.at("AWSPREVIOUS").await.unwrap();
    assert_eq!(previous["key_id"], "k-old");

    fails(
        &cli.run(&["rotate", "sf", "signing-key"]),
        1,
        "error: a change of the signing key is under way",
    );
    let printed = ok(&cli.run(&["rotate", "sf", "signing-key", "--finish"])).to_owned();
    assert!(
        printed.contains("no longer publish the previous key (k-old)"),
        "{printed}"
    );
    assert!(stored.at("AWSPREVIOUS").await.is_none());
    assert_eq!(stored.doc().await["key_id"], kid);
}
