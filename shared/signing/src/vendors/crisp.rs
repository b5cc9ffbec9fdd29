//! Crisp: `signature` is HMAC-SHA256 hex of the email, set with `user:email`.

use super::VendorSpec;
use crate::shapes::Part::{HmacOfEmail, Required};
use crate::user::Field::Email;

pub(super) const SPEC: VendorSpec = VendorSpec::hash(
    "crisp",
    &[("email", Required(Email)), ("signature", HmacOfEmail)],
    "$crisp.push([\"set\", \"user:email\", [{settings.email}, {settings.signature}]]);",
    "$crisp.push([\"do\", \"session:reset\"]);",
);
