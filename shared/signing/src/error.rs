//! Typed errors: what failed, naming the field, never a key.

use strum::{EnumDiscriminants, EnumIter, IntoEnumIterator};
use thiserror::Error;

/// Why a vendor profile could not sign for this user. [`SignErrorKind::code`] gives each its
/// stable code.
#[derive(Debug, Clone, PartialEq, Eq, Error, EnumDiscriminants)]
#[strum_discriminants(name(SignErrorKind), derive(EnumIter))]
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

impl SignErrorKind {
    /// The stable code the HTTP API and the CLI report.
    pub const fn code(self) -> &'static str {
        match self {
            SignErrorKind::MissingField => "missing_field",
            SignErrorKind::AmbiguousField => "ambiguous_field",
            SignErrorKind::FieldTooLong => "field_too_long",
            SignErrorKind::BadField => "bad_field",
            SignErrorKind::MissingSessionReference => "missing_session_reference",
            SignErrorKind::Crypto => "signing_failed",
            SignErrorKind::MintedByVendor => "minted_by_vendor",
        }
    }
}

impl SignError {
    /// The stable code the HTTP API and the CLI report.
    pub fn code(&self) -> &'static str {
        SignErrorKind::from(self).code()
    }

    /// Every code [`SignError::code`] can give, one per variant (the OpenAPI document lists
    /// them; its test compares).
    pub fn all_codes() -> Vec<&'static str> {
        SignErrorKind::iter().map(SignErrorKind::code).collect()
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
