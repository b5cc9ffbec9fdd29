//! Crisp: `signature` is HMAC-SHA256 hex of the email, set with `user:email`.

use super::hash::HashVendor;
use super::{Vendor, VendorConfig, object, text};
use crate::VendorConfigError;
use crate::mac::hmac_sha256_hex;
use crate::user::Field;

pub(super) fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    HashVendor::build(config, "crisp", true, |user, key| {
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
