//! CORS per project from `allowed_origins`: a browser's origin must be listed; listed origins
//! get their answers (errors included) readable, and preflights are answered here.

use crate::{ProjectConfig, ServiceError};
use http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};

/// The allowed origin of this request, if it came from a browser page.
#[derive(Debug, Clone, Default)]
pub struct Cors {
    origin: Option<HeaderValue>,
}

impl Cors {
    /// Refuses an `Origin` the project does not list; a request without one is not from a page.
    pub fn check(project: &ProjectConfig, request: &Request) -> Result<Cors, ServiceError> {
        let Some(origin) = request.headers().get(header::ORIGIN) else {
            return Ok(Cors::default());
        };
        let allowed = origin
            .to_str()
            .is_ok_and(|o| project.allowed_origins.iter().any(|a| a == o));
        if !allowed {
            return Err(ServiceError::OriginNotAllowed);
        }
        Ok(Cors {
            origin: Some(origin.clone()),
        })
    }

    /// Adds the CORS headers a listed origin needs to read the answer.
    pub fn apply(&self, mut response: Response<Body>) -> Response<Body> {
        let headers = response.headers_mut();
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        if let Some(origin) = &self.origin {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        response
    }

    /// The answer to a preflight from a listed origin.
    pub fn preflight(&self) -> Response<Body> {
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("POST, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        self.apply(response)
    }
}
