//! Intercom identity verification: `user_hash` is HMAC-SHA256 hex of `user_id` (the email
//! only when there is no user id, which chatpass never lacks).

use super::{Endpoint, Vendor, VendorConfig, VendorSpec, object, text};
use crate::VendorConfigError;
use crate::mac::hmac_sha256_hex;
use crate::shapes::HashVendor;
use crate::user::Field;

pub(super) const SPEC: VendorSpec = VendorSpec::plain(
    "intercom",
    Endpoint::UserHash,
    build,
    "Intercom('boot', Object.assign({ app_id: \"YOUR_APP_ID\" }, {settings}));",
    "Intercom('shutdown');",
);

pub(super) fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    HashVendor::build(config, SPEC.id, false, |user, key| {
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
