//! chatpass-service: what every function needs beside the vendor schemes: project configs and
//! where they come from, sessions, who the caller is, the one request pipeline, errors as
//! responses, logging, and the Lambda runner.

pub mod aws;
mod bounded_body;
pub mod clock;
pub mod config;
pub mod error;
pub mod identity;
pub mod lambda;
pub mod logging;
pub mod metrics;
pub mod pipeline;
pub mod project_id;
pub mod request;
pub mod settings;
pub mod source;
pub mod state;
pub mod store;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod vendor_api;

pub use config::{ConfigError, ProjectConfig};
pub use error::ServiceError;
pub use project_id::ProjectId;
pub use settings::Settings;
pub use state::State;
