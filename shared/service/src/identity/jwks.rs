//! An identity provider's keys: a fixed JWKS document, or one fetched from a URL (https only;
//! plain http only on loopback) and kept fresh the way API Gateway's JWT authorizer and OIDC
//! Core 10.1.1 expect: refreshed on a TTL, fetched again at once for a token whose `kid` is
//! unknown (one fetch in flight, at most one a second), each fetch bounded in time and size.
//! A token with an unknown `kid` within that second waits for it to pass and the keys to be
//! fetched again: one token a minute at most; others within the second are refused.

use super::error::{JwksError, JwksFetchError, VerifyError};
use super::jwks_refresh::refresh_ms_from_env;
use super::key_set::KeySet;
use super::rules::Rules;
use super::verifier::verify;
use crate::bounded_body::read_at_most;
use crate::clock::Clock;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

/// A fetch of a JWKS gives up after this long.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(3);
/// The largest JWKS document read; the body is cut off while it is read.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// How long fetched keys are used before they are fetched again, unless the operator sets
/// `CHATPASS_JWKS_REFRESH_SECONDS` (see [`super::jwks_refresh`]).
pub const REFRESH_MS: u64 = 300_000;
/// A token with an unknown `kid` fetches the keys again unless a fetch completed this recently.
pub const MIN_REFETCH_MS: u64 = 1_000;
/// How often a token with an unknown `kid` may be held until [`MIN_REFETCH_MS`] has passed
/// (a key first used just after a fetch): rarely enough that made-up `kid`s cannot make
/// requests slow, often enough for an identity provider's rotations.
pub const HOLD_EVERY_MS: u64 = 60_000;
/// While the provider cannot be reached, its last keys are still used this long past the
/// refresh interval, and a new attempt is made at most every [`RETRY_MS`].
pub const STALE_MS: u64 = 3_600_000;
pub const RETRY_MS: u64 = 5_000;
/// The most JWKS URLs a [`JwksCache`] keeps (one per identity provider in the configs).
const MAX_URLS: usize = 256;

/// Why a token was not accepted: the token itself, or keys that could not be had (retryable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Refused(#[from] VerifyError),
    #[error(transparent)]
    KeysUnavailable(#[from] JwksFetchError),
}

/// https anywhere; http only to a loopback host.
pub fn is_allowed_url(url: &str) -> bool {
    let Ok(parsed) = url.parse::<reqwest::Url>() else {
        return false;
    };
    match parsed.scheme() {
        "https" => true,
        "http" => matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")),
        _ => false,
    }
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

    /// Keys fetched from `url` when first needed.
    pub fn url(url: &str, clock: Arc<dyn Clock>) -> Result<Jwks, JwksFetchError> {
        if !is_allowed_url(url) {
            return Err(JwksFetchError::Insecure);
        }
        Ok(Jwks::Fetched(FetchedJwks {
            url: url.to_owned(),
            refresh_ms: refresh_ms_from_env().unwrap_or(REFRESH_MS),
            clock,
            latest: Mutex::default(),
            gate: tokio::sync::Mutex::new(()),
        }))
    }

    /// The `--jwks` / `CHATPASS_JWKS` setting: a URL, a JSON document, or a file holding one.
    pub fn from_setting(setting: &str, clock: Arc<dyn Clock>) -> Result<Jwks, String> {
        let setting = setting.trim();
        if setting.starts_with("https://") || setting.starts_with("http://") {
            return Jwks::url(setting, clock).map_err(|e| format!("{setting}: {e}"));
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
        match self {
            Jwks::Fixed(keys) => Ok(verify(keys, token, rules, now)?),
            Jwks::Fetched(fetched) => {
                let keys = fetched.keys().await?;
                match verify(&keys, token, rules, now) {
                    Err(VerifyError::UnknownKey) => {
                        let keys = fetched.refetch(&keys).await?;
                        Ok(verify(&keys, token, rules, now)?)
                    }
                    result => Ok(result?),
                }
            }
        }
    }
}

/// Keys fetched from a URL, with the time the fetch completed.
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
    fetched_ms: u64,
    failed_ms: Option<u64>,
    /// When a token was last held for the once-a-second bound.
    held_ms: Option<u64>,
}

impl FetchedJwks {
    fn latest(&self) -> MutexGuard<'_, Latest> {
        self.latest.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fresh keys, or keys fetched again if they are older than the refresh interval. While the
    /// provider fails, the last keys serve for [`STALE_MS`] more.
    async fn keys(&self) -> Result<Arc<KeySet>, JwksFetchError> {
        if let Some(keys) = self.usable(false) {
            return Ok(keys);
        }
        let _fetching = self.gate.lock().await;
        // Another request may have fetched them while this one waited.
        if let Some(keys) = self.usable(false) {
            return Ok(keys);
        }
        match self.fetch().await {
            Ok(keys) => Ok(keys),
            Err(error) => match self.usable(true) {
                Some(stale) => {
                    tracing::warn!(cause = %error, "JWKS fetch failed; using the keys fetched before");
                    Ok(stale)
                }
                None => Err(error),
            },
        }
    }

    /// Fresh keys; with `failing`, also the last keys while the provider has failed lately.
    fn usable(&self, failing: bool) -> Option<Arc<KeySet>> {
        let now = self.clock.now_ms();
        let latest = self.latest();
        let keys = latest.keys.as_ref()?;
        let age = now.saturating_sub(latest.fetched_ms);
        let failed_lately = latest
            .failed_ms
            .is_some_and(|at| now.saturating_sub(at) < RETRY_MS);
        let stale_ok = (failing || failed_lately) && age < self.refresh_ms + STALE_MS;
        (age < self.refresh_ms || stale_ok).then(|| keys.clone())
    }

    /// Keys fetched again for a token whose `kid` was not in `seen`, unless another request
    /// fetched them meanwhile. Within [`MIN_REFETCH_MS`] of the last fetch, the fetch waits
    /// for the rest of that interval if no token was held in the last [`HOLD_EVERY_MS`], and
    /// is not made otherwise (the keys as they are).
    async fn refetch(&self, seen: &Arc<KeySet>) -> Result<Arc<KeySet>, JwksFetchError> {
        let _fetching = self.gate.lock().await;
        let hold_ms = {
            let now = self.clock.now_ms();
            let mut latest = self.latest();
            let since_fetch = now.saturating_sub(latest.fetched_ms);
            match &latest.keys {
                Some(keys) if !Arc::ptr_eq(keys, seen) => return Ok(keys.clone()),
                Some(keys) if since_fetch < MIN_REFETCH_MS => {
                    let held_lately = latest
                        .held_ms
                        .is_some_and(|at| now.saturating_sub(at) < HOLD_EVERY_MS);
                    if held_lately {
                        return Ok(keys.clone());
                    }
                    latest.held_ms = Some(now);
                    MIN_REFETCH_MS - since_fetch
                }
                _ => 0,
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
        match &fetched {
            Ok(keys) => {
                latest.keys = Some(keys.clone());
                latest.fetched_ms = now;
                latest.failed_ms = None;
            }
            Err(_) => latest.failed_ms = Some(now),
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
    sets: Mutex<HashMap<String, Arc<Jwks>>>,
}

impl JwksCache {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        JwksCache {
            clock,
            sets: Mutex::default(),
        }
    }

    /// The keys at `url`.
    pub fn for_url(&self, url: &str) -> Result<Arc<Jwks>, JwksFetchError> {
        let mut sets = self.sets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(jwks) = sets.get(url) {
            return Ok(jwks.clone());
        }
        if sets.len() >= MAX_URLS {
            // Configs name few providers; past the bound, start over rather than grow.
            sets.clear();
        }
        let jwks = Arc::new(Jwks::url(url, self.clock.clone())?);
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

    #[test]
    fn only_https_or_loopback_http() {
        assert!(is_allowed_url("https://idp.example.com/jwks"));
        assert!(is_allowed_url("http://127.0.0.1:8080/jwks"));
        assert!(is_allowed_url("http://localhost/jwks"));
        assert!(!is_allowed_url("http://idp.example.com/jwks"));
        assert!(!is_allowed_url("http://127.0.0.1.evil.com/jwks"));
        assert!(!is_allowed_url("file:///etc/passwd"));
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
        let jwks = Jwks::url(&server.url(), clock.clone()).unwrap();
        (server, clock, jwks)
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
        let (idp, stranger) = (new_idp(), new_idp());
        let (server, clock, jwks) = served(&idp.jwks()).await;
        let jwks = Arc::new(jwks);
        jwks.load().await.unwrap();
        let forged = token(&stranger, NOW);
        let refused = Err(TokenError::Refused(VerifyError::UnknownKey));

        // 900 ms after the fetch: the first is held the last 100 ms, then one fetch for all.
        clock.advance_ms(MIN_REFETCH_MS - 100);
        let attempts = (0..20).map(|_| {
            let (jwks, forged) = (jwks.clone(), forged.clone());
            tokio::spawn(async move { jwks.verify(&forged, &rules(), NOW).await })
        });
        for attempt in attempts {
            assert_eq!(attempt.await.unwrap(), refused);
        }
        assert_eq!(server.fetches(), 2, "one fetch for the twenty");

        // Within the next second and the same minute: refused at once, nothing fetched.
        clock.advance_ms(MIN_REFETCH_MS - 100);
        assert_eq!(jwks.verify(&forged, &rules(), NOW).await, refused);
        assert_eq!(server.fetches(), 2, "no wait twice within a minute");
        clock.advance_ms(100);
        assert_eq!(jwks.verify(&forged, &rules(), NOW).await, refused);
        assert_eq!(server.fetches(), 3, "a second on: fetched again at once");

        // A minute after the wait, a token just after a fetch waits again.
        clock.advance_ms(HOLD_EVERY_MS);
        assert_eq!(jwks.verify(&forged, &rules(), NOW).await, refused);
        clock.advance_ms(MIN_REFETCH_MS - 100);
        assert_eq!(jwks.verify(&forged, &rules(), NOW).await, refused);
        assert_eq!(server.fetches(), 5);
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
        let fresh = Jwks::url(&server.url(), clock.clone()).unwrap();
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
        let jwks = Jwks::url(&server.url(), clock).unwrap();
        assert_eq!(
            jwks.load().await,
            Err(JwksFetchError::Fetch(format!(
                "the document is over {MAX_JWKS_BYTES} bytes"
            )))
        );
    }
}
