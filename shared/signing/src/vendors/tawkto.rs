//! tawk.to secure mode: `hash` is HMAC-SHA256 hex of the email, set as `Tawk_API.visitor`.

use super::VendorSpec;
use crate::shapes::Part::{HmacOfEmail, Optional, Required};
use crate::user::Field::{Email, Name};

pub(super) const SPEC: VendorSpec = VendorSpec::hash(
    "tawkto",
    &[
        ("name", Optional(Name)),
        ("email", Required(Email)),
        ("hash", HmacOfEmail),
    ],
    "Tawk_API.visitor = {settings};",
    "Tawk_API.logout();",
);
