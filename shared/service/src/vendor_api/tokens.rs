//! Tokens minted by a vendor's server, asked for once per project and user while fresh: a
//! token is handed out again until the vendor's `reuse_for` has passed since it was minted
//! (below its lifetime), one call is in flight per project and user however many requests
//! wait, and at most [`MAX_TOKENS`] are kept. The key names the project, the vendor
//! credential and the call's body (the user's details), as a SHA-256 digest.

use super::VendorApi;
use crate::ServiceError;
use chatpass_signing::minted::{MintedByVendor, VendorCall};
use chatpass_signing::{Signed, User};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// The most tokens kept; past it, spent ones go first, then the oldest.
pub const MAX_TOKENS: usize = 10_000;

type Key = [u8; 32];

struct Minted {
    signed: Signed,
    at: u64,
    reuse_for: u64,
}

#[derive(Default)]
struct Slots {
    minted: HashMap<Key, Minted>,
    /// One per call in flight: the request calling holds it, the others wait on it.
    gates: HashMap<Key, Arc<tokio::sync::Mutex<()>>>,
}

pub struct VendorTokens {
    api: Arc<dyn VendorApi>,
    slots: Mutex<Slots>,
}

impl VendorTokens {
    pub fn new(api: Arc<dyn VendorApi>) -> Self {
        VendorTokens {
            api,
            slots: Mutex::default(),
        }
    }

    fn slots(&self) -> MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fresh(&self, key: &Key, now: u64) -> Option<Signed> {
        let slots = self.slots();
        let minted = slots.minted.get(key)?;
        (now < minted.at.saturating_add(minted.reuse_for)).then(|| minted.signed.clone())
    }

    /// `user`'s settings from the vendor of `project`: a fresh token already minted, or one
    /// the vendor mints now. A vendor that fails is a 503; one that refuses the project's key
    /// or lacks the feature is a 409 naming it.
    pub async fn mint(
        &self,
        project: &str,
        vendor: &dyn MintedByVendor,
        user: &User,
        now: u64,
    ) -> Result<Signed, ServiceError> {
        let call = vendor.call(user)?;
        let key: Key = Sha256::new()
            .chain_update(project.as_bytes())
            .chain_update([0])
            .chain_update(call.bearer.as_bytes())
            .chain_update([0])
            .chain_update(call.url.as_bytes())
            .chain_update([0])
            .chain_update(call.body.as_bytes())
            .finalize()
            .into();
        if let Some(signed) = self.fresh(&key, now) {
            return Ok(signed);
        }
        let gate = self.slots().gates.entry(key).or_default().clone();
        let calling = gate.lock().await;
        let result = match self.fresh(&key, now) {
            Some(signed) => Ok(signed),
            None => self.call(&key, vendor, &call, user, now).await,
        };
        drop(calling);
        let mut slots = self.slots();
        // The last request through the gate removes it.
        if Arc::strong_count(&gate) == 2 {
            slots.gates.remove(&key);
        }
        result
    }

    async fn call(
        &self,
        key: &Key,
        vendor: &dyn MintedByVendor,
        call: &VendorCall<'_>,
        user: &User,
        now: u64,
    ) -> Result<Signed, ServiceError> {
        let reply = self
            .api
            .post(call)
            .await
            .map_err(ServiceError::VendorUnavailable)?;
        let signed = vendor.settings(user, reply.status, &reply.body, now)?;
        let mut slots = self.slots();
        if !slots.minted.contains_key(key) && slots.minted.len() >= MAX_TOKENS {
            slots
                .minted
                .retain(|_, m| now < m.at.saturating_add(m.reuse_for));
            if slots.minted.len() >= MAX_TOKENS {
                let oldest = slots
                    .minted
                    .iter()
                    .min_by_key(|(_, m)| m.at)
                    .map(|(k, _)| *k);
                oldest.map(|k| slots.minted.remove(&k));
            }
        }
        let minted = Minted {
            signed: signed.clone(),
            at: now,
            reuse_for: vendor.reuse_for(),
        };
        slots.minted.insert(*key, minted);
        Ok(signed)
    }

    /// How many tokens are kept (for tests of the bound).
    pub fn len(&self) -> usize {
        self.slots().minted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendor_api::MemoryVendorApi;
    use chatpass_signing::{VendorConfig, vendors};

    #[tokio::test]
    async fn keeps_at_most_max_tokens_dropping_spent_ones_first() {
        let config: VendorConfig =
            serde_json::from_value(serde_json::json!({"vendor": "hubspot", "key": "pat-x"}))
                .unwrap();
        let vendor = vendors::build(&config).unwrap();
        let minted = vendor.minted().unwrap();
        let api = Arc::new(MemoryVendorApi::new());
        let tokens = VendorTokens::new(api.clone());
        let user = |n: usize| User {
            id: format!("u-{n}"),
            email: Some(format!("u{n}@example.com")),
            email_verified: Some(true),
            ..User::default()
        };
        tokens.mint("p", minted, &user(0), 1_000).await.unwrap();
        let spent = 1_000 + minted.reuse_for();
        for n in 1..=MAX_TOKENS {
            tokens.mint("p", minted, &user(n), spent).await.unwrap();
        }
        assert_eq!(tokens.len(), MAX_TOKENS);
        // The spent token went, the newest are kept.
        tokens
            .mint("p", minted, &user(MAX_TOKENS), spent)
            .await
            .unwrap();
        assert_eq!(api.calls(), MAX_TOKENS + 1);
        tokens.mint("p", minted, &user(0), spent).await.unwrap();
        assert_eq!(api.calls(), MAX_TOKENS + 2, "user 0's token was spent");
    }
}
