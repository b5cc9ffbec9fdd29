//! Chat for Jira Service Management ("Auto Login on Website"): HS256 JWT with `email`,
//! `displayName`, `iat`, `exp`; the widget calls `chatWidget.loginWithToken(token)`.

use super::{
    Endpoint, JwtRules, NoOptions, Vendor, VendorConfig, VendorSpec, object, options, text, ttl,
};
use crate::VendorConfigError;
use crate::jwt::Hs256;
use crate::shapes::JwtVendor;
use crate::user::Field;

pub(super) const SPEC: VendorSpec = VendorSpec::plain(
    "jsm-chat",
    Endpoint::Token,
    build,
    "chatWidget.loginWithToken({settings.token}); // in the widget's onload",
    "chatWidget.logout();",
);

pub(super) fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    options::<NoOptions>(config)?;
    Ok(Box::new(JwtVendor {
        id: SPEC.id,
        settings_field: "token",
        by_email: true,
        jwt: Hs256::new(&config.key, None).into(),
        lifetime: ttl(config)?,
        claims: Box::new(|user, iat, exp| {
            Ok(object([
                ("email", text(Some(user.require(Field::Email)?))),
                ("displayName", text(user.get(Field::Name))),
                ("iat", Some(iat.into())),
                ("exp", Some(exp.into())),
            ]))
        }),
        rules: JwtRules::claims(&["email", "iat", "exp"], &["displayName"]),
    }))
}
