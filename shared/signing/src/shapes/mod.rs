//! The shapes vendors share — a hash of the user's details, a JWT, the claims a project maps —
//! which each vendor's own file fills in with its fields. Not vendors themselves.

mod hash_vendor;
mod identity_claims;
mod jwt_vendor;

pub(crate) use hash_vendor::HashVendor;
pub(crate) use identity_claims::IdentityClaims;
pub(crate) use jwt_vendor::JwtVendor;
