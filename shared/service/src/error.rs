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
use strum::{EnumDiscriminants, EnumIter, IntoEnumIterator};

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
    /// What the caller is told, and the precise reason for the log line.
    fn spec(&self) -> (&'static str, &'static str) {
        match self {
            Unauthorized::NoIdentity => ("no verified identity: sign in first", "no_identity"),
            Unauthorized::MissingBearer => {
                ("a bearer identity token is required", "missing_bearer")
            }
            Unauthorized::IdentityRefused(e) => ("the identity token was refused", e.reason()),
            Unauthorized::AddressNotAllowed => {
                ("this address may not call back", "address_not_allowed")
            }
            Unauthorized::MissingCallbackKey => {
                ("a callback key is required", "missing_callback_key")
            }
            Unauthorized::CallbackKeyRefused => {
                ("the callback key was refused", "callback_key_refused")
            }
            Unauthorized::NoWebhookSecrets => {
                ("this project takes no webhooks", "no_webhook_secrets")
            }
            Unauthorized::WebhookHeaderNotText => {
                ("a webhook header is not text", "webhook_header_not_text")
            }
            Unauthorized::WebhookRefused(e) => {
                ("the webhook signature or timestamp was refused", e.reason())
            }
        }
    }

    fn detail(&self) -> &'static str {
        self.spec().0
    }

    pub fn reason(&self) -> &'static str {
        self.spec().1
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
    /// What the sender is told, and the precise reason for the log line.
    fn spec(&self) -> (&'static str, &'static str) {
        match self {
            LogoutRefusal::NotConfigured => (
                "this project takes no OIDC logout tokens",
                "oidc_logout_not_configured",
            ),
            LogoutRefusal::NotAForm => ("the body is not a form", "not_a_form"),
            LogoutRefusal::TokenCount => (
                "the form must carry exactly one logout_token",
                "logout_token_count",
            ),
            // Why exactly is for the log line: the caller is not authenticated.
            LogoutRefusal::Refused(e) => ("the logout token was refused", e.reason()),
            LogoutRefusal::MissingIat => ("`iat` is required", "missing_iat"),
            LogoutRefusal::MissingJti => ("`jti` is required", "missing_jti"),
            LogoutRefusal::SidOnly => (
                "chatpass ends sessions by `sub`; this token carries only `sid`",
                "sid_only",
            ),
            LogoutRefusal::NoSubject => ("`sub` or `sid` is required", "no_subject"),
        }
    }

    fn detail(&self) -> &'static str {
        self.spec().0
    }

    pub fn reason(&self) -> &'static str {
        self.spec().1
    }
}

/// Every client-visible failure. [`ErrorKind::spec`] gives each its status, code, log reason
/// and log class.
#[derive(Debug, thiserror::Error, EnumDiscriminants)]
#[strum_discriminants(name(ErrorKind), derive(EnumIter))]
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

/// How [`ServiceError::into_response`] logs an error beside the request's own log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogClass {
    /// The request was refused: the request's log line (code and reason) says it all.
    Refusal,
    /// A dependency is down: a warning with its cause; a 503 the caller may retry.
    Unavailable,
    /// chatpass failed: an error with its cause.
    Internal,
}

/// The code a kind of error answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Is(&'static str),
    /// The code of the [`SignError`] it carries (one of [`SignError::all_codes`]).
    OfSignError,
}

/// The reason the request's log line gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The code itself.
    Code,
    /// Finer than the code, which is deliberately coarse (why a session is gone).
    Is(&'static str),
    /// The reason of the refusal it carries (why a token or a key was refused).
    OfRefusal,
}

/// What every error of one kind answers and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub status: StatusCode,
    pub code: Code,
    pub reason: Reason,
    pub class: LogClass,
}

impl ErrorKind {
    /// The one table of errors: the response, the log line, the OpenAPI check and the tests
    /// read it.
    pub const fn spec(self) -> Spec {
        use ErrorKind::*;
        use StatusCode as S;
        match self {
            UnknownProject => refusal(S::NOT_FOUND, "unknown_project"),
            InvalidProjectConfig => refusal(S::CONFLICT, "invalid_project_config"),
            ConfigUnavailable => unavailable("config_unavailable"),
            StoreUnavailable => unavailable("store_unavailable"),
            KeysUnavailable => unavailable("idp_unavailable"),
            VendorUnavailable => unavailable("vendor_unavailable"),
            VendorKeyRefused => refusal(S::CONFLICT, "vendor_key_refused"),
            VendorFeatureUnavailable => refusal(S::CONFLICT, "vendor_feature_unavailable"),
            NoPublicKeys => refusal(S::CONFLICT, "no_public_keys"),
            Unauthorized => refusal(S::UNAUTHORIZED, "unauthorized").logged_as(Reason::OfRefusal),
            LoggedOut => refusal(S::FORBIDDEN, "logged_out"),
            EmailDomainNotAllowed => refusal(S::FORBIDDEN, "email_domain_not_allowed"),
            EmailNotVerified => refusal(S::FORBIDDEN, "email_not_verified"),
            WrongEndpoint => refusal(S::CONFLICT, "wrong_endpoint"),
            OriginNotAllowed => refusal(S::FORBIDDEN, "origin_not_allowed"),
            MissingClaim => refusal(S::UNPROCESSABLE_ENTITY, "missing_claim"),
            Sign => Spec {
                status: S::UNPROCESSABLE_ENTITY,
                code: Code::OfSignError,
                reason: Reason::Code,
                class: LogClass::Refusal,
            },
            UnsupportedMediaType => refusal(S::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            PayloadTooLarge => refusal(S::PAYLOAD_TOO_LARGE, "payload_too_large"),
            BadJson => refusal(S::BAD_REQUEST, "bad_json"),
            UnexpectedField => refusal(S::BAD_REQUEST, "unexpected_field"),
            MissingToken => refusal(S::BAD_REQUEST, "missing_token"),
            RepeatedHeader => refusal(S::BAD_REQUEST, "repeated_header"),
            RepeatedCookie => refusal(S::BAD_REQUEST, "repeated_cookie"),
            BadEvent => refusal(S::BAD_REQUEST, "bad_event"),
            UnsupportedEvent => refusal(S::BAD_REQUEST, "unsupported_event"),
            InvalidLogoutToken => {
                refusal(S::BAD_REQUEST, "invalid_logout_token").logged_as(Reason::OfRefusal)
            }
            // The code of a signed field that is too long, too (a 422 there).
            IdTooLong => refusal(S::BAD_REQUEST, "field_too_long"),
            MethodNotAllowed => refusal(S::METHOD_NOT_ALLOWED, "method_not_allowed"),
            NoRoute => refusal(S::NOT_FOUND, "no_route"),
            SessionNotFound => refusal(S::NOT_FOUND, "not_found"),
            // A session that is no more: one code for the client, the precise reason logged.
            SessionExpired => refusal(S::GONE, "gone").logged_as(Reason::Is("session_expired")),
            SessionEnded => refusal(S::GONE, "gone").logged_as(Reason::Is("session_ended")),
            SessionLoggedOut => {
                refusal(S::GONE, "gone").logged_as(Reason::Is("session_logged_out"))
            }
            Internal => Spec {
                status: S::INTERNAL_SERVER_ERROR,
                code: Code::Is("internal_error"),
                reason: Reason::Code,
                class: LogClass::Internal,
            },
        }
    }
}

impl Spec {
    const fn logged_as(self, reason: Reason) -> Spec {
        Spec { reason, ..self }
    }
}

const fn refusal(status: StatusCode, code: &'static str) -> Spec {
    Spec {
        status,
        code: Code::Is(code),
        reason: Reason::Code,
        class: LogClass::Refusal,
    }
}

const fn unavailable(code: &'static str) -> Spec {
    Spec {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: Code::Is(code),
        reason: Reason::Code,
        class: LogClass::Unavailable,
    }
}

impl ServiceError {
    pub fn kind(&self) -> ErrorKind {
        self.into()
    }

    pub fn status(&self) -> StatusCode {
        self.kind().spec().status
    }

    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        match (self.kind().spec().code, self) {
            (Code::Is(code), _) => code,
            (Code::OfSignError, ServiceError::Sign(e)) => e.code(),
            (Code::OfSignError, _) => unreachable!("only `Sign` carries a SignError"),
        }
    }

    /// The precise reason, for the request's log line: finer than the code where the code is
    /// deliberately coarse (why a token or a key was refused, why a session is gone).
    pub fn reason(&self) -> &'static str {
        match (self.kind().spec().reason, self) {
            (Reason::Code, _) => self.code(),
            (Reason::Is(reason), _) => reason,
            (Reason::OfRefusal, ServiceError::Unauthorized(why)) => why.reason(),
            (Reason::OfRefusal, ServiceError::InvalidLogoutToken(why)) => why.reason(),
            (Reason::OfRefusal, _) => unreachable!("only refusals carry a refusal"),
        }
    }

    /// Every code [`ServiceError::code`] can give, once each (the OpenAPI document's
    /// `Problem.code`).
    pub fn all_codes() -> Vec<&'static str> {
        let mut codes: Vec<&'static str> = Vec::new();
        for kind in ErrorKind::iter() {
            let of_kind = match kind.spec().code {
                Code::Is(code) => vec![code],
                Code::OfSignError => SignError::all_codes(),
            };
            for code in of_kind {
                // A 400 shares its code with a 422 (`field_too_long`): listed once.
                if !codes.contains(&code) {
                    codes.push(code);
                }
            }
        }
        codes
    }

    /// Seconds a client should wait before retrying, for a dependency that is unavailable:
    /// one for keys that may be fetched again in a second, [`RETRY_AFTER_SECONDS`] for a
    /// dependency that is down.
    pub fn retry_after(&self) -> Option<u32> {
        match (self.kind().spec().class, self) {
            (LogClass::Unavailable, ServiceError::KeysUnavailable(JwksFetchError::TooSoon)) => {
                Some(1)
            }
            (LogClass::Unavailable, _) => Some(RETRY_AFTER_SECONDS),
            (LogClass::Refusal | LogClass::Internal, _) => None,
        }
    }

    /// The failure behind an unavailable dependency or an internal error, for the one log
    /// line that records it.
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
        let Spec { status, class, .. } = self.kind().spec();
        let code = self.code();
        match (class, self.cause()) {
            (LogClass::Unavailable, Some(cause)) => {
                tracing::warn!(code, cause = %cause, "dependency unavailable; the caller may retry");
            }
            (LogClass::Internal, Some(cause)) => {
                tracing::error!(code, cause = %cause, "internal error");
            }
            _ => {}
        }
        let body = json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "code": code,
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
        if let Some(seconds) = self.retry_after() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
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
    fn keys_fetched_a_moment_ago_are_retried_in_a_second() {
        let response = ServiceError::KeysUnavailable(JwksFetchError::TooSoon).into_response();
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn only_an_unavailable_dependency_is_a_503_and_only_a_refusal_is_below_500() {
        for kind in ErrorKind::iter() {
            let Spec { status, class, .. } = kind.spec();
            assert_eq!(
                status == StatusCode::SERVICE_UNAVAILABLE,
                class == LogClass::Unavailable,
                "{kind:?}"
            );
            assert_eq!(
                status.as_u16() < 500,
                class == LogClass::Refusal,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn only_the_variants_that_carry_a_finer_error_take_its_code_or_reason() {
        let of_sign: Vec<ErrorKind> = ErrorKind::iter()
            .filter(|kind| kind.spec().code == Code::OfSignError)
            .collect();
        assert_eq!(of_sign, [ErrorKind::Sign]);
        let of_refusal: Vec<ErrorKind> = ErrorKind::iter()
            .filter(|kind| kind.spec().reason == Reason::OfRefusal)
            .collect();
        assert_eq!(
            of_refusal,
            [ErrorKind::Unauthorized, ErrorKind::InvalidLogoutToken]
        );
        let error = ServiceError::Sign(SignError::MissingField("email"));
        assert_eq!(
            (error.code(), error.reason()),
            ("missing_field", "missing_field")
        );
        let error = ServiceError::InvalidLogoutToken(LogoutRefusal::SidOnly);
        assert_eq!(
            (error.code(), error.reason()),
            ("invalid_logout_token", "sid_only")
        );
    }

    #[test]
    fn every_code_is_listed_once_with_the_sign_errors_codes() {
        let codes = ServiceError::all_codes();
        for code in ["unknown_project", "gone", "internal_error", "missing_field"] {
            assert_eq!(codes.iter().filter(|c| **c == code).count(), 1, "{code}");
        }
        assert_eq!(
            codes.iter().filter(|c| **c == "field_too_long").count(),
            1,
            "a 400 and a 422 share it"
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
