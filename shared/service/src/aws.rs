//! The AWS SDK's shared config: region and credentials from the environment, an endpoint
//! override for tests (`AWS_ENDPOINT_URL`), and timeouts and retries well under API
//! Gateway's 30 s so a slow dependency becomes a 503, not a gateway timeout.

use crate::source::BoxFuture;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);
pub const MAX_ATTEMPTS: u32 = 2;

/// The config of every AWS client chatpass makes.
pub async fn sdk_config() -> SdkConfig {
    loader().load().await
}

/// The loader behind [`sdk_config`], for callers that add to it (tests point it at moto).
///
/// One HTTPS client serves every SDK client made from the config. Without it each client makes
/// its own (the SDK's default): its own TLS set-up, root certificates included, and its own
/// connection pool, so a connection one client opened never serves another.
pub fn loader() -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(
            aws_smithy_http_client::Builder::new()
                .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
                .build_https(),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
}

/// The SDK config, loaded once: during a Lambda's init with a warm-up (issue 15), or by the
/// first call that needs AWS (`serve`, the CLI).
///
/// Made during init because a function's first AWS call costs a few ms of CPU once (the
/// credentials, the TLS stack, the roots, the handshake), which a 128 MB Lambda's share of a
/// vCPU stretches tenfold, and AWS runs init faster than invocations. Measured against making
/// it on first use and in a background task (BENCHMARKS.md, "As deployed").
#[derive(Clone, Default)]
pub struct SharedSdk {
    config: Arc<OnceCell<SdkConfig>>,
    /// Runs once after the config loads, before anyone gets it.
    warm_up: Option<WarmUp>,
}

/// What runs with the config once it is loaded: opening connections during init.
pub type WarmUp = Arc<dyn Fn(SdkConfig) -> BoxFuture<'static, ()> + Send + Sync>;

impl SharedSdk {
    /// An SDK whose loading also runs `warm_up`, which every caller of [`SharedSdk::get`]
    /// then waits for.
    pub fn with_warm_up(warm_up: WarmUp) -> Self {
        SharedSdk {
            config: Arc::default(),
            warm_up: Some(warm_up),
        }
    }

    /// The config, loaded on the first call.
    pub async fn get(&self) -> &SdkConfig {
        self.config
            .get_or_init(|| async {
                let config = sdk_config().await;
                if let Some(warm_up) = &self.warm_up {
                    warm_up(config.clone()).await;
                }
                config
            })
            .await
    }
}

/// How a client is made from the SDK config (`Client::new`).
type MakeClient<C> = fn(&SdkConfig) -> C;

/// An SDK client given ready-made, or made from a [`SharedSdk`] by the first call that needs it.
pub struct LazyClient<C> {
    client: Arc<OnceCell<C>>,
    /// How a lazy client is made; `None` for one given ready-made.
    make: Option<(SharedSdk, MakeClient<C>)>,
}

impl<C> LazyClient<C> {
    pub fn ready(client: C) -> Self {
        LazyClient {
            client: Arc::new(OnceCell::new_with(Some(client))),
            make: None,
        }
    }

    /// A client made with `make` from `sdk` on first use.
    pub fn lazy(sdk: SharedSdk, make: MakeClient<C>) -> Self {
        LazyClient {
            client: Arc::new(OnceCell::new()),
            make: Some((sdk, make)),
        }
    }

    pub async fn get(&self) -> &C {
        self.client
            .get_or_init(|| async {
                let (sdk, make) = self
                    .make
                    .as_ref()
                    .expect("a client that is not ready has a maker");
                make(sdk.get().await)
            })
            .await
    }
}

impl<C> Clone for LazyClient<C> {
    fn clone(&self) -> Self {
        LazyClient {
            client: self.client.clone(),
            make: self.make.clone(),
        }
    }
}

impl<C> std::fmt::Debug for LazyClient<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyClient")
            .field("ready", &self.client.initialized())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    /// The repository's build settings (.cargo/config.toml) reach every crate's build, aws-lc's
    /// build script included: without them a 128 MB Lambda's first TLS handshake pays for CPU
    /// Jitter Entropy, most of its first answer (BENCHMARKS.md, "As deployed").
    #[test]
    fn aws_lc_is_built_without_cpu_jitter_entropy() {
        assert_eq!(option_env!("AWS_LC_SYS_NO_JITTER_ENTROPY"), Some("1"));
    }
}
