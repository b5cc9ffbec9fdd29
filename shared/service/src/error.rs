//! Every client-visible failure, mapped in one place to a status, a stable `code`, a public
//! message and a precise reason for the log line, and answered as `application/problem+json`
//! (RFC 9457). A dependency's outage is logged here, once, with its cause; no cause reaches a body.

use crate::identity::{JwksFetchError, VerifyError};
use crate::source::SourceError;
use crate::store::StoreError;
use chatpass_signing::SignError;
use chatpass_signing::minted::CallError;
use chatpass_signing::webhook::WebhookError;
use http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde_json::json;

/// Seconds a client should wait before retrying when a dependency is down.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// Why a caller is not authenticated. The body says only what the caller may know; the log
/// line carries [`Unauthorized::reason`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unauthorized {
    /// No authorizer claims and no verifier configured.
    NoIdentity,
    MissingBearer,
    IdentityRefused(VerifyError),
    AddressNotAllowed,
    MissingCallbackKey,
    CallbackKeyRefused,
    NoWebhookSecrets,
    WebhookHeaderNotText,
    WebhookRefused(WebhookError),
}

impl Unauthorized {
    fn detail(&self) -> &'static str {
        match self {
            Unauthorized::NoIdentity => "no verified identity: sign in first",
            Unauthorized::MissingBearer => "a bearer identity token is required",
            Unauthorized::IdentityRefused(_) => "the identity token was refused",
            Unauthorized::AddressNotAllowed => "this address may not call back",
            Unauthorized::MissingCallbackKey => "a callback key is required",
            Unauthorized::CallbackKeyRefused => "the callback key was refused",
            Unauthorized::NoWebhookSecrets => "this project takes no webhooks",
            Unauthorized::WebhookHeaderNotText => "a webhook header is not text",
            Unauthorized::WebhookRefused(_) => "the webhook signature or timestamp was refused",
        }
    }

    pub fn reason(&self) -> &'static str {
        match self {
            Unauthorized::NoIdentity => "no_identity",
            Unauthorized::MissingBearer => "missing_bearer",
            Unauthorized::IdentityRefused(e) => e.reason(),
            Unauthorized::AddressNotAllowed => "address_not_allowed",
            Unauthorized::MissingCallbackKey => "missing_callback_key",
            Unauthorized::CallbackKeyRefused => "callback_key_refused",
            Unauthorized::NoWebhookSecrets => "no_webhook_secrets",
            Unauthorized::WebhookHeaderNotText => "webhook_header_not_text",
            Unauthorized::WebhookRefused(e) => e.reason(),
        }
    }
}

/// Why a back-channel logout request was refused (400: a sender that cannot fix it should not
/// retry). Keys that could not be fetched are a 503 instead, never one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogoutRefusal {
    NotConfigured,
    NotAForm,
    TokenCount,
    Refused(VerifyError),
    MissingIat,
    MissingJti,
    SidOnly,
    NoSubject,
}

impl LogoutRefusal {
    fn detail(&self) -> String {
        match self {
            LogoutRefusal::NotConfigured => "this project takes no OIDC logout tokens".into(),
            LogoutRefusal::NotAForm => "the body is not a form".into(),
            LogoutRefusal::TokenCount => "the form must carry exactly one logout_token".into(),
            // Why exactly is for the log line (`reason`): the caller is not authenticated.
            LogoutRefusal::Refused(_) => "the logout token was refused".into(),
            LogoutRefusal::MissingIat => "`iat` is required".into(),
            LogoutRefusal::MissingJti => "`jti` is required".into(),
            LogoutRefusal::SidOnly => {
                "chatpass ends sessions by `sub`; this token carries only `sid`".into()
            }
            LogoutRefusal::NoSubject => "`sub` or `sid` is required".into(),
        }
    }

    pub fn reason(&self) -> &'static str {
        match self {
            LogoutRefusal::NotConfigured => "oidc_logout_not_configured",
            LogoutRefusal::NotAForm => "not_a_form",
            LogoutRefusal::TokenCount => "logout_token_count",
            LogoutRefusal::Refused(e) => e.reason(),
            LogoutRefusal::MissingIat => "missing_iat",
            LogoutRefusal::MissingJti => "missing_jti",
            LogoutRefusal::SidOnly => "sid_only",
            LogoutRefusal::NoSubject => "no_subject",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    #[error("no such project")]
    UnknownProject,
    #[error("the project's config is invalid at `{field}`")]
    InvalidProjectConfig { field: String },
    #[error("project config is unavailable")]
    ConfigUnavailable(String),
    #[error("session store is unavailable")]
    StoreUnavailable(StoreError),
    #[error("the identity provider's keys are unavailable; retry")]
    KeysUnavailable(JwksFetchError),
    /// The vendor's own API (HubSpot) failed or could not be reached; the cause is for the log.
    #[error("the chat vendor's API is unavailable; retry")]
    VendorUnavailable(String),
    #[error("{vendor} refused the project's key: check the project's `key`")]
    VendorKeyRefused { vendor: &'static str },
    #[error("{vendor} refused: the account's plan does not include {feature}")]
    VendorFeatureUnavailable {
        vendor: &'static str,
        feature: &'static str,
    },
    #[error("vendor `{vendor}` verifies with a shared secret: this project publishes no keys")]
    NoPublicKeys { vendor: &'static str },
    #[error("{}", .0.detail())]
    Unauthorized(Unauthorized),
    #[error("the user logged out after this identity token was issued; sign in again")]
    LoggedOut,
    #[error("the user's email domain is not allowed for this project")]
    EmailDomainNotAllowed,
    #[error(
        "the identity provider has not verified the user's email, and this project needs a verified one"
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
    #[error("{0}")]
    BadJson(&'static str),
    #[error("the body takes no fields (got `{0}`): who is signed comes from the identity token")]
    UnexpectedField(String),
    #[error("no session reference in the body, the query or the cookie")]
    MissingToken,
    #[error("`{0}` must appear once")]
    RepeatedHeader(&'static str),
    #[error("the `chatpass_session` cookie must appear once")]
    RepeatedCookie,
    #[error("{0}")]
    BadEvent(String),
    #[error("only `{0}` is handled")]
    UnsupportedEvent(&'static str),
    #[error("{}", .0.detail())]
    InvalidLogoutToken(LogoutRefusal),
    #[error("delivery ids, user ids and session references are at most {0} bytes")]
    IdTooLong(usize),
    /// `allow` is the `Allow` header's value: the route's methods (RFC 9110 §15.5.6).
    #[error("method not allowed (this route takes {allow})")]
    MethodNotAllowed { allow: String },
    #[error("no such route")]
    NoRoute,
    #[error("no such session")]
    SessionNotFound,
    #[error("the session expired")]
    SessionExpired,
    #[error("the session was ended by a logout")]
    SessionEnded,
    #[error("the user logged out after this session began")]
    SessionLoggedOut,
    #[error("internal error")]
    Internal(String),
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        ServiceError::StoreUnavailable(error)
    }
}

impl From<JwksFetchError> for ServiceError {
    fn from(error: JwksFetchError) -> Self {
        ServiceError::KeysUnavailable(error)
    }
}

impl From<CallError> for ServiceError {
    fn from(error: CallError) -> Self {
        match error {
            CallError::KeyRefused { vendor } => ServiceError::VendorKeyRefused { vendor },
            CallError::FeatureUnavailable { vendor, feature } => {
                ServiceError::VendorFeatureUnavailable { vendor, feature }
            }
            other => ServiceError::VendorUnavailable(other.to_string()),
        }
    }
}

impl From<SourceError> for ServiceError {
    fn from(error: SourceError) -> Self {
        match error {
            SourceError::NotFound => ServiceError::UnknownProject,
            SourceError::Invalid(e) => ServiceError::InvalidProjectConfig { field: e.field },
            SourceError::Unavailable(cause) => ServiceError::ConfigUnavailable(cause),
        }
    }
}

impl ServiceError {
    pub fn status(&self) -> StatusCode {
        use ServiceError::*;
        match self {
            UnknownProject | NoRoute | SessionNotFound => StatusCode::NOT_FOUND,
            InvalidProjectConfig { .. }
            | WrongEndpoint { .. }
            | VendorKeyRefused { .. }
            | VendorFeatureUnavailable { .. }
            | NoPublicKeys { .. } => StatusCode::CONFLICT,
            ConfigUnavailable(_) | StoreUnavailable(_) | KeysUnavailable(_)
            | VendorUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Unauthorized(_) => StatusCode::UNAUTHORIZED,
            LoggedOut | EmailDomainNotAllowed | EmailNotVerified | OriginNotAllowed => {
                StatusCode::FORBIDDEN
            }
            MissingClaim(_) | Sign(_) => StatusCode::UNPROCESSABLE_ENTITY,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BadJson(_)
            | UnexpectedField(_)
            | MissingToken
            | RepeatedHeader(_)
            | RepeatedCookie
            | BadEvent(_)
            | UnsupportedEvent(_)
            | InvalidLogoutToken(_)
            | IdTooLong(_) => StatusCode::BAD_REQUEST,
            MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            SessionExpired | SessionEnded | SessionLoggedOut => StatusCode::GONE,
            Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        use ServiceError::*;
        match self {
            UnknownProject => "unknown_project",
            InvalidProjectConfig { .. } => "invalid_project_config",
            ConfigUnavailable(_) => "config_unavailable",
            StoreUnavailable(_) => "store_unavailable",
            KeysUnavailable(_) => "idp_unavailable",
            VendorUnavailable(_) => "vendor_unavailable",
            VendorKeyRefused { .. } => "vendor_key_refused",
            VendorFeatureUnavailable { .. } => "vendor_feature_unavailable",
            NoPublicKeys { .. } => "no_public_keys",
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
            BadJson(_) => "bad_json",
            UnexpectedField(_) => "unexpected_field",
            MissingToken => "missing_token",
            RepeatedHeader(_) => "repeated_header",
            RepeatedCookie => "repeated_cookie",
            BadEvent(_) => "bad_event",
            UnsupportedEvent(_) => "unsupported_event",
            InvalidLogoutToken(_) => "invalid_logout_token",
            IdTooLong(_) => "field_too_long",
            MethodNotAllowed { .. } => "method_not_allowed",
            NoRoute => "no_route",
            SessionNotFound => "not_found",
            SessionExpired | SessionEnded | SessionLoggedOut => "gone",
            Internal(_) => "internal_error",
        }
    }

    /// The precise reason, for the request's log line: finer than the code where the code is
    /// deliberately coarse (why a token or a key was refused, why a session is gone).
    pub fn reason(&self) -> &'static str {
        match self {
            ServiceError::Unauthorized(why) => why.reason(),
            ServiceError::InvalidLogoutToken(why) => why.reason(),
            ServiceError::SessionExpired => "session_expired",
            ServiceError::SessionEnded => "session_ended",
            ServiceError::SessionLoggedOut => "session_logged_out",
            other => other.code(),
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
            ConfigUnavailable(String::new()),
            StoreUnavailable(StoreError(String::new())),
            KeysUnavailable(JwksFetchError::Insecure),
            VendorUnavailable(String::new()),
            VendorKeyRefused { vendor: "" },
            VendorFeatureUnavailable {
                vendor: "",
                feature: "",
            },
            NoPublicKeys { vendor: "" },
            Unauthorized(self::Unauthorized::NoIdentity),
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
            BadJson(""),
            UnexpectedField(String::new()),
            MissingToken,
            RepeatedHeader(""),
            RepeatedCookie,
            BadEvent(String::new()),
            UnsupportedEvent(""),
            InvalidLogoutToken(LogoutRefusal::NotAForm),
            IdTooLong(0),
            MethodNotAllowed {
                allow: String::new(),
            },
            NoRoute,
            SessionNotFound,
            SessionExpired,
            SessionEnded,
            SessionLoggedOut,
            Internal(String::new()),
        ];
        for error in &every {
            // No `_` arm: a new variant does not compile until it is listed in `every` too.
            match error {
                UnknownProject
                | InvalidProjectConfig { .. }
                | ConfigUnavailable(_)
                | StoreUnavailable(_)
                | KeysUnavailable(_)
                | VendorUnavailable(_)
                | VendorKeyRefused { .. }
                | VendorFeatureUnavailable { .. }
                | NoPublicKeys { .. }
                | Unauthorized(_)
                | LoggedOut
                | EmailDomainNotAllowed
                | EmailNotVerified
                | WrongEndpoint { .. }
                | OriginNotAllowed
                | MissingClaim(_)
                | UnsupportedMediaType
                | PayloadTooLarge(_)
                | BadJson(_)
                | UnexpectedField(_)
                | MissingToken
                | RepeatedHeader(_)
                | RepeatedCookie
                | BadEvent(_)
                | UnsupportedEvent(_)
                | InvalidLogoutToken(_)
                | IdTooLong(_)
                | MethodNotAllowed { .. }
                | NoRoute
                | SessionNotFound
                | SessionExpired
                | SessionEnded
                | SessionLoggedOut
                | Internal(_) => {}
                Sign(_) => unreachable!("its codes are SignError's, listed below"),
            }
        }
        let mut codes: Vec<&'static str> = Vec::new();
        for code in every
            .iter()
            .map(ServiceError::code)
            .chain(SignError::all_codes())
        {
            // A 400 shares its code with a 422 (`field_too_long`): listed once.
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        codes
    }

    /// Seconds a client should wait before retrying a 503: one for keys that may be fetched
    /// again in a second, [`RETRY_AFTER_SECONDS`] for a dependency that is down.
    pub fn retry_after(&self) -> u32 {
        match self {
            ServiceError::KeysUnavailable(JwksFetchError::TooSoon) => 1,
            _ => RETRY_AFTER_SECONDS,
        }
    }

    /// The dependency failure behind a 5xx, for the one log line that records it.
    fn cause(&self) -> Option<String> {
        match self {
            ServiceError::ConfigUnavailable(cause)
            | ServiceError::VendorUnavailable(cause)
            | ServiceError::Internal(cause) => Some(cause.clone()),
            ServiceError::StoreUnavailable(e) => Some(e.to_string()),
            ServiceError::KeysUnavailable(e) => Some(e.to_string()),
            _ => None,
        }
    }

    /// The problem+json response; logs the cause of a 5xx once.
    pub fn into_response(self) -> Response<Body> {
        let status = self.status();
        if let Some(cause) = self.cause() {
            if status == StatusCode::SERVICE_UNAVAILABLE {
                tracing::warn!(code = self.code(), cause = %cause, "dependency unavailable; the caller may retry");
            } else {
                tracing::error!(code = self.code(), cause = %cause, "internal error");
            }
        }
        let body = json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
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
            headers.insert(header::RETRY_AFTER, HeaderValue::from(self.retry_after()));
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
        for error in [
            ServiceError::ConfigUnavailable("down".into()),
            ServiceError::StoreUnavailable(StoreError("down".into())),
            ServiceError::KeysUnavailable(JwksFetchError::Fetch("down".into())),
        ] {
            let response = error.into_response();
            assert_eq!(response.status(), 503);
            assert_eq!(response.headers()[header::RETRY_AFTER], "5");
            assert_eq!(
                response.headers()[header::CONTENT_TYPE],
                "application/problem+json"
            );
        }
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
        for error in [
            ServiceError::Internal("secret detail".into()),
            ServiceError::StoreUnavailable(StoreError("secret detail".into())),
        ] {
            let response = error.into_response();
            let Body::Text(body) = response.body() else {
                panic!()
            };
            assert!(!body.contains("secret detail"));
        }
    }

    #[test]
    fn a_refusal_logs_its_precise_reason_and_answers_only_the_code() {
        let error =
            ServiceError::Unauthorized(Unauthorized::IdentityRefused(VerifyError::UnknownKey));
        assert_eq!(
            (error.code(), error.reason()),
            ("unauthorized", "unknown_kid")
        );
        assert_eq!(error.to_string(), "the identity token was refused");
    }
}
