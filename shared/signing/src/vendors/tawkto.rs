//! tawk.to secure mode: `hash` is HMAC-SHA256 hex of the email, set as `Tawk_API.visitor`.

use super::VendorSpec;
use crate::shapes::name_email_and_hmac;

pub(super) const SPEC: VendorSpec = VendorSpec::hash(
    "tawkto",
    &name_email_and_hmac("hash"),
    "Tawk_API.visitor = {settings};",
    "Tawk_API.logout();",
);
