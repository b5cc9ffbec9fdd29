//! Each project's config read once per TTL with one GetSecretValue (AWSCURRENT), as chatpass's
//! config cache does, with the HMAC key schedule of its signing key prepared when read.

use aws_sdk_secretsmanager::Client;
use hmac::{Hmac, KeyInit};
use serde::Deserialize;
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const DEFAULT_PREFIX: &str = "chatpass/projects/";
/// chatpass's default config TTL.
const TTL: Duration = Duration::from_secs(300);

/// What the floor's work reads of a project's config.
#[derive(Deserialize)]
struct Config {
    key: String,
    #[serde(default)]
    callback_keys: Vec<String>,
    #[serde(default)]
    webhook_secrets: Vec<String>,
}

pub struct Project {
    /// The signing key's HMAC, its key schedule prepared.
    pub mac: Hmac<Sha256>,
    pub callback_keys: Vec<String>,
    pub webhook_secrets: Vec<String>,
}

pub struct Projects {
    client: Client,
    prefix: String,
    cached: Mutex<HashMap<String, (Instant, Arc<Project>)>>,
}

impl Projects {
    pub fn new(client: Client, prefix: String) -> Projects {
        Projects {
            client,
            prefix,
            cached: Mutex::default(),
        }
    }

    /// The project's config, read from Secrets Manager when not cached within the TTL;
    /// `None` when it cannot be had.
    pub async fn get(&self, id: &str) -> Option<Arc<Project>> {
        if let Some((read, project)) = self.cached.lock().ok()?.get(id)
            && read.elapsed() < TTL
        {
            return Some(project.clone());
        }
        let output = self
            .client
            .get_secret_value()
            .secret_id(format!("{}{id}", self.prefix))
            .version_stage("AWSCURRENT")
            .send()
            .await
            .ok()?;
        let config: Config = serde_json::from_str(output.secret_string()?).ok()?;
        let project = Arc::new(Project {
            mac: Hmac::new_from_slice(config.key.as_bytes()).ok()?,
            callback_keys: config.callback_keys,
            webhook_secrets: config.webhook_secrets,
        });
        self.cached
            .lock()
            .ok()?
            .insert(id.to_owned(), (Instant::now(), project.clone()));
        Some(project)
    }
}
