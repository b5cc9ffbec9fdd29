//! The moto harness itself: a secret round-trips through a real SDK client, requests are
//! counted, and `stop`/`restart` look like an outage and a recovery to that client.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::SdkError;
use aws_sdk_secretsmanager::operation::get_secret_value::{
    GetSecretValueError, GetSecretValueOutput,
};
use chatpass_tests::moto::Moto;

async fn create_secret(client: &Client, name: &str, value: &str) {
    client
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .expect("moto creates the secret");
}

/// What moto answers to GetSecretValue of `name`.
async fn get_secret(
    client: &Client,
    name: &str,
) -> Result<GetSecretValueOutput, SdkError<GetSecretValueError>> {
    client.get_secret_value().secret_id(name).send().await
}

async fn read_secret(client: &Client, name: &str) -> String {
    get_secret(client, name)
        .await
        .expect("moto returns the secret")
        .secret_string()
        .expect("the secret is a string")
        .to_owned()
}

#[tokio::test]
async fn a_secret_created_in_moto_reads_back_and_its_reads_are_counted() {
    let moto = Moto::start();
    let client = Client::new(&moto.sdk_config().await);

    create_secret(&client, "chatpass/projects/acme", r#"{"vendor":"zendesk"}"#).await;
    assert_eq!(
        read_secret(&client, "chatpass/projects/acme").await,
        r#"{"vendor":"zendesk"}"#
    );
    assert_eq!(moto.request_count("GetSecretValue"), 1);
    assert_eq!(moto.request_count("secretsmanager.CreateSecret"), 1);

    moto.reset();
    assert_eq!(moto.request_count("GetSecretValue"), 0);
    let gone = get_secret(&client, "chatpass/projects/acme")
        .await
        .expect_err("reset empties moto");
    assert!(
        gone.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception()),
        "expected ResourceNotFoundException, got {gone:?}"
    );
    assert_eq!(moto.request_count("GetSecretValue"), 1);
}

#[tokio::test]
async fn stop_makes_moto_unreachable_and_restart_brings_it_back_empty() {
    let mut moto = Moto::start();
    let endpoint = moto.endpoint.clone();
    let client = Client::new(&moto.sdk_config().await);
    create_secret(&client, "chatpass/projects/acme", "before").await;

    moto.stop();
    let outage = get_secret(&client, "chatpass/projects/acme")
        .await
        .expect_err("a stopped moto does not answer");
    assert!(
        matches!(outage, SdkError::DispatchFailure(_)),
        "expected a connection failure, got {outage:?}"
    );

    moto.restart();
    assert_eq!(moto.endpoint, endpoint, "restart keeps the port");
    let empty = get_secret(&client, "chatpass/projects/acme")
        .await
        .expect_err("a restarted moto starts empty");
    assert!(
        empty
            .as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception()),
        "expected moto to answer ResourceNotFoundException, got {empty:?}"
    );

    create_secret(&client, "chatpass/projects/acme", "after").await;
    assert_eq!(
        read_secret(&client, "chatpass/projects/acme").await,
        "after"
    );
}
