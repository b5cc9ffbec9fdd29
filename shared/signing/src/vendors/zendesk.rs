//! Zendesk Messaging: HS256 JWT whose header carries `kid` (= `key_id`), claims `scope: "user"`,
//! `external_id` (at most 255 characters), `name`, `email`, `email_verified`, `exp`.

use super::{
    Built, DemoMode, Endpoint, JwtRules, NoOptions, PageCalls, Scheme, Starter, VendorConfig,
    VendorSpec, object, options, text, ttl,
};
use crate::jwt::Hs256;
use crate::shapes::JwtVendor;
use crate::user::Field;
use crate::{SignError, VendorConfigError};

const MAX_EXTERNAL_ID: usize = 255;

pub(super) const SPEC: VendorSpec = VendorSpec {
    id: "zendesk",
    endpoint: Endpoint::Token,
    scheme: Scheme::Own(build),
    starter: Starter::KEY_AND_ID,
    demo_modes: DemoMode::PLAIN,
    page: PageCalls {
        sign_in: "zE('messenger', 'loginUser', (callback) => callback({settings.jwt}));",
        sign_out: "zE('messenger', 'logoutUser');",
    },
};

fn build(config: &VendorConfig) -> Built {
    options::<NoOptions>(config)?;
    let kid = config
        .key_id
        .as_deref()
        .filter(|k| !k.is_empty())
        .ok_or(VendorConfigError::MissingKeyId)?;
    Ok(Box::new(JwtVendor {
        spec: &SPEC,
        settings_field: "jwt",
        by_email: false,
        jwt: Hs256::new(&config.key, Some(kid)).into(),
        lifetime: ttl(config)?,
        claims: Box::new(|user, _iat, exp| {
            if user.id.chars().count() > MAX_EXTERNAL_ID {
                return Err(SignError::FieldTooLong {
                    field: "id",
                    max: MAX_EXTERNAL_ID,
                });
            }
            let email = user.get(Field::Email);
            Ok(object([
                ("scope", Some("user".into())),
                ("external_id", text(Some(&user.id))),
                ("name", text(user.get(Field::Name))),
                ("email", text(email)),
                (
                    "email_verified",
                    email.map(|_| user.email_verified.unwrap_or(false).into()),
                ),
                ("exp", Some(exp.into())),
            ]))
        }),
        rules: JwtRules {
            kid: Some(kid.to_owned()),
            ..JwtRules::claims(
                &["scope", "external_id", "exp"],
                &["name", "email", "email_verified"],
            )
        },
    }))
}
