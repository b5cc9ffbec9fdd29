//! Vendors: each file in this folder is one vendor — its scheme, and everything else chatpass
//! knows of it (its [`VendorSpec`]); `REGISTRY` lists them. A profile is built once from the
//! project's config (options parsed, keys prepared) and then turns (user, now) into the
//! widget's `settings` and `expires_at`.

mod amazon_connect;
mod chatwoot;
mod crisp;
mod drift;
mod dynamics365;
mod freshchat;
mod front;
mod helpscout;
mod hmac;
mod hubspot;
mod infobip;
mod intercom;
mod intercom_jwt;
mod jsm_chat;
mod jwt;
mod kustomer;
mod livechat;
mod liveperson;
mod plain;
mod pylon;
mod salesforce_miaw;
mod sprinklr;
mod sunshine;
mod tawkto;
mod useresponse;
mod zendesk;
mod zendesk_classic;

use crate::keys::{SecretEncoding, VendorKey};
use crate::minted::MintedByVendor;
use crate::page_input::{PageInput, PageInputSpec};
use crate::shapes::preset::{BrandOption, Preset};
use crate::shapes::{
    HashVendor, JwtVendor, Parts, Settings, by_email, generic_hmac, generic_jwt, mixes_kinds,
};
use crate::{SignError, Signed, User, VendorConfigError};
use jsonwebtoken::Algorithm;
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
    pub algorithm: Algorithm,
    pub kid: Option<String>,
    pub required_claims: Vec<String>,
    pub optional_claims: Vec<String>,
    /// The vendor refuses a token this many seconds after its `iat` (Kustomer).
    pub max_age_from_iat: Option<u64>,
    /// The vendor refuses a token whose `exp` is more than this many seconds after its `iat`.
    pub max_lifetime: Option<u64>,
    /// The vendor refuses an encoded token longer than this many bytes.
    pub max_token_bytes: Option<usize>,
    /// Claims (paths) under which the vendor takes strings only.
    pub string_only: Vec<String>,
    /// How the HS256 secret is decoded before use.
    pub secret_encoding: crate::keys::SecretEncoding,
    /// Claims new on every token (`jti`): two tokens for the same user and time differ there.
    pub fresh_claims: Vec<String>,
}

impl JwtRules {
    /// A token with these claims, without `kid` or maximum age; HS256 until the vendor's
    /// signer says otherwise (`JwtVendor` sets its own algorithm).
    pub fn claims(required: &[&str], optional: &[&str]) -> Self {
        let owned = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
        JwtRules {
            algorithm: Algorithm::HS256,
            kid: None,
            required_claims: owned(required),
            optional_claims: owned(optional),
            max_age_from_iat: None,
            max_lifetime: None,
            max_token_bytes: None,
            string_only: Vec::new(),
            secret_encoding: crate::keys::SecretEncoding::Raw,
            fresh_claims: Vec::new(),
        }
    }
}

/// One vendor's scheme, prepared from a project's config.
pub trait Vendor: Send + Sync {
    /// The vendor's spec, where its id and endpoint are declared.
    fn spec(&self) -> &'static VendorSpec;
    fn id(&self) -> &'static str {
        self.spec().id
    }
    fn endpoint(&self) -> Endpoint {
        self.spec().endpoint
    }
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
    /// Canonical user field → the name the vendor's server expects from user-details, for
    /// vendors that call back (a project's `user_details_fields` overrides it).
    fn callback_fields(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
    /// The public JWK that verifies what this profile signs, for vendors that check the
    /// project's public key (published at `jwks.json`); never a private part.
    fn public_jwk(&self) -> Option<&Map<String, Value>> {
        None
    }
    /// For vendors whose own server mints the token (HubSpot): the call to make and how to
    /// read its answer. [`Vendor::sign`] then refuses with [`SignError::MintedByVendor`].
    fn minted(&self) -> Option<&dyn MintedByVendor> {
        None
    }
    /// A value the widget makes in the browser that this vendor's token carries (Freshchat's
    /// `freshchat_uuid`): the service takes it from the request body by this name, checks it
    /// with [`PageInputSpec::parse`] and passes it to [`Vendor::sign_with_page_input`].
    fn page_input(&self) -> Option<&PageInputSpec> {
        None
    }
    /// [`Vendor::sign`] with the page-supplied value, checked, for vendors that declare one.
    fn sign_with_page_input(
        &self,
        user: &User,
        now: u64,
        session: Option<&str>,
        _input: Option<&PageInput>,
    ) -> Result<Signed, SignError> {
        self.sign(user, now, session)
    }
}

/// The vendor part of a project config.
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

/// A project's vendor profile, or why its config was refused.
pub(crate) type Built = Result<Box<dyn Vendor>, VendorConfigError>;

type Build = fn(&VendorConfig) -> Built;

/// How a vendor's profile is built from a project's config.
#[derive(Clone, Copy)]
enum Scheme {
    /// By the vendor's own code (its options, keys, fields).
    Own(Build),
    /// A hash vendor whose settings are these parts; no options.
    Hash(Parts),
    /// An HS256 JWT of these claims under the settings field `field`; no options.
    Hs256Jwt { field: &'static str, claims: Parts },
    /// The generic `jwt` vendor, over the project's own options.
    Jwt,
    /// The generic `hmac` vendor, over the project's own options.
    Hmac,
    /// A preset over the generic `jwt` vendor.
    JwtPreset(Preset),
    /// A preset over the generic `hmac` vendor.
    HmacPreset(Preset),
}

/// Everything chatpass knows of a vendor, declared in the vendor's own file.
pub struct VendorSpec {
    pub id: &'static str,
    pub endpoint: Endpoint,
    scheme: Scheme,
    /// What a new project of this vendor holds beside its key (`chatpass keygen`, the demo).
    pub starter: Starter,
    /// The demo runs one project per mode.
    pub demo_modes: &'static [DemoMode],
    /// The widget's calls on the brand's page.
    pub page: PageCalls,
}

impl VendorSpec {
    /// A vendor whose projects hold its key and nothing more (one demo project), with the
    /// page's sign-in and sign-out calls.
    const fn plain(
        id: &'static str,
        endpoint: Endpoint,
        scheme: Scheme,
        sign_in: &'static str,
        sign_out: &'static str,
    ) -> VendorSpec {
        VendorSpec {
            id,
            endpoint,
            scheme,
            starter: Starter::KEY_ONLY,
            demo_modes: DemoMode::PLAIN,
            page: PageCalls { sign_in, sign_out },
        }
    }

    /// A plain hash vendor whose settings are `settings`.
    const fn hash(
        id: &'static str,
        settings: Parts,
        sign_in: &'static str,
        sign_out: &'static str,
    ) -> VendorSpec {
        assert!(!mixes_kinds(settings, true), "a hash vendor's settings");
        VendorSpec::plain(
            id,
            Endpoint::UserHash,
            Scheme::Hash(settings),
            sign_in,
            sign_out,
        )
    }

    /// A plain HS256 JWT vendor whose token of `claims` goes in the settings field `field`.
    const fn hs256_jwt(
        id: &'static str,
        field: &'static str,
        claims: Parts,
        sign_in: &'static str,
        sign_out: &'static str,
    ) -> VendorSpec {
        assert!(!mixes_kinds(claims, false), "a JWT's claims");
        let scheme = Scheme::Hs256Jwt { field, claims };
        VendorSpec::plain(id, Endpoint::Token, scheme, sign_in, sign_out)
    }

    /// A preset over the generic `jwt` vendor: `template` with the brand's `options`; its
    /// projects hold its key and nothing more until [`VendorSpec::starting`] says otherwise.
    const fn jwt_preset(
        id: &'static str,
        template: &'static str,
        options: &'static [BrandOption],
        sign_in: &'static str,
        sign_out: &'static str,
    ) -> VendorSpec {
        let scheme = Scheme::JwtPreset(Preset { template, options });
        VendorSpec::plain(id, Endpoint::Token, scheme, sign_in, sign_out)
    }

    /// This vendor, its new projects starting from `starter`.
    const fn starting(self, starter: Starter) -> VendorSpec {
        VendorSpec { starter, ..self }
    }

    /// This vendor, its demo running one project per mode of `demo_modes`.
    const fn demo(self, demo_modes: &'static [DemoMode]) -> VendorSpec {
        VendorSpec { demo_modes, ..self }
    }
}

impl VendorSpec {
    /// How the key of a project of this vendor with `options` (JSON, `""` for none) is
    /// written: a preset's own encoding (Infobip's base64, Pylon's hex), else what the generic
    /// vendors' `secret_encoding` or `key_encoding` option says, else the secret's own text.
    pub fn key_encoding(&self, options: &str) -> SecretEncoding {
        let options = match self.scheme {
            Scheme::JwtPreset(preset) | Scheme::HmacPreset(preset) => preset.template,
            _ => options,
        };
        let options: Value = serde_json::from_str(options).unwrap_or_default();
        ["secret_encoding", "key_encoding"]
            .iter()
            .find_map(|name| serde_json::from_value(options.get(name)?.clone()).ok())
            .unwrap_or_default()
    }
}

/// A new project's config beyond `vendor`.
pub struct Starter {
    pub key: StarterKey,
    /// The vendor issues a key id with its key (`key_id`).
    pub key_id: bool,
    /// The `options` to start from, as JSON (`""` for none).
    pub options: &'static str,
    /// What stands for a vendor-issued key until it is pasted, when the vendor's key is
    /// decoded first (`""`: the plain placeholder). It decodes, so the starter loads.
    pub key_placeholder: &'static str,
    /// The form the vendor fetches the project's public key in (`StarterKey::RsaKeyPair`).
    pub public_key_form: PublicKeyForm,
}

/// How a vendor that verifies with the project's public key takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKeyForm {
    /// The vendor holds a shared secret: no public key.
    None,
    /// A JWKS (`GET .../jwks.json`).
    Jwks,
    /// A PEM (`-----BEGIN PUBLIC KEY-----`), pasted or fetched.
    Pem,
    /// Dynamics 365's list of `{kid, publicKey, expiry}`.
    DynamicsList,
}

/// Where a new project's `key` comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StarterKey {
    /// The vendor issues it (a secret, a private-app token): a placeholder to replace.
    FromVendor,
    /// chatpass makes an RSA key pair; the vendor fetches the public key (`jwks.json`).
    RsaKeyPair,
}

impl Starter {
    /// A key and nothing more.
    pub const KEY_ONLY: Starter = Starter {
        key: StarterKey::FromVendor,
        key_id: false,
        options: "",
        key_placeholder: "",
        public_key_form: PublicKeyForm::None,
    };

    /// A key and the key id the vendor issues with it.
    pub const KEY_AND_ID: Starter = Starter {
        key_id: true,
        ..Starter::KEY_ONLY
    };

    /// A vendor-issued key and these `options`.
    pub const fn with_options(options: &'static str) -> Starter {
        Starter {
            options,
            ..Starter::KEY_ONLY
        }
    }

    /// An RSA key pair chatpass makes, with a key id, and these `options`; the vendor takes
    /// the public key in `form`.
    pub const fn rsa_key_pair(options: &'static str, form: PublicKeyForm) -> Starter {
        Starter {
            key: StarterKey::RsaKeyPair,
            key_id: true,
            options,
            key_placeholder: "",
            public_key_form: form,
        }
    }
}

/// One demo project: `demo-<vendor>[-<suffix>]` with these `options` (JSON, `""` for none).
pub struct DemoMode {
    pub suffix: &'static str,
    pub options: &'static str,
}

impl DemoMode {
    /// One project with the vendor's defaults.
    pub const PLAIN: &[DemoMode] = &[DemoMode::single("")];

    /// The vendor's one demo project, with these `options`.
    pub const fn single(options: &'static str) -> DemoMode {
        DemoMode {
            suffix: "",
            options,
        }
    }
}

/// What the brand's page calls: `sign_in` with `{settings}` (the answer's whole `settings`) or
/// `{settings.<field>}` standing for their JSON, then `sign_out` on logout.
pub struct PageCalls {
    pub sign_in: &'static str,
    pub sign_out: &'static str,
}

/// Every vendor chatpass knows.
const REGISTRY: &[&VendorSpec] = &[
    &jsm_chat::SPEC,
    &kustomer::SPEC,
    &sprinklr::SPEC,
    &useresponse::SPEC,
    &zendesk::SPEC,
    &intercom::SPEC,
    &intercom_jwt::SPEC,
    &crisp::SPEC,
    &helpscout::SPEC,
    &front::SPEC,
    &chatwoot::SPEC,
    &tawkto::SPEC,
    &drift::SPEC,
    &salesforce_miaw::SPEC,
    &hubspot::SPEC,
    &jwt::SPEC,
    &amazon_connect::SPEC,
    &dynamics365::SPEC,
    &liveperson::SPEC,
    &freshchat::SPEC,
    &zendesk_classic::SPEC,
    &sunshine::SPEC,
    &infobip::SPEC,
    &pylon::SPEC,
    &plain::SPEC,
    &livechat::SPEC,
    &hmac::SPEC,
];

/// Every vendor's spec.
pub fn specs() -> impl Iterator<Item = &'static VendorSpec> {
    REGISTRY.iter().copied()
}

/// The spec of vendor `id`.
pub fn spec(id: &str) -> Option<&'static VendorSpec> {
    specs().find(|spec| spec.id == id)
}

/// The vendor ids, in the registry's order.
pub fn ids() -> impl Iterator<Item = &'static str> {
    specs().map(|spec| spec.id)
}

/// Builds the vendor's profile, checking the key and options once, at load.
pub fn build(config: &VendorConfig) -> Result<Box<dyn Vendor>, VendorConfigError> {
    let spec = spec(&config.vendor)
        .ok_or_else(|| VendorConfigError::UnknownVendor(config.vendor.clone()))?;
    if config.key.as_bytes().is_empty() {
        return Err(VendorConfigError::EmptyKey);
    }
    match spec.scheme {
        Scheme::Own(build) => build(config),
        Scheme::Hash(parts) => {
            HashVendor::build(config, spec, by_email(parts), Settings::Parts(parts))
        }
        Scheme::Hs256Jwt { field, claims } => JwtVendor::hs256(config, spec, field, claims),
        Scheme::Jwt => generic_jwt::build(config, spec, options(config)?),
        Scheme::Hmac => generic_hmac::build(config, spec, options(config)?),
        Scheme::JwtPreset(ref preset) => preset.build(config, spec, generic_jwt::build),
        Scheme::HmacPreset(ref preset) => preset.build(config, spec, generic_hmac::build),
    }
}

/// Parses `options` into the vendor's typed options (unknown options are refused).
pub(crate) fn options<T: DeserializeOwned>(config: &VendorConfig) -> Result<T, VendorConfigError> {
    options_in(Value::Object(config.options.clone()))
}

/// Parses an `options` document (a preset's template with the brand's options placed in it).
pub(crate) fn options_in<T: DeserializeOwned>(value: Value) -> Result<T, VendorConfigError> {
    serde_json::from_value(value).map_err(|e| VendorConfigError::bad("options", e.to_string()))
}

/// The vendor takes no options at all.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoOptions {}

const DEFAULT_TTL: u64 = 300;
const MAX_TTL: u64 = 86_400;

/// `token_ttl_seconds`, default 300, at most a day.
pub(crate) fn ttl(config: &VendorConfig) -> Result<u64, VendorConfigError> {
    ttl_within(config, None)
}

/// `token_ttl_seconds` for a vendor that refuses tokens living longer than `cap` seconds: the
/// default is the cap when it is shorter; a setting over it is refused, naming both.
pub(crate) fn ttl_within(
    config: &VendorConfig,
    cap: Option<u64>,
) -> Result<u64, VendorConfigError> {
    let max = cap.map_or(MAX_TTL, |cap| cap.min(MAX_TTL));
    if cap == Some(0) {
        return Err(VendorConfigError::bad(
            "options.max_lifetime",
            "must be at least 1",
        ));
    }
    match config.token_ttl_seconds.unwrap_or(DEFAULT_TTL.min(max)) {
        ttl @ 1..=MAX_TTL if ttl <= max => Ok(ttl),
        _ if cap.is_some() => Err(VendorConfigError::bad(
            "token_ttl_seconds",
            format!("must be 1 to {max}: the vendor refuses tokens living longer"),
        )),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_vendor_has_a_demo_project_that_loads_with_a_key_written_its_way() {
        for spec in specs() {
            assert!(
                !spec.demo_modes.is_empty(),
                "{} has no demo project",
                spec.id
            );
            if spec.starter.key == StarterKey::RsaKeyPair {
                continue;
            }
            for mode in spec.demo_modes {
                let key = spec.key_encoding(mode.options).write(&[0x5a; 32]);
                let mut config = json!({"vendor": spec.id, "key": key});
                if spec.starter.key_id {
                    config["key_id"] = json!("demo-key");
                }
                if !mode.options.is_empty() {
                    config["options"] = serde_json::from_str(mode.options).unwrap();
                }
                let config: VendorConfig = serde_json::from_value(config).unwrap();
                if let Err(error) = build(&config) {
                    panic!("{} ({}): {error}", spec.id, mode.suffix);
                }
            }
        }
        assert_eq!(spec("pylon").unwrap().key_encoding(""), SecretEncoding::Hex);
        assert_eq!(
            spec("infobip").unwrap().key_encoding(""),
            SecretEncoding::Base64
        );
        let generic = spec("hmac").unwrap();
        assert_eq!(
            generic.key_encoding(r#"{"key_encoding": "hex"}"#),
            SecretEncoding::Hex
        );
    }
}
