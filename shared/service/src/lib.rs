//! chatpass-service: what every function needs beside the vendor schemes: project config and
//! where it comes from, sessions, the caller's identity, errors as responses, CORS, logging.

pub mod aws;
pub mod caller;
pub mod clock;
pub mod config;
pub mod cors;
pub mod error;
pub mod http;
pub mod identity;
pub mod jwks;
pub mod logging;
pub mod project_id;
pub mod signin;
pub mod source;
pub mod standin_idp;
pub mod state;
pub mod store;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod verifier;

pub use config::{ConfigError, ProjectConfig};
pub use error::ServiceError;
pub use project_id::ProjectId;
pub use state::State;
