//! The AWS SDK's shared config: region and credentials from the environment, an endpoint
//! override for tests (`AWS_ENDPOINT_URL`), and timeouts and retries well under API
//! Gateway's 30 s so a slow dependency becomes a 503, not a gateway timeout; and the SDK made
//! ready before the first request.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_sdk_secretsmanager::config::SharedHttpClient;
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
pub fn loader() -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(shared_https_client())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
}

/// The one HTTPS client every SDK client made from the config shares. Without it each client
/// makes its own (the SDK's default): its own TLS set-up, root certificates included, and its
/// own connection pool, so a connection one client opened never serves another.
fn shared_https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .build_https()
}

/// The SDK made ready: its config, and the Secrets Manager client that has already made one
/// call, so the first request finds credentials resolved, the TLS stack seeded, its roots
/// loaded and a connection open (the config's one HTTPS client serves every SDK client made
/// from it).
pub struct Aws {
    pub config: SdkConfig,
    pub secrets: aws_sdk_secretsmanager::Client,
}

impl Aws {
    /// [`sdk_config`] made ready, as a function does during its init.
    pub async fn from_env(prefix: &str) -> Aws {
        Aws::ready(sdk_config().await, prefix).await
    }

    /// `config` made ready by one GetSecretValue of a secret no project can have (`.` is not in
    /// a project id), its answer (ResourceNotFound) ignored: the one call every function's role
    /// allows (template.yaml). It is bounded by the SDK's timeouts, well under Lambda's 10 s
    /// init. DynamoDB's connection is opened by the first request (logout-webhook may not
    /// GetItem).
    pub async fn ready(config: SdkConfig, prefix: &str) -> Aws {
        let secrets = aws_sdk_secretsmanager::Client::new(&config);
        let warm_up = format!("{prefix}.warm-up");
        let answer = secrets.get_secret_value().secret_id(warm_up).send().await;
        tracing::debug!(
            answered = answer.is_ok(),
            "Secrets Manager connection opened during init"
        );
        Aws { config, secrets }
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
