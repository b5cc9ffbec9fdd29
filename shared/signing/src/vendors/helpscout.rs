//! Help Scout Beacon: `signature` is HMAC-SHA256 hex of the email, passed to `Beacon('identify')`.

use super::{Endpoint, Vendor, VendorConfig, VendorSpec, object, text};
use crate::VendorConfigError;
use crate::mac::hmac_sha256_hex;
use crate::shapes::HashVendor;
use crate::user::Field;

pub(super) const SPEC: VendorSpec = VendorSpec::plain(
    "helpscout",
    Endpoint::UserHash,
    build,
    "Beacon('identify', {settings});",
    "Beacon('logout');",
);

pub(super) fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    HashVendor::build(config, SPEC.id, true, |user, key| {
        let email = user.require(Field::Email)?;
        Ok(object([
            ("name", text(user.get(Field::Name))),
            ("email", text(Some(email))),
            (
                "signature",
                Some(hmac_sha256_hex(key.as_bytes(), email.as_bytes()).into()),
            ),
        ]))
    })
}
