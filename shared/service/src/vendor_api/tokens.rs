//! Tokens minted by a vendor's server, asked for once per project and user while fresh: a
//! token is handed out again until the vendor's `reuse_answer_for` has passed since it was
//! minted (below its lifetime), one call is in flight per project and user however many
//! requests wait, and at most [`MAX_TOKENS`] are kept. The key names the project, the user,
//! the vendor credential and the call's body (the user's details), as a SHA-256 digest: a call
//! that names no user (LiveChat's first) never hands one user's token to another. What the
//! vendor's answer gives for the user (LiveChat's `entity_id`) is kept in the state table and
//! sent with the user's next call, so the same user stays the same customer.

use super::VendorApi;
use crate::ServiceError;
use crate::store::{KeptFor, SessionStore};
use chatpass_signing::minted::MintedByVendor;
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
    /// the vendor mints now, with what `sessions` keeps for the user. A vendor that fails, or a
    /// state table that cannot be read or written, is a 503; a vendor that refuses the
    /// project's key or lacks the feature is a 409 naming it.
    pub async fn mint(
        &self,
        sessions: &dyn SessionStore,
        project: &str,
        vendor_id: &str,
        vendor: &dyn MintedByVendor,
        user: &User,
        now: u64,
    ) -> Result<Signed, ServiceError> {
        // The call without the kept value: the value is the user's own, so the user is the key.
        let call = vendor.call_with(user, None)?;
        let key: Key = Sha256::new()
            .chain_update(project.as_bytes())
            .chain_update([0])
            .chain_update(user.id.as_bytes())
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
            None => {
                let whose = KeptFor {
                    project,
                    vendor: vendor_id,
                    user_id: &user.id,
                };
                self.call(&key, sessions, whose, vendor, user, now).await
            }
        };
        drop(calling);
        let mut slots = self.slots();
        // The last request through the gate removes it.
        if Arc::strong_count(&gate) == 2 {
            slots.gates.remove(&key);
        }
        result
    }

    /// Asks the vendor, with what is kept for the user, and keeps what its answer gives before
    /// the token is handed out or reused: a token whose customer was not kept is neither.
    async fn call(
        &self,
        key: &Key,
        sessions: &dyn SessionStore,
        whose: KeptFor<'_>,
        vendor: &dyn MintedByVendor,
        user: &User,
        now: u64,
    ) -> Result<Signed, ServiceError> {
        let kept = sessions.kept(whose, now).await?;
        let call = vendor.call_with(user, kept.as_deref())?;
        let reply = self
            .api
            .post(&call)
            .await
            .map_err(ServiceError::VendorUnavailable)?;
        let signed = vendor.settings(user, reply.status, &reply.body, now)?;
        if let Some(value) = vendor.kept(&signed) {
            sessions.keep(whose, &value, now).await?;
        }
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
            reuse_for: vendor.reuse_answer_for(&signed, now),
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
    use crate::store::MemorySessionStore;
    use crate::testing::DownStore;
    use crate::vendor_api::MemoryVendorApi;
    use crate::vendor_api::memory::LIVECHAT_EXPIRES_IN;
    use chatpass_signing::{Vendor, VendorConfig, vendors};
    use serde_json::{Value, json};

    const NOW: u64 = 1_700_000_000;

    fn vendor(config: Value) -> Box<dyn Vendor> {
        let config: VendorConfig = serde_json::from_value(config).unwrap();
        vendors::build(&config).unwrap()
    }

    fn livechat() -> Box<dyn Vendor> {
        vendor(json!({"vendor": "livechat", "key": "dal:agent-token",
                      "options": {"client_id": "c", "organization_id": "o"}}))
    }

    fn user(n: usize) -> User {
        User {
            id: format!("u-{n}"),
            email: Some(format!("u{n}@example.com")),
            email_verified: Some(true),
            ..User::default()
        }
    }

    /// A token cache over a LiveChat stand-in, and the state table it keeps customers in.
    fn setup() -> (VendorTokens, Arc<MemoryVendorApi>, MemorySessionStore) {
        let api = Arc::new(MemoryVendorApi::new());
        (
            VendorTokens::new(api.clone()),
            api,
            MemorySessionStore::new(),
        )
    }

    async fn livechat_token(
        tokens: &VendorTokens,
        store: &dyn SessionStore,
        n: usize,
        now: u64,
    ) -> Result<Signed, ServiceError> {
        let vendor = livechat();
        let minted = vendor.minted().unwrap();
        tokens
            .mint(store, "p", "livechat", minted, &user(n), now)
            .await
    }

    fn whose(user_id: &str) -> KeptFor<'_> {
        KeptFor {
            project: "p",
            vendor: "livechat",
            user_id,
        }
    }

    #[tokio::test]
    async fn one_users_token_never_reaches_another_though_the_first_call_names_no_user() {
        let (tokens, api, store) = setup();
        let alice = livechat_token(&tokens, &store, 1, NOW).await.unwrap();
        let bob = livechat_token(&tokens, &store, 2, NOW).await.unwrap();
        assert_eq!(api.calls(), 2, "a call for each user");
        for field in ["accessToken", "entityId"] {
            assert_ne!(alice.settings[field], bob.settings[field], "{field}");
        }
        let again = livechat_token(&tokens, &store, 1, NOW + 1).await.unwrap();
        assert_eq!(
            (again, api.calls()),
            (alice, 2),
            "alice's own token, reused"
        );
    }

    #[tokio::test]
    async fn the_same_user_stays_the_same_customer_in_every_warm_function() {
        let (tokens, api, store) = setup();
        let first = livechat_token(&tokens, &store, 1, NOW).await.unwrap();
        let customer = first.settings["entityId"].as_str().unwrap().to_owned();
        assert_eq!(
            store.kept(whose("u-1"), NOW).await.unwrap().as_deref(),
            Some(customer.as_str()),
            "kept in the state table"
        );
        // Another function instance, its own cache empty, same table.
        let elsewhere = VendorTokens::new(api.clone());
        let second = livechat_token(&elsewhere, &store, 1, NOW).await.unwrap();
        assert_eq!(second.settings["entityId"], customer.as_str());
        assert_eq!(api.calls(), 2);
    }

    #[tokio::test]
    async fn a_livechat_token_is_reused_for_half_its_life_and_at_most_an_hour() {
        let (tokens, api, store) = setup();
        let first = livechat_token(&tokens, &store, 1, NOW).await.unwrap();
        assert_eq!(first.expires_at, Some(NOW + LIVECHAT_EXPIRES_IN));
        let reuse = (LIVECHAT_EXPIRES_IN / 2).min(3600);
        livechat_token(&tokens, &store, 1, NOW + reuse - 1)
            .await
            .unwrap();
        assert_eq!(api.calls(), 1);
        let renewed = livechat_token(&tokens, &store, 1, NOW + reuse)
            .await
            .unwrap();
        assert_eq!(api.calls(), 2);
        assert_eq!(renewed.settings["entityId"], first.settings["entityId"]);
        assert_eq!(renewed.expires_at, Some(NOW + reuse + LIVECHAT_EXPIRES_IN));
    }

    #[tokio::test]
    async fn a_customer_that_cannot_be_kept_is_a_503_and_its_token_is_not_reused() {
        let (tokens, api, store) = setup();
        let down = livechat_token(&tokens, &DownStore, 1, NOW).await;
        assert!(matches!(down, Err(ServiceError::StoreUnavailable(_))));
        assert_eq!(api.calls(), 0, "not asked without the user's kept customer");
        livechat_token(&tokens, &store, 1, NOW).await.unwrap();
        assert_eq!(api.calls(), 1, "nothing was cached");
    }

    #[tokio::test]
    async fn keeps_at_most_max_tokens_dropping_spent_ones_first() {
        let hubspot = vendor(json!({"vendor": "hubspot", "key": "pat-x"}));
        let minted = hubspot.minted().unwrap();
        let (tokens, api, store) = setup();
        let mint = |n: usize, now: u64| {
            let (tokens, store) = (&tokens, &store);
            async move {
                let user = user(n);
                tokens
                    .mint(store, "p", "hubspot", minted, &user, now)
                    .await
                    .unwrap();
            }
        };
        mint(0, 1_000).await;
        let spent = 1_000 + minted.reuse_for();
        for n in 1..=MAX_TOKENS {
            mint(n, spent).await;
        }
        assert_eq!(tokens.len(), MAX_TOKENS);
        // The spent token went, the newest are kept.
        mint(MAX_TOKENS, spent).await;
        assert_eq!(api.calls(), MAX_TOKENS + 1);
        mint(0, spent).await;
        assert_eq!(api.calls(), MAX_TOKENS + 2, "user 0's token was spent");
    }
}
