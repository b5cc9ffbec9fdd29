//! Tokens and the keys that sign them, free of HTTP: verifying an identity or logout token
//! against an identity provider's key set (kept fresh), the rules a token of each kind passes,
//! claims as API Gateway's authorizer renders them, and a stand-in provider for the demo and
//! the tests. The pipeline turns its errors into answers.

mod claims;
mod error;
mod issuer;
mod jwks;
mod jwks_refresh;
mod key_set;
pub mod rules;
mod standin_idp;
mod verified;
mod verifier;

pub use claims::{ClaimMap, Claims, IdentityError, flatten};
pub use error::{JwksError, JwksFetchError, VerifyError};
pub use issuer::IdentityVerifier;
pub use jwks::{
    FETCH_TIMEOUT, FetchPolicy, Jwks, JwksCache, LOOPBACK_HTTP_VAR, TokenError, is_allowed_url,
};
pub use jwks_refresh::{REFRESH_VAR, refresh_ms};
pub use key_set::KeySet;
pub use rules::{Rules, TokenKind};
pub use standin_idp::StandinIdp;
pub use verifier::verify;
