//! Vendor profiles: each file in this folder is one vendor's scheme; `REGISTRY` lists them.
//! A profile is built once from the project's config (options parsed, keys prepared) and then
//! turns (user, now) into the widget's `settings` and `expires_at`.

mod chatwoot;
mod crisp;
mod drift;
mod front;
mod hash;
mod helpscout;
mod intercom;
mod intercom_jwt;
mod jsm_chat;
mod jwt_vendor;
mod kustomer;
mod sprinklr;
mod tawkto;
mod useresponse;
mod zendesk;

use crate::keys::VendorKey;
use crate::{SignError, Signed, User, VendorConfigError};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Which endpoint answers for a vendor: JWT vendors use `token`, hash vendors `user-hash`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Token,
    UserHash,
}

impl Endpoint {
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Token => "token",
            Endpoint::UserHash => "user-hash",
        }
    }
}

/// Whether signing needs a server-side session, and how its reference reaches the vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionUse {
    None,
    /// The reference travels in `settings` and the vendor's server calls back with it.
    Reference,
    /// The reference travels in the `chatpass_session` cookie.
    Cookie,
}

/// What a vendor's JWT must look like, for `explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtRules {
    pub kid: Option<String>,
    pub required_claims: &'static [&'static str],
    pub optional_claims: &'static [&'static str],
    /// The vendor refuses a token this many seconds after its `iat` (Kustomer).
    pub max_age_from_iat: Option<u64>,
}

/// One vendor's scheme, prepared from a project's config.
pub trait Vendor: Send + Sync {
    fn id(&self) -> &'static str;
    fn endpoint(&self) -> Endpoint;
    /// True when the vendor identifies the user by email, so an unverified email must not be signed.
    fn identifies_by_email(&self) -> bool;
    fn session(&self) -> SessionUse {
        SessionUse::None
    }
    /// Signs for `user` at `now` (unix seconds); `session` is the reference when
    /// [`Vendor::session`] asks for one.
    fn sign(&self, user: &User, now: u64, session: Option<&str>) -> Result<Signed, SignError>;
    /// The JWT's shape, for vendors that take a JWT.
    fn jwt_rules(&self) -> Option<JwtRules> {
        None
    }
}

/// The vendor part of a project config (DESIGN.md "Project config").
#[derive(Debug, Clone, Deserialize)]
pub struct VendorConfig {
    pub vendor: String,
    pub key: VendorKey,
    #[serde(default)]
    pub key_id: Option<String>,
    #[serde(default)]
    pub options: Map<String, Value>,
    #[serde(default)]
    pub token_ttl_seconds: Option<u64>,
}

type Build = fn(&VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError>;

/// Every vendor id chatpass knows, with its builder.
const REGISTRY: &[(&str, Build)] = &[
    ("jsm-chat", jsm_chat::build),
    ("kustomer", kustomer::build),
    ("sprinklr", sprinklr::build),
    ("useresponse", useresponse::build),
    ("zendesk", zendesk::build),
    ("intercom", intercom::build),
    ("intercom-jwt", intercom_jwt::build),
    ("crisp", crisp::build),
    ("helpscout", helpscout::build),
    ("front", front::build),
    ("chatwoot", chatwoot::build),
    ("tawkto", tawkto::build),
    ("drift", drift::build),
];

/// The vendor ids, in the order VENDORS.md lists them.
pub fn ids() -> impl Iterator<Item = &'static str> {
    REGISTRY.iter().map(|(id, _)| *id)
}

/// Builds the vendor's profile, checking the key and options once, at load.
pub fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    let (_, build) = REGISTRY
        .iter()
        .find(|(id, _)| *id == config.vendor)
        .ok_or_else(|| VendorConfigError::UnknownVendor(config.vendor.clone()))?;
    if config.key.as_bytes().is_empty() {
        return Err(VendorConfigError::EmptyKey);
    }
    build(config)
}

/// Parses `options` into the vendor's typed options (unknown options are refused).
fn options<T: DeserializeOwned>(config: &VendorConfig) -> Result<T, VendorConfigError> {
    serde_json::from_value(Value::Object(config.options.clone()))
        .map_err(|e| VendorConfigError::bad("options", e.to_string()))
}

/// The vendor takes no options at all.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoOptions {}

const DEFAULT_TTL: u64 = 300;
const MAX_TTL: u64 = 86_400;

/// `token_ttl_seconds`, default 300, at most a day.
fn ttl(config: &VendorConfig) -> Result<u64, VendorConfigError> {
    match config.token_ttl_seconds.unwrap_or(DEFAULT_TTL) {
        ttl @ 1..=MAX_TTL => Ok(ttl),
        _ => Err(VendorConfigError::bad(
            "token_ttl_seconds",
            format!("must be 1 to {MAX_TTL}"),
        )),
    }
}

/// A JSON object of the present fields, in order; `None` values are left out.
fn object<const N: usize>(fields: [(&str, Option<Value>); N]) -> Map<String, Value> {
    fields
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_owned(), v?)))
        .collect()
}

fn text(value: Option<&str>) -> Option<Value> {
    value.map(Value::from)
}
