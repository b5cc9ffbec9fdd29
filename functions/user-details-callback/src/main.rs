//! The user-details-callback Lambda binary: logging, state built once, the runtime.

use chatpass_service::State;
use chatpass_service::source::Stages;
use lambda_http::{Error, run, service_fn};
use std::convert::Infallible;

#[tokio::main]
async fn main() -> Result<(), Error> {
    chatpass_service::logging::init();
    let state = State::from_env(Stages::CurrentAndPrevious)?;
    run(service_fn(|request| {
        let state = state.clone();
        async move { Ok::<_, Infallible>(user_details_callback::handler(&state, request).await) }
    }))
    .await
}
