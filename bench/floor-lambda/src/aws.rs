//! The AWS SDK made ready during init as chatpass makes it (shared/service/src/aws.rs and
//! `State::from_env`'s warm-up): one shared rustls/aws-lc HTTPS client, the same timeouts and
//! retries, and one GetSecretValue of a name no project has, awaited before the first event.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_secretsmanager::Client;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use std::time::Duration;

/// The config every client is made from, and the Secrets Manager client whose connection the
/// warm-up opened (the first request reads its project through it).
pub async fn ready(prefix: &str) -> (SdkConfig, Client) {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(
            aws_smithy_http_client::Builder::new()
                .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
                .build_https(),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(1))
                .operation_attempt_timeout(Duration::from_secs(2))
                .operation_timeout(Duration::from_secs(5))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .load()
        .await;
    let secrets = Client::new(&config);
    // ResourceNotFound, ignored, as chatpass ignores it.
    let _ = secrets
        .get_secret_value()
        .secret_id(format!("{prefix}.warm-up"))
        .send()
        .await;
    (config, secrets)
}

#[cfg(test)]
mod tests {
    /// The repository's .cargo/config.toml reaches the bench's builds too (bench/run.py builds
    /// from bench/, under it): aws-lc without CPU Jitter Entropy, as chatpass ships it.
    #[test]
    fn aws_lc_is_built_without_cpu_jitter_entropy_as_chatpass_is() {
        assert_eq!(option_env!("AWS_LC_SYS_NO_JITTER_ENTROPY"), Some("1"));
    }
}
