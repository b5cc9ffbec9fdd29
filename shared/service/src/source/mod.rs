//! Where project configs come from: the `ConfigSource` port, its implementations (Secrets
//! Manager, a local file, memory) and the cache that wraps any of them.

mod cache;
mod file;
mod memory;
mod secrets_manager;

pub use cache::{CacheSettings, ConfigCache};
pub use file::FileSource;
pub use memory::MemorySource;
pub use secrets_manager::{DEFAULT_PREFIX, SecretsManagerSource, Stages};

use crate::{ConfigError, ProjectConfig, ProjectId};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What [`ConfigSource::project`] answers, in time.
pub type ProjectFuture<'a> = BoxFuture<'a, Result<Arc<ProjectConfig>, SourceError>>;

/// Why a project's config could not be had.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SourceError {
    #[error("no such project")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] ConfigError),
    /// The backing service failed; the cause is for the log, never for a client.
    #[error("config source unavailable: {0}")]
    Unavailable(String),
}

/// A place that holds one config per project.
pub trait ConfigSource: Send + Sync {
    /// The project's parsed config; keys of the previous version (while rotating) are merged
    /// into the lists chatpass verifies with.
    fn project<'a>(&'a self, id: &'a ProjectId) -> ProjectFuture<'a>;
}
