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
use lambda_http::aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use lambda_http::http::header::SET_COOKIE;
use lambda_http::lambda_runtime::Diagnostic;
use lambda_http::request::LambdaRequest;
use lambda_http::{Body, Error, LambdaEvent, Request, Response, Service};
use serde_json::value::RawValue;
use std::cell::RefCell;
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
///
/// It reads the event as API Gateway v2's and writes the answer as API Gateway v2's itself, where
/// lambda_http's adapter reads the event twice (to learn its kind) and copies and re-decodes
/// every text answer through a charset decoder, which links encoding_rs and mime into every
/// function (BENCHMARKS.md, "Against the floor").
pub struct LambdaEntry<F> {
    state: &'static State,
    handler: F,
    metrics: Option<&'static metrics_cloudwatch_embedded::Collector>,
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
        LambdaEntry {
            state,
            handler,
            metrics,
        }
    }
}

thread_local! {
    /// The metrics' documents, a buffer kept from one invocation to the next: a new one each
    /// time is a 2 KB allocation, which glibc serves only after merging its freed small blocks.
    static DOCUMENTS: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(2048));
}

/// The event as the runtime hands it over, read by [`LambdaEntry`] itself: the runtime's own
/// reading tracks the path of every field of the event, for an error message, at each
/// invocation (BENCHMARKS.md, "Against the floor").
pub type RawEvent = LambdaEvent<Box<RawValue>>;

impl<F, Fut> Service<RawEvent> for LambdaEntry<F>
where
    F: Fn(&'static State, Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    type Response = ApiGatewayV2httpResponse;
    type Error = Diagnostic;
    type Future =
        Pin<Box<dyn Future<Output = Result<ApiGatewayV2httpResponse, Diagnostic>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Diagnostic>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, event: RawEvent) -> Self::Future {
        let Ok(event) = serde_json::from_str(event.payload.get()) else {
            // serde_json's message may quote the event (a header, a token); the error says
            // only what the event is not.
            return Box::pin(std::future::ready(Err(not_an_http_api_event())));
        };
        let answer = (self.handler)(self.state, to_request(event));
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
            Ok(to_response(response))
        })
    }
}

/// What the runtime reports for an event that is not an HTTP API's: the function is wired to
/// something else, and no request can be made of it.
fn not_an_http_api_event() -> Diagnostic {
    Diagnostic {
        error_type: "NotAnHttpApiEvent".into(),
        error_message: "the event is not an API Gateway HTTP API event (payload format 2.0)".into(),
    }
}

/// The request lambda_http makes of an event once it is safe to convert: what a handler sees.
pub fn to_request(mut event: ApiGatewayV2httpRequest) -> Request {
    make_safe(&mut event);
    LambdaRequest::ApiGatewayV2(event).into()
}

/// The answer as API Gateway v2 takes it: `Set-Cookie` headers as its `cookies`, every other
/// header as it is (API Gateway joins repeated ones with commas), a binary body in base64.
fn to_response(response: Response<Body>) -> ApiGatewayV2httpResponse {
    let (parts, body) = response.into_parts();
    let mut headers = parts.headers;
    let cookies = headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok().map(str::to_owned))
        .collect();
    headers.remove(SET_COOKIE);
    let mut answer = ApiGatewayV2httpResponse::default();
    answer.status_code = i64::from(parts.status.as_u16());
    answer.headers = headers;
    answer.cookies = cookies;
    answer.is_base64_encoded = matches!(body, Body::Binary(_));
    answer.body = match body {
        Body::Empty => None,
        body => Some(body),
    };
    answer
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
///
/// The last authority accepted is remembered: a function's events name the same one, as its
/// Host header and as API Gateway's domain name, and parsing it as a URL each time is about a
/// hundredth of a warm invocation's CPU.
fn is_authority(bytes: &[u8]) -> bool {
    thread_local! {
        static ACCEPTED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    if ACCEPTED.with_borrow(|accepted| !accepted.is_empty() && accepted == bytes) {
        return true;
    }
    let Ok(host) = std::str::from_utf8(bytes) else {
        return false;
    };
    let accepted = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        && reqwest::Url::parse(&format!("https://{host}/"))
            .is_ok_and(|url| url.as_str().parse::<http::Uri>().is_ok());
    if accepted {
        ACCEPTED.with_borrow_mut(|remembered| {
            remembered.clear();
            remembered.extend_from_slice(bytes);
        });
    }
    accepted
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
                let request = to_request(serde_json::from_value(event).unwrap());
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
            // The one remembered is that one alone.
            assert!(!is_authority(format!("{host}:99999").as_bytes()), "{host}");
            assert!(is_authority(host.as_bytes()), "{host}");
        }
    }

    /// What lambda_http's adapter answered for the same responses: the cookies apart, the
    /// other headers and a text body as they are, a binary body in base64, no body at all.
    #[test]
    fn answers_as_api_gateway_v2_takes_it() {
        let response = Response::builder()
            .status(201)
            .header("content-type", "application/json")
            .header("set-cookie", "a=1; Secure")
            .header("vary", "origin")
            .header("set-cookie", "b=2")
            .body(Body::Text("{\"ok\":true}".into()))
            .unwrap();
        let answer = serde_json::to_value(to_response(response)).unwrap();
        assert_eq!(answer["statusCode"], 201);
        assert_eq!(answer["cookies"], serde_json::json!(["a=1; Secure", "b=2"]));
        assert_eq!(answer["headers"]["content-type"], "application/json");
        assert_eq!(answer["headers"]["vary"], "origin");
        assert!(answer["headers"].get("set-cookie").is_none());
        assert_eq!(answer["body"], "{\"ok\":true}");
        assert_eq!(answer["isBase64Encoded"], false);

        let binary = Response::new(Body::Binary(vec![0, 255]));
        let answer = serde_json::to_value(to_response(binary)).unwrap();
        assert_eq!(answer["body"], "AP8=");
        assert_eq!(answer["isBase64Encoded"], true);

        let empty = Response::builder().status(204).body(Body::Empty).unwrap();
        let answer = serde_json::to_value(to_response(empty)).unwrap();
        assert_eq!(answer["statusCode"], 204);
        assert!(answer.get("body").is_none_or(|body| body.is_null()));
    }

    /// An event that is no HTTP API's is the runtime's error, and the error quotes none of it.
    #[tokio::test]
    async fn refuses_an_event_that_is_not_an_http_api_event_and_quotes_none_of_it() {
        let state = crate::testing::harness(&[], crate::testing::NOW).state;
        let state: &'static State = Box::leak(Box::new(state));
        let handler = |_: &'static State, _: Request| async {
            panic!("no request is made of an event that is not one")
        };
        let mut entry = LambdaEntry::new(state, handler, None);
        for event in [
            r#"{"headers": {"authorization": ["Bearer eyJ.secret"]}}"#,
            r#"{"isBase64Encoded": "Bearer eyJ.secret"}"#,
            r#"["Bearer eyJ.secret"]"#,
        ] {
            let payload = RawValue::from_string(event.into()).unwrap();
            let refused = entry
                .call(LambdaEvent::new(payload, Default::default()))
                .await
                .expect_err(event);
            assert_eq!(refused.error_type, "NotAnHttpApiEvent");
            assert!(!refused.error_message.contains("secret"), "{event}");
        }
    }
}
