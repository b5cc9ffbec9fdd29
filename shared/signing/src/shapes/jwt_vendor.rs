//! The shape every JWT vendor shares: claims from the user, a token (HS256 with the vendor's
//! secret, or signed with the project's private key) in one settings field, `expires_at` a
//! fixed lifetime after `now`. Each JWT vendor's file fills one in.

use crate::jwt::Jws;
use crate::vendors::{Endpoint, JwtRules, Vendor};
use crate::{SignError, Signed, User};
use serde_json::{Map, Value};

/// Builds the claims for (user, iat, exp).
pub(crate) type ClaimsFn =
    Box<dyn Fn(&User, u64, u64) -> Result<Map<String, Value>, SignError> + Send + Sync>;

pub(crate) struct JwtVendor {
    pub id: &'static str,
    pub settings_field: &'static str,
    pub by_email: bool,
    pub jwt: Jws,
    /// Seconds from `now` to `expires_at`.
    pub lifetime: u64,
    pub claims: ClaimsFn,
    pub rules: JwtRules,
}

impl Vendor for JwtVendor {
    fn id(&self) -> &'static str {
        self.id
    }

    fn endpoint(&self) -> Endpoint {
        Endpoint::Token
    }

    fn identifies_by_email(&self) -> bool {
        self.by_email
    }

    fn sign(&self, user: &User, now: u64, _session: Option<&str>) -> Result<Signed, SignError> {
        let expires_at = now.saturating_add(self.lifetime);
        let token = self.jwt.sign(&(self.claims)(user, now, expires_at)?)?;
        let mut settings = Map::new();
        settings.insert(self.settings_field.to_owned(), Value::String(token));
        Ok(Signed {
            vendor: self.id,
            settings: Value::Object(settings),
            expires_at: Some(expires_at),
        })
    }

    fn jwt_rules(&self) -> Option<JwtRules> {
        Some(JwtRules {
            algorithm: self.jwt.algorithm(),
            ..self.rules.clone()
        })
    }

    fn public_jwk(&self) -> Option<&Map<String, Value>> {
        self.jwt.public_jwk()
    }
}
