//! The two lists chatpass verifies callers with, `callback_keys` and `webhook_secrets`, as
//! values in a project document, and which of them AWSPREVIOUS alone keeps accepted.

use super::secrets::Version;
use chatpass_service::{ProjectConfig, ProjectId};
use serde_json::{Map, Value};

pub const FIELDS: [&str; 2] = ["callback_keys", "webhook_secrets"];

/// The document of a version the functions would load, or `None` (they ignore one that does
/// not load, so it makes nothing accepted).
pub fn loaded(project: &ProjectId, version: Option<&Version>) -> Option<Map<String, Value>> {
    let version = version?;
    ProjectConfig::parse(project.as_str(), &version.document).ok()?;
    match serde_json::from_str(&version.document) {
        Ok(Value::Object(document)) => Some(document),
        _ => None,
    }
}

pub fn values(document: &Map<String, Value>, field: &str) -> Vec<String> {
    document
        .get(field)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Sets `field` to `list`, in place when the field is there, else at the end.
pub fn set(document: &mut Map<String, Value>, field: &str, list: Vec<String>) {
    document.insert(
        field.to_owned(),
        Value::Array(list.into_iter().map(Value::String).collect()),
    );
}

/// The values of `field` that `previous` has and `current` lacks: accepted only while
/// `previous` is AWSPREVIOUS.
pub fn only_in(
    previous: Option<&Map<String, Value>>,
    current: &Map<String, Value>,
    field: &str,
) -> Vec<String> {
    let kept = values(current, field);
    previous
        .map(|p| values(p, field))
        .unwrap_or_default()
        .into_iter()
        .filter(|v| !kept.contains(v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_in_lists_what_the_current_document_lacks() {
        let previous = json!({"callback_keys": ["a", "b"]});
        let current = json!({"callback_keys": ["b", "c"]});
        assert_eq!(
            only_in(
                previous.as_object(),
                current.as_object().unwrap(),
                "callback_keys"
            ),
            ["a"]
        );
        assert!(only_in(None, current.as_object().unwrap(), "callback_keys").is_empty());
    }

    #[test]
    fn set_keeps_the_field_where_it_was() {
        let mut doc = json!({"vendor": "crisp", "callback_keys": ["a"], "key": "k"});
        set(
            doc.as_object_mut().unwrap(),
            "callback_keys",
            vec!["b".into(), "a".into()],
        );
        assert_eq!(
            doc.to_string(),
            r#"{"vendor":"crisp","callback_keys":["b","a"],"key":"k"}"#
        );
    }
}
