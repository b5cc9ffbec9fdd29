//! Kustomer: HS256 JWT with `externalId` or `email` (option `identify_by`) and `iat`, no `exp`;
//! Kustomer refuses a token whose `iat` is over 15 minutes old, so `expires_at` is iat + 900.

use super::{
    Built, DemoMode, Endpoint, JwtRules, PageCalls, Scheme, Starter, VendorConfig, VendorSpec,
    options,
};
use crate::VendorConfigError;
use crate::jwt::Hs256;
use crate::shapes::JwtVendor;
use crate::user::Field;
use serde::Deserialize;
use serde_json::{Map, Value};

const MAX_AGE: u64 = 900;

#[derive(Deserialize, Default, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
enum IdentifyBy {
    #[default]
    ExternalId,
    Email,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    #[serde(default)]
    identify_by: IdentifyBy,
}

pub(super) const SPEC: VendorSpec = VendorSpec {
    id: "kustomer",
    endpoint: Endpoint::Token,
    scheme: Scheme::Own(build),
    starter: Starter::with_options(r#"{"identify_by": "external_id"}"#),
    demo_modes: DemoMode::PLAIN,
    page: PageCalls {
        sign_in: "Kustomer.login({ jwtToken: {settings.jwtToken} }, (res, err) => {});",
        sign_out: "Kustomer.logout();",
    },
};

fn build(config: &VendorConfig) -> Built {
    let Options { identify_by } = options(config)?;
    if config.token_ttl_seconds.is_some() {
        return Err(VendorConfigError::bad(
            "token_ttl_seconds",
            "kustomer tokens have no exp; Kustomer itself refuses them 900 s after iat",
        ));
    }
    let (claim, field) = match identify_by {
        IdentifyBy::ExternalId => ("externalId", Field::Id),
        IdentifyBy::Email => ("email", Field::Email),
    };
    Ok(Box::new(JwtVendor {
        spec: &SPEC,
        settings_field: "jwtToken",
        by_email: identify_by == IdentifyBy::Email,
        jwt: Hs256::new(&config.key, None).into(),
        lifetime: MAX_AGE,
        claims: Box::new(move |user, iat, _exp| {
            let mut claims = Map::new();
            claims.insert(claim.to_owned(), Value::from(user.require(field)?));
            claims.insert("iat".to_owned(), Value::from(iat));
            Ok(claims)
        }),
        rules: JwtRules {
            max_age_from_iat: Some(MAX_AGE),
            ..JwtRules::claims(&[claim, "iat"], &[])
        },
    }))
}
