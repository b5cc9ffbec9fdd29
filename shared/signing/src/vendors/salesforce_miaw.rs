//! Salesforce Messaging for In-App and Web, user verification: a JWT signed with the
//! project's own RSA key (RS256, or RS512 by `options.algorithm`), header `{"alg","kid"}` (the
//! official key utility sets no `typ`), claims `sub` (the user id), `iss` (the keyset's issuer,
//! `options.issuer`), `iat`, `exp`, then any user claims the project maps (`options.claims`).
//! Salesforce checks it against the public keys at `GET /v1/projects/{project}/jwks.json`.

use super::{
    Built, DemoMode, Endpoint, JwtRules, PageCalls, PublicKeyForm, Scheme, Starter, VendorConfig,
    VendorSpec, options, ttl,
};
use crate::VendorConfigError;
use crate::jwt::{Jws, PrivateJws};
use crate::private_key::PrivateKey;
use crate::shapes::{IdentityClaims, JwtVendor};
use jsonwebtoken::Algorithm;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The claims Salesforce reads that chatpass sets itself.
const OWN_CLAIMS: [&str; 4] = ["sub", "iss", "iat", "exp"];

pub(super) const SPEC: VendorSpec = VendorSpec {
    id: "salesforce-miaw",
    endpoint: Endpoint::Token,
    scheme: Scheme::Own(build),
    starter: Starter::rsa_key_pair(
        r#"{"issuer": "https://www.example.com"}"#,
        PublicKeyForm::Jwks,
    ),
    demo_modes: &[DemoMode::single(
        r#"{"issuer": "https://demo.chatpass.example", "claims": {"email": "email"}}"#,
    )],
    page: PageCalls {
        sign_in: "window.addEventListener(\"onEmbeddedMessagingReady\", () => embeddedservice_bootstrap.userVerificationAPI.setIdentityToken({ identityTokenType: \"JWT\", identityToken: {settings.identityToken} })); // again, with a fresh token, on onEmbeddedMessagingIdentityTokenExpired",
        sign_out: "embeddedservice_bootstrap.userVerificationAPI.clearSession(true);",
    },
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    issuer: String,
    #[serde(default)]
    algorithm: SigningAlgorithm,
    #[serde(default)]
    claims: Map<String, Value>,
}

#[derive(Deserialize, Default, Clone, Copy)]
enum SigningAlgorithm {
    #[default]
    RS256,
    RS512,
}

fn build(config: &VendorConfig) -> Built {
    let Options {
        issuer,
        algorithm,
        claims,
    } = options(config)?;
    if issuer.is_empty() {
        return Err(VendorConfigError::bad("options.issuer", "is empty"));
    }
    let kid = config
        .key_id
        .as_deref()
        .filter(|k| !k.is_empty())
        .ok_or(VendorConfigError::MissingKeyId)?;
    let algorithm = match algorithm {
        SigningAlgorithm::RS256 => Algorithm::RS256,
        SigningAlgorithm::RS512 => Algorithm::RS512,
    };
    let key = PrivateKey::from_pem(config.key.as_str(), algorithm, Some(kid))
        .map_err(|e| VendorConfigError::bad("key", e.to_string()))?;
    let mapped = IdentityClaims::parse("options.claims", &claims, &OWN_CLAIMS)?;
    let optional: Vec<String> = mapped.names().map(str::to_owned).collect();
    let by_email = mapped.carries_email();
    Ok(Box::new(JwtVendor {
        spec: &SPEC,
        settings_field: "identityToken",
        by_email,
        jwt: Jws::Private(PrivateJws::new(key, Some(kid), false)),
        lifetime: ttl(config)?,
        claims: Box::new(move |user, iat, exp| {
            let mut claims = Map::new();
            claims.insert("sub".into(), user.id.clone().into());
            claims.insert("iss".into(), issuer.clone().into());
            claims.insert("iat".into(), iat.into());
            claims.insert("exp".into(), exp.into());
            mapped.fill(user, &mut claims);
            Ok(claims)
        }),
        rules: JwtRules {
            kid: Some(kid.to_owned()),
            optional_claims: optional,
            ..JwtRules::claims(&OWN_CLAIMS, &[])
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RSA_1024: &str = include_str!("../../tests/keys/rsa-1024.pem");
    const RSA_2048: &str = include_str!("../../tests/keys/rsa-2048.pem");

    fn refusal(project: Value) -> (String, String) {
        let config: VendorConfig = serde_json::from_value(project).unwrap();
        let error = build(&config).err().unwrap();
        (error.field().to_owned(), error.reason())
    }

    #[test]
    fn refuses_a_weak_key_a_missing_kid_or_issuer_and_shadowing_claims() {
        let options = json!({"issuer": "https://www.acme.example"});
        let (field, reason) = refusal(
            json!({"vendor": "salesforce-miaw", "key": RSA_1024, "key_id": "k", "options": options}),
        );
        assert_eq!(
            (field.as_str(), reason.as_str()),
            ("key", "the RSA key is under 2,048 bits")
        );
        assert_eq!(
            refusal(json!({"vendor": "salesforce-miaw", "key": RSA_2048, "options": options})).0,
            "key_id"
        );
        assert_eq!(
            refusal(json!({"vendor": "salesforce-miaw", "key": RSA_2048, "key_id": "k"})).0,
            "options"
        );
        assert_eq!(
            refusal(
                json!({"vendor": "salesforce-miaw", "key": RSA_2048, "key_id": "k",
                           "options": {"issuer": "i", "claims": {"email": "iss"}}})
            )
            .0,
            "options.claims.email"
        );
        assert_eq!(
            refusal(
                json!({"vendor": "salesforce-miaw", "key": RSA_2048, "key_id": "k",
                           "options": {"issuer": "i", "algorithm": "HS256"}})
            )
            .0,
            "options"
        );
    }
}
