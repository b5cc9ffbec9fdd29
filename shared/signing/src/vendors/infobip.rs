//! Infobip Live Chat, web user authentication: a personalization token, HS256 with the
//! widget's secret key base64-decoded, claims `jti` (new on every token: Live Chat refuses a
//! reused one), `sub` (the user id) with `stp` `externalPersonId`, `iss` (the widget id), `ski`
//! (the key's id, `key_id`), `sid` (the sign-in session: the reference the service passes,
//! one per sign-in at the identity provider, else a fresh id), `iat`, `exp`; the page hands it
//! to `liveChat('auth', token, callback)`.
//! https://www.infobip.com/docs/live-chat/users-and-authentication/web-authentication
//! https://www.infobip.com/docs/live-chat/users-and-authentication/token-generator-examples

use super::{DemoMode, Starter, VendorSpec};
use crate::shapes::preset::BrandOption;

pub(super) const SPEC: VendorSpec = VendorSpec::jwt_preset(
    "infobip",
    r#"{"algorithm": "HS256", "secret_encoding": "base64", "random_claims": ["jti"],
        "claims": {"id": "sub"}, "constants": {"stp": "externalPersonId"}, "key_id_claims": ["ski"],
        "session_claims": ["sid"],
        "header": {"kid": false}, "settings_key": "token"}"#,
    &[BrandOption::text("widget_id", &[("constants", "iss")])],
    "liveChat('auth', {settings.token}, (error, result) => {});",
    "liveChat('logout', null, (error, result) => {});",
)
.starting(Starter {
    key_id: true,
    options: r#"{"widget_id": "paste the widget id here"}"#,
    // base64 of "paste the widget's secret key here": it decodes, so the starter loads.
    key_placeholder: "cGFzdGUgdGhlIHdpZGdldCdzIHNlY3JldCBrZXkgaGVyZQ==",
    ..Starter::KEY_ONLY
})
.demo(&[DemoMode::single(r#"{"widget_id": "demo-widget"}"#)]);
