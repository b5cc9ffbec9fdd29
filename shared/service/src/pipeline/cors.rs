//! CORS from a list of allowed origins (a project's `allowed_origins`): a browser's origin
//! must be listed; listed origins get their answers (errors included) readable, with the
//! `Retry-After` of a 503 (so a page's script can wait it out), and preflights are answered here.

use crate::ServiceError;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Response};

/// The allowed origin of this request, if it came from a browser page.
#[derive(Debug, Clone, Default)]
pub struct Cors {
    origin: Option<HeaderValue>,
}

impl Cors {
    /// Refuses an `Origin` not in `allowed`; a request without one is not from a page.
    pub fn check(allowed: &[String], headers: &HeaderMap) -> Result<Cors, ServiceError> {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return Ok(Cors::default());
        };
        if !origin
            .to_str()
            .is_ok_and(|o| allowed.iter().any(|a| a == o))
        {
            return Err(ServiceError::OriginNotAllowed);
        }
        Ok(Cors {
            origin: Some(origin.clone()),
        })
    }

    /// Adds the CORS headers a listed origin needs to read the answer.
    pub fn apply<B>(&self, mut response: http::Response<B>) -> http::Response<B> {
        let headers = response.headers_mut();
        set(headers, header::VARY, "Origin");
        if let Some(origin) = &self.origin {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            set(headers, header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
            set(
                headers,
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                "retry-after",
            );
        }
        response
    }

    /// The answer to a preflight for a route taking `methods` (the caller adds the origin's
    /// headers with [`Cors::apply`]).
    pub fn preflight(methods: &[Method]) -> Response<Body> {
        let mut allowed: Vec<&str> = methods
            .iter()
            .filter(|m| **m != Method::OPTIONS)
            .map(Method::as_str)
            .collect();
        allowed.push("OPTIONS");
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        if let Ok(methods) = HeaderValue::from_str(&allowed.join(", ")) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, methods);
        }
        set(
            headers,
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            "authorization, content-type",
        );
        set(headers, header::ACCESS_CONTROL_MAX_AGE, "600");
        set(headers, header::CACHE_CONTROL, "no-store");
        response
    }
}

fn set(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    headers.insert(name, HeaderValue::from_static(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(origin: Option<&str>) -> http::Response<()> {
        let mut headers = HeaderMap::new();
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        }
        let allowed = vec!["https://www.example.com".to_owned()];
        let cors = Cors::check(&allowed, &headers).expect("allowed");
        cors.apply(http::Response::new(()))
    }

    #[test]
    fn a_listed_origin_can_read_the_retry_after_of_a_503() {
        let response = from(Some("https://www.example.com"));
        let headers = response.headers();
        assert_eq!(
            headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://www.example.com"
        );
        assert_eq!(
            headers[header::ACCESS_CONTROL_EXPOSE_HEADERS],
            "retry-after"
        );
    }

    #[test]
    fn a_request_from_no_page_gets_no_cors_headers() {
        let response = from(None);
        assert!(
            response
                .headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_none()
        );
        assert!(
            response
                .headers()
                .get(header::ACCESS_CONTROL_EXPOSE_HEADERS)
                .is_none()
        );
    }
}
