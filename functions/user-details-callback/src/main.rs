//! The user-details-callback Lambda binary: the shared Lambda runner over this function's handler.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    chatpass_service::lambda::run(
        &user_details_callback::ROUTE,
        user_details_callback::handler,
    )
    .await
}
