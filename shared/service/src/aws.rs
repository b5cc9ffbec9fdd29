//! The AWS SDK's shared config: region and credentials from the environment, an endpoint
//! override for tests (`AWS_ENDPOINT_URL`), and timeouts and retries well under API
//! Gateway's 30 s so a slow dependency becomes a 503, not a gateway timeout.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
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
pub fn loader() -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
}

/// The SDK config, loaded by the first request that needs AWS rather than at Lambda init:
/// loading it (its HTTPS client reads the TLS root certificates) took most of a function's
/// init, and loading it in the background instead competed with the runtime's own start
/// (BENCHMARKS.md, issue 8: a later first answer no sooner than loading it on first use).
#[derive(Clone, Default)]
pub struct SharedSdk(Arc<OnceCell<SdkConfig>>);

impl SharedSdk {
    /// The config, loaded on the first call.
    pub async fn get(&self) -> &SdkConfig {
        self.0.get_or_init(sdk_config).await
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
