//! Why a token (identity or logout) was refused, each with the stable reason code that the
//! request's log line carries. Callers learn no more than 401 or 400; operators read the reason.

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("not a JWT")]
    Malformed,
    #[error("algorithm not accepted (RS256 or ES256 only)")]
    Algorithm,
    #[error("no key in the JWKS matches the token's kid")]
    UnknownKey,
    #[error("bad signature")]
    Signature,
    #[error("wrong issuer")]
    Issuer,
    #[error("wrong audience")]
    Audience,
    #[error("`{0}` is missing or not a number")]
    TimeClaim(&'static str),
    #[error("expired")]
    Expired,
    #[error("not valid yet")]
    NotYetValid,
    #[error("issued in the future")]
    IssuedInFuture,
    #[error("lives longer than {max} s")]
    LifetimeTooLong { max: u64 },
    #[error("the header names critical extensions (`crit`) that are not understood")]
    CriticalHeader,
    #[error("a logout token is not an identity token")]
    LogoutToken,
    #[error("not a back-channel logout token (`events` must hold the back-channel logout event)")]
    NotLogoutToken,
    #[error("a logout token must not carry `nonce`")]
    Nonce,
}

impl VerifyError {
    /// The stable reason code for logs.
    pub fn reason(&self) -> &'static str {
        match self {
            VerifyError::Malformed => "malformed_token",
            VerifyError::Algorithm => "algorithm_not_allowed",
            VerifyError::UnknownKey => "unknown_kid",
            VerifyError::Signature => "bad_signature",
            VerifyError::Issuer => "wrong_issuer",
            VerifyError::Audience => "wrong_audience",
            VerifyError::TimeClaim(_) => "bad_time_claim",
            VerifyError::Expired => "expired",
            VerifyError::NotYetValid => "not_yet_valid",
            VerifyError::IssuedInFuture => "issued_in_future",
            VerifyError::LifetimeTooLong { .. } => "lifetime_too_long",
            VerifyError::CriticalHeader => "critical_header",
            VerifyError::LogoutToken => "logout_token_as_identity",
            VerifyError::NotLogoutToken => "not_a_logout_token",
            VerifyError::Nonce => "nonce_in_logout_token",
        }
    }
}

/// Why a JWKS document could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    #[error("the JWKS is not a valid JWK set")]
    Invalid,
    #[error("the JWKS has no RS256 or ES256 (P-256) signing key")]
    NoUsableKey,
}

/// Why the keys of a JWKS URL could not be had: the identity provider, not the token, failed,
/// so the caller is told to retry (503), never to give up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksFetchError {
    #[error("the JWKS URL must be https (plain http to loopback only where the runner allows it)")]
    Insecure,
    /// The keys were fetched less than a second ago and cannot be fetched again yet: the
    /// token may be signed with a key published since, so it is neither accepted nor refused.
    #[error("the keys were fetched less than a second ago; retry in a second")]
    TooSoon,
    #[error("the JWKS could not be fetched: {0}")]
    Fetch(String),
    #[error("the fetched JWKS cannot be used: {0}")]
    Unusable(JwksError),
}
