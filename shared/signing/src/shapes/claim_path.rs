//! Where a claim or a settings field goes: a dot-separated path (`attributes.email`), where a
//! segment of digits indexes an array (`lp_sdes.0.type`). Checked at load; arrays fill in
//! order, so a position whose earlier entries are absent for a user takes the next free one.

use crate::VendorConfigError;
use serde_json::{Map, Value};

/// The most array positions a path may name (a widget's lists are short).
const MAX_INDEX: usize = 15;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClaimPath {
    text: String,
    segments: Vec<Segment>,
}

impl ClaimPath {
    /// Parses `text`; `at` is the config field it came from, for the error.
    pub(crate) fn parse(at: &str, text: &str) -> Result<Self, VendorConfigError> {
        let mut segments = Vec::new();
        for part in text.split('.') {
            if part.is_empty() {
                return Err(VendorConfigError::bad(
                    at,
                    "an empty claim name or path segment",
                ));
            }
            if part.bytes().all(|b| b.is_ascii_digit()) {
                let index: usize = part.parse().unwrap_or(usize::MAX);
                if segments.is_empty() || index > MAX_INDEX {
                    return Err(VendorConfigError::bad(
                        at,
                        format!("a path starts with a name and indexes at most {MAX_INDEX}"),
                    ));
                }
                segments.push(Segment::Index(index));
            } else {
                segments.push(Segment::Key(part.to_owned()));
            }
        }
        Ok(ClaimPath {
            text: text.to_owned(),
            segments,
        })
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// True when one path is the other or lies inside it: they would write the same place.
    pub(crate) fn overlaps(&self, other: &ClaimPath) -> bool {
        self.segments
            .iter()
            .zip(&other.segments)
            .all(|(a, b)| a == b)
    }

    /// True when this path lies inside (or is) `prefix`.
    pub(crate) fn is_within(&self, prefix: &ClaimPath) -> bool {
        self.segments.len() >= prefix.segments.len() && self.overlaps(prefix)
    }

    /// Writes `value` at the path, making objects and arrays on the way. `false` when a value
    /// already there is in the way (a config that does this is refused at load).
    pub(crate) fn insert(&self, root: &mut Map<String, Value>, value: Value) -> bool {
        let Some((Segment::Key(first), rest)) = self.segments.split_first() else {
            return false;
        };
        if rest.is_empty() {
            root.insert(first.clone(), value);
            return true;
        }
        let slot = root
            .entry(first.clone())
            .or_insert_with(|| container_for(&rest[0]));
        place(slot, rest, value)
    }

    /// The value at the path, if present.
    pub(crate) fn get<'a>(&self, root: &'a Map<String, Value>) -> Option<&'a Value> {
        let (Segment::Key(first), rest) = self.segments.split_first()? else {
            return None;
        };
        rest.iter()
            .try_fold(root.get(first)?, |value, segment| match segment {
                Segment::Key(key) => value.get(key),
                Segment::Index(index) => value.get(*index),
            })
    }
}

fn container_for(segment: &Segment) -> Value {
    match segment {
        Segment::Key(_) => Value::Object(Map::new()),
        Segment::Index(_) => Value::Array(Vec::new()),
    }
}

fn place(slot: &mut Value, segments: &[Segment], value: Value) -> bool {
    let Some((segment, rest)) = segments.split_first() else {
        return false;
    };
    let next = match (segment, slot) {
        (Segment::Key(key), Value::Object(map)) => {
            if rest.is_empty() {
                map.insert(key.clone(), value);
                return true;
            }
            map.entry(key.clone())
                .or_insert_with(|| container_for(&rest[0]))
        }
        (Segment::Index(index), Value::Array(items)) => {
            let at = (*index).min(items.len());
            if rest.is_empty() {
                match items.get_mut(at) {
                    Some(item) => *item = value,
                    None => items.push(value),
                }
                return true;
            }
            if at == items.len() {
                items.push(container_for(&rest[0]));
            }
            &mut items[at]
        }
        _ => return false,
    };
    place(next, rest, value)
}

/// Parses each path and refuses two that write the same place; `at` names the config map.
pub(crate) fn distinct(at: &str, paths: &[ClaimPath]) -> Result<(), VendorConfigError> {
    for (i, path) in paths.iter().enumerate() {
        if let Some(other) = paths[..i].iter().find(|p| p.overlaps(path)) {
            return Err(VendorConfigError::bad(
                format!("{at}.{}", path.as_str()),
                format!("writes where `{}` already goes", other.as_str()),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(text: &str) -> ClaimPath {
        ClaimPath::parse("options.claims.x", text).unwrap()
    }

    #[test]
    fn writes_nested_objects_and_arrays_in_order() {
        let mut root = Map::new();
        for (p, v) in [
            ("sub", json!("u-1")),
            ("attributes.email", json!("a@example.com")),
            ("attributes.name", json!("A")),
            ("lp_sdes.0.type", json!("ctmrinfo")),
            ("lp_sdes.0.info.customerId", json!("u-1")),
            ("lp_sdes.2.type", json!("personal")),
        ] {
            assert!(path(p).insert(&mut root, v));
        }
        assert_eq!(
            Value::Object(root.clone()),
            json!({"sub": "u-1", "attributes": {"email": "a@example.com", "name": "A"},
                   "lp_sdes": [{"type": "ctmrinfo", "info": {"customerId": "u-1"}}, {"type": "personal"}]})
        );
        assert_eq!(path("attributes.name").get(&root), Some(&json!("A")));
        assert!(
            !path("sub.deeper").insert(&mut root, json!(1)),
            "a string is in the way"
        );
    }

    #[test]
    fn refuses_empty_segments_leading_indexes_and_overlapping_paths() {
        for bad in ["", "a..b", "0.a", "a.99"] {
            assert_eq!(
                ClaimPath::parse("options.claims.id", bad)
                    .err()
                    .unwrap()
                    .field(),
                "options.claims.id",
                "{bad}"
            );
        }
        assert!(path("attributes.email").overlaps(&path("attributes")));
        assert!(!path("attributes.email").overlaps(&path("attributes.name")));
        assert!(path("attributes.email").is_within(&path("attributes")));
        assert!(!path("attributes").is_within(&path("attributes.email")));
        let refused = distinct("options.constants", &[path("a.b"), path("a")]).unwrap_err();
        assert_eq!(refused.field(), "options.constants.a");
    }
}
