//! The local stand-in for API Gateway: turns an HTTP request into the request a Lambda handler
//! gets (payload 2.0: path parameters, query, source IP, request id, authorizer claims) and the
//! handler's response back into HTTP, so `serve` runs the very same handler code.

use bytes::Bytes;
use chatpass_service::identity::Claims;
use http_body_util::Full;
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
    ApiGatewayV2httpRequestContext,
};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use std::collections::HashMap;
use std::net::IpAddr;

/// The four routes, by the last segment of `/v1/projects/{project}/<route>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Token,
    UserHash,
    UserDetails,
    Logout,
}

impl Route {
    pub fn parse(segment: &str) -> Option<Route> {
        Some(match segment {
            "token" => Route::Token,
            "user-hash" => Route::UserHash,
            "user-details" => Route::UserDetails,
            "logout" => Route::Logout,
            _ => return None,
        })
    }

    /// Routes behind the JWT authorizer (the browser-facing ones).
    pub fn authorized(self) -> bool {
        matches!(self, Route::Token | Route::UserHash)
    }

    fn segment(self) -> &'static str {
        match self {
            Route::Token => "token",
            Route::UserHash => "user-hash",
            Route::UserDetails => "user-details",
            Route::Logout => "logout",
        }
    }
}

/// What API Gateway knows about a request besides the request itself.
pub struct Context<'a> {
    pub project: &'a str,
    pub route: Route,
    pub source_ip: IpAddr,
    pub request_id: String,
    /// Verified identity claims, when the authorizer accepted a token.
    pub claims: Option<Claims>,
}

/// The handler's view of an HTTP request, as API Gateway would build it.
pub fn to_lambda(parts: http::request::Parts, body: Bytes, context: Context<'_>) -> Request {
    let mut http = lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContextHttpDescription::default();
    http.method = parts.method.clone();
    http.path = Some(parts.uri.path().to_owned());
    http.protocol = Some("HTTP/1.1".into());
    http.source_ip = Some(context.source_ip.to_string());
    http.user_agent = parts
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut ctx = ApiGatewayV2httpRequestContext::default();
    ctx.route_key = Some(format!(
        "{} /v1/projects/{{project}}/{}",
        parts.method,
        context.route.segment()
    ));
    ctx.stage = Some("$default".into());
    ctx.request_id = Some(context.request_id);
    ctx.http = http;
    if let Some(claims) = context.claims {
        let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
        jwt.claims = claims;
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.jwt = Some(jwt);
        ctx.authorizer = Some(authorizer);
    }
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
        .with_path_parameters(HashMap::from([(
            "project".to_owned(),
            context.project.to_owned(),
        )]))
        .with_query_string_parameters(query)
        .with_request_context(RequestContext::ApiGatewayV2(ctx))
}

/// The handler's response as HTTP.
pub fn from_lambda(response: Response<Body>) -> http::Response<Full<Bytes>> {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    http::Response::from_parts(parts, Full::new(bytes))
}
