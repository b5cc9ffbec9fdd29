//! Identity tokens already verified, so a page that renews its widget token with the same
//! identity token pays the signature check once (as Envoy's `jwt_authn` caches): the claims
//! by a digest of the token, kept until the token's `exp` and only while the key set that
//! verified it is unchanged; bounded in entries and bytes. Nothing else is cached: the
//! project's rules, the logout record and the origin are still checked on every request.

use super::claims::Claims;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// The most tokens kept.
pub const MAX_ENTRIES: usize = 8_192;
/// The most bytes of claims (names and values) kept.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;

type TokenDigest = [u8; 32];

struct Entry {
    claims: Arc<Claims>,
    /// The fingerprint of the key set that verified the token.
    keys: [u8; 32],
    /// The token's `exp`: the entry answers before it only.
    exp: u64,
    bytes: usize,
    /// When it was put, to evict the oldest first.
    order: u64,
}

#[derive(Default)]
struct Entries {
    by_digest: HashMap<TokenDigest, Entry>,
    /// Digests in the order they were put (with the order they were put at: an entry put again
    /// has a later one, and its older place here is skipped when evicting).
    oldest_first: VecDeque<(TokenDigest, u64)>,
    next_order: u64,
    bytes: usize,
    /// The second of the last sweep for expired entries.
    swept_at: u64,
}

/// The verified claims of recent identity tokens.
#[derive(Default)]
pub struct VerifiedTokens {
    entries: Mutex<Entries>,
    max_entries: usize,
    max_bytes: usize,
}

/// The digest a token is kept under (never the token itself).
pub fn digest(token: &str) -> TokenDigest {
    Sha256::digest(token.as_bytes()).into()
}

impl VerifiedTokens {
    /// A cache bounded by [`MAX_ENTRIES`] and [`MAX_BYTES`].
    pub fn new() -> Self {
        VerifiedTokens::bounded(MAX_ENTRIES, MAX_BYTES)
    }

    pub fn bounded(max_entries: usize, max_bytes: usize) -> Self {
        VerifiedTokens {
            entries: Mutex::default(),
            max_entries,
            max_bytes,
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The claims of the token under `digest`, if it was verified by the key set `keys` (a
    /// fingerprint) and `now` is before its `exp`.
    pub fn get(&self, digest: &TokenDigest, keys: &[u8; 32], now: u64) -> Option<Arc<Claims>> {
        let found = self
            .entries()
            .by_digest
            .get(digest)
            .filter(|e| e.keys == *keys && now < e.exp)
            .map(|e| e.claims.clone());
        metrics::counter!("IdentityCache", "result" => if found.is_some() { "hit" } else { "miss" })
            .increment(1);
        found
    }

    /// Keeps `claims`, verified by the key set `keys` and living until `exp`; expired entries,
    /// then the oldest, make room.
    pub fn put(
        &self,
        digest: TokenDigest,
        claims: Arc<Claims>,
        keys: [u8; 32],
        exp: u64,
        now: u64,
    ) {
        let bytes = claims.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>() + 64;
        if exp <= now || bytes > self.max_bytes || self.max_entries == 0 {
            return;
        }
        let mut entries = self.entries();
        if let Some(old) = entries.by_digest.remove(&digest) {
            entries.bytes -= old.bytes;
        }
        let full =
            |e: &Entries| e.by_digest.len() >= self.max_entries || e.bytes + bytes > self.max_bytes;
        // A sweep for expired entries reads every entry under the lock: at most one per second,
        // or a cache kept full by a flood of new tokens would pay it on every miss.
        if full(&entries) && now > entries.swept_at {
            entries.swept_at = now;
            let Entries {
                by_digest, bytes, ..
            } = &mut *entries;
            by_digest.retain(|_, e| {
                let live = e.exp > now;
                if !live {
                    *bytes -= e.bytes;
                }
                live
            });
        }
        while full(&entries) {
            let Some((oldest, order)) = entries.oldest_first.pop_front() else {
                break;
            };
            if entries
                .by_digest
                .get(&oldest)
                .is_some_and(|e| e.order == order)
                && let Some(e) = entries.by_digest.remove(&oldest)
            {
                entries.bytes -= e.bytes;
            }
        }
        // Places of entries gone are dropped as they reach the front; keep the queue bounded.
        if entries.oldest_first.len() > 2 * self.max_entries {
            let live: VecDeque<(TokenDigest, u64)> = entries
                .oldest_first
                .iter()
                .filter(|(d, o)| entries.by_digest.get(d).is_some_and(|e| e.order == *o))
                .copied()
                .collect();
            entries.oldest_first = live;
        }
        let order = entries.next_order;
        entries.next_order += 1;
        entries.oldest_first.push_back((digest, order));
        entries.bytes += bytes;
        entries.by_digest.insert(
            digest,
            Entry {
                claims,
                keys,
                exp,
                bytes,
                order,
            },
        );
        metrics::gauge!("IdentityCacheEntries").set(entries.by_digest.len() as f64);
        metrics::gauge!("IdentityCacheBytes").set(entries.bytes as f64);
    }

    /// How many tokens and bytes of claims are kept.
    pub fn size(&self) -> (usize, usize) {
        let entries = self.entries();
        (entries.by_digest.len(), entries.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;
    const KEYS: [u8; 32] = [7; 32];

    fn claims(sub: &str) -> Arc<Claims> {
        Arc::new(Claims::from([("sub".to_owned(), sub.to_owned())]))
    }

    #[test]
    fn answers_until_the_tokens_exp_and_only_for_the_key_set_that_verified_it() {
        let cache = VerifiedTokens::new();
        let token = digest("a.b.c");
        cache.put(token, claims("u-1"), KEYS, NOW + 60, NOW);
        assert_eq!(cache.get(&token, &KEYS, NOW + 59).unwrap()["sub"], "u-1");
        assert!(cache.get(&token, &KEYS, NOW + 60).is_none(), "at its exp");
        assert!(
            cache.get(&token, &[8; 32], NOW).is_none(),
            "another key set"
        );
        assert!(cache.get(&digest("a.b.d"), &KEYS, NOW).is_none());
        cache.put(digest("x"), claims("u-2"), KEYS, NOW, NOW);
        assert_eq!(cache.size().0, 1, "an expired token is not kept");
    }

    #[test]
    fn a_flood_of_distinct_tokens_stays_within_the_bounds() {
        let cache = VerifiedTokens::bounded(100, 20_000);
        for i in 0..10_000u32 {
            let sub = format!("u-{i}-{}", "x".repeat(i as usize % 300));
            cache.put(digest(&sub), claims(&sub), KEYS, NOW + 600, NOW);
            let (entries, bytes) = cache.size();
            assert!(
                entries <= 100 && bytes <= 20_000,
                "{entries} entries, {bytes} bytes"
            );
        }
        // The newest is kept, the oldest went.
        let newest = format!("u-9999-{}", "x".repeat(9999 % 300));
        assert!(cache.get(&digest(&newest), &KEYS, NOW).is_some());
        assert!(cache.get(&digest("u-0-"), &KEYS, NOW).is_none());
        assert!(cache.entries().oldest_first.len() <= 200);
    }

    #[test]
    fn expired_entries_make_room_before_live_ones() {
        let cache = VerifiedTokens::bounded(2, 1_000_000);
        cache.put(digest("short"), claims("a"), KEYS, NOW + 1, NOW);
        cache.put(digest("long"), claims("b"), KEYS, NOW + 600, NOW);
        cache.put(digest("new"), claims("c"), KEYS, NOW + 600, NOW + 5);
        assert!(cache.get(&digest("long"), &KEYS, NOW + 5).is_some());
        assert!(cache.get(&digest("new"), &KEYS, NOW + 5).is_some());
    }
}
