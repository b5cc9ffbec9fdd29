//! One identity provider as chatpass trusts it without API Gateway's authorizer (a function
//! URL, a load balancer, `chatpass serve`): its keys, its issuer and the audience it signs for,
//! and the tokens of it already verified.

use super::claims::{Claims, flatten};
use super::jwks::{Jwks, TokenError};
use super::rules::{ClaimView, Rules};
use super::verified::{VerifiedTokens, digest};
use std::sync::Arc;

/// Checks the bearer identity tokens of one issuer for one audience, for deployments without
/// API Gateway's authorizer (function URL, load balancer) and for `chatpass serve`.
pub struct IdentityVerifier {
    pub jwks: Jwks,
    pub issuer: String,
    pub audience: String,
    verified: VerifiedTokens,
}

impl IdentityVerifier {
    pub fn new(jwks: Jwks, issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        IdentityVerifier {
            jwks,
            issuer: issuer.into(),
            audience: audience.into(),
            verified: VerifiedTokens::new(),
        }
    }

    /// The token's claims, flattened as API Gateway hands them to a function: from the tokens
    /// already verified while the key set that verified it stands and before its `exp`, or
    /// checked now (and kept).
    pub async fn verify(&self, token: &str, now: u64) -> Result<Arc<Claims>, TokenError> {
        let keys = self.jwks.keys().await?;
        let digest = digest(token);
        if let Some(claims) = self.verified.get(&digest, &keys.fingerprint(), now) {
            return Ok(claims);
        }
        let rules = Rules::identity(&self.issuer, &self.audience);
        let (claims, keys) = self.jwks.verify_with(keys, token, &rules, now).await?;
        let exp = claims.seconds("exp").ok().flatten();
        let claims = Arc::new(flatten(claims));
        if let Some(exp) = exp {
            self.verified
                .put(digest, claims.clone(), keys.fingerprint(), exp, now);
        }
        Ok(claims)
    }

    /// How many verified tokens and bytes of claims are kept.
    pub fn cached(&self) -> (usize, usize) {
        self.verified.size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::identity::jwks::{FetchPolicy, REFRESH_MS};
    use crate::identity::{StandinIdp, VerifyError};
    use crate::testing::JwksServer;
    use serde_json::json;

    const NOW: u64 = 1_700_000_000;
    const ISSUER: &str = "https://idp.example.com/";
    const AUDIENCE: &str = "chatpass";

    async fn served(idp: &StandinIdp) -> (JwksServer, Arc<ManualClock>, IdentityVerifier) {
        let server = JwksServer::start(&idp.jwks()).await;
        let clock = Arc::new(ManualClock::at(NOW));
        let jwks = Jwks::url(&server.url(), clock.clone(), FetchPolicy::LOOPBACK_HTTP).unwrap();
        (server, clock, IdentityVerifier::new(jwks, ISSUER, AUDIENCE))
    }

    #[tokio::test]
    async fn a_renewal_with_the_same_token_is_answered_from_what_was_verified() {
        let idp = StandinIdp::generate(ISSUER, AUDIENCE);
        let (_server, _clock, verifier) = served(&idp).await;
        let token = idp.id_token("u-1", NOW, json!({}));
        let first = verifier.verify(&token, NOW).await.unwrap();
        let again = verifier.verify(&token, NOW + 10).await.unwrap();
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second is the first's claims"
        );
        assert_eq!(verifier.cached().0, 1);
        // A tampered copy is not the same token.
        let forged = format!("{}x", &token[..token.len() - 1]);
        assert!(verifier.verify(&forged, NOW).await.is_err());
    }

    #[tokio::test]
    async fn the_token_is_checked_again_after_its_exp_and_refused_past_the_leeway() {
        let idp = StandinIdp::generate(ISSUER, AUDIENCE);
        let (_server, _clock, verifier) = served(&idp).await;
        let claims =
            json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "u-1", "iat": NOW, "exp": NOW + 60});
        let token = idp.sign(claims.as_object().unwrap());
        let first = verifier.verify(&token, NOW).await.unwrap();
        let after_exp = verifier.verify(&token, NOW + 61).await.unwrap();
        assert!(
            !Arc::ptr_eq(&first, &after_exp),
            "verified again, within the leeway"
        );
        assert_eq!(
            verifier.verify(&token, NOW + 60 + 61).await.err(),
            Some(TokenError::Refused(VerifyError::Expired))
        );
    }

    #[tokio::test]
    async fn a_token_whose_key_left_the_key_set_is_refused_though_it_was_verified() {
        let (old, new) = (
            StandinIdp::generate(ISSUER, AUDIENCE),
            StandinIdp::generate(ISSUER, AUDIENCE),
        );
        let (server, clock, verifier) = served(&old).await;
        let token = old.id_token("u-1", NOW, json!({}));
        assert!(verifier.verify(&token, NOW).await.is_ok());
        // The IdP replaces its key; at the next refresh the old one is gone.
        server.publish(&new.jwks());
        clock.advance_ms(REFRESH_MS);
        assert_eq!(
            verifier.verify(&token, NOW + 300).await.err(),
            Some(TokenError::Refused(VerifyError::UnknownKey))
        );
    }
}
