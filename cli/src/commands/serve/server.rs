//! The HTTP server of `chatpass serve`: one listener per address, each connection served by
//! hyper, each request routed to a function's handler through the gateway stand-in (or to the
//! demo's pages), until Ctrl-C.

use super::demo::Demo;
use super::gateway::{self, Context, Route};
use bytes::Bytes;
use chatpass_service::verifier::IdentityVerifier;
use chatpass_service::{ServiceError, State};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::net::TcpListener;

/// Bodies past this are refused before a handler sees them (handlers allow 16 KiB).
const MAX_READ_BYTES: usize = 1024 * 1024;

pub type HttpResponse = http::Response<Full<Bytes>>;

/// Everything a request can reach.
pub struct App {
    /// The state of user-details, logout and the demo's routes.
    pub state: State,
    /// The state of token and user-hash: the same store and clock, and a config cache of its
    /// own that reads only what signing needs (AWSCURRENT), as the deployed functions do.
    pub signing: State,
    /// Checks identity tokens on the authorized routes, as API Gateway's JWT authorizer does.
    pub authorizer: Option<Arc<IdentityVerifier>>,
    pub demo: Option<Arc<Demo>>,
}

impl App {
    pub async fn handle(
        self: Arc<Self>,
        remote: SocketAddr,
        request: http::Request<Incoming>,
    ) -> Result<HttpResponse, Infallible> {
        let (parts, body) = request.into_parts();
        let body = match Limited::new(body, MAX_READ_BYTES).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => {
                return Ok(gateway::from_lambda(
                    ServiceError::PayloadTooLarge(MAX_READ_BYTES).into_response(),
                ));
            }
        };
        let path = parts.uri.path().to_owned();
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        if let ["v1", "projects", project, route] = segments[..]
            && let Some(route) = Route::parse(route)
        {
            return Ok(self.function(parts, body, project, route, remote).await);
        }
        if let Some(demo) = &self.demo {
            return Ok(demo.handle(&self.state, parts, body).await);
        }
        Ok(gateway::from_lambda(ServiceError::NoRoute.into_response()))
    }

    async fn function(
        &self,
        parts: http::request::Parts,
        body: Bytes,
        project: &str,
        route: Route,
        remote: SocketAddr,
    ) -> HttpResponse {
        let claims = match (&self.authorizer, route.authorized()) {
            (Some(authorizer), true) => chatpass_service::http::bearer_in(&parts.headers)
                .and_then(|token| authorizer.verify(token, self.state.clock.now()).ok()),
            _ => None,
        };
        let context = Context {
            project,
            route,
            source_ip: remote.ip(),
            request_id: request_id(),
            claims,
        };
        let request = gateway::to_lambda(parts, body, context);
        let response = match route {
            Route::Token => issue_jwt::handler(&self.signing, request).await,
            Route::UserHash => hash_user::handler(&self.signing, request).await,
            Route::UserDetails => user_details_callback::handler(&self.state, request).await,
            Route::Logout => logout_webhook::handler(&self.state, request).await,
        };
        gateway::from_lambda(response)
    }
}

/// A request id unique to this process: a random prefix drawn once, then a counter (no
/// system call per request, unlike drawing 8 random bytes each time).
fn request_id() -> String {
    static PREFIX: OnceLock<u32> = OnceLock::new();
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let prefix = PREFIX.get_or_init(|| {
        let mut bytes = [0u8; 4];
        let _ = getrandom::fill(&mut bytes);
        u32::from_le_bytes(bytes)
    });
    format!("{prefix:08x}{:08x}", NEXT.fetch_add(1, Ordering::Relaxed))
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
    api: String,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let api = Arc::new(api);
    accept(
        listener,
        shutdown,
        move |_, request: http::Request<Incoming>| {
            let api = api.clone();
            async move {
                Ok(match request.uri().path() {
                    "/" | "/index.html" => Demo::page(&api),
                    _ => gateway::from_lambda(ServiceError::NoRoute.into_response()),
                })
            }
        },
    )
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
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
