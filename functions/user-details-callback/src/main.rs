//! The user-details-callback Lambda binary: the shared Lambda runner over this function's routes.

fn main() -> Result<(), lambda_http::Error> {
    chatpass_service::lambda::run(user_details_callback::ROUTES)
}
