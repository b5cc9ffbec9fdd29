//! The one Lambda runner every function's `main` calls: logging, a panic hook that prints no
//! payload, metrics in CloudWatch's Embedded Metric Format written after each invocation, the
//! state built once, and the entry point, which makes any API Gateway event safe for
//! lambda_http's conversion before the handler sees it.
//!
//! lambda_http 1.3 builds the request's URI from the raw query string and path as they came
//! and panics on characters a URI may not hold (spaces, quotes, `<>`, control characters):
//! deployed, a crafted URL would be a 500. [`LambdaEntry`] percent-encodes those first.

use crate::aws::Aws;
use crate::clock::SystemClock;
use crate::pipeline::Served;
use crate::source::DEFAULT_PREFIX;
use crate::{Settings, State};
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Body, Error, LambdaEvent, Request, Response, Service};
use std::cell::RefCell;
use std::convert::Infallible;
use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Runs the function whose routes are `routes` (its `ROUTES`) as a Lambda function until the
/// runtime stops it: its settings from the environment, the SDK made ready and the state built
/// during init, then each event to the route its path names.
///
/// On one thread: a Lambda handles one event at a time, and a multi-threaded runtime would hand
/// every I/O wake-up between a worker and the thread polling the handler, about a sixth of a
/// warm invocation's CPU (BENCHMARKS.md, "Against the floor").
pub fn run(routes: &'static [Served]) -> Result<(), Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(serve(routes))
}

async fn serve(routes: &'static [Served]) -> Result<(), Error> {
    let function = routes[0].spec.function;
    crate::logging::init(&[function]);
    std::panic::set_hook(Box::new(|panic| {
        // The message may quote the request; only where it happened is logged.
        tracing::error!(location = ?panic.location(), "panic");
    }));
    let metrics = metrics_cloudwatch_embedded::Builder::new()
        .cloudwatch_namespace(crate::metrics::namespace())
        .init()?;
    crate::metrics::describe();
    crate::metrics::cold_start(function);
    let settings = Settings::from_env()?;
    let aws = Aws::from_env(settings.secrets_prefix().unwrap_or(DEFAULT_PREFIX)).await;
    // One state for the life of the process, as a warm Lambda keeps it.
    let state = State::build(settings, Arc::new(SystemClock), Some(&aws))?;
    let state: &'static State = Box::leak(Box::new(state));
    let handler =
        move |state, request: Request| Served::of(routes, &request).handle(state, request);
    lambda_http::lambda_runtime::run(LambdaEntry::new(state, handler, Some(metrics))).await
}

/// The function's entry point: an API Gateway event in, the handler's answer out.
pub struct LambdaEntry<F> {
    adapter: Adapter<'static, Response<Body>, Handle<F>>,
}

impl<F, Fut> LambdaEntry<F>
where
    F: Fn(&'static State, Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    /// The entry point over `handler`; with `metrics`, what they collected is written to
    /// stdout as Embedded Metric Format documents after each invocation.
    pub fn new(
        state: &'static State,
        handler: F,
        metrics: Option<&'static metrics_cloudwatch_embedded::Collector>,
    ) -> Self {
        let handle = Handle {
            state,
            handler,
            metrics,
        };
        LambdaEntry {
            adapter: Adapter::from(handle),
        }
    }
}

type AdapterOf<F> = Adapter<'static, Response<Body>, Handle<F>>;

impl<F, Fut> Service<LambdaEvent<LambdaRequest>> for LambdaEntry<F>
where
    F: Fn(&'static State, Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    type Response = <AdapterOf<F> as Service<LambdaEvent<LambdaRequest>>>::Response;
    type Error = Infallible;
    type Future = <AdapterOf<F> as Service<LambdaEvent<LambdaRequest>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.adapter.poll_ready(cx)
    }

    fn call(&mut self, mut event: LambdaEvent<LambdaRequest>) -> Self::Future {
        let LambdaRequest::ApiGatewayV2(request) = &mut event.payload else {
            // Only API Gateway v2 events deserialize with this crate's features.
            return self.adapter.call(event);
        };
        make_safe(request);
        self.adapter.call(event)
    }
}

thread_local! {
    /// The metrics' documents, a buffer kept from one invocation to the next: a new one each
    /// time is a 2 KB allocation, which glibc serves only after merging its freed small blocks.
    static DOCUMENTS: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(2048));
}

/// The handler as the `Service<Request>` lambda_http's adapter wraps.
pub struct Handle<F> {
    state: &'static State,
    handler: F,
    metrics: Option<&'static metrics_cloudwatch_embedded::Collector>,
}

impl<F, Fut> Service<Request> for Handle<F>
where
    F: Fn(&'static State, Request) -> Fut,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let answer = (self.handler)(self.state, request);
        let metrics = self.metrics;
        Box::pin(async move {
            let response = answer.await;
            if let Some(metrics) = metrics {
                // Every document of the invocation in one write to stdout, not one each.
                let written = DOCUMENTS.with_borrow_mut(|documents| {
                    documents.clear();
                    metrics
                        .flush(&mut *documents)
                        .and_then(|()| std::io::stdout().lock().write_all(documents))
                });
                if let Err(e) = written {
                    tracing::warn!(error = %e, "metrics could not be written");
                }
            }
            Ok(response)
        })
    }
}

/// The request lambda_http makes of an event once it is safe to convert: what a handler sees.
pub fn to_request(mut payload: LambdaRequest) -> Request {
    if let LambdaRequest::ApiGatewayV2(request) = &mut payload {
        make_safe(request);
    }
    payload.into()
}

/// Rewrites what lambda_http would otherwise fail on: the raw query string and path
/// percent-encoded where a URI may not hold a byte, and a `Host` or `X-Forwarded-Proto`
/// header that cannot be part of a URL dropped (API Gateway's domain name stands in).
fn make_safe(request: &mut ApiGatewayV2httpRequest) {
    if let Some(query) = &mut request.raw_query_string {
        *query = encode_unsafe(query, b"/?:@!$&'()*+,;=-._~");
    }
    if let Some(path) = &mut request.raw_path {
        let encoded = encode_unsafe(path, b"/:@!$&'()*+,;=-._~");
        *path = if encoded.starts_with('/') {
            encoded
        } else {
            format!("/{encoded}")
        };
    }
    let headers = &mut request.headers;
    if headers
        .get("x-forwarded-proto")
        .is_some_and(|p| p != "https" && p != "http")
    {
        headers.remove("x-forwarded-proto");
    }
    if headers
        .get("host")
        .is_some_and(|host| !is_authority(host.as_bytes()))
    {
        headers.remove("host");
    }
    let domain = &mut request.request_context.domain_name;
    if domain
        .as_deref()
        .is_some_and(|d| !is_authority(d.as_bytes()))
    {
        *domain = None;
    }
}

/// `text` with every byte outside ASCII letters, digits, `keep` and well-formed `%XX`
/// escapes percent-encoded.
fn encode_unsafe(text: &str, keep: &[u8]) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    for (i, &b) in bytes.iter().enumerate() {
        let escape = b == b'%'
            && bytes.len() > i + 2
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit();
        if b.is_ascii_alphanumeric() || keep.contains(&b) || escape {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A host name or address with an optional port that lambda_http can build the request's URL
/// from: only the bytes an authority may hold, and accepted both by the URL parser lambda_http
/// uses (a port within 0-65535, a closed IPv6 literal, a host before any `:`) and by `http::Uri`.
fn is_authority(bytes: &[u8]) -> bool {
    let Ok(host) = std::str::from_utf8(bytes) else {
        return false;
    };
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        && reqwest::Url::parse(&format!("https://{host}/"))
            .is_ok_and(|url| url.as_str().parse::<http::Uri>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_what_a_uri_may_not_hold_and_keeps_the_rest() {
        assert_eq!(
            encode_unsafe("token=a b&x=\"<>\"\u{1}%zz%41", b"/?:@!$&'()*+,;=-._~"),
            "token=a%20b&x=%22%3C%3E%22%01%25zz%41"
        );
        assert_eq!(encode_unsafe("é", b""), "%C3%A9");
        let query = encode_unsafe("a=\u{7f}`{|}^\\ #", b"/?:@!$&'()*+,;=-._~");
        assert!(
            format!("https://x/p?{query}")
                .parse::<lambda_http::http::Uri>()
                .is_ok()
        );
    }

    /// Hosts lambda_http 1.3 panicked on: each is dropped, as a Host header and as API
    /// Gateway's domain name, and the event still becomes a request.
    #[test]
    fn drops_every_host_lambda_http_cannot_build_a_url_from() {
        for host in [
            "a:b", "x:99999", "[", "]", ":", "a:1:2", "[::1", "a b", "é", "",
        ] {
            assert!(!is_authority(host.as_bytes()), "{host}");
            for in_header in [true, false] {
                let mut event: serde_json::Value = serde_json::from_str(include_str!(
                    "../../../functions/issue-jwt/events/token.json"
                ))
                .unwrap();
                if in_header {
                    event["headers"]["host"] = host.into();
                } else {
                    event["requestContext"]["domainName"] = host.into();
                }
                let payload: LambdaRequest = serde_json::from_value(event).unwrap();
                let request = to_request(payload);
                assert_ne!(request.uri().host(), Some(host), "{host}");
            }
        }
        for host in [
            "api.example.com",
            "api.example.com:443",
            "127.0.0.1:8080",
            "[::1]:9000",
        ] {
            assert!(is_authority(host.as_bytes()), "{host}");
        }
    }
}
