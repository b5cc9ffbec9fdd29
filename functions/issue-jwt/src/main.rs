//! The issue-jwt Lambda binary: the shared Lambda runner over this function's handler.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    chatpass_service::lambda::run(&issue_jwt::ROUTE, issue_jwt::handler).await
}
