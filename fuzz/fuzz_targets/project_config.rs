//! The project-config parser on arbitrary bytes: never a panic; a refusal names the project
//! and never echoes a key, a webhook secret or a callback key; an accepted config's `Debug`
//! shows none of them either.

#![no_main]

use chatpass_service::ProjectConfig;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The secret values of a document: `key`, `callback_keys[]`, `webhook_secrets[]`.
fn secrets(doc: &Value) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(key) = doc.get("key").and_then(Value::as_str) {
        found.push(key.to_owned());
    }
    for list in ["callback_keys", "webhook_secrets"] {
        if let Some(items) = doc.get(list).and_then(Value::as_array) {
            found.extend(items.iter().filter_map(Value::as_str).map(str::to_owned));
        }
    }
    found
}

fuzz_target!(|data: &[u8]| {
    let Ok(document) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = ProjectConfig::parse("fuzz-project", document);
    let doc: Value = serde_json::from_str(document).unwrap_or(Value::Null);
    // A value that occurs once in the document, only as a secret, must not be repeated. Short
    // values could match field names or messages by chance, so only those of 8+ bytes count.
    let guarded: Vec<String> = secrets(&doc)
        .into_iter()
        .filter(|s| s.len() >= 8 && document.matches(s.as_str()).count() == 1)
        .collect();
    let shown = match &parsed {
        Err(error) => {
            assert_eq!(error.project, "fuzz-project");
            error.to_string()
        }
        Ok(config) => {
            assert_eq!(config.project, "fuzz-project");
            format!("{config:?}")
        }
    };
    for secret in &guarded {
        assert!(!shown.contains(secret.as_str()), "echoed a secret: {shown}");
    }
});
