//! The shape every JWT vendor shares: claims from the user, a token (HS256 with the vendor's
//! secret, or signed with the project's private key) in one settings field, `expires_at` a
//! fixed lifetime after `now`. Each JWT vendor's file fills one in; a simple HS256 vendor's
//! file lists its claims as parts.

use crate::jwt::{Hs256, Jws};
use crate::shapes::parts::{self, Inputs, Parts};
use crate::vendors::{Built, JwtRules, NoOptions, Vendor, VendorConfig, VendorSpec, options, ttl};
use crate::{SignError, Signed, User};
use serde_json::{Map, Value};

/// Builds the claims for (user, iat, exp).
pub(crate) type ClaimsFn =
    Box<dyn Fn(&User, u64, u64) -> Result<Map<String, Value>, SignError> + Send + Sync>;

pub(crate) struct JwtVendor {
    pub spec: &'static VendorSpec,
    pub settings_field: &'static str,
    pub by_email: bool,
    pub jwt: Jws,
    /// Seconds from `now` to `expires_at`.
    pub lifetime: u64,
    pub claims: ClaimsFn,
    pub rules: JwtRules,
}

impl JwtVendor {
    /// An HS256 JWT of `claims` under the settings field `field`, with the project's
    /// `token_ttl_seconds`; no options.
    pub(crate) fn hs256(
        config: &VendorConfig,
        spec: &'static VendorSpec,
        field: &'static str,
        claims: Parts,
    ) -> Built {
        options::<NoOptions>(config)?;
        Ok(Box::new(JwtVendor {
            spec,
            settings_field: field,
            by_email: parts::by_email(claims),
            jwt: Hs256::new(&config.key, None).into(),
            lifetime: ttl(config)?,
            claims: Box::new(move |user, iat, exp| {
                parts::fill(claims, user, Inputs::Times { iat, exp })
            }),
            rules: parts::rules(claims),
        }))
    }
}

impl Vendor for JwtVendor {
    fn spec(&self) -> &'static VendorSpec {
        self.spec
    }

    fn identifies_by_email(&self) -> bool {
        self.by_email
    }

    fn sign(&self, user: &User, now: u64, _session: Option<&str>) -> Result<Signed, SignError> {
        user.require(crate::user::Field::Id)?;
        let expires_at = now.saturating_add(self.lifetime);
        let token = self.jwt.sign(&(self.claims)(user, now, expires_at)?)?;
        let mut settings = Map::new();
        settings.insert(self.settings_field.to_owned(), Value::String(token));
        Ok(Signed {
            vendor: self.spec.id,
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
