//! Intercom Messenger security: HS256 JWT with `user_id` (required), `email`, `exp`; once on,
//! every `Intercom('update')` must carry the JWT too.

use super::VendorSpec;
use crate::shapes::Part::{Exp, Id, Optional};
use crate::user::Field::Email;

pub(super) const SPEC: VendorSpec = VendorSpec::hs256_jwt(
    "intercom-jwt",
    "intercom_user_jwt",
    &[("user_id", Id), ("email", Optional(Email)), ("exp", Exp)],
    "Intercom('boot', Object.assign({ app_id: \"YOUR_APP_ID\" }, {settings})); // with Messenger security on, every Intercom('update', {...}) carries intercom_user_jwt too",
    "Intercom('shutdown');",
);
