//! The route table: every function's routes, as each function declares them (its `ROUTES`).
//! `chatpass serve`, the demo, the tests, the OpenAPI and template checks and the fuzz target
//! go through it; nothing else names the routes or picks a handler.

use chatpass_service::pipeline::Served;

/// Each function's routes; a new function adds its line here.
pub const FUNCTIONS: [&[Served]; 4] = [
    issue_jwt::ROUTES,
    hash_user::ROUTES,
    user_details_callback::ROUTES,
    logout_webhook::ROUTES,
];

/// Every route of the HTTP API.
pub fn all() -> impl Iterator<Item = &'static Served> {
    FUNCTIONS.into_iter().flatten()
}

/// The route of `/v1/projects/{project}/<name>`.
pub fn named(name: &str) -> Option<&'static Served> {
    all().find(|route| route.spec.name == name)
}

/// The functions' folder names, in the table's order.
pub fn functions() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.into_iter().map(|routes| routes[0].spec.function)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_route_is_named_once_and_each_function_lists_its_own() {
        let mut names: Vec<&str> = all().map(|r| r.spec.name).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "a name taken twice: {names:?}");
        for routes in FUNCTIONS {
            let function = routes[0].spec.function;
            assert!(routes.iter().all(|r| r.spec.function == function));
        }
    }
}
