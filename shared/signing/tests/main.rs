//! The signing crate's own checks, in one binary: every worked case of vectors/ (vendors,
//! Standard Webhooks, Wycheproof's HMAC), `explain` on each vendor's token, PyJWT over the
//! presets' tokens, and property tests. Pure code: it links without the AWS stack.

mod common;
mod explain_vectors;
mod independent_presets;
mod mac_vectors;
mod properties;
mod vendor_vectors;
mod webhook_vectors;
