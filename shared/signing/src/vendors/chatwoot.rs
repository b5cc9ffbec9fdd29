//! Chatwoot: `identifier_hash` is HMAC-SHA256 hex of the identifier (the user id).

use super::VendorSpec;
use crate::shapes::Part::{HmacOfId, Id, Optional};
use crate::user::Field::{Email, Name};

pub(super) const SPEC: VendorSpec = VendorSpec::hash(
    "chatwoot",
    &[
        ("identifier", Id),
        ("identifier_hash", HmacOfId),
        ("email", Optional(Email)),
        ("name", Optional(Name)),
    ],
    "$chatwoot.setUser({settings.identifier}, { identifier_hash: {settings.identifier_hash}, email: {settings.email}, name: {settings.name} });",
    "$chatwoot.reset();",
);
