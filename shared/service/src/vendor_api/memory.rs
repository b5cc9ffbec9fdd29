//! An in-memory stand-in for a vendor API that mints tokens the way HubSpot's documented
//! contract does: a bearer and a JSON body with `email` in, `{"token"}` out (a token derived
//! from the call, so the same call gets the same token). It can be made to fail with any
//! status, and counts calls. For the demo and tests; deployments never use it.

use super::{VendorApi, VendorReply};
use crate::source::BoxFuture;
use chatpass_signing::mac::sha256_hex;
use chatpass_signing::minted::VendorCall;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};

#[derive(Debug, Default)]
pub struct MemoryVendorApi {
    calls: AtomicUsize,
    fail_with: AtomicU16,
}

impl MemoryVendorApi {
    pub fn new() -> Self {
        MemoryVendorApi::default()
    }

    /// Answers `status` (with a body like HubSpot's errors) from now on; 0 answers again.
    pub fn fail_with(&self, status: u16) {
        self.fail_with.store(status, Ordering::SeqCst);
    }

    /// How many calls it has answered.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// The answer to a POST of `body` with `bearer`, by the documented contract.
    pub fn answer(&self, bearer: &str, body: &[u8]) -> VendorReply {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let reply = |status: u16, body: Value| VendorReply {
            status,
            body: body.to_string().into_bytes(),
        };
        match self.fail_with.load(Ordering::SeqCst) {
            0 => {}
            status => {
                return reply(
                    status,
                    json!({"status": "error", "message": "stand-in failure"}),
                );
            }
        }
        if bearer.is_empty() {
            return reply(
                401,
                json!({"status": "error", "category": "INVALID_AUTHENTICATION"}),
            );
        }
        let email = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|b| b.get("email")?.as_str().map(str::to_owned));
        match email {
            Some(email) if email.contains('@') => {
                let token = sha256_hex(&[bearer.as_bytes(), b"\0", body]);
                reply(200, json!({ "token": token }))
            }
            _ => reply(
                400,
                json!({"status": "error", "category": "VALIDATION_ERROR"}),
            ),
        }
    }
}

impl VendorApi for MemoryVendorApi {
    fn post<'a>(&'a self, call: &'a VendorCall<'a>) -> BoxFuture<'a, Result<VendorReply, String>> {
        let reply = self.answer(call.bearer.as_str(), call.body.as_bytes());
        Box::pin(async move { Ok(reply) })
    }
}
