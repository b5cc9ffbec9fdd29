//! A simple vendor's fields as data: each settings field or claim named with where its value
//! comes from (the user, an HMAC of the user's id or email, the token's times), in order.

use crate::keys::VendorKey;
use crate::mac::hmac_sha256_hex;
use crate::user::Field;
use crate::vendors::JwtRules;
use crate::{SignError, User};
use serde_json::{Map, Value};

/// Where one field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The user's id.
    Id,
    /// The user's field; left out when the user has none.
    Optional(Field),
    /// The user's field; a user without it is refused, naming it.
    Required(Field),
    /// HMAC-SHA256 hex of the user's id under the vendor key (hash vendors).
    HmacOfId,
    /// HMAC-SHA256 hex of the user's email, which is then required, under the vendor key
    /// (hash vendors).
    HmacOfEmail,
    /// When the token was signed (JWT vendors).
    Iat,
    /// When the token expires (JWT vendors).
    Exp,
}

/// The fields, in the order they are written.
pub(crate) type Parts = &'static [(&'static str, Part)];

/// An email-hash vendor's settings: the name when the user has one, the email, and the email's
/// HMAC under the vendor's own name `hash`.
pub(crate) const fn name_email_and_hmac(hash: &'static str) -> [(&'static str, Part); 3] {
    [
        ("name", Part::Optional(Field::Name)),
        ("email", Part::Required(Field::Email)),
        (hash, Part::HmacOfEmail),
    ]
}

/// The values the parts are computed from beside the user.
pub(crate) enum Inputs<'a> {
    /// A hash vendor's key.
    Key(&'a VendorKey),
    /// A token's `iat` and `exp`.
    Times { iat: u64, exp: u64 },
}

/// True when the parts name a hash part that has no input in a JWT, or a time in a hash: the
/// vendor constructors refuse such a spec at compile time.
pub(crate) const fn mixes_kinds(parts: Parts, hash: bool) -> bool {
    let mut i = 0;
    while i < parts.len() {
        let is_hash = matches!(parts[i].1, Part::HmacOfId | Part::HmacOfEmail);
        let is_time = matches!(parts[i].1, Part::Iat | Part::Exp);
        if (hash && is_time) || (!hash && is_hash) {
            return true;
        }
        i += 1;
    }
    false
}

/// The fields for `user`, present ones only; the first missing required field refuses.
pub(crate) fn fill(
    parts: Parts,
    user: &User,
    inputs: Inputs<'_>,
) -> Result<Map<String, Value>, SignError> {
    let mut out = Map::with_capacity(parts.len());
    for (name, part) in parts {
        let value = match (part, &inputs) {
            (Part::Id, _) => Some(Value::from(user.id.as_str())),
            (Part::Optional(field), _) => user.get(*field).map(Value::from),
            (Part::Required(field), _) => Some(Value::from(user.require(*field)?)),
            (Part::HmacOfId, Inputs::Key(key)) => Some(hmac_hex(key, &user.id)),
            (Part::HmacOfEmail, Inputs::Key(key)) => {
                Some(hmac_hex(key, user.require(Field::Email)?))
            }
            (Part::Iat, Inputs::Times { iat, .. }) => Some(Value::from(*iat)),
            (Part::Exp, Inputs::Times { exp, .. }) => Some(Value::from(*exp)),
            // A hash part in a JWT or a time in a hash: refused at compile time (`mixes_kinds`).
            _ => None,
        };
        if let Some(value) = value {
            out.insert((*name).to_owned(), value);
        }
    }
    Ok(out)
}

fn hmac_hex(key: &VendorKey, message: &str) -> Value {
    hmac_sha256_hex(key.as_bytes(), message.as_bytes()).into()
}

/// True when the vendor identifies the user by email: it hashes the email or requires it.
pub(crate) fn by_email(parts: Parts) -> bool {
    parts
        .iter()
        .any(|(_, part)| matches!(part, Part::HmacOfEmail | Part::Required(Field::Email)))
}

/// A JWT of these claims, for `explain`: optional ones are those the user may lack.
pub(crate) fn rules(claims: Parts) -> JwtRules {
    let named = |optional: bool| -> Vec<&str> {
        claims
            .iter()
            .filter(|(_, part)| matches!(part, Part::Optional(_)) == optional)
            .map(|(name, _)| *name)
            .collect()
    };
    JwtRules::claims(&named(false), &named(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLAIMS: Parts = &[
        ("email", Part::Required(Field::Email)),
        ("displayName", Part::Optional(Field::Name)),
        ("iat", Part::Iat),
        ("exp", Part::Exp),
    ];

    #[test]
    fn the_rules_name_required_and_optional_claims_in_order() {
        assert_eq!(
            rules(CLAIMS),
            JwtRules::claims(&["email", "iat", "exp"], &["displayName"])
        );
        assert!(by_email(CLAIMS));
        assert!(!mixes_kinds(CLAIMS, false));
        assert!(mixes_kinds(CLAIMS, true));
    }

    #[test]
    fn leaves_out_absent_optional_fields_and_refuses_a_missing_required_one() {
        let user = User::alice();
        let filled = fill(CLAIMS, &user, Inputs::Times { iat: 1, exp: 2 }).unwrap();
        assert_eq!(
            Value::Object(filled),
            serde_json::json!({"email": "alice@example.com", "iat": 1, "exp": 2})
        );
        let nobody = User {
            id: "u-1".into(),
            ..User::default()
        };
        assert_eq!(
            fill(CLAIMS, &nobody, Inputs::Times { iat: 1, exp: 2 }),
            Err(SignError::MissingField("email"))
        );
    }
}
