//! Who a caller is: verified claims from API Gateway's JWT authorizer or from chatpass's own
//! verifier, the one set of rules they pass, the identity provider's keys, and a stand-in
//! provider for the demo and the tests.

mod caller;
mod claims;
mod error;
mod jwks;
mod jwks_refresh;
mod key_set;
pub mod rules;
mod standin_idp;
mod verifier;

pub use crate::outbound::is_allowed_url;
pub use caller::{IdentityVerifier, identity_claims};
pub use claims::{Claims, flatten};
pub use error::{JwksError, JwksFetchError, VerifyError};
pub use jwks::{FETCH_TIMEOUT, FetchPolicy, Jwks, JwksCache, LOOPBACK_HTTP_VAR, TokenError};
pub use jwks_refresh::{REFRESH_VAR, refresh_ms_from_env};
pub use key_set::KeySet;
pub use rules::{Rules, TokenKind};
pub use standin_idp::StandinIdp;
pub use verifier::verify;
