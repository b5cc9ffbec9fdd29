//! The logout-webhook Lambda binary: the shared Lambda runner over this function's routes.

fn main() -> Result<(), lambda_http::Error> {
    chatpass_service::lambda::run(logout_webhook::ROUTES)
}
