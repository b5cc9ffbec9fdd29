//! Vendors whose own server mints the widget's token (HubSpot, LiveChat): the `VendorApi` port
//! that makes the call (over HTTP, or an in-memory stand-in), and `VendorTokens`, which asks
//! once per project and user while a token is fresh, one call in flight however many wait,
//! keeping what an answer gives for the user (LiveChat's `entity_id`) in the state table.

mod http;
mod memory;
mod tokens;

pub use http::{CALL_TIMEOUT, HttpVendorApi, MAX_ANSWER_BYTES, OVERRIDE_VAR};
pub use memory::MemoryVendorApi;
pub use tokens::{MAX_TOKENS, VendorTokens};

use crate::source::BoxFuture;
use chatpass_signing::minted::VendorCall;

/// What the vendor answered: its status and body (read no further than [`MAX_ANSWER_BYTES`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorReply {
    pub status: u16,
    pub body: Vec<u8>,
}

/// The vendor's API.
pub trait VendorApi: Send + Sync {
    /// POSTs `call`; an error is a transport failure, its cause for the log only (never the
    /// bearer or the body).
    fn post<'a>(&'a self, call: &'a VendorCall<'a>) -> BoxFuture<'a, Result<VendorReply, String>>;
}
