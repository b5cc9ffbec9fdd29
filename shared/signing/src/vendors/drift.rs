//! Drift: HS256 JWT with `sub` (= user id) and `exp`, passed to `drift.identify` as `userJwt`.

use super::{
    Endpoint, JwtRules, NoOptions, Vendor, VendorConfig, VendorSpec, object, options, text, ttl,
};
use crate::VendorConfigError;
use crate::jwt::Hs256;
use crate::shapes::JwtVendor;

pub(super) const SPEC: VendorSpec = VendorSpec::plain(
    "drift",
    Endpoint::Token,
    build,
    "drift.identify(\"USER_ID\", {}, { userJwt: {settings.userJwt} });",
    "drift.reset();",
);

pub(super) fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    options::<NoOptions>(config)?;
    Ok(Box::new(JwtVendor {
        id: SPEC.id,
        settings_field: "userJwt",
        by_email: false,
        jwt: Hs256::new(&config.key, None).into(),
        lifetime: ttl(config)?,
        claims: Box::new(|user, _iat, exp| {
            Ok(object([
                ("sub", text(Some(&user.id))),
                ("exp", Some(exp.into())),
            ]))
        }),
        rules: JwtRules::claims(&["sub", "exp"], &[]),
    }))
}
