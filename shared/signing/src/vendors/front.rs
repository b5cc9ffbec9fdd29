//! Front Chat: `userHash` is HMAC-SHA256 hex of the email, passed to `FrontChat('init')`.

use super::VendorSpec;
use crate::shapes::Part::{HmacOfEmail, Optional, Required};
use crate::user::Field::{Email, Name};

pub(super) const SPEC: VendorSpec = VendorSpec::hash(
    "front",
    &[
        ("email", Required(Email)),
        ("name", Optional(Name)),
        ("userHash", HmacOfEmail),
    ],
    "FrontChat('init', Object.assign({ chatId: \"YOUR_CHAT_ID\" }, {settings}));",
    "FrontChat('shutdown', { clearSession: true });",
);
