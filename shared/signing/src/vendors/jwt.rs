//! Any JWT widget by configuration (`jwt`): the project declares the algorithm (HS256 with the
//! widget's secret, RS256 or ES256 with its own private key), the claim each identity field
//! goes in, constant claims (which may not shadow an identity or time claim), whether `iat`
//! and `exp` are set, and the `settings` key the token goes under. Adding such a widget needs
//! no code; identity values only ever come from the verified user.

use super::{
    DemoMode, Endpoint, JwtRules, PageCalls, Scheme, Starter, StarterKey, Vendor, VendorConfig,
    VendorSpec, options, ttl,
};
use crate::jwt::{Hs256, Jws, PrivateJws};
use crate::private_key::PrivateKey;
use crate::shapes::IdentityClaims;
use crate::{SignError, Signed, User, VendorConfigError};
use jsonwebtoken::Algorithm;
use serde::Deserialize;
use serde_json::{Map, Value};

const DEMO_OPTIONS: &str = r#"{"algorithm": "HS256", "claims": {"id": "external_id", "email": "email", "name": "name"}, "constants": {"aud": "demo-widget"}, "settings_key": "token"}"#;

pub(super) const SPEC: VendorSpec = VendorSpec {
    id: "jwt",
    endpoint: Endpoint::Token,
    scheme: Scheme::Own(build),
    starter: Starter {
        key: StarterKey::FromVendor,
        key_id: false,
        options: r#"{"algorithm": "HS256", "claims": {"id": "sub", "email": "email", "name": "name"}, "constants": {}, "iat": true, "exp": true, "settings_key": "token"}"#,
    },
    demo_modes: &[DemoMode {
        suffix: "",
        options: DEMO_OPTIONS,
    }],
    page: PageCalls {
        sign_in: "widget.login({settings}); // the widget's own call, with the token under the declared settings key",
        sign_out: "widget.logout(); // the widget's own call",
    },
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    algorithm: SigningAlgorithm,
    claims: Map<String, Value>,
    #[serde(default)]
    constants: Map<String, Value>,
    #[serde(default = "yes")]
    iat: bool,
    #[serde(default = "yes")]
    exp: bool,
    settings_key: String,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Clone, Copy)]
enum SigningAlgorithm {
    HS256,
    RS256,
    ES256,
}

struct GenericJwt {
    jws: Jws,
    claims: IdentityClaims,
    constants: Map<String, Value>,
    iat: bool,
    /// The token's lifetime when it carries `exp`.
    lifetime: Option<u64>,
    settings_key: String,
    kid: Option<String>,
}

fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    let options: Options = options(config)?;
    if options.settings_key.is_empty() {
        return Err(VendorConfigError::bad("options.settings_key", "is empty"));
    }
    let mut own: Vec<&str> = Vec::new();
    own.extend(options.iat.then_some("iat"));
    own.extend(options.exp.then_some("exp"));
    let claims = IdentityClaims::parse("options.claims", &options.claims, &own)?;
    if claims.claim_of("id").is_none() {
        return Err(VendorConfigError::bad(
            "options.claims.id",
            "required: the claim that names the user",
        ));
    }
    if let Some(shadow) = options
        .constants
        .keys()
        .find(|name| own.contains(&name.as_str()) || claims.names().any(|c| c == *name))
    {
        return Err(VendorConfigError::bad(
            format!("options.constants.{shadow}"),
            "shadows an identity or time claim",
        ));
    }
    let lifetime = match (options.exp, config.token_ttl_seconds) {
        (true, _) => Some(ttl(config)?),
        (false, None) => None,
        (false, Some(_)) => {
            return Err(VendorConfigError::bad(
                "token_ttl_seconds",
                "the token has no exp (options.exp is false)",
            ));
        }
    };
    let kid = config.key_id.as_deref().filter(|k| !k.is_empty());
    let jws = match options.algorithm {
        SigningAlgorithm::HS256 => Jws::Hs256(Hs256::new(&config.key, kid)),
        SigningAlgorithm::RS256 | SigningAlgorithm::ES256 => {
            let algorithm = match options.algorithm {
                SigningAlgorithm::ES256 => Algorithm::ES256,
                _ => Algorithm::RS256,
            };
            // Without a key_id, the published JWK is named by its thumbprint.
            let key = PrivateKey::from_pem(config.key.as_str(), algorithm, kid)
                .map_err(|e| VendorConfigError::bad("key", e.to_string()))?;
            Jws::Private(PrivateJws::new(key, kid, true))
        }
    };
    Ok(Box::new(GenericJwt {
        jws,
        claims,
        constants: options.constants,
        iat: options.iat,
        lifetime,
        settings_key: options.settings_key,
        kid: kid.map(str::to_owned),
    }))
}

impl Vendor for GenericJwt {
    fn spec(&self) -> &'static VendorSpec {
        &SPEC
    }

    /// A widget handed the email may identify the user by it: an unverified one is refused.
    fn identifies_by_email(&self) -> bool {
        self.claims.carries_email()
    }

    fn sign(&self, user: &User, now: u64, _session: Option<&str>) -> Result<Signed, SignError> {
        let mut claims = Map::new();
        self.claims.fill(user, &mut claims);
        claims.extend(self.constants.clone());
        if self.iat {
            claims.insert("iat".into(), now.into());
        }
        let expires_at = self.lifetime.map(|lifetime| now.saturating_add(lifetime));
        if let Some(exp) = expires_at {
            claims.insert("exp".into(), exp.into());
        }
        let mut settings = Map::new();
        settings.insert(self.settings_key.clone(), self.jws.sign(&claims)?.into());
        Ok(Signed {
            vendor: SPEC.id,
            settings: Value::Object(settings),
            expires_at,
        })
    }

    fn jwt_rules(&self) -> Option<JwtRules> {
        let id = self.claims.claim_of("id").unwrap_or("sub");
        let mut required: Vec<String> = vec![id.to_owned()];
        required.extend(self.iat.then(|| "iat".to_owned()));
        required.extend(self.lifetime.map(|_| "exp".to_owned()));
        required.extend(self.constants.keys().cloned());
        Some(JwtRules {
            algorithm: self.jws.algorithm(),
            kid: self.kid.clone(),
            required_claims: required,
            optional_claims: self
                .claims
                .names()
                .filter(|c| *c != id)
                .map(str::to_owned)
                .collect(),
            max_age_from_iat: None,
        })
    }

    fn public_jwk(&self) -> Option<&Map<String, Value>> {
        self.jws.public_jwk()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::jwk::Jwk;
    use jsonwebtoken::{DecodingKey, Validation, decode};
    use serde_json::json;

    const EC_P256: &str = include_str!("../../tests/keys/ec-p256.pem");

    fn config(key: &str, options: Value) -> VendorConfig {
        serde_json::from_value(json!({"vendor": "jwt", "key": key, "options": options})).unwrap()
    }

    fn refusal(options: Value) -> String {
        let error = build(&config("a-widget-secret", options)).err().unwrap();
        format!("{}: {}", error.field(), error.reason())
    }

    #[test]
    fn refuses_configs_naming_the_field_and_never_the_key() {
        let base = json!({"algorithm": "HS256", "claims": {"id": "sub"}, "settings_key": "token"});
        let with = |change: Value| {
            let mut options = base.clone();
            for (k, v) in change.as_object().unwrap() {
                options[k] = v.clone();
            }
            options
        };
        for (options, field) in [
            (with(json!({"algorithm": "HS512"})), "options"),
            (with(json!({"algorithm": "none"})), "options"),
            (
                with(json!({"claims": {"email": "email"}})),
                "options.claims.id",
            ),
            (
                with(json!({"constants": {"sub": "x"}})),
                "options.constants.sub",
            ),
            (
                with(json!({"constants": {"exp": 1}})),
                "options.constants.exp",
            ),
            (with(json!({"claims": {"id": "iat"}})), "options.claims.id"),
            (with(json!({"settings_key": ""})), "options.settings_key"),
            (with(json!({"surprise": true})), "options"),
        ] {
            let refused = refusal(options.clone());
            assert!(
                refused.starts_with(&format!("{field}:")),
                "{options}: {refused}"
            );
            assert!(!refused.contains("a-widget-secret"), "{refused}");
        }
        // Without iat and exp, those names are free for constants.
        assert!(
            build(&config(
                "k",
                with(json!({"iat": false, "exp": false, "constants": {"iat": 1}}))
            ))
            .is_ok()
        );
    }

    #[test]
    fn es256_tokens_verify_with_the_published_key() {
        let options = json!({"algorithm": "ES256", "claims": {"id": "sub", "email": "email"},
                             "constants": {"aud": "w"}, "settings_key": "jwt"});
        let vendor = build(&config(EC_P256, options)).unwrap();
        let user = User::alice();
        let signed = vendor.sign(&user, 1_700_000_000, None).unwrap();
        let token = signed.settings["jwt"].as_str().unwrap();
        let jwk: Jwk =
            serde_json::from_value(Value::Object(vendor.public_jwk().unwrap().clone())).unwrap();
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&["w"]);
        validation.validate_exp = false;
        let claims = decode::<Value>(token, &DecodingKey::from_jwk(&jwk).unwrap(), &validation)
            .unwrap()
            .claims;
        assert_eq!(claims["sub"], "u-1");
        assert_eq!(claims["exp"], 1_700_000_300);
        assert!(vendor.identifies_by_email());
        assert_eq!(vendor.jwt_rules().unwrap().algorithm, Algorithm::ES256);
    }

    #[test]
    fn without_exp_there_is_no_expiry_and_no_ttl() {
        let options = json!({"algorithm": "HS256", "claims": {"id": "sub"}, "exp": false, "settings_key": "t"});
        let vendor = build(&config("k", options.clone())).unwrap();
        let signed = vendor
            .sign(
                &User {
                    id: "u".into(),
                    ..User::default()
                },
                5,
                None,
            )
            .unwrap();
        assert_eq!(signed.expires_at, None);
        let mut with_ttl = config("k", options);
        with_ttl.token_ttl_seconds = Some(60);
        assert_eq!(build(&with_ttl).err().unwrap().field(), "token_ttl_seconds");
    }
}
