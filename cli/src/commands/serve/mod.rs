//! `chatpass serve`: all the functions' routes on one local HTTP server, with the request
//! context API Gateway would give them. With no flags, the embedded demo; with flags, real
//! project files, JWKS, Secrets Manager and DynamoDB.

mod assets;
mod demo;
mod gateway;
mod server;

use super::{Failure, Report};
use chatpass_service::clock::{Clock, SystemClock};
use chatpass_service::identity::{FetchPolicy, IdentityVerifier, Jwks};
use chatpass_service::source::{
    CacheSettings, ConfigCache, ConfigSource, DEFAULT_PREFIX, FileSource, MemorySource,
    SecretsManagerSource, Stages,
};
use chatpass_service::store::{DynamoSessionStore, MemorySessionStore, SessionStore};
use chatpass_service::vendor_api::{HttpVendorApi, MemoryVendorApi, OVERRIDE_VAR, VendorApi};
use chatpass_service::{State, aws};
use demo::Demo;
use gateway::Gateway;
use server::App;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};

/// Run the four functions locally (with no flags: a demo of every vendor).
#[derive(clap::Args)]
pub struct Args {
    /// Address of the API; the demo page is served on the next port
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// A JSON file mapping project ids to project configs
    #[arg(long, value_name = "FILE")]
    projects: Option<PathBuf>,
    /// Where project configs come from: `file` (--projects) or `aws` (Secrets Manager)
    #[arg(long, value_name = "file|aws")]
    secrets: Option<String>,
    /// Session store: `memory` or `dynamodb:TABLE`
    #[arg(long, value_name = "memory|dynamodb:TABLE", default_value = "memory")]
    store: String,
    /// JWKS of the identity provider: an https URL (http on loopback), a file or a JSON document; refreshed and re-fetched for an unknown key id
    #[arg(long, value_name = "FILE|URL", requires_all = ["issuer", "audience"])]
    jwks: Option<String>,
    /// Expected `iss` of identity tokens
    #[arg(long, value_name = "ISS", requires = "jwks")]
    issuer: Option<String>,
    /// Expected `aud` of identity tokens
    #[arg(long, value_name = "AUD", requires = "jwks")]
    audience: Option<String>,
}

pub fn run(args: Args) -> Result<Report, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Unable(e.to_string()))?;
    runtime.block_on(serve(args)).map_err(Failure::Unable)?;
    Ok(Report::ok("chatpass serve stopped\n".into()))
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, String> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))
}

async fn serve(args: Args) -> Result<(), String> {
    // Listen for Ctrl-C (and SIGTERM) before anything else, so an early one is handled too.
    let mut interrupt = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
    let mut terminate = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    chatpass_service::logging::init();
    // `serve` runs on a laptop or beside an identity provider on the same host: plain http to
    // loopback is allowed for key sets, as it never is in a deployed function.
    let policy = FetchPolicy {
        refresh_ms: chatpass_service::identity::refresh_ms_from_env()?,
        loopback_http: true,
    };
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .map_err(|e| format!("metrics: {e}"))?;
    chatpass_service::metrics::describe();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let embedded = args.projects.is_none() && args.secrets.is_none();
    if embedded && !args.addr.ip().is_loopback() {
        return Err(format!(
            "--addr {}: the demo's stand-in identity provider signs in anyone who asks; serve it on a loopback address (127.0.0.1), or serve real projects with --projects or --secrets aws",
            args.addr
        ));
    }
    let api = bind(args.addr).await?;
    let api_addr = api.local_addr().map_err(|e| e.to_string())?;
    let page = if embedded {
        Some(bind(SocketAddr::new(api_addr.ip(), api_addr.port() + 1)).await?)
    } else {
        None
    };

    let sdk = if args.secrets.as_deref() == Some("aws") || args.store.starts_with("dynamodb:") {
        Some(aws::sdk_config().await)
    } else {
        None
    };
    let sessions: Arc<dyn SessionStore> = match args.store.split_once(':') {
        None if args.store == "memory" => Arc::new(MemorySessionStore::new()),
        Some(("dynamodb", table)) if !table.is_empty() => Arc::new(DynamoSessionStore::new(
            aws_sdk_dynamodb::Client::new(sdk.as_ref().expect("loaded above")),
            table,
        )),
        _ => {
            return Err(format!(
                "--store `{}`: use memory or dynamodb:TABLE",
                args.store
            ));
        }
    };

    let mut demo = None;
    // The source of token and user-hash, which only sign: with Secrets Manager it reads
    // AWSCURRENT alone (one GetSecretValue per project per TTL), as the deployed issue-jwt and
    // hash-user do; user-details and logout also accept AWSPREVIOUS's keys, so theirs reads both.
    let mut signing_source: Option<Arc<dyn ConfigSource>> = None;
    // The previous versions, whose public keys `jwks.json` still publishes (Secrets Manager only).
    let mut previous_source: Option<Arc<dyn ConfigSource>> = None;
    let source: Arc<dyn ConfigSource> = match (args.secrets.as_deref(), &args.projects) {
        (Some("aws"), _) => {
            let prefix =
                std::env::var("CHATPASS_SECRET_PREFIX").unwrap_or_else(|_| DEFAULT_PREFIX.into());
            let client = aws_sdk_secretsmanager::Client::new(sdk.as_ref().expect("loaded above"));
            signing_source = Some(Arc::new(SecretsManagerSource::new(
                client.clone(),
                prefix.clone(),
                Stages::Current,
            )));
            previous_source = Some(Arc::new(SecretsManagerSource::new(
                client.clone(),
                prefix.clone(),
                Stages::Previous,
            )));
            Arc::new(SecretsManagerSource::new(
                client,
                prefix,
                Stages::CurrentAndPrevious,
            ))
        }
        (None | Some("file"), Some(path)) => {
            let source = FileSource::new(path);
            let projects = source.load_all()?;
            println!(
                "projects from {}: {}",
                path.display(),
                projects
                    .iter()
                    .map(|p| p.project.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Arc::new(source)
        }
        (Some("file"), None) => return Err("--secrets file needs --projects FILE".into()),
        (Some(other), _) => return Err(format!("--secrets `{other}`: use file or aws")),
        (None, None) => {
            let page_addr = page
                .as_ref()
                .and_then(|p| p.local_addr().ok())
                .expect("bound above");
            let origins = vec![
                format!("http://{page_addr}"),
                format!("http://localhost:{}", page_addr.port()),
            ];
            let (made, configs) =
                Demo::generate(&format!("http://{api_addr}/dev"), origins, clock.now())?;
            demo = Some(Arc::new(made));
            Arc::new(MemorySource::new(configs))
        }
    };

    let verifier: Option<Arc<IdentityVerifier>> =
        match (&args.jwks, &args.issuer, &args.audience, &demo) {
            (Some(jwks), Some(issuer), Some(audience), _) => Some(Arc::new(
                load_verifier(jwks, issuer, audience, clock.clone(), policy).await?,
            )),
            (None, _, _, Some(demo)) => Some(demo.verifier()),
            _ => None,
        };
    if verifier.is_none() {
        println!(
            "no --jwks: token and user-hash will answer 401 (there is no identity provider to check callers against)"
        );
    }
    let settings = CacheSettings::from_env();
    let configs: Arc<dyn ConfigSource> =
        Arc::new(ConfigCache::new(source, clock.clone(), settings));
    // Without a signing-only source, every route reads the same configs through one cache.
    let signing_configs: Arc<dyn ConfigSource> = match signing_source {
        Some(signing) => Arc::new(ConfigCache::new(signing, clock.clone(), settings)),
        None => configs.clone(),
    };
    // Vendors that mint tokens (HubSpot) are asked over HTTPS; the demo, whose keys no vendor
    // knows, asks an in-memory stand-in of their API unless a test points calls at its own.
    let vendor_api: Arc<dyn VendorApi> = match (&demo, std::env::var(OVERRIDE_VAR)) {
        (Some(_), Err(_)) => Arc::new(MemoryVendorApi::new()),
        _ => Arc::new(HttpVendorApi::from_env()?),
    };
    let mut verifying = State::new(configs, sessions, clock.clone())
        .with_vendor_api(vendor_api)
        .with_jwks_policy(policy);
    if let Some(verifier) = verifier {
        verifying = verifying.with_verifier(verifier);
    }
    let mut signing = verifying.clone().with_configs(signing_configs);
    if let Some(previous) = previous_source {
        signing = signing.with_previous_versions(Arc::new(ConfigCache::new(
            previous,
            clock.clone(),
            settings.for_previous_versions(),
        )));
    }
    let gateway = Gateway { signing, verifying };
    let app = Arc::new(App {
        gateway,
        demo: demo.clone(),
        metrics,
    });
    let (stop, stopped) = tokio::sync::watch::channel(false);

    println!(
        "chatpass serve: API on http://{api_addr} (metrics at /metrics, for loopback clients; the page script at /chatpass.js and /chatpass.mjs)"
    );
    let mut tasks = vec![tokio::spawn(server::serve(
        api,
        app.clone(),
        stopped.clone(),
    ))];
    if let (Some(page), Some(demo)) = (page, &demo) {
        let page_addr = page.local_addr().map_err(|e| e.to_string())?;
        println!(
            "demo page: http://{page_addr}/  (sign in, pick a vendor: chatpass.js signs its stand-in widget in; log out in every tab)"
        );
        println!(
            "demo projects: {}",
            demo.projects()
                .iter()
                .map(|p| p.project.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!(
            "try: curl -s -XPOST http://{api_addr}/dev/login -d '{{\"email\":\"alice@example.com\",\"name\":\"Alice Smith\"}}'"
        );
        let api_url = format!("http://{api_addr}");
        tasks.push(tokio::spawn(server::serve_page(
            page,
            app.clone(),
            api_url,
            stopped.clone(),
        )));
    }
    println!("Ctrl-C stops it.");
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    let _ = stop.send(true);
    for task in tasks {
        let _ = task.await;
    }
    Ok(())
}

/// The identity provider's keys from `--jwks`; a URL is fetched once now, so a wrong one is
/// found at start, and then kept fresh.
async fn load_verifier(
    jwks: &str,
    issuer: &str,
    audience: &str,
    clock: Arc<dyn Clock>,
    policy: FetchPolicy,
) -> Result<IdentityVerifier, String> {
    let keys = Jwks::from_setting(jwks, clock, policy).map_err(|e| format!("--jwks {e}"))?;
    keys.load()
        .await
        .map_err(|e| format!("--jwks {jwks}: {e}"))?;
    Ok(IdentityVerifier {
        jwks: keys,
        issuer: issuer.to_owned(),
        audience: audience.to_owned(),
    })
}
