//! Help Scout Beacon: `signature` is HMAC-SHA256 hex of the email, passed to `Beacon('identify')`.

use super::VendorSpec;
use crate::shapes::name_email_and_hmac;

pub(super) const SPEC: VendorSpec = VendorSpec::hash(
    "helpscout",
    &name_email_and_hmac("signature"),
    "Beacon('identify', {settings});",
    "Beacon('logout');",
);
