//! The HTTP server of `chatpass serve`: one listener per address, each connection served by
//! hyper with read timeouts, each request sent to its route's function through the gateway
//! stand-in (or to chatpass.js, or the demo's helpers), until Ctrl-C.

use super::assets;
use super::demo::Demo;
use super::gateway::{Gateway, HttpResponse, from_lambda};
use crate::routes;
use bytes::Bytes;
use chatpass_service::ServiceError;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use metrics_exporter_prometheus::PrometheusHandle;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Bodies past this are refused before a handler sees them (handlers allow 16 KiB).
const MAX_READ_BYTES: usize = 1024 * 1024;
/// A client gets this long to send a request's headers, and to send its body: a connection
/// that trickles bytes (slowloris) or sits idle is closed instead of held.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the metrics recorder drains its histograms between scrapes (the exporter's own
/// default).
const METRICS_UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Drains the metrics recorder's histograms every [`METRICS_UPKEEP_EVERY`]. The recorder keeps
/// each sample (one per Secrets Manager or DynamoDB call, 16 bytes) until upkeep runs, which a
/// scrape of `/metrics` also does: a `serve` nobody scrapes would otherwise grow with every call.
pub async fn metrics_upkeep(metrics: PrometheusHandle) {
    let mut ticks = tokio::time::interval(METRICS_UPKEEP_EVERY);
    loop {
        ticks.tick().await;
        metrics.run_upkeep();
    }
}

/// Everything a request can reach.
pub struct App {
    pub gateway: Gateway,
    pub demo: Option<Arc<Demo>>,
    /// The functions' metrics, as a Prometheus page at `/metrics` for clients on loopback.
    pub metrics: PrometheusHandle,
}

impl App {
    pub async fn handle(
        self: Arc<Self>,
        remote: SocketAddr,
        request: http::Request<Incoming>,
    ) -> Result<HttpResponse, Infallible> {
        let (parts, body) = match read(request).await {
            Ok(read) => read,
            Err(refused) => return Ok(refused),
        };
        let path = parts.uri.path().to_owned();
        if parts.method == http::Method::GET
            && let Some(script) = assets::chatpass(&path)
        {
            return Ok(script);
        }
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        if let ["v1", "projects", project, name] = segments[..]
            && let Some(route) = routes::named(name)
        {
            let answer = self.gateway.call(route, project, parts, body, remote.ip());
            return Ok(answer.await);
        }
        if path == "/metrics" && parts.method == http::Method::GET && remote.ip().is_loopback() {
            return Ok(self.metrics_page());
        }
        if let Some(demo) = &self.demo {
            return Ok(demo.handle(&self.gateway, parts, body).await);
        }
        Ok(from_lambda(ServiceError::NoRoute.into_response()))
    }
}

impl App {
    /// A request to the demo page's address: the page, its scripts, and the brand site's own
    /// sign-in (`/site/...`), all same-origin.
    pub async fn handle_page(
        self: Arc<Self>,
        api: Arc<String>,
        request: http::Request<Incoming>,
    ) -> Result<HttpResponse, Infallible> {
        let (parts, body) = match read(request).await {
            Ok(read) => read,
            Err(refused) => return Ok(refused),
        };
        let path = parts.uri.path();
        Ok(match (&parts.method, path, &self.demo) {
            (&http::Method::GET, "/" | "/index.html", _) => Demo::page(&api),
            (&http::Method::GET, _, _) if assets::demo(path).is_some() => {
                assets::demo(path).expect("checked")
            }
            (&http::Method::POST, _, Some(demo)) if path.starts_with("/site/") => {
                demo.site(&self.gateway, &parts, &body).await
            }
            _ => from_lambda(ServiceError::NoRoute.into_response()),
        })
    }

    /// The metrics in Prometheus's text format.
    fn metrics_page(&self) -> HttpResponse {
        self.metrics.run_upkeep();
        let mut response = HttpResponse::new(self.metrics.render().into());
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain; version=0.0.4"),
        );
        response
    }
}

/// The request's head and body, or the answer refusing it (too large, too slow).
async fn read(
    request: http::Request<Incoming>,
) -> Result<(http::request::Parts, Bytes), HttpResponse> {
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(
        BODY_READ_TIMEOUT,
        Limited::new(body, MAX_READ_BYTES).collect(),
    );
    match read.await {
        Ok(Ok(collected)) => Ok((parts, collected.to_bytes())),
        Ok(Err(_)) => {
            let error = ServiceError::PayloadTooLarge(MAX_READ_BYTES);
            Err(from_lambda(error.into_response()))
        }
        Err(_) => Err(request_timeout()),
    }
}

/// 408: the body did not arrive in time.
fn request_timeout() -> HttpResponse {
    let mut response = HttpResponse::new(Default::default());
    *response.status_mut() = http::StatusCode::REQUEST_TIMEOUT;
    response.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    response
}

/// Serves the functions (and the demo's `/dev` routes) on `listener` until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    accept(listener, shutdown, move |remote, request| {
        app.clone().handle(remote, request)
    })
    .await
}

/// Serves the demo page, which calls the API at `api` cross-origin, until `shutdown`.
pub async fn serve_page(
    listener: TcpListener,
    app: Arc<App>,
    api: String,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let api = Arc::new(api);
    accept(listener, shutdown, move |_, request| {
        app.clone().handle_page(api.clone(), request)
    })
    .await
}

async fn accept<H, F>(
    listener: TcpListener,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    handler: H,
) where
    H: Fn(SocketAddr, http::Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<HttpResponse, Infallible>> + Send + 'static,
{
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handler(remote, request));
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
