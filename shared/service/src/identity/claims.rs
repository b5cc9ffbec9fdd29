//! Verified claims (as the API Gateway JWT authorizer hands them over, every value a string)
//! and how a project maps them to the canonical user (`identity.claims`).

use chatpass_signing::User;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Verified claims, flattened to strings the way API Gateway's JWT authorizer does.
pub type Claims = HashMap<String, String>;

/// Why verified claims do not make a user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("the identity token has no `{0}` claim")]
    MissingClaim(String),
}

/// Canonical user field → claim name, with the OIDC standard claims as defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimMap {
    id: String,
    email: String,
    email_verified: String,
    name: String,
    first_name: String,
    last_name: String,
    phone: String,
    avatar_url: String,
    /// `property_<id>` → claim name.
    properties: Vec<(String, String)>,
    /// False when `email` is remapped but `email_verified` is not: the standard
    /// `email_verified` claim speaks of the standard `email` claim, not of another one.
    verification_applies: bool,
}

impl Default for ClaimMap {
    fn default() -> Self {
        ClaimMap {
            id: "sub".into(),
            email: "email".into(),
            email_verified: "email_verified".into(),
            name: "name".into(),
            first_name: "given_name".into(),
            last_name: "family_name".into(),
            phone: "phone_number".into(),
            avatar_url: "picture".into(),
            properties: Vec::new(),
            verification_applies: true,
        }
    }
}

impl ClaimMap {
    /// Reads the config's `identity` object: `{"claims": {field: claim}, "properties": {key: claim}}`.
    /// An error is (field path, reason).
    pub fn from_config(identity: Option<Map<String, Value>>) -> Result<Self, (String, String)> {
        let mut map = ClaimMap::default();
        let Some(identity) = identity else {
            return Ok(map);
        };
        for (section, value) in identity {
            let Value::Object(entries) = value else {
                return Err((
                    format!("identity.{section}"),
                    "expected an object of claim names".into(),
                ));
            };
            for (field, claim) in entries {
                let path = format!("identity.{section}.{field}");
                let Value::String(claim) = claim else {
                    return Err((path, "expected a claim name".into()));
                };
                match section.as_str() {
                    "claims" => {
                        *map.slot(&field)
                            .ok_or((path, "not a user field".to_owned()))? = claim
                    }
                    "properties" => map.properties.push((field, claim)),
                    _ => return Err((format!("identity.{section}"), "unknown field".into())),
                }
            }
        }
        let default = ClaimMap::default();
        map.verification_applies =
            map.email == default.email || map.email_verified != default.email_verified;
        Ok(map)
    }

    fn slot(&mut self, field: &str) -> Option<&mut String> {
        Some(match field {
            "id" => &mut self.id,
            "email" => &mut self.email,
            "email_verified" => &mut self.email_verified,
            "name" => &mut self.name,
            "first_name" => &mut self.first_name,
            "last_name" => &mut self.last_name,
            "phone" => &mut self.phone,
            "avatar_url" => &mut self.avatar_url,
            _ => return None,
        })
    }

    /// True when the id is read from a claim other than `sub` (which logout tokens name).
    pub fn remaps_id(&self) -> bool {
        self.id != ClaimMap::default().id
    }

    /// The user these claims describe; only the id claim is required. A remapped email whose
    /// verification claim is not mapped too counts as unverified.
    pub fn user(&self, claims: &Claims) -> Result<User, IdentityError> {
        let get = |name: &String| claims.get(name).filter(|v| !v.is_empty()).cloned();
        let email_verified = if self.verification_applies {
            claims.get(&self.email_verified).map(|v| v == "true")
        } else {
            None
        };
        Ok(User {
            id: get(&self.id).ok_or_else(|| IdentityError::MissingClaim(self.id.clone()))?,
            email: get(&self.email),
            email_verified,
            name: get(&self.name),
            first_name: get(&self.first_name),
            last_name: get(&self.last_name),
            phone: get(&self.phone),
            avatar_url: get(&self.avatar_url),
            properties: self
                .properties
                .iter()
                .filter_map(|(key, claim)| Some((key.clone(), Value::String(get(claim)?))))
                .collect(),
        })
    }
}

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
    use crate::testing::flat_claims;
    use serde_json::json;

    #[test]
    fn maps_the_oidc_standard_claims_by_default() {
        let user = ClaimMap::default()
            .user(&flat_claims(&[
                ("sub", "u-1"),
                ("email", "a@example.com"),
                ("email_verified", "true"),
                ("given_name", "A"),
            ]))
            .unwrap();
        assert_eq!(user.id, "u-1");
        assert_eq!(user.email.as_deref(), Some("a@example.com"));
        assert_eq!(user.email_verified, Some(true));
        assert_eq!(user.first_name.as_deref(), Some("A"));
    }

    #[test]
    fn a_project_can_remap_claims_and_add_properties() {
        let identity =
            json!({"claims": {"id": "employee_id"}, "properties": {"property_172": "tier"}});
        let map = ClaimMap::from_config(identity.as_object().cloned()).unwrap();
        let user = map
            .user(&flat_claims(&[
                ("sub", "x"),
                ("employee_id", "e-7"),
                ("tier", "gold"),
            ]))
            .unwrap();
        assert_eq!(user.id, "e-7");
        assert_eq!(user.properties["property_172"], json!("gold"));
    }

    #[test]
    fn a_remapped_email_is_unverified_unless_its_verification_is_mapped_too() {
        let claims = flat_claims(&[
            ("sub", "u-1"),
            ("email", "a@example.com"),
            ("email_verified", "true"),
            ("work_email", "mallory@corp.example"),
            ("work_email_verified", "true"),
        ]);
        let remapped = json!({"claims": {"email": "work_email"}});
        let map = ClaimMap::from_config(remapped.as_object().cloned()).unwrap();
        let user = map.user(&claims).unwrap();
        assert_eq!(user.email.as_deref(), Some("mallory@corp.example"));
        assert_eq!(user.email_verified, None, "email_verified is about `email`");

        let both =
            json!({"claims": {"email": "work_email", "email_verified": "work_email_verified"}});
        let map = ClaimMap::from_config(both.as_object().cloned()).unwrap();
        assert_eq!(map.user(&claims).unwrap().email_verified, Some(true));
    }

    #[test]
    fn no_id_claim_is_an_error_naming_it() {
        assert_eq!(
            ClaimMap::default().user(&flat_claims(&[("email", "a@b")])),
            Err(IdentityError::MissingClaim("sub".into()))
        );
    }

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
