//! Reading a request and writing an answer, for every route: the project from the path, the
//! body's limits, headers, the caller's address, and JSON answers that are never cached.

use crate::ProjectId;
use crate::ServiceError;
use http::{HeaderValue, Method, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde_json::Value;
use std::net::IpAddr;

/// The largest body any route reads.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Room for the usual answer (a settings object with a token or a hash, a problem+json) in one
/// allocation; a larger one grows.
const ANSWER_BYTES: usize = 512;

/// A JSON answer with `Cache-Control: no-store`.
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response<Body> {
    let mut text = Vec::with_capacity(ANSWER_BYTES);
    let text = match serde_json::to_writer(&mut text, body) {
        // serde_json writes UTF-8 only.
        Ok(()) => String::from_utf8(text).unwrap_or_else(|_| "{}".into()),
        Err(_) => "{}".into(),
    };
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The `{project}` path parameter, checked against the id pattern before any lookup.
pub fn project_id(request: &Request) -> Result<ProjectId, ServiceError> {
    let from_params = request
        .path_parameters_ref()
        .and_then(|p| p.first("project"));
    let from_path = || {
        let mut parts = request.uri().path().trim_matches('/').split('/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("v1"), Some("projects"), Some(project)) => Some(project),
            _ => None,
        }
    };
    from_params
        .or_else(from_path)
        .and_then(ProjectId::parse)
        .ok_or(ServiceError::UnknownProject)
}

/// Only `allowed` methods reach a handler; any other is a 405 whose `Allow` lists them.
pub fn require_method(request: &Request, allowed: &[Method]) -> Result<(), ServiceError> {
    if allowed.contains(request.method()) {
        Ok(())
    } else {
        let allow: Vec<&str> = allowed.iter().map(Method::as_str).collect();
        Err(ServiceError::MethodNotAllowed {
            allow: allow.join(", "),
        })
    }
}

/// The body, refused past [`MAX_BODY_BYTES`].
pub fn body(request: &Request) -> Result<&[u8], ServiceError> {
    let body: &[u8] = request.body().as_ref();
    if body.len() > MAX_BODY_BYTES {
        return Err(ServiceError::PayloadTooLarge(MAX_BODY_BYTES));
    }
    Ok(body)
}

/// True when the Content-Type's media type is `media` (parameters ignored).
pub fn content_type_is(request: &Request, media: &str) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(media))
}

/// The JSON object in the body, `None` for an empty body; anything else is a 4xx.
pub fn json_body(
    request: &Request,
) -> Result<Option<serde_json::Map<String, Value>>, ServiceError> {
    let body = body(request)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if !content_type_is(request, "application/json") {
        return Err(ServiceError::UnsupportedMediaType);
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(Some(map)),
        Ok(_) => Err(ServiceError::BadJson("the body must be a JSON object")),
        Err(_) => Err(ServiceError::BadJson("the body is not valid JSON")),
    }
}

/// The bearer token of the `Authorization` header.
pub fn bearer(request: &Request) -> Option<&str> {
    bearer_in(request.headers())
}

/// The bearer token of an `Authorization` header in `headers`.
pub fn bearer_in(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The caller's address as API Gateway saw it.
pub fn source_ip(request: &Request) -> Option<IpAddr> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.http.source_ip.as_deref()?.parse().ok(),
        _ => None,
    }
}

/// The one value of a header that may appear at most once (`None` when absent).
pub fn single_header<'r>(
    request: &'r Request,
    name: &'static str,
) -> Result<Option<&'r HeaderValue>, ServiceError> {
    let mut values = request.headers().get_all(name).iter();
    match (values.next(), values.next()) {
        (first, None) => Ok(first),
        (_, Some(_)) => Err(ServiceError::RepeatedHeader(name)),
    }
}
