//! Front Chat: `userHash` is HMAC-SHA256 hex of the email, passed to `FrontChat('init')`.

use super::hash::HashVendor;
use super::{Vendor, VendorConfig, object, text};
use crate::VendorConfigError;
use crate::mac::hmac_sha256_hex;
use crate::user::Field;

pub(super) fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    HashVendor::build(config, "front", true, |user, key| {
        let email = user.require(Field::Email)?;
        Ok(object([
            ("email", text(Some(email))),
            ("name", text(user.get(Field::Name))),
            (
                "userHash",
                Some(hmac_sha256_hex(key.as_bytes(), email.as_bytes()).into()),
            ),
        ]))
    })
}
