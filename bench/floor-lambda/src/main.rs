//! The floor of chatpass's deployed functions: a `lambda_runtime` function sharing no chatpass
//! code that makes the AWS SDK ready during init exactly as chatpass does, then per request
//! does only the work the function it stands beside must do (`FLOOR_WORK`, [`work::Work`]).
//! bench/deployed.py runs it beside each function, under the same emulation, in the same run.

mod aws;
mod callback;
mod event;
mod logout;
mod projects;
mod sign_in;
mod work;

use lambda_http::lambda_runtime::{Error, LambdaEvent, run, service_fn};
use projects::Projects;
use work::{Floor, Work};

// One thread, as chatpass's functions run (shared/service/src/lambda.rs).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let work = Work::from_env()?;
    let table = std::env::var("CHATPASS_TABLE").map_err(|_| "CHATPASS_TABLE is not set")?;
    let prefix =
        std::env::var("CHATPASS_SECRET_PREFIX").unwrap_or_else(|_| projects::DEFAULT_PREFIX.into());
    let (config, secrets) = aws::ready(&prefix).await;
    let floor: &'static Floor = Box::leak(Box::new(Floor {
        work,
        projects: Projects::new(secrets, prefix),
        dynamodb: aws_sdk_dynamodb::Client::new(&config),
        table,
    }));
    run(service_fn(move |event: LambdaEvent<event::Event>| {
        floor.answer(event.payload)
    }))
    .await
}
