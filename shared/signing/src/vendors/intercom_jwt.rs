//! Intercom Messenger security: HS256 JWT with `user_id` (required), `email`, `exp`.

use super::{
    Endpoint, JwtRules, NoOptions, Vendor, VendorConfig, VendorSpec, object, options, text, ttl,
};
use crate::VendorConfigError;
use crate::jwt::Hs256;
use crate::shapes::JwtVendor;
use crate::user::Field;

pub(super) const SPEC: VendorSpec = VendorSpec::plain(
    "intercom-jwt",
    Endpoint::Token,
    build,
    "Intercom('boot', Object.assign({ app_id: \"YOUR_APP_ID\" }, {settings}));",
    "Intercom('shutdown');",
);

pub(super) fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    options::<NoOptions>(config)?;
    Ok(Box::new(JwtVendor {
        id: SPEC.id,
        settings_field: "intercom_user_jwt",
        by_email: false,
        jwt: Hs256::new(&config.key, None).into(),
        lifetime: ttl(config)?,
        claims: Box::new(|user, _iat, exp| {
            Ok(object([
                ("user_id", text(Some(&user.id))),
                ("email", text(user.get(Field::Email))),
                ("exp", Some(exp.into())),
            ]))
        }),
        rules: JwtRules::claims(&["user_id", "exp"], &["email"]),
    }))
}
