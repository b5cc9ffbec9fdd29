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

/// A field of [`User`] that a claim fills: its canonical name, and the OpenID Connect standard
/// claim that fills it unless a project maps another (OpenID Connect Core 1.0, section 5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Id,
    Email,
    EmailVerified,
    Name,
    FirstName,
    LastName,
    Phone,
    AvatarUrl,
}

impl Field {
    pub const ALL: [Field; 8] = [
        Field::Id,
        Field::Email,
        Field::EmailVerified,
        Field::Name,
        Field::FirstName,
        Field::LastName,
        Field::Phone,
        Field::AvatarUrl,
    ];

    /// The canonical name and the standard claim.
    const fn spec(self) -> (&'static str, &'static str) {
        match self {
            Field::Id => ("id", "sub"),
            Field::Email => ("email", "email"),
            Field::EmailVerified => ("email_verified", "email_verified"),
            Field::Name => ("name", "name"),
            Field::FirstName => ("first_name", "given_name"),
            Field::LastName => ("last_name", "family_name"),
            Field::Phone => ("phone", "phone_number"),
            Field::AvatarUrl => ("avatar_url", "picture"),
        }
    }

    pub const fn name(self) -> &'static str {
        self.spec().0
    }

    pub const fn standard_claim(self) -> &'static str {
        self.spec().1
    }

    /// Every field but `email_verified`, a boolean, holds text.
    pub const fn is_text(self) -> bool {
        !matches!(self, Field::EmailVerified)
    }

    /// The field of this canonical name.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|field| field.name() == name)
    }

    /// The text field of this canonical name (`email_verified` is not text).
    pub fn text_from_name(name: &str) -> Option<Field> {
        Field::from_name(name).filter(|field| field.is_text())
    }
}

impl User {
    /// The name the custom properties go by beside the [`Field`]s.
    pub const PROPERTIES: &'static str = "properties";

    /// The user whose fields have these values (`value(field)`, read once each); `None`
    /// without an id. `email_verified` is true for the text `true` only.
    pub fn from_fields(mut value: impl FnMut(Field) -> Option<String>) -> Option<User> {
        Some(User {
            id: value(Field::Id)?,
            email: value(Field::Email),
            email_verified: value(Field::EmailVerified).map(|v| v == "true"),
            name: value(Field::Name),
            first_name: value(Field::FirstName),
            last_name: value(Field::LastName),
            phone: value(Field::Phone),
            avatar_url: value(Field::AvatarUrl),
            properties: Map::new(),
        })
    }

    /// The text field's value; an empty string counts as absent. `email_verified` is not
    /// text: `None` (its value is [`User::value`]'s).
    pub fn get(&self, field: Field) -> Option<&str> {
        let value = match field {
            Field::Id => Some(&self.id),
            Field::Email => self.email.as_ref(),
            Field::EmailVerified => None,
            Field::Name => self.name.as_ref(),
            Field::FirstName => self.first_name.as_ref(),
            Field::LastName => self.last_name.as_ref(),
            Field::Phone => self.phone.as_ref(),
            Field::AvatarUrl => self.avatar_url.as_ref(),
        };
        value.map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The field's value as JSON: its text, or `email_verified`'s boolean.
    pub fn value(&self, field: Field) -> Option<Value> {
        match field {
            Field::EmailVerified => self.email_verified.map(Value::Bool),
            text => self.get(text).map(Value::from),
        }
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
    fn the_fields_and_properties_are_every_member_a_user_serializes() {
        let user = User::from_fields(|field| Some(format!("{}-value", field.name()))).unwrap();
        let user = User {
            properties: Map::from_iter([("property_1".to_owned(), Value::from("p"))]),
            ..user
        };
        let Value::Object(members) = serde_json::to_value(&user).unwrap() else {
            panic!("a user serializes to an object")
        };
        let names: Vec<&str> = Field::ALL
            .iter()
            .map(|field| field.name())
            .chain([User::PROPERTIES])
            .collect();
        assert_eq!(
            members.keys().map(String::as_str).collect::<Vec<_>>(),
            names
        );
        for field in Field::ALL {
            assert_eq!(Field::from_name(field.name()), Some(field));
        }
    }

    #[test]
    fn email_verified_is_the_one_field_that_is_not_text() {
        let user = User::from_fields(|field| Some(field.name().to_owned())).unwrap();
        assert_eq!(user.email_verified, Some(false), "only `true` is true");
        assert_eq!(user.get(Field::EmailVerified), None);
        assert_eq!(user.value(Field::EmailVerified), Some(Value::Bool(false)));
        assert_eq!(Field::text_from_name("email_verified"), None);
        assert_eq!(Field::text_from_name("phone"), Some(Field::Phone));
        assert_eq!(User::from_fields(|_| None), None, "no id, no user");
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
