//! An in-memory stand-in for the vendor APIs that mint tokens, answering each call by the
//! vendor's documented contract, told apart by the call's URL: HubSpot's (a bearer and a JSON
//! body with `email` in, `{"token"}` out) and LiveChat's customer token (the agent token grant
//! in; `{access_token, entity_id, expires_in, token_type}` out, a new customer for a call
//! without `entity_id`, the same one for a call with it). Tokens are derived from the call, so
//! the same call gets the same token. It can be made to fail with any status, and counts calls.
//! For the demo and tests; deployments never use it.

use super::{VendorApi, VendorReply};
use crate::source::BoxFuture;
use chatpass_signing::mac::sha256_hex;
use chatpass_signing::minted::VendorCall;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};

/// The path of LiveChat's customer token endpoint; every other call is answered as HubSpot's.
const LIVECHAT_PATH: &str = "/v2/customer/token";
/// How long LiveChat's customer tokens live (its answers' `expires_in`).
pub(super) const LIVECHAT_EXPIRES_IN: u64 = 28_800;

#[derive(Debug, Default)]
pub struct MemoryVendorApi {
    calls: AtomicUsize,
    fail_with: AtomicU16,
}

impl MemoryVendorApi {
    pub fn new() -> Self {
        MemoryVendorApi::default()
    }

    /// Answers `status` (with a body like the vendors' errors) from now on; 0 answers again.
    pub fn fail_with(&self, status: u16) {
        self.fail_with.store(status, Ordering::SeqCst);
    }

    /// How many calls it has answered.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// The answer to a POST of `body` to `url` with `bearer`, by the vendor's documented contract.
    pub fn answer(&self, url: &str, bearer: &str, body: &[u8]) -> VendorReply {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
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
        let fields: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        if url.ends_with(LIVECHAT_PATH) {
            livechat(bearer, &fields, call)
        } else {
            hubspot(bearer, &fields, body)
        }
    }
}

fn reply(status: u16, body: Value) -> VendorReply {
    VendorReply {
        status,
        body: body.to_string().into_bytes(),
    }
}

fn hubspot(bearer: &str, fields: &Value, body: &[u8]) -> VendorReply {
    match fields.get("email").and_then(Value::as_str) {
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

/// The agent token grant: `grant_type`, `client_id`, `response_type` and `organization_id`
/// required; `entity_id` names a known customer, and without it call number `call` makes one.
fn livechat(bearer: &str, body: &Value, call: usize) -> VendorReply {
    let text = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let complete = text("grant_type") == Some("agent_token")
        && text("response_type") == Some("token")
        && text("client_id").is_some()
        && text("organization_id").is_some();
    if !complete {
        return reply(400, json!({"error": "invalid_request"}));
    }
    let entity_id = match text("entity_id") {
        Some(known) => known.to_owned(),
        None => {
            let digest = sha256_hex(&[bearer.as_bytes(), b"\0", call.to_string().as_bytes()]);
            format!(
                "{}-{}-{}-{}-{}",
                &digest[..8],
                &digest[8..12],
                &digest[12..16],
                &digest[16..20],
                &digest[20..32]
            )
        }
    };
    let token = sha256_hex(&[bearer.as_bytes(), b"\0", entity_id.as_bytes()]);
    reply(
        200,
        json!({"access_token": format!("dal:{token}"), "entity_id": entity_id,
               "expires_in": LIVECHAT_EXPIRES_IN, "token_type": "Bearer"}),
    )
}

impl VendorApi for MemoryVendorApi {
    fn post<'a>(&'a self, call: &'a VendorCall<'a>) -> BoxFuture<'a, Result<VendorReply, String>> {
        let reply = self.answer(call.url, call.bearer.as_str(), call.body.as_bytes());
        Box::pin(async move { Ok(reply) })
    }
}
