//! The issue-jwt Lambda binary: the shared Lambda runner over this function's routes.

fn main() -> Result<(), lambda_http::Error> {
    chatpass_service::lambda::run(issue_jwt::ROUTES)
}
