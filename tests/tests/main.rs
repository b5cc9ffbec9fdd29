//! Every workspace-level test, in one binary so the suite links once: the vectors, the CLI,
//! each function's handler, flows against moto, the attack suites, the OpenAPI and
//! architecture checks, `serve` over HTTP, the function binaries under `cargo lambda` and the
//! deploy rehearsal. One module per file beside this one.

mod architecture;
mod attacks_explain;
mod attacks_identity;
mod attacks_logout;
mod attacks_webhook;
mod bad_input;
mod cli_explain_keygen;
mod cli_project;
mod cli_sign;
mod cli_webhook;
mod faults;
mod flows_cache;
mod flows_logout_rules;
mod flows_sessions;
mod flows_vendors;
mod functions;
mod identity_cache;
mod independent_verification;
mod lambda_entry;
mod lambda_watch;
mod log_hygiene;
mod moto_harness;
mod openapi_answers;
mod openapi_document;
mod previous_keys;
mod refusal_reasons;
mod rehearsal;
mod serve_flows;
mod serve_jwks_refresh;
mod template_routes;
mod vendor_registry;
