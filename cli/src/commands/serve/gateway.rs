//! The local stand-in for API Gateway: turns an HTTP request into the request a Lambda handler
//! gets (payload 2.0: path parameters, query, source IP, request id), hands it to the route's
//! function with that function's state, and turns the answer back into HTTP, so `serve` runs
//! the very same handler code.

use bytes::Bytes;
use chatpass_service::State;
use chatpass_service::pipeline::Served;
use http_body_util::Full;
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayV2httpRequestContext, ApiGatewayV2httpRequestContextHttpDescription,
};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

pub type HttpResponse = http::Response<Full<Bytes>>;

/// The functions' state: each route reads the configs at the versions it declares, as its
/// deployed function does.
pub struct Gateway {
    pub state: State,
}

impl Gateway {
    /// The function's answer to a request for `route` of `project` from `source_ip`.
    pub async fn call(
        &self,
        route: &Served,
        project: &str,
        parts: http::request::Parts,
        body: Bytes,
        source_ip: IpAddr,
    ) -> HttpResponse {
        let request = to_lambda(parts, body, route, project, source_ip);
        from_lambda(route.handle(&self.state, request).await)
    }
}

/// The handler's view of an HTTP request, as API Gateway would build it.
fn to_lambda(
    parts: http::request::Parts,
    body: Bytes,
    route: &Served,
    project: &str,
    source_ip: IpAddr,
) -> Request {
    let mut http = ApiGatewayV2httpRequestContextHttpDescription::default();
    http.method = parts.method.clone();
    http.path = Some(parts.uri.path().to_owned());
    http.protocol = Some("HTTP/1.1".into());
    http.source_ip = Some(source_ip.to_string());
    http.user_agent = parts
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut ctx = ApiGatewayV2httpRequestContext::default();
    ctx.route_key = Some(format!(
        "{} /v1/projects/{{project}}/{}",
        parts.method, route.spec.name
    ));
    ctx.stage = Some("$default".into());
    ctx.request_id = Some(request_id());
    ctx.http = http;
    let query: HashMap<String, Vec<String>> = parts
        .uri
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
        .into_iter()
        .fold(HashMap::new(), |mut map, (k, v)| {
            map.entry(k).or_default().push(v);
            map
        });
    let body = match String::from_utf8(body.to_vec()) {
        Ok(text) if text.is_empty() => Body::Empty,
        Ok(text) => Body::Text(text),
        Err(e) => Body::Binary(e.into_bytes()),
    };
    http::Request::from_parts(parts, body)
        .with_path_parameters(HashMap::from([("project".to_owned(), project.to_owned())]))
        .with_query_string_parameters(query)
        .with_request_context(RequestContext::ApiGatewayV2(ctx))
}

/// The handler's response as HTTP.
pub fn from_lambda(response: Response<Body>) -> HttpResponse {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    http::Response::from_parts(parts, Full::new(bytes))
}

/// An answer `serve` writes itself (not a handler's): `body` as `content_type`, kept by caches
/// as `cache_control` says.
pub fn answer(
    status: http::StatusCode,
    body: impl Into<Bytes>,
    content_type: &'static str,
    cache_control: &'static str,
) -> HttpResponse {
    let mut response = http::Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    headers.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static(cache_control),
    );
    response
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
