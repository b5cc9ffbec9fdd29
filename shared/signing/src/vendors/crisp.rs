//! Crisp: `signature` is HMAC-SHA256 hex of the email, set with `user:email`.

use super::{Endpoint, Vendor, VendorConfig, VendorSpec, object, text};
use crate::VendorConfigError;
use crate::mac::hmac_sha256_hex;
use crate::shapes::HashVendor;
use crate::user::Field;

pub(super) const SPEC: VendorSpec = VendorSpec::plain(
    "crisp",
    Endpoint::UserHash,
    build,
    "$crisp.push([\"set\", \"user:email\", [{settings.email}, {settings.signature}]]);",
    "$crisp.push([\"do\", \"session:reset\"]);",
);

pub(super) fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    HashVendor::build(config, SPEC.id, true, |user, key| {
        let email = user.require(Field::Email)?;
        Ok(object([
            ("email", text(Some(email))),
            (
                "signature",
                Some(hmac_sha256_hex(key.as_bytes(), email.as_bytes()).into()),
            ),
        ]))
    })
}
