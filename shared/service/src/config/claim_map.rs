//! How a project maps verified claims to the canonical user (`identity` in its config): each
//! field from its OpenID Connect standard claim unless the project names another.

use super::raw::{RawIdentity, Refusal};
use chatpass_signing::{Field, User};
use serde_json::Value;
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
    /// Checks the config's `identity`: each of its `claims` names a user field.
    pub(super) fn from_raw(identity: RawIdentity) -> Result<Self, Refusal> {
        let remapped = identity
            .claims
            .into_iter()
            .map(|(name, claim)| match Field::from_name(&name) {
                Some(field) => Ok((field, claim)),
                None => Err(Refusal {
                    field: format!("identity.claims.{name}"),
                    reason: "not a user field".into(),
                }),
            })
            .collect::<Result<_, _>>()?;
        Ok(ClaimMap {
            remapped,
            properties: identity.properties.into_iter().collect(),
        })
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

    fn from_config(identity: Value) -> ClaimMap {
        ClaimMap::from_raw(serde_json::from_value(identity).unwrap()).unwrap()
    }

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
        let map = from_config(identity);
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
        let map = from_config(remapped);
        let user = map.user(&claims).unwrap();
        assert_eq!(user.email.as_deref(), Some("mallory@corp.example"));
        assert_eq!(user.email_verified, None, "email_verified is about `email`");

        let both =
            json!({"claims": {"email": "work_email", "email_verified": "work_email_verified"}});
        let map = from_config(both);
        assert_eq!(map.user(&claims).unwrap().email_verified, Some(true));
    }

    #[test]
    fn only_a_user_field_may_be_remapped() {
        let identity = json!({"claims": {"email": "mail", "nickname": "nick"}});
        assert_eq!(
            ClaimMap::from_raw(serde_json::from_value(identity).unwrap()),
            Err(Refusal {
                field: "identity.claims.nickname".into(),
                reason: "not a user field".into()
            })
        );
    }

    #[test]
    fn no_id_claim_is_an_error_naming_it() {
        assert_eq!(
            ClaimMap::default().user(&flat_claims(&[("email", "a@b")])),
            Err(MissingClaim("sub".into()))
        );
    }
}
