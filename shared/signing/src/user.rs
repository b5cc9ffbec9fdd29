//! The canonical user every scheme signs parts of: only verified identity claims fill it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// The signed-in user, taken from verified identity claims. Only `id` is always required.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub properties: Map<String, Value>,
}

/// Text fields of [`User`], by their canonical names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Id,
    Email,
    Name,
    FirstName,
    LastName,
    Phone,
    AvatarUrl,
}

impl Field {
    /// The text field of this canonical name (`email_verified` is not text).
    pub fn from_name(name: &str) -> Option<Field> {
        [
            Field::Id,
            Field::Email,
            Field::Name,
            Field::FirstName,
            Field::LastName,
            Field::Phone,
            Field::AvatarUrl,
        ]
        .into_iter()
        .find(|field| field.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Email => "email",
            Field::Name => "name",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Phone => "phone",
            Field::AvatarUrl => "avatar_url",
        }
    }
}

impl User {
    /// The field's value; an empty string counts as absent.
    pub fn get(&self, field: Field) -> Option<&str> {
        let value = match field {
            Field::Id => Some(&self.id),
            Field::Email => self.email.as_ref(),
            Field::Name => self.name.as_ref(),
            Field::FirstName => self.first_name.as_ref(),
            Field::LastName => self.last_name.as_ref(),
            Field::Phone => self.phone.as_ref(),
            Field::AvatarUrl => self.avatar_url.as_ref(),
        };
        value.map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The field's value, or [`crate::SignError::MissingField`] naming it.
    pub fn require(&self, field: Field) -> Result<&str, crate::SignError> {
        self.get(field)
            .ok_or(crate::SignError::MissingField(field.name()))
    }
}

/// Prints the id only: an email or a name must never reach a log line.
impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
impl User {
    /// `u-1` with an email and nothing else: the user unit tests sign unless they need more.
    pub(crate) fn alice() -> User {
        User {
            id: "u-1".into(),
            email: Some("alice@example.com".into()),
            ..User::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_email() {
        let user = User::alice();
        assert!(!format!("{user:?}").contains("alice"));
    }

    #[test]
    fn an_empty_string_counts_as_absent() {
        let user = User {
            id: "u-1".into(),
            email: Some(String::new()),
            ..User::default()
        };
        assert_eq!(user.get(Field::Email), None);
        assert_eq!(
            user.require(Field::Email),
            Err(crate::SignError::MissingField("email"))
        );
    }
}
