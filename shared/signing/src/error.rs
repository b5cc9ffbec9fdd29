//! Typed errors: what failed, naming the field, never a key.

use thiserror::Error;

/// Why a vendor profile could not sign for this user.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SignError {
    #[error("the user has no `{0}`, which this vendor needs")]
    MissingField(&'static str),
    #[error("`{0}` contains `_`, which makes the signed string ambiguous")]
    AmbiguousField(&'static str),
    #[error("`{field}` is longer than the vendor's limit of {max} characters")]
    FieldTooLong { field: &'static str, max: usize },
    #[error("`{field}` is not valid: {reason}")]
    BadField { field: String, reason: &'static str },
    #[error("this vendor mode needs a session reference and none was given")]
    MissingSessionReference,
    #[error("the signing backend failed")]
    Crypto,
    #[error("this vendor mints its tokens itself: chatpass asks its server for one")]
    MintedByVendor,
}

impl SignError {
    /// The stable code the HTTP API and the CLI report.
    pub fn code(&self) -> &'static str {
        match self {
            SignError::MissingField(_) => "missing_field",
            SignError::AmbiguousField(_) => "ambiguous_field",
            SignError::FieldTooLong { .. } => "field_too_long",
            SignError::BadField { .. } => "bad_field",
            SignError::MissingSessionReference => "missing_session_reference",
            SignError::Crypto => "signing_failed",
            SignError::MintedByVendor => "minted_by_vendor",
        }
    }

    /// Every code [`SignError::code`] can give, one per variant (the OpenAPI document lists
    /// them; its test compares).
    pub fn all_codes() -> Vec<&'static str> {
        use SignError::*;
        let every = [
            MissingField(""),
            AmbiguousField(""),
            FieldTooLong { field: "", max: 0 },
            BadField {
                field: String::new(),
                reason: "",
            },
            MissingSessionReference,
            Crypto,
            MintedByVendor,
        ];
        for error in &every {
            // No `_` arm: a new variant does not compile until it is listed in `every` too.
            match error {
                MissingField(_)
                | AmbiguousField(_)
                | FieldTooLong { .. }
                | BadField { .. }
                | MissingSessionReference
                | Crypto
                | MintedByVendor => {}
            }
        }
        every.iter().map(SignError::code).collect()
    }
}

/// Why a vendor config was refused when it was loaded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VendorConfigError {
    #[error("`vendor`: unknown vendor `{0}`")]
    UnknownVendor(String),
    #[error("`key` is empty")]
    EmptyKey,
    #[error("`key_id` is required by this vendor")]
    MissingKeyId,
    #[error("`{field}`: {reason}")]
    BadValue { field: String, reason: String },
}

impl VendorConfigError {
    /// The config field the error is about.
    pub fn field(&self) -> &str {
        match self {
            VendorConfigError::UnknownVendor(_) => "vendor",
            VendorConfigError::EmptyKey => "key",
            VendorConfigError::MissingKeyId => "key_id",
            VendorConfigError::BadValue { field, .. } => field,
        }
    }

    /// What is wrong with the field, without naming it.
    pub fn reason(&self) -> String {
        match self {
            VendorConfigError::UnknownVendor(vendor) => format!("unknown vendor `{vendor}`"),
            VendorConfigError::EmptyKey => "empty".into(),
            VendorConfigError::MissingKeyId => "required by this vendor".into(),
            VendorConfigError::BadValue { reason, .. } => reason.clone(),
        }
    }

    pub(crate) fn bad(field: impl Into<String>, reason: impl Into<String>) -> Self {
        VendorConfigError::BadValue {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
