//! Any JWT widget by configuration (`jwt`), and the engine every JWT preset is declared over
//! (shapes/generic_jwt.rs). The project declares: `algorithm` (HS256 with the widget's secret,
//! whose `secret_encoding` is raw, base64, base64url or hex; RS256 or ES256 with its own private
//! key); `claims`, identity field → claim name or path (`attributes.email`); `json_claims`, a
//! claim whose value is the JSON text of an object of fields (`lwicontexts`); `constants` at
//! any path, never shadowing another claim; `random_claims` (a fresh 128-bit value per token,
//! `jti`); `session_claims` (the sign-in session's reference when the service passes one,
//! else fresh: Infobip's `sid`); `key_id_claims` (claims carrying `key_id`); `iat`, `exp`, `nbf`; `max_lifetime`,
//! which `token_ttl_seconds` may not exceed; `header` (`kid`, `typ`); `string_only` claim
//! paths; `max_token_bytes`; the `settings_key` the token goes under, with extra `settings`
//! (path → identity field) and `settings_constants`; and `page_input`, a browser-made value
//! (UUID form only) that goes in one claim and is never an identity. All is checked at load,
//! each refusal naming its field.

use super::{DemoMode, Endpoint, PageCalls, Scheme, Starter, VendorSpec};

const DEMO_OPTIONS: &str = r#"{"algorithm": "HS256", "claims": {"id": "external_id", "email": "email", "name": "name"}, "constants": {"aud": "demo-widget"}, "settings_key": "token"}"#;

pub(super) const SPEC: VendorSpec = VendorSpec {
    id: "jwt",
    endpoint: Endpoint::Token,
    scheme: Scheme::Jwt,
    starter: Starter::with_options(
        r#"{"algorithm": "HS256", "claims": {"id": "sub", "email": "email", "name": "name"}, "constants": {}, "iat": true, "exp": true, "settings_key": "token"}"#,
    ),
    demo_modes: &[DemoMode::single(DEMO_OPTIONS)],
    page: PageCalls {
        sign_in: "widget.login({settings}); // the widget's own call, with the token under the declared settings key",
        sign_out: "widget.logout(); // the widget's own call",
    },
};

#[cfg(test)]
mod tests {
    use crate::User;
    use crate::VendorConfig;
    use crate::vendors::build;
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

    fn refused(
        key: &str,
        key_id: Option<&str>,
        ttl: Option<u64>,
        options: Value,
    ) -> (String, String) {
        let mut project = json!({"vendor": "jwt", "key": key, "options": options});
        if let Some(kid) = key_id {
            project["key_id"] = json!(kid);
        }
        if let Some(ttl) = ttl {
            project["token_ttl_seconds"] = json!(ttl);
        }
        let config: VendorConfig = serde_json::from_value(project).unwrap();
        let error = build(&config).err().expect("refused");
        (error.field().to_owned(), error.reason())
    }

    fn hs(extra: Value) -> Value {
        let mut options =
            json!({"algorithm": "HS256", "claims": {"id": "sub"}, "settings_key": "token"});
        for (k, v) in extra.as_object().unwrap() {
            options[k] = v.clone();
        }
        options
    }

    #[test]
    fn refuses_a_constant_that_shadows_an_identity_claim_at_any_path() {
        let nested = hs(
            json!({"claims": {"id": "sub", "email": "attributes.email"}, "constants": {"attributes": {"x": "y"}}}),
        );
        assert_eq!(
            refused("k", None, None, nested).0,
            "options.constants.attributes"
        );
        let sub = hs(json!({"constants": {"sub": "widget"}}));
        assert_eq!(
            refused("k", None, None, sub),
            (
                "options.constants.sub".into(),
                "shadows an identity claim".into()
            )
        );
        // A constant `sub` is the widget's own when the user id goes elsewhere (Amazon Connect).
        let elsewhere =
            hs(json!({"claims": {"id": "attributes.id"}, "constants": {"sub": "widget"}}));
        assert!(build(&config("k", elsewhere)).is_ok());
    }

    #[test]
    fn refuses_a_lifetime_over_the_cap_and_a_cap_without_exp() {
        let capped = hs(json!({"max_lifetime": 600}));
        let (field, reason) = refused("k", None, Some(601), capped.clone());
        assert_eq!(field, "token_ttl_seconds");
        assert!(reason.contains("600"), "{reason}");
        let mut ok = config("k", capped);
        ok.token_ttl_seconds = Some(600);
        assert!(build(&ok).is_ok());
        assert_eq!(
            refused(
                "k",
                None,
                None,
                hs(json!({"max_lifetime": 60, "exp": false}))
            )
            .0,
            "options.max_lifetime"
        );
    }

    #[test]
    fn refuses_an_undecodable_secret_naming_the_key_never_showing_it() {
        for (encoding, secret) in [
            ("hex", "not-hex-secret"),
            ("base64", "not base64 secret!"),
            ("base64url", "a+b/c"),
        ] {
            let (field, reason) =
                refused(secret, None, None, hs(json!({"secret_encoding": encoding})));
            assert_eq!(field, "key", "{encoding}");
            assert!(!reason.contains(secret), "{reason}");
        }
        assert_eq!(
            refused(EC_P256, None, None, json!({"algorithm": "ES256", "secret_encoding": "hex", "claims": {"id": "sub"}, "settings_key": "t"})).0,
            "options.secret_encoding"
        );
    }

    #[test]
    fn refuses_a_page_supplied_value_mapped_to_an_identity_field_or_claim() {
        let input = json!({"name": "freshchat_uuid", "form": "uuid", "claim": "freshchat_uuid"});
        let as_field =
            hs(json!({"page_input": input, "claims": {"id": "sub", "freshchat_uuid": "x"}}));
        assert_eq!(
            refused("k", None, None, as_field).0,
            "options.claims.freshchat_uuid"
        );
        let into_id = hs(
            json!({"page_input": {"name": "u", "form": "uuid", "claim": "external_id"},
                                "claims": {"id": "external_id"}}),
        );
        assert_eq!(
            refused("k", None, None, into_id).0,
            "options.page_input.claim"
        );
        let into_sub = hs(
            json!({"page_input": {"name": "u", "form": "uuid", "claim": "sub"}, "claims": {"id": "uid"}}),
        );
        assert_eq!(
            refused("k", None, None, into_sub).0,
            "options.page_input.claim"
        );
        let into_settings =
            hs(json!({"page_input": input, "settings": {"uuid": "freshchat_uuid"}}));
        assert_eq!(
            refused("k", None, None, into_settings).0,
            "options.settings.uuid"
        );
        let other_form = hs(json!({"page_input": {"name": "u", "form": "email", "claim": "u"}}));
        assert_eq!(refused("k", None, None, other_form).0, "options");
    }

    #[test]
    fn refuses_the_other_rules_by_name() {
        for (options, key_id, field) in [
            (
                hs(
                    json!({"string_only": ["attributes"], "claims": {"id": "sub", "email_verified": "attributes.v"}}),
                ),
                None,
                "options.claims.email_verified",
            ),
            (
                hs(json!({"string_only": ["attributes"], "constants": {"attributes.n": 1}})),
                None,
                "options.constants.attributes.n",
            ),
            (
                hs(json!({"max_token_bytes": 0})),
                None,
                "options.max_token_bytes",
            ),
            (hs(json!({"header": {"kid": true}})), None, "key_id"),
            (hs(json!({"key_id_claims": ["ski"]})), None, "key_id"),
            (
                hs(json!({"random_claims": ["sub"]})),
                None,
                "options.random_claims.sub",
            ),
            (
                hs(json!({"json_claims": {"ctx": {"e": "email_verified"}}})),
                None,
                "options.json_claims.ctx.e",
            ),
            (
                hs(json!({"json_claims": {"sub": {"e": "email"}}})),
                None,
                "options.json_claims.sub",
            ),
            (
                hs(json!({"settings": {"token": "id"}})),
                None,
                "options.settings.token",
            ),
            (
                hs(json!({"claims": {"id": "a..b"}})),
                Some("k1"),
                "options.claims.id",
            ),
        ] {
            assert_eq!(
                refused("k", key_id, None, options.clone()).0,
                field,
                "{options}"
            );
        }
    }

    #[test]
    fn a_too_large_token_is_refused_when_signed_and_string_rules_hold() {
        let options = hs(
            json!({"max_token_bytes": 120, "claims": {"id": "sub", "name": "attributes.name"}, "string_only": ["attributes"]}),
        );
        let vendor = build(&config("k", options)).unwrap();
        let short = User {
            id: "u".into(),
            ..User::default()
        };
        assert!(vendor.sign(&short, 1, None).is_ok());
        let long = User {
            id: "u".into(),
            name: Some("x".repeat(200)),
            ..User::default()
        };
        assert_eq!(
            vendor.sign(&long, 1, None).unwrap_err().code(),
            "field_too_long"
        );
    }

    #[test]
    fn each_token_carries_a_new_jti_and_the_settings_carry_extra_identity_fields() {
        let options = hs(
            json!({"random_claims": ["jti"], "settings": {"userId": "id"}, "settings_key": "jwt"}),
        );
        let vendor = build(&config("k", options)).unwrap();
        let one = vendor.sign(&User::alice(), 1, None).unwrap();
        let two = vendor.sign(&User::alice(), 1, None).unwrap();
        assert_ne!(one.settings["jwt"], two.settings["jwt"]);
        assert_eq!(one.settings["userId"], "u-1");
    }

    #[test]
    fn a_session_claim_carries_the_sign_in_session_when_the_service_gives_one() {
        let options = hs(json!({"session_claims": ["sid"]}));
        let vendor = build(&config("k", options)).unwrap();
        let claims = |signed: crate::Signed| {
            let token = signed.settings["token"].as_str().unwrap().to_owned();
            let payload = token.split('.').nth(1).unwrap().to_owned();
            let bytes =
                base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
                    .unwrap();
            serde_json::from_slice::<Value>(&bytes).unwrap()
        };
        let given = claims(vendor.sign(&User::alice(), 1, Some("session-7")).unwrap());
        assert_eq!(given["sid"], "session-7");
        let fresh = claims(vendor.sign(&User::alice(), 1, None).unwrap());
        assert_eq!(fresh["sid"].as_str().unwrap().len(), 32);
    }
}
