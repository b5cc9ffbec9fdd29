//! Any JWT widget by configuration (`jwt`), and the engine every JWT preset is declared over
//! (shapes/generic_jwt.rs). The project declares: `algorithm` (HS256 with the widget's secret,
//! whose `secret_encoding` is raw, base64, base64url or hex; RS256 or ES256 with its own private
//! key); `claims`, identity field → claim name or path (`attributes.email`); `json_claims`, a
//! claim whose value is the JSON text of an object of fields (`lwicontexts`); `constants` at
//! any path, never shadowing another claim; `random_claims` (a fresh 128-bit value per token,
//! `jti`); `key_id_claims` (claims carrying `key_id`); `iat`, `exp`, `nbf`; `max_lifetime`,
//! which `token_ttl_seconds` may not exceed; `header` (`kid`, `typ`); `string_only` claim
//! paths; `max_token_bytes`; the `settings_key` the token goes under, with extra `settings`
//! (path → identity field) and `settings_constants`; and `page_input`, a browser-made value
//! (UUID form only) that goes in one claim and is never an identity. All is checked at load,
//! each refusal naming its field.

use super::{
    DemoMode, Endpoint, PageCalls, Scheme, Starter, StarterKey, Vendor, VendorConfig, VendorSpec,
};
use crate::VendorConfigError;
use crate::shapes::generic_jwt;

const DEMO_OPTIONS: &str = r#"{"algorithm": "HS256", "claims": {"id": "external_id", "email": "email", "name": "name"}, "constants": {"aud": "demo-widget"}, "settings_key": "token"}"#;

pub(super) const SPEC: VendorSpec = VendorSpec {
    id: "jwt",
    endpoint: Endpoint::Token,
    scheme: Scheme::Own(build),
    starter: Starter {
        key: StarterKey::FromVendor,
        options: r#"{"algorithm": "HS256", "claims": {"id": "sub", "email": "email", "name": "name"}, "constants": {}, "iat": true, "exp": true, "settings_key": "token"}"#,
        ..Starter::KEY_ONLY
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

fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    generic_jwt::build_from_config(config, &SPEC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::User;
    use crate::page_input::PageInputSpec;
    use jsonwebtoken::Algorithm;
    use jsonwebtoken::jwk::Jwk;
    use jsonwebtoken::{DecodingKey, Validation, decode};
    use serde_json::Value;
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
