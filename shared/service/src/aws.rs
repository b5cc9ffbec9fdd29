//! The AWS SDK's shared config: region and credentials from the environment, an endpoint
//! override for tests (`AWS_ENDPOINT_URL`), and timeouts and retries well under API
//! Gateway's 30 s so a slow dependency becomes a 503, not a gateway timeout.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use std::time::Duration;

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
