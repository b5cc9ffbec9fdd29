//! Every client-visible failure, mapped in one place to a status, a stable `code` and a public
//! message, and answered as `application/problem+json` (RFC 9457). Internal causes are logged
//! here once and never put in a body.

use chatpass_signing::SignError;
use http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde_json::json;

/// Seconds a client should wait before retrying when a dependency is down.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// The codes a [`ServiceError::BadRequest`] may carry. A handler that answers another code
/// trips a debug assertion, and the OpenAPI document's test checks the handlers' sources.
pub const BAD_REQUEST_CODES: &[&str] = &[
    "bad_json",
    "unexpected_field",
    "missing_token",
    "repeated_header",
    "bad_event",
    "unsupported_event",
    "invalid_logout_token",
    "field_too_long",
];

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    #[error("no such project")]
    UnknownProject,
    #[error("the project's config is invalid at `{field}`")]
    InvalidProjectConfig { field: String },
    #[error("project config is unavailable")]
    ConfigUnavailable,
    #[error("session store is unavailable")]
    StoreUnavailable,
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("the user logged out after this identity token was issued; sign in again")]
    LoggedOut,
    #[error("the user's email domain is not allowed for this project")]
    EmailDomainNotAllowed,
    #[error(
        "the identity provider has not verified the user's email, and this vendor identifies users by email"
    )]
    EmailNotVerified,
    #[error("vendor `{vendor}` is served by the `{endpoint}` endpoint")]
    WrongEndpoint {
        vendor: &'static str,
        endpoint: &'static str,
    },
    #[error("this origin is not allowed for the project")]
    OriginNotAllowed,
    #[error("the identity token has no `{0}` claim")]
    MissingClaim(String),
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error("the body must be application/json")]
    UnsupportedMediaType,
    #[error("the body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{1}")]
    BadRequest(&'static str, String),
    /// `allow` is the `Allow` header's value: the route's methods (RFC 9110 §15.5.6).
    #[error("method not allowed (this route takes {allow})")]
    MethodNotAllowed { allow: String },
    #[error("no such route")]
    NoRoute,
    #[error("{0}")]
    NotFound(&'static str),
    #[error("{0}")]
    Gone(&'static str),
    #[error("internal error")]
    Internal(String),
}

impl ServiceError {
    pub fn status(&self) -> StatusCode {
        use ServiceError::*;
        match self {
            UnknownProject | NoRoute | NotFound(_) => StatusCode::NOT_FOUND,
            InvalidProjectConfig { .. } | WrongEndpoint { .. } => StatusCode::CONFLICT,
            ConfigUnavailable | StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Unauthorized(_) => StatusCode::UNAUTHORIZED,
            LoggedOut | EmailDomainNotAllowed | EmailNotVerified | OriginNotAllowed => {
                StatusCode::FORBIDDEN
            }
            MissingClaim(_) | Sign(_) => StatusCode::UNPROCESSABLE_ENTITY,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BadRequest(..) => StatusCode::BAD_REQUEST,
            MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Gone(_) => StatusCode::GONE,
            Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        use ServiceError::*;
        match self {
            UnknownProject => "unknown_project",
            InvalidProjectConfig { .. } => "invalid_project_config",
            ConfigUnavailable => "config_unavailable",
            StoreUnavailable => "store_unavailable",
            Unauthorized(_) => "unauthorized",
            LoggedOut => "logged_out",
            EmailDomainNotAllowed => "email_domain_not_allowed",
            EmailNotVerified => "email_not_verified",
            WrongEndpoint { .. } => "wrong_endpoint",
            OriginNotAllowed => "origin_not_allowed",
            MissingClaim(_) => "missing_claim",
            Sign(e) => e.code(),
            UnsupportedMediaType => "unsupported_media_type",
            PayloadTooLarge(_) => "payload_too_large",
            BadRequest(code, _) => code,
            MethodNotAllowed { .. } => "method_not_allowed",
            NoRoute => "no_route",
            NotFound(_) => "not_found",
            Gone(_) => "gone",
            Internal(_) => "internal_error",
        }
    }

    /// Every code [`ServiceError::code`] can give (the OpenAPI document's `Problem.code`).
    pub fn all_codes() -> Vec<&'static str> {
        use ServiceError::*;
        let every = [
            UnknownProject,
            InvalidProjectConfig {
                field: String::new(),
            },
            ConfigUnavailable,
            StoreUnavailable,
            Unauthorized(""),
            LoggedOut,
            EmailDomainNotAllowed,
            EmailNotVerified,
            WrongEndpoint {
                vendor: "",
                endpoint: "",
            },
            OriginNotAllowed,
            MissingClaim(String::new()),
            UnsupportedMediaType,
            PayloadTooLarge(0),
            MethodNotAllowed {
                allow: String::new(),
            },
            NoRoute,
            NotFound(""),
            Gone(""),
            Internal(String::new()),
        ];
        for error in &every {
            // No `_` arm: a new variant does not compile until it is listed in `every` (or,
            // for the two that carry other codes, below) too.
            match error {
                UnknownProject
                | InvalidProjectConfig { .. }
                | ConfigUnavailable
                | StoreUnavailable
                | Unauthorized(_)
                | LoggedOut
                | EmailDomainNotAllowed
                | EmailNotVerified
                | WrongEndpoint { .. }
                | OriginNotAllowed
                | MissingClaim(_)
                | UnsupportedMediaType
                | PayloadTooLarge(_)
                | MethodNotAllowed { .. }
                | NoRoute
                | NotFound(_)
                | Gone(_)
                | Internal(_) => {}
                Sign(_) | BadRequest(..) => unreachable!("listed below"),
            }
        }
        let mut codes: Vec<&'static str> = Vec::new();
        let sign_codes = SignError::all_codes();
        let all = every.iter().map(ServiceError::code);
        for code in all
            .chain(sign_codes)
            .chain(BAD_REQUEST_CODES.iter().copied())
        {
            // A 400 may share its code with a 422 (`field_too_long`): listed once.
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        codes
    }

    fn title(&self) -> &'static str {
        self.status().canonical_reason().unwrap_or("Error")
    }

    /// The problem+json response; logs the internal cause of a 5xx once.
    pub fn into_response(self) -> Response<Body> {
        let status = self.status();
        debug_assert!(
            !matches!(&self, ServiceError::BadRequest(code, _) if !BAD_REQUEST_CODES.contains(code)),
            "a 400 code missing from BAD_REQUEST_CODES: {}",
            self.code()
        );
        if let ServiceError::Internal(cause) = &self {
            tracing::error!(code = self.code(), cause = %cause, "internal error");
        }
        let body = json!({
            "type": "about:blank",
            "title": self.title(),
            "status": status.as_u16(),
            "code": self.code(),
            "detail": self.to_string(),
        });
        let mut response = Response::new(Body::Text(body.to_string()));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let ServiceError::MethodNotAllowed { allow } = &self
            && let Ok(allow) = HeaderValue::from_str(allow)
        {
            headers.insert(header::ALLOW, allow);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dependency_outage_is_a_503_with_retry_after() {
        let response = ServiceError::ConfigUnavailable.into_response();
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }

    #[test]
    fn a_405_names_the_allowed_methods() {
        let response = ServiceError::MethodNotAllowed {
            allow: "OPTIONS, POST".into(),
        }
        .into_response();
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()[header::ALLOW], "OPTIONS, POST");
    }

    #[test]
    fn an_internal_cause_never_reaches_the_body() {
        let response = ServiceError::Internal("secret detail".into()).into_response();
        let Body::Text(body) = response.body() else {
            panic!()
        };
        assert!(!body.contains("secret detail"));
    }
}
