//! The shapes vendors share — a hash of the user's details, a JWT, the claims a project maps,
//! a simple vendor's fields as data — which each vendor's own file fills in. Not vendors.

pub(crate) mod claim_path;
pub(crate) mod generic_hmac;
pub(crate) mod generic_jwt;
mod hash_vendor;
mod identity_claims;
mod jwt_vendor;
mod parts;
pub(crate) mod preset;

pub(crate) use hash_vendor::{HashVendor, Settings};
pub(crate) use identity_claims::IdentityClaims;
pub(crate) use jwt_vendor::JwtVendor;
pub(crate) use parts::{Part, Parts, by_email, mixes_kinds, name_email_and_hmac};
