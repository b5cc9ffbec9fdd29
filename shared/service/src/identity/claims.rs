//! Verified claims, as the API Gateway JWT authorizer hands them over: every value a string.

use serde_json::{Map, Value};
use std::collections::HashMap;

/// Verified claims, flattened to strings the way API Gateway's JWT authorizer does.
pub type Claims = HashMap<String, String>;

/// Flattens verified claims the way API Gateway's JWT authorizer does: strings as they are,
/// numbers and booleans as text, arrays as `[a b]` and objects as `map[k:v]` (Go's rendering,
/// keys sorted); a `null` claim is left out.
pub fn flatten(claims: Map<String, Value>) -> Claims {
    claims
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                other => go_rendering(&other),
            };
            (k, text)
        })
        .collect()
}

/// A JSON value as Go's `fmt` prints the value decoded from it.
fn go_rendering(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(go_rendering).collect();
            format!("[{}]", items.join(" "))
        }
        Value::Object(members) => {
            let mut pairs: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{k}:{}", go_rendering(v)))
                .collect();
            pairs.sort();
            format!("map[{}]", pairs.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattens_like_api_gateway() {
        let flat = flatten(
            json!({"iat": 17, "email_verified": true, "aud": ["a", "b"], "sub": "u",
                   "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
                   "nested": {"b": [1, {"c": "d"}], "a": null}, "gone": null})
            .as_object()
            .cloned()
            .unwrap(),
        );
        assert_eq!(flat["iat"], "17");
        assert_eq!(flat["email_verified"], "true");
        assert_eq!(flat["aud"], "[a b]");
        assert_eq!(flat["sub"], "u");
        assert_eq!(
            flat["events"],
            "map[http://schemas.openid.net/event/backchannel-logout:map[]]"
        );
        assert_eq!(flat["nested"], "map[a:<nil> b:[1 map[c:d]]]");
        assert!(!flat.contains_key("gone"));
    }
}
