//! How a project maps verified claims to the canonical user (`identity` in its config): each
//! field from its OpenID Connect standard claim unless the project names another.

use chatpass_signing::Field;
use chatpass_signing::User;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// The verified claims lack the one a user cannot be made without: the id's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the identity token has no `{0}` claim")]
pub struct MissingClaim(pub String);

/// Canonical user field → claim name, the standard claims unless remapped; and the custom
/// properties' claims.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimMap {
    /// The fields a project reads from another claim than the standard one.
    remapped: BTreeMap<Field, String>,
    /// `property_<id>` → claim name, in the config's order.
    properties: Vec<(String, String)>,
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
                        let field = Field::from_name(&field)
                            .ok_or((path, "not a user field".to_owned()))?;
                        map.remapped.insert(field, claim);
                    }
                    "properties" => map.properties.push((field, claim)),
                    _ => return Err((format!("identity.{section}"), "unknown field".into())),
                }
            }
        }
        Ok(map)
    }

    /// The claim the field is read from.
    fn claim(&self, field: Field) -> &str {
        self.remapped
            .get(&field)
            .map_or(field.standard_claim(), String::as_str)
    }

    /// True when the id is read from a claim other than `sub` (which logout tokens name).
    pub fn remaps_id(&self) -> bool {
        self.claim(Field::Id) != Field::Id.standard_claim()
    }

    /// False when `email` is remapped but `email_verified` is not: the standard
    /// `email_verified` claim speaks of the standard `email` claim, not of another one.
    fn verification_applies(&self) -> bool {
        let standard = |field: Field| self.claim(field) == field.standard_claim();
        standard(Field::Email) || !standard(Field::EmailVerified)
    }

    /// The user these verified claims (flattened to strings) describe; only the id claim is
    /// required. A remapped email whose verification claim is not mapped too counts as
    /// unverified.
    pub fn user(&self, claims: &HashMap<String, String>) -> Result<User, MissingClaim> {
        let value = |field: Field| {
            let value = claims.get(self.claim(field)).cloned();
            match field {
                // Present but empty is `false`, not absent.
                Field::EmailVerified => value.filter(|_| self.verification_applies()),
                _ => value.filter(|v| !v.is_empty()),
            }
        };
        let mut user = User::from_fields(value)
            .ok_or_else(|| MissingClaim(self.claim(Field::Id).to_owned()))?;
        user.properties = self
            .properties
            .iter()
            .filter_map(|(key, claim)| {
                let value = claims.get(claim).filter(|v| !v.is_empty())?;
                Some((key.clone(), Value::String(value.clone())))
            })
            .collect();
        Ok(user)
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
            Err(MissingClaim("sub".into()))
        );
    }
}
