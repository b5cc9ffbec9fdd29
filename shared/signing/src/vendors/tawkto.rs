//! tawk.to secure mode: `hash` is HMAC-SHA256 hex of the email, set as `Tawk_API.visitor`.

use super::hash::HashVendor;
use super::{Vendor, VendorConfig, object, text};
use crate::VendorConfigError;
use crate::mac::hmac_sha256_hex;
use crate::user::Field;

pub(super) fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    HashVendor::build(config, "tawkto", true, |user, key| {
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
