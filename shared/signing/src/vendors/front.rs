//! Front Chat: `userHash` is HMAC-SHA256 hex of the email, passed to `FrontChat('init')`.

use super::{Endpoint, Vendor, VendorConfig, VendorSpec, object, text};
use crate::VendorConfigError;
use crate::mac::hmac_sha256_hex;
use crate::shapes::HashVendor;
use crate::user::Field;

pub(super) const SPEC: VendorSpec = VendorSpec::plain(
    "front",
    Endpoint::UserHash,
    build,
    "FrontChat('init', Object.assign({ chatId: \"YOUR_CHAT_ID\" }, {settings}));",
    "FrontChat('shutdown', { clearSession: true });",
);

pub(super) fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    HashVendor::build(config, SPEC.id, true, |user, key| {
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
