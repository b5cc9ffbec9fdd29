//! tawk.to secure mode: `hash` is HMAC-SHA256 hex of the email, set as `Tawk_API.visitor`.

use super::{Endpoint, Vendor, VendorConfig, VendorSpec, object, text};
use crate::VendorConfigError;
use crate::mac::hmac_sha256_hex;
use crate::shapes::HashVendor;
use crate::user::Field;

pub(super) const SPEC: VendorSpec = VendorSpec::plain(
    "tawkto",
    Endpoint::UserHash,
    build,
    "Tawk_API.visitor = {settings};",
    "Tawk_API.logout();",
);

pub(super) fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    HashVendor::build(config, SPEC.id, true, |user, key| {
        let email = user.require(Field::Email)?;
        Ok(object([
            ("name", text(user.get(Field::Name))),
            ("email", text(Some(email))),
            (
                "hash",
                Some(hmac_sha256_hex(key.as_bytes(), email.as_bytes()).into()),
            ),
        ]))
    })
}
