//! The config cache, shared by every invocation of a warm function: fresh entries for `ttl`,
//! one fetch in flight per project however many requests wait, a short negative cache, a
//! size bound, and stale entries served for a bounded time while the source is failing.

use super::{BoxFuture, ConfigSource, SourceError};
use crate::clock::Clock;
use crate::metrics;
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
    /// The settings of a cache of previous versions (AWSPREVIOUS): most projects have none,
    /// which is their normal state, so "none" is kept as long as a version is.
    pub fn for_previous_versions(self) -> Self {
        CacheSettings {
            negative_ttl: self.ttl,
            ..self
        }
    }

    /// Defaults, overridden by `CHATPASS_CONFIG_TTL_SECONDS`, `CHATPASS_CONFIG_NEGATIVE_TTL_SECONDS`,
    /// `CHATPASS_CONFIG_STALE_SECONDS` and `CHATPASS_CONFIG_MAX_ENTRIES` when `var` gives numbers.
    pub fn from_vars(var: &dyn Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| var(name).and_then(|v| v.parse::<u64>().ok());
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

/// A project's config, as last fetched.
struct Entry {
    config: Arc<ProjectConfig>,
    fetched_ms: u64,
    /// When the source last failed while this entry was due for a refresh.
    failed_ms: Option<u64>,
}

/// A project with no config to serve: unknown, invalid, or the source failed before any
/// fetch succeeded. Kept apart from entries, under its own bound, so that requests for
/// made-up project ids (on routes anyone may call) never push a real project out.
struct Miss {
    error: SourceError,
    at_ms: u64,
}

#[derive(Default)]
struct Slots {
    entries: HashMap<ProjectId, Entry>,
    misses: HashMap<ProjectId, Miss>,
    /// One per project being fetched: the request fetching holds it, the others wait on it.
    gates: HashMap<ProjectId, Arc<tokio::sync::Mutex<()>>>,
}

pub struct ConfigCache {
    source: Arc<dyn ConfigSource>,
    clock: Arc<dyn Clock>,
    settings: CacheSettings,
    slots: Mutex<Slots>,
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
            slots: Mutex::default(),
        }
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Slots> {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// What may be answered from the cache at `now`, if anything, counted as a hit (or a
    /// stale serve).
    fn cached(&self, slots: &Slots, id: &ProjectId, now: u64) -> Option<Lookup> {
        let s = &self.settings;
        if let Some(entry) = slots.entries.get(id) {
            let age = now.saturating_sub(entry.fetched_ms);
            let failed_lately = entry
                .failed_ms
                .is_some_and(|at| now < at + s.retry_interval * 1000);
            let fresh = age < s.ttl * 1000;
            let stale = failed_lately && age < (s.ttl + s.stale_for) * 1000;
            if !(fresh || stale) {
                return None;
            }
            metrics::config_cache(if fresh { "hit" } else { "stale" });
            return Some(Ok(entry.config.clone()));
        }
        let miss = slots.misses.get(id)?;
        let lifetime = match miss.error {
            SourceError::Unavailable(_) => s.retry_interval,
            _ => s.negative_ttl,
        };
        let remembered = now < miss.at_ms + lifetime * 1000;
        if remembered {
            metrics::config_cache("hit");
        }
        remembered.then(|| Err(miss.error.clone()))
    }

    async fn lookup(&self, id: &ProjectId) -> Lookup {
        let gate = {
            let mut slots = self.slots();
            if let Some(hit) = self.cached(&slots, id, self.clock.now_ms()) {
                return hit;
            }
            slots.gates.entry(id.clone()).or_default().clone()
        };
        let fetching = gate.lock().await;
        let hit = self.cached(&self.slots(), id, self.clock.now_ms());
        let lookup = match hit {
            Some(hit) => hit,
            None => {
                metrics::config_cache("miss");
                let fetched = self.source.project(id).await;
                self.store(id, fetched)
            }
        };
        drop(fetching);
        let mut slots = self.slots();
        // The last request through the gate removes it.
        if Arc::strong_count(&gate) == 2 {
            slots.gates.remove(id);
        }
        lookup
    }

    /// Keeps what the source answered and says what to serve.
    fn store(&self, id: &ProjectId, fetched: Lookup) -> Lookup {
        let s = &self.settings;
        let now = self.clock.now_ms();
        let mut slots = self.slots();
        match fetched {
            Ok(config) => {
                if config.vendor_key_is_short {
                    tracing::warn!(project = %id, "the vendor key is shorter than 16 bytes; check it is the whole key");
                }
                slots.misses.remove(id);
                if !slots.entries.contains_key(id) && slots.entries.len() >= s.max_entries {
                    evict_oldest_entry(&mut slots);
                }
                let entry = Entry {
                    config: config.clone(),
                    fetched_ms: now,
                    failed_ms: None,
                };
                slots.entries.insert(id.clone(), entry);
                Ok(config)
            }
            Err(SourceError::Unavailable(cause)) => {
                if let Some(entry) = slots.entries.get_mut(id) {
                    entry.failed_ms = Some(now);
                    let age = now.saturating_sub(entry.fetched_ms);
                    if age < (s.ttl + s.stale_for) * 1000 {
                        metrics::config_cache("stale");
                        tracing::warn!(project = %id, cause = %cause, age_s = age / 1000, "config source failing; serving the cached config");
                        return Ok(entry.config.clone());
                    }
                }
                tracing::warn!(project = %id, cause = %cause, "config source failing and nothing cached to serve");
                let error = SourceError::Unavailable(cause);
                remember_miss(&mut slots, s.max_entries, id, &error, now);
                Err(error)
            }
            Err(error) => {
                if let SourceError::Invalid(e) = &error {
                    tracing::warn!(project = %id, field = %e.field, "project config refused");
                }
                slots.entries.remove(id);
                remember_miss(&mut slots, s.max_entries, id, &error, now);
                Err(error)
            }
        }
    }
}

/// Makes room for one more project, dropping the oldest entry nobody is fetching.
fn evict_oldest_entry(slots: &mut Slots) {
    let oldest = slots
        .entries
        .iter()
        .filter(|(id, _)| !slots.gates.contains_key(*id))
        .min_by_key(|(_, entry)| entry.fetched_ms)
        .map(|(id, _)| id.clone());
    if let Some(id) = oldest {
        slots.entries.remove(&id);
    }
}

/// Remembers a miss, dropping the oldest miss (never an entry) when misses are at their bound.
fn remember_miss(slots: &mut Slots, max: usize, id: &ProjectId, error: &SourceError, now: u64) {
    if !slots.misses.contains_key(id) && slots.misses.len() >= max {
        let oldest = slots
            .misses
            .iter()
            .min_by_key(|(_, miss)| miss.at_ms)
            .map(|(id, _)| id.clone());
        if let Some(oldest) = oldest {
            slots.misses.remove(&oldest);
        }
    }
    let miss = Miss {
        error: error.clone(),
        at_ms: now,
    };
    slots.misses.insert(id.clone(), miss);
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

    impl Counting {
        /// How many lookups reached the source.
        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }
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

    /// A cache with the default settings but for `max_entries`, over a counting source.
    fn cache(max_entries: usize) -> (Arc<ConfigCache>, Arc<Counting>, Arc<ManualClock>) {
        let settings = CacheSettings {
            max_entries,
            ..CacheSettings::default()
        };
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
        let (cache, source, _) = cache(CacheSettings::default().max_entries);
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.project(&id("acme")).await.is_ok() })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap());
        }
        assert_eq!(source.calls(), 1);
    }

    /// Asks for `project` once a second for `seconds`, each answer passing `expect`: one call
    /// to the source in all; the next ask, at `seconds`, makes the second.
    async fn one_call_per(
        (cache, source, clock): &(Arc<ConfigCache>, Arc<Counting>, Arc<ManualClock>),
        project: &str,
        seconds: u64,
        expect: fn(&Lookup) -> bool,
    ) {
        let before = source.calls();
        for second in 0..seconds {
            let answer = cache.project(&id(project)).await;
            assert!(expect(&answer), "at {second} s: {:?}", answer.err());
            clock.advance(1);
        }
        assert_eq!(source.calls(), before + 1, "one call in {seconds} s");
        let _ = cache.project(&id(project)).await;
        assert_eq!(source.calls(), before + 2, "the second call at {seconds} s");
    }

    #[tokio::test]
    async fn refetches_after_the_ttl() {
        let setup = cache(CacheSettings::default().max_entries);
        one_call_per(&setup, "acme", 300, Result::is_ok).await;
    }

    #[tokio::test]
    async fn remembers_an_unknown_project_for_the_negative_ttl() {
        let setup = cache(CacheSettings::default().max_entries);
        let not_found = |a: &Lookup| matches!(a, Err(SourceError::NotFound));
        one_call_per(&setup, "missing", 30, not_found).await;
    }

    #[tokio::test]
    async fn serves_stale_while_the_source_fails_then_gives_up_at_the_bound() {
        let (cache, source, clock) = cache(CacheSettings::default().max_entries);
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
        let setup = cache(CacheSettings::default().max_entries);
        let (_, source, _) = &setup;
        source.down.store(true, Ordering::SeqCst);
        one_call_per(&setup, "acme", 5, Result::is_err).await;
    }

    #[tokio::test]
    async fn holds_at_most_max_entries() {
        let (cache, _, clock) = cache(3);
        for n in 0..10 {
            cache.project(&id(&format!("p{n}"))).await.unwrap();
            clock.advance(1);
        }
        assert_eq!(cache.slots().entries.len(), 3);
    }

    #[tokio::test]
    async fn unknown_projects_never_push_a_real_one_out() {
        let (cache, source, clock) = cache(3);
        for n in 0..3 {
            cache.project(&id(&format!("p{n}"))).await.unwrap();
        }
        for n in 0..50 {
            clock.advance(1);
            assert!(cache.project(&id(&format!("missing-{n}"))).await.is_err());
        }
        let calls = source.calls();
        for n in 0..3 {
            cache.project(&id(&format!("p{n}"))).await.unwrap();
        }
        assert_eq!(source.calls(), calls, "still cached");
        let slots = cache.slots();
        assert_eq!((slots.entries.len(), slots.misses.len()), (3, 3));
        assert!(slots.gates.is_empty());
    }

    #[tokio::test]
    async fn unknown_projects_never_push_out_a_stale_copy_while_the_source_fails() {
        let (cache, source, clock) = cache(2);
        cache.project(&id("acme")).await.unwrap();
        source.down.store(true, Ordering::SeqCst);
        clock.advance(400);
        assert!(cache.project(&id("acme")).await.is_ok(), "stale");
        for n in 0..10 {
            assert!(cache.project(&id(&format!("missing-{n}"))).await.is_err());
        }
        assert!(
            cache.project(&id("acme")).await.is_ok(),
            "still the stale copy"
        );
    }
}
