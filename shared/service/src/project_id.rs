//! The project id from the URL, checked against `^[a-z0-9][a-z0-9-]{0,62}$` before any lookup.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectId(String);

impl ProjectId {
    /// `None` unless `id` matches the pattern.
    pub fn parse(id: &str) -> Option<Self> {
        Self::is_valid(id).then(|| ProjectId(id.to_owned()))
    }

    /// True when `id` matches the pattern.
    pub fn is_valid(id: &str) -> bool {
        let bytes = id.as_bytes();
        let first_ok = bytes
            .first()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        let rest_ok = bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
        first_ok && rest_ok && bytes.len() <= 63
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::ProjectId;

    #[test]
    fn accepts_ids_that_match_the_pattern() {
        for id in ["a", "acme-support", "0-x", &"a".repeat(63)] {
            assert!(ProjectId::parse(id).is_some(), "{id}");
        }
    }

    #[test]
    fn refuses_anything_else() {
        for id in [
            "",
            "-acme",
            "Acme",
            "acme_support",
            "acme/../x",
            "acme%2f",
            &"a".repeat(64),
            "ä",
        ] {
            assert!(ProjectId::parse(id).is_none(), "{id}");
        }
    }
}
