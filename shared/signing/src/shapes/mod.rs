//! The shapes vendors share — a hash of the user's details, an HS256 JWT — which each vendor's
//! own file fills in with its fields. Not vendors themselves.

mod hash_vendor;
mod jwt_vendor;

pub(crate) use hash_vendor::HashVendor;
pub(crate) use jwt_vendor::JwtVendor;
