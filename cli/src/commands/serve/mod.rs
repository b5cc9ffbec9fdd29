//! `chatpass serve`: all the functions' routes on one local HTTP server, with the request
//! context API Gateway would give them. With no flags, the embedded demo; with flags, real
//! project files, JWKS, Secrets Manager and DynamoDB.

mod assets;
mod demo;
mod gateway;
mod server;

use super::{Failure, Report};
use crate::routes;
use chatpass_service::aws::Aws;
use chatpass_service::clock::{Clock, SystemClock};
use chatpass_service::identity::{FetchPolicy, REFRESH_VAR, refresh_ms};
use chatpass_service::settings::{ConfigsFrom, IdentityProvider, SessionsIn, VendorApiAt};
use chatpass_service::source::{CacheSettings, DEFAULT_PREFIX, FileSource};
use chatpass_service::vendor_api::OVERRIDE_VAR;
use chatpass_service::{Settings, State};
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
    chatpass_service::logging::init(&routes::functions().collect::<Vec<_>>());
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .map_err(|e| format!("metrics: {e}"))?;
    chatpass_service::metrics::describe();
    tokio::spawn(server::metrics_upkeep(metrics.clone()));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mut settings = settings(&args)?;
    let embedded = matches!(settings.configs, ConfigsFrom::Memory(_));
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

    let demo = match &page {
        Some(page) => {
            let page_addr = page.local_addr().map_err(|e| e.to_string())?;
            let origins = vec![
                format!("http://{page_addr}"),
                format!("http://localhost:{}", page_addr.port()),
            ];
            let issuer = format!("http://{api_addr}/dev");
            let (demo, configs, idp) = Demo::generate(&issuer, origins, clock.now())?;
            settings.configs = ConfigsFrom::Memory(configs);
            settings.identity = Some(idp);
            // The demo's keys are made at start, so no vendor knows them: vendors that mint
            // their own tokens (HubSpot) are asked of an in-memory stand-in of their API,
            // unless a test points the calls at its own.
            if matches!(settings.vendor_api, VendorApiAt::Vendors) {
                settings.vendor_api = VendorApiAt::Memory;
            }
            Some(Arc::new(demo))
        }
        None => None,
    };
    if let ConfigsFrom::File(path) = &settings.configs {
        let projects = FileSource::new(path).load_all()?;
        let ids: Vec<&str> = projects.iter().map(|p| p.project.as_str()).collect();
        println!("projects from {}: {}", path.display(), ids.join(", "));
    }
    let aws = match settings.uses_aws() {
        true => Some(Aws::from_env(settings.secrets_prefix().unwrap_or(DEFAULT_PREFIX)).await),
        false => None,
    };
    let state = State::build(settings, clock, aws.as_ref())?;
    match &state.verifier {
        // A --jwks URL is fetched now, so a wrong one stops serve here.
        Some(verifier) => verifier
            .jwks
            .load()
            .await
            .map_err(|e| format!("--jwks {}: {e}", args.jwks.as_deref().unwrap_or("")))?,
        None => println!(
            "no --jwks: token and user-hash will answer 401 (there is no identity provider to check callers against)"
        ),
    }
    let app = Arc::new(App {
        gateway: Gateway { state },
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

/// The settings `serve`'s flags describe; with neither --projects nor --secrets, the demo's
/// (it fills in its projects and identity provider). Plain http to loopback is allowed for
/// key sets: serve runs on a laptop, or beside an identity provider on the same host.
fn settings(args: &Args) -> Result<Settings, String> {
    let var = |name: &str| std::env::var(name).ok();
    let configs = match (args.secrets.as_deref(), &args.projects) {
        (Some("aws"), _) => ConfigsFrom::SecretsManager {
            prefix: var("CHATPASS_SECRET_PREFIX").unwrap_or_else(|| DEFAULT_PREFIX.into()),
        },
        (None | Some("file"), Some(path)) => ConfigsFrom::File(path.clone()),
        (Some("file"), None) => return Err("--secrets file needs --projects FILE".into()),
        (Some(other), _) => return Err(format!("--secrets `{other}`: use file or aws")),
        (None, None) => ConfigsFrom::Memory(Vec::new()),
    };
    let sessions = match args.store.split_once(':') {
        None if args.store == "memory" => SessionsIn::Memory,
        Some(("dynamodb", table)) if !table.is_empty() => SessionsIn::DynamoDb {
            table: table.to_owned(),
        },
        _ => {
            return Err(format!(
                "--store `{}`: use memory or dynamodb:TABLE",
                args.store
            ));
        }
    };
    let identity = match (&args.jwks, &args.issuer, &args.audience) {
        (Some(jwks), Some(issuer), Some(audience)) => Some(IdentityProvider {
            jwks: jwks.clone(),
            issuer: issuer.clone(),
            audience: audience.clone(),
        }),
        _ => None,
    };
    let vendor_api = match var(OVERRIDE_VAR).filter(|v| !v.is_empty()) {
        Some(origin) => VendorApiAt::Loopback(origin),
        None => VendorApiAt::Vendors,
    };
    Ok(Settings {
        configs,
        sessions,
        cache: CacheSettings::from_vars(&var),
        identity,
        key_sets: FetchPolicy {
            refresh_ms: refresh_ms(var(REFRESH_VAR).as_deref())?,
            loopback_http: true,
        },
        vendor_api,
    })
}
