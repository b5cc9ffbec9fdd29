//! Intercom identity verification: `user_hash` is HMAC-SHA256 hex of `user_id` (the email
//! only when there is no user id, which chatpass never lacks).

use super::hash::HashVendor;
use super::{Vendor, VendorConfig, object, text};
use crate::VendorConfigError;
use crate::mac::hmac_sha256_hex;
use crate::user::Field;

pub(super) fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    HashVendor::build(config, "intercom", false, |user, key| {
        Ok(object([
            ("user_id", text(Some(&user.id))),
            ("email", text(user.get(Field::Email))),
            (
                "user_hash",
                Some(hmac_sha256_hex(key.as_bytes(), user.id.as_bytes()).into()),
            ),
        ]))
    })
}
