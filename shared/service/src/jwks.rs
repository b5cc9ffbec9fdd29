//! JWKS documents fetched from an identity provider for checking its OIDC logout tokens:
//! https only (plain http only on loopback, for local runs), no redirects, a timeout, a size
//! limit, cached per URL and refetched at most once a minute when a key is missing.

use crate::verifier::IdentityVerifier;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub const FETCH_TIMEOUT: Duration = Duration::from_secs(3);
const MAX_JWKS_BYTES: usize = 64 * 1024;
/// A fetched JWKS is trusted this long.
const TTL_MS: u64 = 600_000;
/// A refetch for a missing key happens at most this often.
const REFETCH_MS: u64 = 60_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksFetchError {
    #[error("the JWKS URL must be https (or http on loopback)")]
    Insecure,
    #[error("the JWKS could not be fetched: {0}")]
    Fetch(String),
}

#[derive(Default)]
pub struct JwksCache {
    client: OnceLock<reqwest::Client>,
    documents: Mutex<HashMap<String, (u64, Arc<String>)>>,
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

impl JwksCache {
    fn client(&self) -> Result<&reqwest::Client, JwksFetchError> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(FETCH_TIMEOUT)
            .build()
            .map_err(|e| JwksFetchError::Fetch(e.to_string()))?;
        Ok(self.client.get_or_init(|| client))
    }

    /// The cached document for `url`, if fresh (or, with `refetch`, recent enough not to retry).
    fn cached(&self, url: &str, now_ms: u64, refetch: bool) -> Option<Arc<String>> {
        let documents = self.documents.lock().unwrap_or_else(|p| p.into_inner());
        let (fetched, doc) = documents.get(url)?;
        let age = now_ms.saturating_sub(*fetched);
        (age < if refetch { REFETCH_MS } else { TTL_MS }).then(|| doc.clone())
    }

    async fn fetch(&self, url: &str, now_ms: u64) -> Result<Arc<String>, JwksFetchError> {
        if !is_allowed_url(url) {
            return Err(JwksFetchError::Insecure);
        }
        let fail = |e: reqwest::Error| JwksFetchError::Fetch(e.without_url().to_string());
        let response = self.client()?.get(url).send().await.map_err(fail)?;
        if !response.status().is_success() {
            return Err(JwksFetchError::Fetch(format!(
                "status {}",
                response.status().as_u16()
            )));
        }
        if response
            .content_length()
            .is_some_and(|n| n as usize > MAX_JWKS_BYTES)
        {
            return Err(JwksFetchError::Fetch("document too large".into()));
        }
        let body = response.bytes().await.map_err(fail)?;
        if body.len() > MAX_JWKS_BYTES {
            return Err(JwksFetchError::Fetch("document too large".into()));
        }
        let doc = Arc::new(String::from_utf8_lossy(&body).into_owned());
        self.documents
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(url.to_owned(), (now_ms, doc.clone()));
        Ok(doc)
    }

    /// A verifier for tokens of `issuer` for `audience`, keys from `url`. With `refetch`, the
    /// document is fetched again unless it was fetched within the last minute.
    pub async fn verifier(
        &self,
        url: &str,
        issuer: &str,
        audience: &str,
        now_ms: u64,
        refetch: bool,
    ) -> Result<IdentityVerifier, JwksFetchError> {
        let doc = match self.cached(url, now_ms, refetch) {
            Some(doc) => doc,
            None => self.fetch(url, now_ms).await?,
        };
        IdentityVerifier::new(&doc, issuer, audience)
            .map_err(|e| JwksFetchError::Fetch(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::is_allowed_url;

    #[test]
    fn only_https_or_loopback_http() {
        assert!(is_allowed_url("https://idp.example.com/jwks"));
        assert!(is_allowed_url("http://127.0.0.1:8080/jwks"));
        assert!(is_allowed_url("http://localhost/jwks"));
        assert!(!is_allowed_url("http://idp.example.com/jwks"));
        assert!(!is_allowed_url("http://127.0.0.1.evil.com/jwks"));
        assert!(!is_allowed_url("file:///etc/passwd"));
    }
}
