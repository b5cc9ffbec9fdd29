//! Project configs held in memory: the embedded demo of `chatpass serve`, and tests.

use super::{ConfigSource, ProjectFuture, SourceError};
use crate::{ProjectConfig, ProjectId};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Default, Clone)]
pub struct MemorySource {
    projects: HashMap<String, Arc<ProjectConfig>>,
}

impl MemorySource {
    pub fn new(projects: impl IntoIterator<Item = ProjectConfig>) -> Self {
        MemorySource {
            projects: projects
                .into_iter()
                .map(|p| (p.project.clone(), Arc::new(p)))
                .collect(),
        }
    }
}

impl ConfigSource for MemorySource {
    fn project<'a>(&'a self, id: &'a ProjectId) -> ProjectFuture<'a> {
        let found = self
            .projects
            .get(id.as_str())
            .cloned()
            .ok_or(SourceError::NotFound);
        Box::pin(async move { found })
    }
}
