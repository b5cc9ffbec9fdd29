//! The config cache, shared by every invocation of a warm function: fresh entries for `ttl`,
//! one fetch in flight per project however many requests wait, a short negative cache, a
//! size bound, and stale entries served for a bounded time while the source is failing.

use super::{BoxFuture, ConfigSource, SourceError};
use crate::clock::Clock;
use crate::{ProjectConfig, ProjectId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The cache's bounds, in seconds and entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheSettings {
    pub ttl: u64,
    /// How long an unknown (or invalid) project is remembered.
    pub negative_ttl: u64,
    /// How long past its TTL an entry may be served while the source is failing.
    pub stale_for: u64,
    /// While serving stale or failing, how long to wait before trying the source again.
    pub retry_interval: u64,
    pub max_entries: usize,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            ttl: 300,
            negative_ttl: 30,
            stale_for: 900,
            retry_interval: 5,
            max_entries: 1000,
        }
    }
}

impl CacheSettings {
    /// Defaults, overridden by `CHATPASS_CONFIG_TTL_SECONDS`, `CHATPASS_CONFIG_NEGATIVE_TTL_SECONDS`,
    /// `CHATPASS_CONFIG_STALE_SECONDS` and `CHATPASS_CONFIG_MAX_ENTRIES` when set to numbers.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
        let d = CacheSettings::default();
        CacheSettings {
            ttl: var("CHATPASS_CONFIG_TTL_SECONDS").unwrap_or(d.ttl),
            negative_ttl: var("CHATPASS_CONFIG_NEGATIVE_TTL_SECONDS").unwrap_or(d.negative_ttl),
            stale_for: var("CHATPASS_CONFIG_STALE_SECONDS").unwrap_or(d.stale_for),
            retry_interval: d.retry_interval,
            max_entries: var("CHATPASS_CONFIG_MAX_ENTRIES")
                .map_or(d.max_entries, |n| n.max(1) as usize),
        }
    }
}

type Lookup = Result<Arc<ProjectConfig>, SourceError>;

#[derive(Default)]
struct Slot {
    entry: Option<Entry>,
    /// When the source last failed for this project (ms).
    failed_ms: Option<u64>,
    /// Held by the one request fetching this project; the others wait on it.
    gate: Arc<tokio::sync::Mutex<()>>,
}

struct Entry {
    lookup: Lookup,
    fetched_ms: u64,
}

pub struct ConfigCache {
    source: Arc<dyn ConfigSource>,
    clock: Arc<dyn Clock>,
    settings: CacheSettings,
    slots: Mutex<HashMap<ProjectId, Slot>>,
}

impl ConfigCache {
    pub fn new(
        source: Arc<dyn ConfigSource>,
        clock: Arc<dyn Clock>,
        settings: CacheSettings,
    ) -> Self {
        ConfigCache {
            source,
            clock,
            settings,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<ProjectId, Slot>> {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// What may be answered from the cache at `now`, if anything.
    fn cached(&self, slot: &Slot, now: u64) -> Option<Lookup> {
        let s = &self.settings;
        let recently_failed = slot
            .failed_ms
            .is_some_and(|at| now < at + s.retry_interval * 1000);
        let Some(entry) = &slot.entry else {
            return recently_failed
                .then(|| Err(SourceError::Unavailable("failed moments ago".into())));
        };
        let age = now.saturating_sub(entry.fetched_ms);
        let usable = match &entry.lookup {
            Ok(_) => age < s.ttl * 1000 || (recently_failed && age < (s.ttl + s.stale_for) * 1000),
            Err(_) => age < s.negative_ttl * 1000,
        };
        usable.then(|| entry.lookup.clone())
    }

    /// Makes room for one more project, dropping the oldest entry nobody is fetching.
    fn evict_if_full(&self, slots: &mut HashMap<ProjectId, Slot>) {
        if slots.len() < self.settings.max_entries {
            return;
        }
        let oldest = slots
            .iter()
            .filter(|(_, slot)| Arc::strong_count(&slot.gate) == 1)
            .min_by_key(|(_, slot)| slot.entry.as_ref().map_or(0, |e| e.fetched_ms))
            .map(|(id, _)| id.clone());
        if let Some(id) = oldest {
            slots.remove(&id);
        }
    }

    async fn lookup(&self, id: &ProjectId) -> Lookup {
        let gate = {
            let mut slots = self.slots();
            if let Some(hit) = slots
                .get(id)
                .and_then(|slot| self.cached(slot, self.clock.now_ms()))
            {
                return hit;
            }
            if !slots.contains_key(id) {
                self.evict_if_full(&mut slots);
            }
            slots.entry(id.clone()).or_default().gate.clone()
        };
        let _fetching = gate.lock().await;
        if let Some(hit) = self
            .slots()
            .get(id)
            .and_then(|slot| self.cached(slot, self.clock.now_ms()))
        {
            return hit;
        }

        let fetched = self.source.project(id).await;
        let now = self.clock.now_ms();
        let mut slots = self.slots();
        let slot = slots.entry(id.clone()).or_default();
        match fetched {
            Err(SourceError::Unavailable(cause)) => {
                slot.failed_ms = Some(now);
                match slot
                    .entry
                    .as_ref()
                    .map(|e| (&e.lookup, now.saturating_sub(e.fetched_ms)))
                {
                    Some((Ok(config), age))
                        if age < (self.settings.ttl + self.settings.stale_for) * 1000 =>
                    {
                        tracing::warn!(project = %id, cause = %cause, age_s = age / 1000, "config source failing; serving the cached config");
                        Ok(config.clone())
                    }
                    _ => {
                        tracing::warn!(project = %id, cause = %cause, "config source failing and nothing cached to serve");
                        Err(SourceError::Unavailable(cause))
                    }
                }
            }
            lookup => {
                match &lookup {
                    Ok(config) if config.vendor_key_is_short => {
                        tracing::warn!(project = %id, "the vendor key is shorter than 16 bytes; check it is the whole key");
                    }
                    Err(SourceError::Invalid(e)) => {
                        tracing::warn!(project = %id, field = %e.field, "project config refused")
                    }
                    _ => {}
                }
                slot.failed_ms = None;
                slot.entry = Some(Entry {
                    lookup: lookup.clone(),
                    fetched_ms: now,
                });
                lookup
            }
        }
    }
}

impl ConfigSource for ConfigCache {
    fn project<'a>(&'a self, id: &'a ProjectId) -> BoxFuture<'a, Lookup> {
        Box::pin(self.lookup(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A source that counts fetches, can be switched off, and is slow enough for requests to pile up.
    struct Counting {
        calls: AtomicUsize,
        down: std::sync::atomic::AtomicBool,
    }

    impl ConfigSource for Counting {
        fn project<'a>(&'a self, id: &'a ProjectId) -> BoxFuture<'a, Lookup> {
            Box::pin(async move {
                self.calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                if self.down.load(Ordering::SeqCst) {
                    return Err(SourceError::Unavailable("down".into()));
                }
                if id.as_str().starts_with("missing") {
                    return Err(SourceError::NotFound);
                }
                let doc = serde_json::json!({"vendor": "crisp", "key": "crisp-website-secret"});
                Ok(Arc::new(
                    ProjectConfig::from_value(id.as_str(), doc).unwrap(),
                ))
            })
        }
    }

    fn cache(settings: CacheSettings) -> (Arc<ConfigCache>, Arc<Counting>, Arc<ManualClock>) {
        let source = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            down: Default::default(),
        });
        let clock = Arc::new(ManualClock::at(1_700_000_000));
        (
            Arc::new(ConfigCache::new(source.clone(), clock.clone(), settings)),
            source,
            clock,
        )
    }

    fn id(s: &str) -> ProjectId {
        ProjectId::parse(s).unwrap()
    }

    #[tokio::test]
    async fn fifty_concurrent_requests_for_a_cold_project_fetch_once() {
        let (cache, source, _) = cache(CacheSettings::default());
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.project(&id("acme")).await.is_ok() })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap());
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn refetches_after_the_ttl() {
        let (cache, source, clock) = cache(CacheSettings::default());
        cache.project(&id("acme")).await.unwrap();
        clock.advance(299);
        cache.project(&id("acme")).await.unwrap();
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
        clock.advance(1);
        cache.project(&id("acme")).await.unwrap();
        assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn remembers_an_unknown_project_for_the_negative_ttl() {
        let (cache, source, clock) = cache(CacheSettings::default());
        for _ in 0..5 {
            assert!(matches!(
                cache.project(&id("missing")).await,
                Err(SourceError::NotFound)
            ));
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
        clock.advance(30);
        let _ = cache.project(&id("missing")).await;
        assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn serves_stale_while_the_source_fails_then_gives_up_at_the_bound() {
        let (cache, source, clock) = cache(CacheSettings::default());
        cache.project(&id("acme")).await.unwrap();
        source.down.store(true, Ordering::SeqCst);
        clock.advance(300 + 899);
        assert!(
            cache.project(&id("acme")).await.is_ok(),
            "stale within the bound"
        );
        clock.advance(1);
        assert!(matches!(
            cache.project(&id("acme")).await,
            Err(SourceError::Unavailable(_))
        ));
    }

    #[tokio::test]
    async fn does_not_hammer_a_failing_source() {
        let (cache, source, clock) = cache(CacheSettings::default());
        source.down.store(true, Ordering::SeqCst);
        for _ in 0..10 {
            assert!(cache.project(&id("acme")).await.is_err());
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
        clock.advance(5);
        let _ = cache.project(&id("acme")).await;
        assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn holds_at_most_max_entries() {
        let (cache, _, clock) = cache(CacheSettings {
            max_entries: 3,
            ..CacheSettings::default()
        });
        for n in 0..10 {
            cache.project(&id(&format!("p{n}"))).await.unwrap();
            clock.advance(1);
        }
        assert_eq!(cache.slots().len(), 3);
    }
}
