//! Intercom Messenger security: HS256 JWT with `user_id` (required), `email`, `exp`.

use super::VendorSpec;
use crate::shapes::Part::{Exp, Id, Optional};
use crate::user::Field::Email;

pub(super) const SPEC: VendorSpec = VendorSpec::hs256_jwt(
    "intercom-jwt",
    "intercom_user_jwt",
    &[("user_id", Id), ("email", Optional(Email)), ("exp", Exp)],
    "Intercom('boot', Object.assign({ app_id: \"YOUR_APP_ID\" }, {settings}));",
    "Intercom('shutdown');",
);
