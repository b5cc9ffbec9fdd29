//! chatpass-service: what every function needs beside the vendor schemes: project config and
//! where it comes from, sessions, the caller's identity, errors as responses, CORS, logging.

pub mod config;
pub mod identity;
pub mod project_id;

pub use config::{ConfigError, ProjectConfig};
pub use project_id::ProjectId;
pub mod clock;
pub mod error;
pub mod source;

pub use error::ServiceError;
pub mod standin_idp;
pub mod verifier;
