//! Project configs from a local JSON file mapping project ids to configs
//! (`{"acme-support": {...}}`), read on every fetch so edits show after the cache's TTL.

use super::{ConfigSource, ProjectFuture, SourceError};
use crate::{ProjectConfig, ProjectId};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct FileSource {
    path: PathBuf,
}

impl FileSource {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileSource { path: path.into() }
    }

    /// Reads and checks every project in the file, for start-up: one error names the first problem.
    pub fn load_all(&self) -> Result<Vec<ProjectConfig>, String> {
        let projects = self.read().map_err(|e| e.to_string())?;
        projects
            .into_iter()
            .map(|(id, doc)| {
                ProjectId::parse(&id).ok_or_else(|| {
                    format!("{}: `{id}` is not a valid project id", self.path.display())
                })?;
                ProjectConfig::from_value(&id, doc).map_err(|e| e.to_string())
            })
            .collect()
    }

    fn read(&self) -> Result<Map<String, Value>, SourceError> {
        let unavailable =
            |why: String| SourceError::Unavailable(format!("{}: {why}", self.path.display()));
        let text = std::fs::read_to_string(&self.path).map_err(|e| unavailable(e.to_string()))?;
        match serde_json::from_str(&text) {
            Ok(Value::Object(projects)) => Ok(projects),
            Ok(_) => Err(unavailable(
                "must be a JSON object of project ids to configs".into(),
            )),
            Err(e) => Err(unavailable(format!("not JSON (line {})", e.line()))),
        }
    }
}

impl ConfigSource for FileSource {
    fn project<'a>(&'a self, id: &'a ProjectId) -> ProjectFuture<'a> {
        Box::pin(async move {
            let mut projects = self.read()?;
            let doc = projects.remove(id.as_str()).ok_or(SourceError::NotFound)?;
            ProjectConfig::from_value(id.as_str(), doc)
                .map(Arc::new)
                .map_err(SourceError::from)
        })
    }
}
