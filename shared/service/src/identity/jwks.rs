//! An identity provider's keys: a fixed JWKS document, or one fetched from a URL (https; plain
//! http to loopback only where the runner allows it) and kept fresh the way API Gateway's JWT
//! authorizer and OIDC Core 10.1.1 expect: refreshed on a TTL, fetched again at once for a
//! token whose `kid` is unknown, each fetch bounded in time and size. At most one attempt a
//! second, failed ones included; after a failure none for [`RETRY_MS`]; no request waits
//! behind more than one attempt. A token with an unknown `kid` within a second of the last
//! attempt waits for that second to pass (one token a minute); the others are told to retry.

use super::error::{JwksError, JwksFetchError, VerifyError};
use super::key_set::KeySet;
use super::rules::Rules;
use super::verifier::verify;
use crate::bounded_body::read_at_most;
use crate::clock::Clock;
use crate::outbound::is_allowed_url;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

/// A fetch of a JWKS gives up after this long.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(3);
/// The largest JWKS document read; the body is cut off while it is read.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// How long fetched keys are used before they are fetched again, unless the operator sets
/// another interval (`CHATPASS_JWKS_REFRESH_SECONDS`).
pub const REFRESH_MS: u64 = 300_000;
/// The least time between two attempts to fetch a key set, whatever their outcome.
pub const MIN_REFETCH_MS: u64 = 1_000;
/// How often a token with an unknown `kid` may be held until [`MIN_REFETCH_MS`] has passed
/// (a key first used just after a fetch): rarely enough that made-up `kid`s cannot make
/// requests slow, often enough for an identity provider's rotations.
pub const HOLD_EVERY_MS: u64 = 60_000;
/// While the provider cannot be reached, its last keys are still used this long past the
/// refresh interval, and a new attempt is made at most every [`RETRY_MS`].
pub const STALE_MS: u64 = 3_600_000;
pub const RETRY_MS: u64 = 5_000;
/// Set to `allow` by a test that runs a function binary against an identity provider's
/// stand-in on loopback; template.yaml never sets it (a template check holds it).
pub const LOOPBACK_HTTP_VAR: &str = "CHATPASS_TEST_LOOPBACK_HTTP";
/// The most JWKS URLs a [`JwksCache`] keeps (one per identity provider in the configs).
const MAX_URLS: usize = 256;

/// How fetched keys are kept: how often they are refreshed, and whether plain http to a
/// loopback host may be fetched. A deployed function never allows it (in Lambda, loopback is
/// the Runtime and Extensions API) unless a test sets [`LOOPBACK_HTTP_VAR`]; `chatpass serve`
/// allows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchPolicy {
    pub refresh_ms: u64,
    pub loopback_http: bool,
}

impl FetchPolicy {
    /// A deployed function's: https only, refreshed every [`REFRESH_MS`].
    pub const HTTPS_ONLY: FetchPolicy = FetchPolicy {
        refresh_ms: REFRESH_MS,
        loopback_http: false,
    };
    /// `chatpass serve`'s and the tests': http to a loopback host allowed too.
    pub const LOOPBACK_HTTP: FetchPolicy = FetchPolicy {
        refresh_ms: REFRESH_MS,
        loopback_http: true,
    };
}

/// Why a token was not accepted: the token itself, or keys that could not be had (retryable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Refused(#[from] VerifyError),
    #[error(transparent)]
    KeysUnavailable(#[from] JwksFetchError),
}

/// The keys that verify one issuer's tokens.
pub enum Jwks {
    Fixed(Arc<KeySet>),
    Fetched(FetchedJwks),
}

impl Jwks {
    /// A JWKS document given as it is.
    pub fn document(document: &str) -> Result<Jwks, JwksError> {
        KeySet::parse(document).map(|keys| Jwks::Fixed(Arc::new(keys)))
    }

    /// Keys fetched from `url` when first needed, kept as `policy` says.
    pub fn url(
        url: &str,
        clock: Arc<dyn Clock>,
        policy: FetchPolicy,
    ) -> Result<Jwks, JwksFetchError> {
        if !is_allowed_url(url, policy.loopback_http) {
            return Err(JwksFetchError::Insecure);
        }
        Ok(Jwks::Fetched(FetchedJwks {
            url: url.to_owned(),
            refresh_ms: policy.refresh_ms,
            clock,
            latest: Mutex::default(),
            gate: tokio::sync::Mutex::new(()),
        }))
    }

    /// The `--jwks` / `CHATPASS_JWKS` setting: a URL, a JSON document, or a file holding one.
    pub fn from_setting(
        setting: &str,
        clock: Arc<dyn Clock>,
        policy: FetchPolicy,
    ) -> Result<Jwks, String> {
        let setting = setting.trim();
        if setting.starts_with("https://") || setting.starts_with("http://") {
            return Jwks::url(setting, clock, policy).map_err(|e| format!("{setting}: {e}"));
        }
        let document = if setting.starts_with('{') {
            setting.to_owned()
        } else {
            std::fs::read_to_string(setting).map_err(|e| format!("cannot read {setting}: {e}"))?
        };
        Jwks::document(&document).map_err(|e| e.to_string())
    }

    /// Fetches the keys now (a fixed document has them already): `chatpass serve` checks a
    /// `--jwks` URL at start.
    pub async fn load(&self) -> Result<(), JwksFetchError> {
        match self {
            Jwks::Fixed(_) => Ok(()),
            Jwks::Fetched(fetched) => fetched.keys().await.map(drop),
        }
    }

    /// The token's claims after every check against these keys; a token whose `kid` is not
    /// among them is checked once more against keys fetched again.
    pub async fn verify(
        &self,
        token: &str,
        rules: &Rules<'_>,
        now: u64,
    ) -> Result<Map<String, Value>, TokenError> {
        let keys = self.keys().await?;
        self.verify_with(keys, token, rules, now)
            .await
            .map(|(claims, _)| claims)
    }

    /// The keys as they stand: fixed, or fetched (again, once they are older than the refresh
    /// interval).
    pub async fn keys(&self) -> Result<Arc<KeySet>, JwksFetchError> {
        match self {
            Jwks::Fixed(keys) => Ok(keys.clone()),
            Jwks::Fetched(fetched) => fetched.keys().await,
        }
    }

    /// [`Jwks::verify`] against `keys` (from [`Jwks::keys`]), with the keys that verified the
    /// token: `keys`, or keys fetched again for a `kid` they lack.
    pub async fn verify_with(
        &self,
        keys: Arc<KeySet>,
        token: &str,
        rules: &Rules<'_>,
        now: u64,
    ) -> Result<(Map<String, Value>, Arc<KeySet>), TokenError> {
        match (self, verify(&keys, token, rules, now)) {
            (Jwks::Fetched(fetched), Err(VerifyError::UnknownKey)) => {
                let keys = fetched.refetch(&keys).await?;
                let claims = verify(&keys, token, rules, now)?;
                Ok((claims, keys))
            }
            (_, result) => Ok((result?, keys)),
        }
    }
}

/// Keys fetched from a URL, with what the last attempts gave.
pub struct FetchedJwks {
    url: String,
    /// How long fetched keys are used before they are fetched again.
    refresh_ms: u64,
    clock: Arc<dyn Clock>,
    latest: Mutex<Latest>,
    /// Held by the one request fetching; the others wait and use what it fetched.
    gate: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Latest {
    keys: Option<Arc<KeySet>>,
    /// When the keys were fetched.
    fetched_ms: u64,
    /// When the last attempt ended, whatever its outcome.
    attempted_ms: Option<u64>,
    /// Attempts ended so far: a request that waited while one ended does not make another.
    attempts: u64,
    /// The last attempt's failure, until an attempt succeeds.
    failure: Option<(u64, JwksFetchError)>,
    /// When a token was last held for the once-a-second bound.
    held_ms: Option<u64>,
}

impl Latest {
    /// The keys while they are fresh, or (`failing`) while they may stand in for fresh ones.
    fn usable(&self, now: u64, refresh_ms: u64, failing: bool) -> Option<Arc<KeySet>> {
        let keys = self.keys.as_ref()?;
        let age = now.saturating_sub(self.fetched_ms);
        let limit = if failing {
            refresh_ms + STALE_MS
        } else {
            refresh_ms
        };
        (age < limit).then(|| keys.clone())
    }

    /// The last failure, if it ended less than [`RETRY_MS`] ago.
    fn recent_failure(&self, now: u64) -> Option<&JwksFetchError> {
        self.failure
            .as_ref()
            .filter(|(at, _)| now.saturating_sub(*at) < RETRY_MS)
            .map(|(_, error)| error)
    }

    /// What is known while no attempt may be made: the keys, stale ones included, or the
    /// failure that keeps them from being fetched.
    fn known(&self, now: u64, refresh_ms: u64) -> Result<Arc<KeySet>, JwksFetchError> {
        self.usable(now, refresh_ms, true).ok_or_else(|| {
            self.failure
                .as_ref()
                .map_or(JwksFetchError::TooSoon, |(_, error)| error.clone())
        })
    }
}

impl FetchedJwks {
    fn latest(&self) -> MutexGuard<'_, Latest> {
        self.latest.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fresh keys, or keys fetched again if they are older than the refresh interval. While the
    /// provider fails, the last keys serve for [`STALE_MS`] more and no attempt is made within
    /// [`RETRY_MS`] of a failed one.
    async fn keys(&self) -> Result<Arc<KeySet>, JwksFetchError> {
        let attempts = {
            let now = self.clock.now_ms();
            let latest = self.latest();
            if let Some(keys) = latest.usable(now, self.refresh_ms, false) {
                return Ok(keys);
            }
            if latest.recent_failure(now).is_some() {
                return latest.known(now, self.refresh_ms);
            }
            latest.attempts
        };
        let _fetching = self.gate.lock().await;
        {
            let now = self.clock.now_ms();
            let latest = self.latest();
            if latest.attempts != attempts {
                // Another request made the attempt while this one waited: its outcome stands.
                return match latest.usable(now, self.refresh_ms, false) {
                    Some(keys) => Ok(keys),
                    None => latest.known(now, self.refresh_ms),
                };
            }
        }
        match self.fetch().await {
            Ok(keys) => Ok(keys),
            Err(error) => {
                let now = self.clock.now_ms();
                match self.latest().usable(now, self.refresh_ms, true) {
                    Some(stale) => {
                        tracing::warn!(cause = %error, "JWKS fetch failed; using the keys fetched before");
                        Ok(stale)
                    }
                    None => Err(error),
                }
            }
        }
    }

    /// Keys fetched again for a token whose `kid` was not in `seen`, unless another request
    /// made an attempt meanwhile (its outcome stands). Within [`RETRY_MS`] of a failed attempt
    /// none is made (retryable); within [`MIN_REFETCH_MS`] of the last attempt the fetch waits
    /// for the rest of that interval if no token was held in the last [`HOLD_EVERY_MS`], and
    /// the token is told to retry otherwise ([`JwksFetchError::TooSoon`]), never refused.
    async fn refetch(&self, seen: &Arc<KeySet>) -> Result<Arc<KeySet>, JwksFetchError> {
        let attempts = self.latest().attempts;
        let _fetching = self.gate.lock().await;
        let hold_ms = {
            let now = self.clock.now_ms();
            let mut latest = self.latest();
            if let Some(keys) = latest.keys.as_ref().filter(|keys| !Arc::ptr_eq(keys, seen)) {
                return Ok(keys.clone());
            }
            if latest.attempts != attempts {
                // An attempt ended while this request waited, and brought no new keys.
                return Err(latest
                    .failure
                    .as_ref()
                    .map_or(JwksFetchError::TooSoon, |(_, error)| error.clone()));
            }
            if let Some(error) = latest.recent_failure(now) {
                return Err(error.clone());
            }
            let since = latest
                .attempted_ms
                .map_or(u64::MAX, |at| now.saturating_sub(at));
            if since < MIN_REFETCH_MS {
                let held_lately = latest
                    .held_ms
                    .is_some_and(|at| now.saturating_sub(at) < HOLD_EVERY_MS);
                if held_lately {
                    return Err(JwksFetchError::TooSoon);
                }
                latest.held_ms = Some(now);
                MIN_REFETCH_MS - since
            } else {
                0
            }
        };
        if hold_ms > 0 {
            tracing::info!(
                hold_ms,
                "unknown kid just after a JWKS fetch; held to fetch again"
            );
            tokio::time::sleep(Duration::from_millis(hold_ms)).await;
        }
        self.fetch().await
    }

    async fn fetch(&self) -> Result<Arc<KeySet>, JwksFetchError> {
        let fetched = fetch_document(&self.url).await.and_then(|document| {
            KeySet::parse(&document)
                .map(Arc::new)
                .map_err(JwksFetchError::Unusable)
        });
        let now = self.clock.now_ms();
        let mut latest = self.latest();
        latest.attempted_ms = Some(now);
        latest.attempts += 1;
        match &fetched {
            Ok(keys) => {
                latest.keys = Some(keys.clone());
                latest.fetched_ms = now;
                latest.failure = None;
            }
            Err(error) => latest.failure = Some((now, error.clone())),
        }
        fetched
    }
}

fn client() -> Result<&'static reqwest::Client, JwksFetchError> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(client) = CLIENT.get() {
        return Ok(client);
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(FETCH_TIMEOUT)
        .build()
        .map_err(|e| JwksFetchError::Fetch(e.to_string()))?;
    Ok(CLIENT.get_or_init(|| client))
}

/// The document at `url`: a 2xx answer, read up to [`MAX_JWKS_BYTES`] and no further.
async fn fetch_document(url: &str) -> Result<String, JwksFetchError> {
    let fail = |e: reqwest::Error| JwksFetchError::Fetch(e.without_url().to_string());
    let mut response = client()?.get(url).send().await.map_err(fail)?;
    if !response.status().is_success() {
        return Err(JwksFetchError::Fetch(format!(
            "status {}",
            response.status().as_u16()
        )));
    }
    let body = read_at_most(&mut response, MAX_JWKS_BYTES, "the document")
        .await
        .map_err(JwksFetchError::Fetch)?;
    String::from_utf8(body).map_err(|_| JwksFetchError::Fetch("the document is not UTF-8".into()))
}

/// The JWKS of every identity provider the project configs name (`oidc_logout.jwks_url`), one
/// [`Jwks`] per URL so each is fetched and refreshed once for all projects that share it.
pub struct JwksCache {
    clock: Arc<dyn Clock>,
    policy: FetchPolicy,
    sets: Mutex<HashMap<String, Arc<Jwks>>>,
}

impl JwksCache {
    pub fn new(clock: Arc<dyn Clock>, policy: FetchPolicy) -> Self {
        JwksCache {
            clock,
            policy,
            sets: Mutex::default(),
        }
    }

    /// The keys at `url`; a URL this runner may not fetch is [`JwksFetchError::Insecure`].
    pub fn for_url(&self, url: &str) -> Result<Arc<Jwks>, JwksFetchError> {
        let mut sets = self.sets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(jwks) = sets.get(url) {
            return Ok(jwks.clone());
        }
        if sets.len() >= MAX_URLS {
            // Configs name few providers; past the bound, start over rather than grow.
            sets.clear();
        }
        let jwks = Arc::new(Jwks::url(url, self.clock.clone(), self.policy)?);
        sets.insert(url.to_owned(), jwks.clone());
        Ok(jwks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::identity::rules::BACKCHANNEL_EVENT;
    use crate::identity::{Rules, StandinIdp};
    use crate::testing::JwksServer;
    use serde_json::json;

    const NOW: u64 = 1_700_000_000;
    const ISSUER: &str = "https://idp.example.com/";
    const AUDIENCE: &str = "chatpass";

    #[tokio::test]
    async fn a_deployed_function_never_fetches_plain_http_from_loopback() {
        let server = JwksServer::start(&new_idp().jwks()).await;
        let clock = Arc::new(ManualClock::at(NOW));
        let cache = JwksCache::new(clock.clone(), FetchPolicy::HTTPS_ONLY);
        assert_eq!(
            cache.for_url(&server.url()).err(),
            Some(JwksFetchError::Insecure)
        );
        assert!(matches!(
            Jwks::url(&server.url(), clock, FetchPolicy::HTTPS_ONLY),
            Err(JwksFetchError::Insecure)
        ));
        assert_eq!(server.fetches(), 0);
    }

    fn token(idp: &StandinIdp, now: u64) -> String {
        idp.id_token("u-1", now, json!({}))
    }

    /// A back-channel logout token for `u-1`, signed by `idp`.
    fn logout_token(idp: &StandinIdp) -> String {
        let claims = json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "u-1", "iat": NOW,
                            "exp": NOW + 60, "jti": "j", "events": { BACKCHANNEL_EVENT: {} }});
        idp.sign(claims.as_object().unwrap())
    }

    /// A stand-in identity provider with a key of its own.
    fn new_idp() -> StandinIdp {
        StandinIdp::generate(ISSUER, AUDIENCE)
    }

    fn rules() -> Rules<'static> {
        Rules::identity(ISSUER, AUDIENCE)
    }

    /// `document` served on loopback, and its keys as chatpass keeps them, on a manual clock.
    async fn served(document: &str) -> (JwksServer, Arc<ManualClock>, Jwks) {
        let server = JwksServer::start(document).await;
        let clock = Arc::new(ManualClock::at(NOW));
        let jwks = Jwks::url(&server.url(), clock.clone(), FetchPolicy::LOOPBACK_HTTP).unwrap();
        (server, clock, jwks)
    }

    /// An identity provider's keys served and loaded, and a stranger whose key is not among them.
    async fn loaded_with_a_stranger() -> (
        StandinIdp,
        StandinIdp,
        JwksServer,
        Arc<ManualClock>,
        Arc<Jwks>,
    ) {
        let (idp, stranger) = (new_idp(), new_idp());
        let (server, clock, jwks) = served(&idp.jwks()).await;
        jwks.load().await.unwrap();
        (idp, stranger, server, clock, Arc::new(jwks))
    }

    #[tokio::test]
    async fn a_rotated_key_is_fetched_at_once_and_a_removed_one_stops_after_the_refresh() {
        let (old, new) = (new_idp(), new_idp());
        let (server, clock, jwks) = served(&old.jwks()).await;
        assert!(jwks.verify(&token(&old, NOW), &rules(), NOW).await.is_ok());
        assert_eq!(server.fetches(), 1);

        // The provider rotates: the new key signs, both are published.
        server.publish(&StandinIdp::jwks_of(&[&old, &new]));
        clock.advance_ms(MIN_REFETCH_MS);
        assert!(jwks.verify(&token(&new, NOW), &rules(), NOW).await.is_ok());
        assert_eq!(server.fetches(), 2, "an unknown kid fetched the keys again");
        assert!(jwks.verify(&token(&old, NOW), &rules(), NOW).await.is_ok());
        assert_eq!(server.fetches(), 2);

        // Then the old key is removed; it stops verifying once the keys are refreshed.
        server.publish(&new.jwks());
        clock.advance_ms(REFRESH_MS);
        assert_eq!(
            jwks.verify(&token(&old, NOW), &rules(), NOW).await,
            Err(TokenError::Refused(VerifyError::UnknownKey))
        );
        assert!(jwks.verify(&token(&new, NOW), &rules(), NOW).await.is_ok());
    }

    #[tokio::test]
    async fn unknown_kids_fetch_at_most_once_a_second_one_at_a_time_and_wait_once_a_minute() {
        let (_, stranger, server, clock, jwks) = loaded_with_a_stranger().await;
        let forged = token(&stranger, NOW);
        let refused = Err(TokenError::Refused(VerifyError::UnknownKey));
        let too_soon = Err(TokenError::KeysUnavailable(JwksFetchError::TooSoon));

        // 900 ms after the fetch: the first is held the last 100 ms, then one fetch for all.
        clock.advance_ms(MIN_REFETCH_MS - 100);
        let attempts = (0..20).map(|_| {
            let (jwks, forged) = (jwks.clone(), forged.clone());
            tokio::spawn(async move { jwks.verify(&forged, &rules(), NOW).await })
        });
        let mut answers = Vec::new();
        for attempt in attempts {
            answers.push(attempt.await.unwrap());
        }
        assert!(
            answers.contains(&refused),
            "the held one, checked against the new keys"
        );
        assert!(
            answers.iter().all(|a| *a == refused || *a == too_soon),
            "{answers:?}"
        );
        assert_eq!(server.fetches(), 2, "one fetch for the twenty");

        // Within the next second and the same minute: told to retry, nothing fetched.
        clock.advance_ms(MIN_REFETCH_MS - 100);
        assert_eq!(jwks.verify(&forged, &rules(), NOW).await, too_soon);
        assert_eq!(server.fetches(), 2, "no wait twice within a minute");
        clock.advance_ms(100);
        assert_eq!(jwks.verify(&forged, &rules(), NOW).await, refused);
        assert_eq!(
            server.fetches(),
            3,
            "a second on: fetched again at once, then refused"
        );

        // A minute after the wait, a token just after a fetch waits again.
        clock.advance_ms(HOLD_EVERY_MS);
        assert_eq!(jwks.verify(&forged, &rules(), NOW).await, refused);
        clock.advance_ms(MIN_REFETCH_MS - 100);
        assert_eq!(jwks.verify(&forged, &rules(), NOW).await, refused);
        assert_eq!(server.fetches(), 5);
    }

    #[tokio::test]
    async fn a_logout_signed_with_a_new_key_is_never_refused_after_the_hold_was_spent() {
        // Forged kids spend the minute's hold and make a fetch; the provider then publishes a
        // key and signs a logout with it less than a second after chatpass's last fetch.
        let (old, new, stranger) = (new_idp(), new_idp(), new_idp());
        let (server, clock, jwks) = served(&old.jwks()).await;
        jwks.load().await.unwrap();
        let logout_rules = Rules::logout(ISSUER, AUDIENCE);
        let forged = logout_token(&stranger);
        let refused = Err(TokenError::Refused(VerifyError::UnknownKey));
        clock.advance_ms(MIN_REFETCH_MS - 100);
        assert_eq!(jwks.verify(&forged, &logout_rules, NOW).await, refused);
        clock.advance_ms(1_100);
        assert_eq!(jwks.verify(&forged, &logout_rules, NOW).await, refused);
        assert_eq!(server.fetches(), 3);

        server.publish(&StandinIdp::jwks_of(&[&old, &new]));
        clock.advance_ms(200);
        let real = logout_token(&new);
        assert_eq!(
            jwks.verify(&real, &logout_rules, NOW).await,
            Err(TokenError::KeysUnavailable(JwksFetchError::TooSoon)),
            "retryable (503, Retry-After: 1), never a 400"
        );
        // The sender retries a second later: the keys are fetched again and it verifies.
        clock.advance_ms(MIN_REFETCH_MS);
        assert_eq!(
            jwks.verify(&real, &logout_rules, NOW).await.unwrap()["sub"],
            "u-1"
        );
        // A forged kid after that fetch, once its bound has passed, is still refused.
        clock.advance_ms(MIN_REFETCH_MS);
        assert_eq!(jwks.verify(&forged, &logout_rules, NOW).await, refused);
    }

    #[tokio::test]
    async fn while_the_provider_fails_unknown_kids_make_one_attempt_per_retry_interval() {
        let (idp, stranger, server, clock, jwks) = loaded_with_a_stranger().await;
        server.fail_with(500);
        clock.advance_ms(MIN_REFETCH_MS);
        // Thirty made-up kids over three seconds: one attempt, every answer retryable.
        for _ in 0..30 {
            let answer = jwks.verify(&token(&stranger, NOW), &rules(), NOW).await;
            assert!(
                matches!(answer, Err(TokenError::KeysUnavailable(_))),
                "{answer:?}"
            );
            clock.advance_ms(100);
        }
        assert_eq!(server.fetches(), 2, "the load, then one attempt");
        // A known kid is answered from the keys at hand throughout, with no attempt.
        assert!(jwks.verify(&token(&idp, NOW), &rules(), NOW).await.is_ok());
        // The retry interval over: one attempt more.
        clock.advance_ms(RETRY_MS);
        assert!(
            jwks.verify(&token(&stranger, NOW), &rules(), NOW)
                .await
                .is_err()
        );
        assert_eq!(server.fetches(), 3);
    }

    #[tokio::test]
    async fn no_request_waits_behind_more_than_one_attempt_while_the_provider_hangs() {
        let (_, stranger, server, clock, jwks) = loaded_with_a_stranger().await;
        server.hang();
        clock.advance_ms(MIN_REFETCH_MS);
        let started = std::time::Instant::now();
        let attempts: Vec<_> = (0..8)
            .map(|_| {
                let (jwks, forged) = (jwks.clone(), token(&stranger, NOW));
                tokio::spawn(async move { jwks.verify(&forged, &rules(), NOW).await })
            })
            .collect();
        for attempt in attempts {
            assert!(matches!(
                attempt.await.unwrap(),
                Err(TokenError::KeysUnavailable(_))
            ));
        }
        let waited = started.elapsed();
        assert_eq!(server.fetches(), 2, "one attempt for the eight");
        assert!(
            waited < FETCH_TIMEOUT * 2,
            "answered after {waited:?}: more than one attempt's timeout"
        );
    }

    #[tokio::test]
    async fn a_key_first_used_just_after_a_fetch_verifies_once_that_second_is_over() {
        let (old, new) = (new_idp(), new_idp());
        let (server, clock, jwks) = served(&old.jwks()).await;
        jwks.load().await.unwrap();

        // The provider publishes its new key and signs with it 900 ms after chatpass fetched.
        server.publish(&StandinIdp::jwks_of(&[&old, &new]));
        clock.advance_ms(MIN_REFETCH_MS - 100);
        let verified = jwks
            .verify(&logout_token(&new), &Rules::logout(ISSUER, AUDIENCE), NOW)
            .await;
        assert_eq!(verified.unwrap()["sub"], "u-1");
        assert_eq!(server.fetches(), 2);
    }

    #[tokio::test]
    async fn a_provider_that_cannot_be_reached_is_retryable_and_its_last_keys_serve_a_while() {
        let idp = new_idp();
        let (server, clock, jwks) = served(&idp.jwks()).await;
        jwks.load().await.unwrap();
        server.fail_with(503);
        clock.advance_ms(REFRESH_MS);
        assert!(jwks.verify(&token(&idp, NOW), &rules(), NOW).await.is_ok());
        clock.advance_ms(STALE_MS);
        assert!(matches!(
            jwks.verify(&token(&idp, NOW), &rules(), NOW).await,
            Err(TokenError::KeysUnavailable(JwksFetchError::Fetch(_)))
        ));
        // A logout token with an unknown kid while the provider is down: retryable too.
        let logout = logout_token(&new_idp());
        let fresh = Jwks::url(&server.url(), clock.clone(), FetchPolicy::LOOPBACK_HTTP).unwrap();
        assert!(matches!(
            fresh
                .verify(&logout, &Rules::logout(ISSUER, AUDIENCE), NOW)
                .await,
            Err(TokenError::KeysUnavailable(_))
        ));
    }

    #[tokio::test]
    async fn a_document_is_cut_off_at_the_size_bound_while_it_is_read() {
        // A body that never ends: read to the end, it would time out instead.
        let server = JwksServer::start("{}").await;
        server.endless();
        let clock = Arc::new(ManualClock::at(NOW));
        let jwks = Jwks::url(&server.url(), clock, FetchPolicy::LOOPBACK_HTTP).unwrap();
        assert_eq!(
            jwks.load().await,
            Err(JwksFetchError::Fetch(format!(
                "the document is over {MAX_JWKS_BYTES} bytes"
            )))
        );
    }
}
