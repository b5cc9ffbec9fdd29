//! The vendor's API over HTTPS (reqwest): bounded in time, no redirects, the answer cut off at
//! [`MAX_ANSWER_BYTES`] while it is read. Calls go to the vendor's own host; only tests send
//! them elsewhere, and only to loopback (`CHATPASS_VENDOR_API_OVERRIDE`).

use super::{VendorApi, VendorReply};
use crate::bounded_body::read_at_most;
use crate::source::BoxFuture;
use chatpass_signing::minted::VendorCall;
use http::header;
use std::sync::OnceLock;
use std::time::Duration;

/// A call to the vendor gives up after this long.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(3);
/// The largest answer read.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024;
/// Sends vendor calls to this loopback origin instead (tests and the demo only).
pub const OVERRIDE_VAR: &str = "CHATPASS_VENDOR_API_OVERRIDE";

#[derive(Debug, Default)]
pub struct HttpVendorApi {
    /// `http://127.0.0.1:PORT`: the origin calls go to instead of the vendor's.
    origin: Option<String>,
    /// Made by the first call, so a function's init does not load TLS roots for it.
    client: OnceLock<reqwest::Client>,
}

impl HttpVendorApi {
    /// Calls go to the vendor's own host.
    pub fn new() -> Self {
        HttpVendorApi::default()
    }

    /// Calls go to `origin` (`http://127.0.0.1:PORT`, loopback only) with the vendor's path.
    pub fn redirected_to(origin: &str) -> Result<Self, String> {
        let url: reqwest::Url = origin
            .parse()
            .map_err(|_| format!("{OVERRIDE_VAR}: not a URL"))?;
        let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if url.scheme() != "http" || !loopback || url.path() != "/" {
            return Err(format!(
                "{OVERRIDE_VAR}: only an http://127.0.0.1:PORT origin (a test's stand-in)"
            ));
        }
        Ok(HttpVendorApi {
            origin: Some(origin.trim_end_matches('/').to_owned()),
            client: OnceLock::new(),
        })
    }

    /// From the environment: redirected when [`OVERRIDE_VAR`] is set (`chatpass sign`).
    pub fn from_env() -> Result<Self, String> {
        match std::env::var(OVERRIDE_VAR).ok().filter(|v| !v.is_empty()) {
            Some(origin) => HttpVendorApi::redirected_to(&origin),
            None => Ok(HttpVendorApi::new()),
        }
    }

    fn client(&self) -> Result<&reqwest::Client, String> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(CALL_TIMEOUT)
            .connect_timeout(Duration::from_secs(1))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(self.client.get_or_init(|| client))
    }

    fn url(&self, url: &str) -> Result<String, String> {
        let Some(origin) = &self.origin else {
            return Ok(url.to_owned());
        };
        let parsed: reqwest::Url = url.parse().map_err(|_| "a bad vendor URL".to_owned())?;
        Ok(format!("{origin}{}", parsed.path()))
    }

    async fn call(&self, call: &VendorCall<'_>) -> Result<VendorReply, String> {
        let fail = |e: reqwest::Error| e.without_url().to_string();
        let mut response = self
            .client()?
            .post(self.url(call.url)?)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .bearer_auth(call.bearer.as_str())
            .body(call.body.clone())
            .send()
            .await
            .map_err(fail)?;
        let status = response.status().as_u16();
        let body = read_at_most(&mut response, MAX_ANSWER_BYTES, "the answer").await?;
        Ok(VendorReply { status, body })
    }
}

impl VendorApi for HttpVendorApi {
    fn post<'a>(&'a self, call: &'a VendorCall<'a>) -> BoxFuture<'a, Result<VendorReply, String>> {
        Box::pin(self.call(call))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::VendorApiServer;
    use chatpass_signing::keys::VendorKey;

    async fn post(api: &HttpVendorApi) -> Result<VendorReply, String> {
        let bearer = VendorKey::new("pat-made-up").unwrap();
        let call = VendorCall {
            url: "https://api.hubapi.com/visitor-identification/v3/tokens/create",
            bearer: &bearer,
            body: r#"{"email":"a@example.com"}"#.into(),
        };
        api.post(&call).await
    }

    #[tokio::test]
    async fn sends_the_bearer_and_body_and_follows_no_redirect() {
        let server = VendorApiServer::start(200, r#"{"token":"t"}"#).await;
        let api = HttpVendorApi::redirected_to(&server.origin()).unwrap();
        let reply = post(&api).await.unwrap();
        assert_eq!(
            (reply.status, reply.body),
            (200, br#"{"token":"t"}"#.to_vec())
        );
        let received = &server.received()[0];
        assert_eq!(
            received.authorization.as_deref(),
            Some("Bearer pat-made-up")
        );
        assert_eq!(received.path, "/visitor-identification/v3/tokens/create");
        let elsewhere = VendorApiServer::start(200, r#"{"token":"stolen"}"#).await;
        server.redirect_to(&format!("{}/x", elsewhere.origin()));
        assert_eq!(post(&api).await.unwrap().status, 302);
        assert!(
            elsewhere.received().is_empty(),
            "the redirect was not followed"
        );
    }

    #[tokio::test]
    async fn cuts_off_a_large_answer_and_gives_up_on_a_silent_one() {
        let server = VendorApiServer::start(200, &"x".repeat(MAX_ANSWER_BYTES + 1)).await;
        let api = HttpVendorApi::redirected_to(&server.origin()).unwrap();
        assert_eq!(
            post(&api).await,
            Err(format!("the answer is over {MAX_ANSWER_BYTES} bytes"))
        );
        server.stall();
        let started = std::time::Instant::now();
        assert!(post(&api).await.is_err());
        let waited = started.elapsed();
        assert!(
            waited >= CALL_TIMEOUT && waited < CALL_TIMEOUT * 2,
            "{waited:?}"
        );
    }

    #[test]
    fn only_a_loopback_http_origin_may_replace_the_vendors() {
        assert!(HttpVendorApi::redirected_to("http://127.0.0.1:8080").is_ok());
        assert!(HttpVendorApi::redirected_to("http://localhost:9").is_ok());
        for origin in [
            "https://127.0.0.1:8080",
            "http://10.0.0.1:80",
            "http://evil.example",
            "http://127.0.0.1.evil.example",
            "http://127.0.0.1:8080/path",
            "nonsense",
        ] {
            assert!(HttpVendorApi::redirected_to(origin).is_err(), "{origin}");
        }
        let api = HttpVendorApi::redirected_to("http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            api.url("https://api.hubapi.com/visitor-identification/v3/tokens/create")
                .unwrap(),
            "http://127.0.0.1:8080/visitor-identification/v3/tokens/create"
        );
    }
}
