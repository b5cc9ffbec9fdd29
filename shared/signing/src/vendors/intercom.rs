//! Intercom identity verification: `user_hash` is HMAC-SHA256 hex of `user_id` (the email
//! only when there is no user id, which chatpass never lacks).

use super::VendorSpec;
use crate::shapes::Part::{HmacOfId, Id, Optional};
use crate::user::Field::Email;

pub(super) const SPEC: VendorSpec = VendorSpec::hash(
    "intercom",
    &[
        ("user_id", Id),
        ("email", Optional(Email)),
        ("user_hash", HmacOfId),
    ],
    "Intercom('boot', Object.assign({ app_id: \"YOUR_APP_ID\" }, {settings}));",
    "Intercom('shutdown');",
);
