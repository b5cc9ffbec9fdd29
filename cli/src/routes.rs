//! The route table: every route of the HTTP API with the function that answers it, read from
//! each function's own `ROUTE`. `chatpass serve`, the demo, the tests and the OpenAPI check go
//! through it; nothing else names the routes or picks a handler.

use chatpass_service::State;
use chatpass_service::source::Stages;
use http::Method;
use lambda_http::{Body, Request, Response};

/// A route of `/v1/projects/{project}/<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Token,
    Jwks,
    UserHash,
    UserDetails,
    Logout,
}

impl Route {
    pub const ALL: [Route; 5] = [
        Route::Token,
        Route::Jwks,
        Route::UserHash,
        Route::UserDetails,
        Route::Logout,
    ];

    /// The route whose last path segment is `name`.
    pub fn named(name: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|route| route.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Route::Token => issue_jwt::ROUTE.name,
            Route::Jwks => issue_jwt::JWKS_ROUTE.name,
            Route::UserHash => hash_user::ROUTE.name,
            Route::UserDetails => user_details_callback::ROUTE.name,
            Route::Logout => logout_webhook::ROUTE.name,
        }
    }

    /// The Lambda function that answers it (its folder under `functions/`).
    pub fn function(self) -> &'static str {
        match self {
            Route::Token => issue_jwt::ROUTE.function,
            Route::Jwks => issue_jwt::JWKS_ROUTE.function,
            Route::UserHash => hash_user::ROUTE.function,
            Route::UserDetails => user_details_callback::ROUTE.function,
            Route::Logout => logout_webhook::ROUTE.function,
        }
    }

    pub fn methods(self) -> &'static [Method] {
        match self {
            Route::Token => issue_jwt::ROUTE.methods,
            Route::Jwks => issue_jwt::JWKS_ROUTE.methods,
            Route::UserHash => hash_user::ROUTE.methods,
            Route::UserDetails => user_details_callback::ROUTE.methods,
            Route::Logout => logout_webhook::ROUTE.methods,
        }
    }

    /// Browser-facing, behind API Gateway's JWT authorizer in AWS.
    pub fn browser(self) -> bool {
        match self {
            Route::Token => issue_jwt::ROUTE.browser(),
            Route::Jwks => issue_jwt::JWKS_ROUTE.browser(),
            Route::UserHash => hash_user::ROUTE.browser(),
            Route::UserDetails => user_details_callback::ROUTE.browser(),
            Route::Logout => logout_webhook::ROUTE.browser(),
        }
    }

    /// The secret versions its function reads.
    pub fn stages(self) -> Stages {
        match self {
            Route::Token => issue_jwt::ROUTE.stages,
            Route::Jwks => issue_jwt::JWKS_ROUTE.stages,
            Route::UserHash => hash_user::ROUTE.stages,
            Route::UserDetails => user_details_callback::ROUTE.stages,
            Route::Logout => logout_webhook::ROUTE.stages,
        }
    }

    /// The function's answer to `request`.
    pub async fn handle(self, state: &State, request: Request) -> Response<Body> {
        match self {
            Route::Token => issue_jwt::token_handler(state, request).await,
            Route::Jwks => issue_jwt::jwks_handler(state, request).await,
            Route::UserHash => hash_user::handler(state, request).await,
            Route::UserDetails => user_details_callback::handler(state, request).await,
            Route::Logout => logout_webhook::handler(state, request).await,
        }
    }
}
