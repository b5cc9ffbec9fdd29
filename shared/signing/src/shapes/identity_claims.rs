//! The claims a project maps from the user (`{"email": "email", "first_name": "given_name"}`:
//! canonical field → claim name or path, `attributes.email`), checked at load: known fields,
//! distinct claims, none that shadows a claim the vendor sets itself. Values only ever come
//! from the verified user.

use super::claim_path::ClaimPath;
use crate::user::Field;
use crate::{User, VendorConfigError};
use serde_json::{Map, Value};

/// The user's fields a claim may carry, by their canonical names (`id` included).
const FIELDS: [(&str, Option<Field>); 8] = [
    ("id", Some(Field::Id)),
    ("email", Some(Field::Email)),
    ("email_verified", None),
    ("name", Some(Field::Name)),
    ("first_name", Some(Field::FirstName)),
    ("last_name", Some(Field::LastName)),
    ("phone", Some(Field::Phone)),
    ("avatar_url", Some(Field::AvatarUrl)),
];

/// Field → claim, in the order the config gave (claims are written in that order).
pub(crate) struct IdentityClaims {
    claims: Vec<(&'static str, Option<Field>, ClaimPath)>,
}

impl IdentityClaims {
    /// Checks the mapping at `path` (e.g. `options.claims`); `reserved` are the claims the
    /// vendor sets itself, which no field may take.
    pub(crate) fn parse(
        path: &str,
        map: &Map<String, Value>,
        reserved: &[&str],
    ) -> Result<Self, VendorConfigError> {
        let mut claims: Vec<(&'static str, Option<Field>, ClaimPath)> = Vec::new();
        for (field, claim) in map {
            let at = format!("{path}.{field}");
            let claim = claim
                .as_str()
                .ok_or_else(|| VendorConfigError::bad(&at, "expected a claim name"))?;
            let (name, known) = FIELDS
                .iter()
                .find(|(name, _)| name == field)
                .ok_or_else(|| VendorConfigError::bad(&at, "not a user field"))?;
            if claim.is_empty() {
                return Err(VendorConfigError::bad(&at, "the claim name is empty"));
            }
            let path = ClaimPath::parse(&at, claim)?;
            if reserved
                .iter()
                .any(|r| ClaimPath::parse(&at, r).is_ok_and(|r| r.overlaps(&path)))
            {
                return Err(VendorConfigError::bad(
                    &at,
                    format!("`{claim}` is a claim the vendor sets itself"),
                ));
            }
            if claims.iter().any(|(_, _, c)| c.overlaps(&path)) {
                return Err(VendorConfigError::bad(
                    &at,
                    format!("`{claim}` is already mapped from another field"),
                ));
            }
            claims.push((name, *known, path));
        }
        Ok(IdentityClaims { claims })
    }

    /// The claim the field goes in, if mapped.
    pub(crate) fn claim_of(&self, field: &str) -> Option<&str> {
        self.claims
            .iter()
            .find(|(name, _, _)| *name == field)
            .map(|(_, _, claim)| claim.as_str())
    }

    /// The claim paths, for checks against other claims.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &ClaimPath> {
        self.claims.iter().map(|(_, _, path)| path)
    }

    /// The canonical field whose value is not text (`email_verified`) and its path, if mapped.
    pub(crate) fn non_text(&self) -> impl Iterator<Item = (&'static str, &ClaimPath)> {
        self.claims
            .iter()
            .filter(|(_, field, _)| field.is_none())
            .map(|(name, _, path)| (*name, path))
    }

    /// True when the email goes in a claim.
    pub(crate) fn carries_email(&self) -> bool {
        self.claim_of("email").is_some()
    }

    /// The claim names, for `explain`.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.claims.iter().map(|(_, _, claim)| claim.as_str())
    }

    /// Adds each mapped field the user has to `claims`; absent fields are left out.
    pub(crate) fn fill(&self, user: &User, claims: &mut Map<String, Value>) {
        for (_, field, claim) in &self.claims {
            let value = match field {
                Some(field) => user.get(*field).map(Value::from),
                None => user.email_verified.map(Value::from),
            };
            if let Some(value) = value {
                claim.insert(claims, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)], reserved: &[&str]) -> Result<IdentityClaims, String> {
        let map: Map<String, Value> = pairs
            .iter()
            .map(|(f, c)| ((*f).to_owned(), Value::from(*c)))
            .collect();
        IdentityClaims::parse("options.claims", &map, reserved)
            .map_err(|e| format!("{}: {}", e.field(), e.reason()))
    }

    #[test]
    fn refuses_unknown_fields_reserved_and_repeated_claims_naming_the_field() {
        assert_eq!(
            parse(&[("nickname", "nick")], &[]).err().unwrap(),
            "options.claims.nickname: not a user field"
        );
        assert_eq!(
            parse(&[("email", "sub")], &["sub"]).err().unwrap(),
            "options.claims.email: `sub` is a claim the vendor sets itself"
        );
        assert!(
            parse(&[("email", "e"), ("name", "e")], &[])
                .err()
                .unwrap()
                .starts_with("options.claims.name:")
        );
        assert!(parse(&[("id", "")], &[]).is_err());
    }

    #[test]
    fn fills_only_the_fields_the_user_has() {
        let claims = parse(&[("id", "userId"), ("phone", "tel")], &[]).unwrap();
        let mut out = Map::new();
        claims.fill(
            &User {
                id: "u-1".into(),
                ..User::default()
            },
            &mut out,
        );
        assert_eq!(Value::Object(out), serde_json::json!({"userId": "u-1"}));
    }
}
