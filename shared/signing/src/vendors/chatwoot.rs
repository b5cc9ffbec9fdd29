//! Chatwoot: `identifier_hash` is HMAC-SHA256 hex of the identifier (the user id).

use super::{Endpoint, Vendor, VendorConfig, VendorSpec, object, text};
use crate::VendorConfigError;
use crate::mac::hmac_sha256_hex;
use crate::shapes::HashVendor;
use crate::user::Field;

pub(super) const SPEC: VendorSpec = VendorSpec::plain(
    "chatwoot",
    Endpoint::UserHash,
    build,
    "$chatwoot.setUser({settings.identifier}, { identifier_hash: {settings.identifier_hash}, email: {settings.email}, name: {settings.name} });",
    "$chatwoot.reset();",
);

pub(super) fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    HashVendor::build(config, SPEC.id, false, |user, key| {
        Ok(object([
            ("identifier", text(Some(&user.id))),
            (
                "identifier_hash",
                Some(hmac_sha256_hex(key.as_bytes(), user.id.as_bytes()).into()),
            ),
            ("email", text(user.get(Field::Email))),
            ("name", text(user.get(Field::Name))),
        ]))
    })
}
