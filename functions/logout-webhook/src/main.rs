//! The logout-webhook Lambda binary: the shared Lambda runner over this function's handler.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    chatpass_service::lambda::run(&logout_webhook::ROUTE, logout_webhook::handler).await
}
