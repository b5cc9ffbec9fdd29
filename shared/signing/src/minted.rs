//! Vendors whose own server mints the widget's token when the brand's server asks (HubSpot):
//! the call to make for a user and how to read the answer. No I/O here: the service makes the
//! call, bounded and cached, behind its own port.

use crate::keys::VendorKey;
use crate::vendors::{Built, Vendor, VendorConfig, VendorSpec};
use crate::{SignError, Signed, User, VendorConfigError};
use serde_json::{Map, Value};

/// One call to the vendor's API: `POST url` with `Authorization: Bearer <bearer>` and a JSON body.
pub struct VendorCall<'a> {
    pub url: &'static str,
    pub bearer: &'a VendorKey,
    pub body: String,
}

impl<'a> VendorCall<'a> {
    /// `POST url` of the JSON object `body`.
    pub(crate) fn json(url: &'static str, bearer: &'a VendorKey, body: Map<String, Value>) -> Self {
        VendorCall {
            url,
            bearer,
            body: Value::Object(body).to_string(),
        }
    }
}

/// Why the vendor's answer holds no token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The vendor refused the project's credential (401): fix the project's `key`.
    #[error("{vendor} refused the project's key")]
    KeyRefused { vendor: &'static str },
    /// The vendor's account lacks the feature (403): its plan, not a retry, fixes it.
    #[error("{vendor} refused: the account's plan does not include {feature}")]
    FeatureUnavailable {
        vendor: &'static str,
        feature: &'static str,
    },
    /// Anything else (a 5xx, a 429, an answer without a token): worth a retry later. The
    /// cause is for the log only.
    #[error("{0}")]
    Unavailable(String),
}

/// Whose refusal a refused call is: the vendor's id, and what its 403 means the plan lacks.
#[derive(Debug, Clone, Copy)]
pub struct Refusal {
    pub vendor: &'static str,
    pub feature: &'static str,
}

/// A vendor that mints its own tokens.
pub trait MintedByVendor: Send + Sync {
    /// The call that asks for `user`'s token; a user the vendor cannot identify is refused
    /// naming the missing field.
    fn call(&self, user: &User) -> Result<VendorCall<'_>, SignError>;
    /// The vendor's id, and what the account's plan lacks when the vendor answers 403.
    fn refusal(&self) -> Refusal;
    /// The widget's settings from the body of the vendor's 200 or 201 answer to a call made at `now`.
    fn read_answer(&self, user: &User, body: &[u8], now: u64) -> Result<Signed, CallError>;
    /// The widget's settings from the vendor's answer (`status`, `body`) to a call made at `now`:
    /// a 401 refuses the project's key, a 403 the account's plan, any other status but 200 and
    /// 201 is worth a retry.
    fn settings(
        &self,
        user: &User,
        status: u16,
        body: &[u8],
        now: u64,
    ) -> Result<Signed, CallError> {
        let Refusal { vendor, feature } = self.refusal();
        match status {
            200 | 201 => self.read_answer(user, body, now),
            401 => Err(CallError::KeyRefused { vendor }),
            403 => Err(CallError::FeatureUnavailable { vendor, feature }),
            other => Err(CallError::Unavailable(format!("{vendor} answered {other}"))),
        }
    }
    /// How long after minting a token may be handed out again (well below its lifetime, so
    /// every answer still has most of its life left).
    fn reuse_for(&self) -> u64;
    /// The call for `user` when the state table keeps a value for them from an earlier answer
    /// ([`MintedByVendor::kept`]: LiveChat's `entity_id`, so the same user stays the same
    /// customer). The service calls this one; vendors that keep nothing need not override it.
    /// A call with no kept value may name no user (LiveChat's first call): the service's token
    /// cache must be keyed by the user as well as by the call.
    fn call_with(&self, user: &User, _kept: Option<&str>) -> Result<VendorCall<'_>, SignError> {
        self.call(user)
    }
    /// What the state table keeps for this user from an answer (see `call_with`).
    fn kept(&self, _signed: &Signed) -> Option<String> {
        None
    }
    /// How long after minting this answer may be handed out again, when the answer says its
    /// own lifetime (LiveChat's `expires_in`); by default [`MintedByVendor::reuse_for`].
    fn reuse_answer_for(&self, _signed: &Signed, _now: u64) -> u64 {
        self.reuse_for()
    }
}

/// The [`Vendor`] of a vendor that mints: [`Vendor::sign`] refuses, the service asks
/// [`Vendor::minted`] for the call instead.
pub(crate) struct Minting<M> {
    pub spec: &'static VendorSpec,
    /// True when the vendor identifies the user by the email (see [`Vendor::identifies_by_email`]).
    pub identifies_by_email: bool,
    pub minter: M,
}

impl<M: MintedByVendor + 'static> Minting<M> {
    /// The project's profile. The vendor sets its tokens' lifetime, so a `token_ttl_seconds`
    /// is refused with `vendor_sets`, which says how.
    pub(crate) fn build(self, config: &VendorConfig, vendor_sets: &'static str) -> Built {
        if config.token_ttl_seconds.is_some() {
            return Err(VendorConfigError::bad("token_ttl_seconds", vendor_sets));
        }
        Ok(Box::new(self))
    }
}

impl<M: MintedByVendor + 'static> Vendor for Minting<M> {
    fn spec(&self) -> &'static VendorSpec {
        self.spec
    }

    fn identifies_by_email(&self) -> bool {
        self.identifies_by_email
    }

    fn sign(&self, _: &User, _: u64, _: Option<&str>) -> Result<Signed, SignError> {
        Err(SignError::MintedByVendor)
    }

    fn minted(&self) -> Option<&dyn MintedByVendor> {
        Some(&self.minter)
    }
}
