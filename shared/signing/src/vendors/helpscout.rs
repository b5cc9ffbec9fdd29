//! Help Scout Beacon: `signature` is HMAC-SHA256 hex of the email, passed to `Beacon('identify')`.

use super::VendorSpec;
use crate::shapes::Part::{HmacOfEmail, Optional, Required};
use crate::user::Field::{Email, Name};

pub(super) const SPEC: VendorSpec = VendorSpec::hash(
    "helpscout",
    &[
        ("name", Optional(Name)),
        ("email", Required(Email)),
        ("signature", HmacOfEmail),
    ],
    "Beacon('identify', {settings});",
    "Beacon('logout');",
);
