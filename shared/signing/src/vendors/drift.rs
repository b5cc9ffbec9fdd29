//! Drift: HS256 JWT with `sub` (= user id) and `exp`, passed to `drift.identify` as `userJwt`.

use super::VendorSpec;
use crate::shapes::Part::{Exp, Id};

pub(super) const SPEC: VendorSpec = VendorSpec::hs256_jwt(
    "drift",
    "userJwt",
    &[("sub", Id), ("exp", Exp)],
    "drift.identify(\"USER_ID\", {}, { userJwt: {settings.userJwt} });",
    "drift.reset();",
);
