//! One identity provider as chatpass trusts it without API Gateway's authorizer (a function
//! URL, a load balancer, `chatpass serve`): its keys, its issuer and the audience it signs for.

use super::claims::{Claims, flatten};
use super::jwks::{Jwks, TokenError};
use super::rules::Rules;

/// Checks the bearer identity tokens of one issuer for one audience, for deployments without
/// API Gateway's authorizer (function URL, load balancer) and for `chatpass serve`.
pub struct IdentityVerifier {
    pub jwks: Jwks,
    pub issuer: String,
    pub audience: String,
}

impl IdentityVerifier {
    /// The token's claims, flattened as API Gateway hands them to a function.
    pub async fn verify(&self, token: &str, now: u64) -> Result<Claims, TokenError> {
        let rules = Rules::identity(&self.issuer, &self.audience);
        self.jwks.verify(token, &rules, now).await.map(flatten)
    }
}
