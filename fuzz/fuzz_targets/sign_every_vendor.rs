//! Every vendor profile, built from arbitrary config options and key, signing an arbitrary
//! user: never a panic; signing is deterministic (but for claims new on every token); `expires_at` is not before now; no key
//! appears in what the page receives; and every JWT a profile mints is one `explain` accepts
//! (HS256 under the project's key, the vendor's kid and claims, not expired).

#![no_main]

use arbitrary::Arbitrary;
use chatpass_signing::explain::explain;
use chatpass_signing::keys::VendorKey;
use chatpass_signing::vendors::{self, SessionUse};
use chatpass_signing::{User, VendorConfig};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};

#[derive(Arbitrary, Debug)]
enum OptionName {
    Mode,
    HashCreationTime,
    Ambiguous,
    SsoAuthorized,
    CustomUserTemplate,
    IdentifyBy,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum OptionValue {
    /// One of the values some vendor understands.
    Known(u8),
    Text(String),
    Bool(bool),
    Number(u64),
    Null,
}

const KNOWN: [&str; 9] = [
    "user",
    "custom-user",
    "cookie",
    "pre-created",
    "drop",
    "refuse",
    "external_id",
    "email",
    "{token}_{hashCreationTime}",
];

#[derive(Arbitrary, Debug)]
struct FuzzUser {
    id: String,
    email: Option<String>,
    email_verified: Option<bool>,
    name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    avatar_url: Option<String>,
    properties: Vec<(String, String)>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    key: String,
    key_id: Option<String>,
    ttl: Option<u32>,
    options: Vec<(OptionName, OptionValue)>,
    user: FuzzUser,
    /// Seconds after 2001-09-09: a clock this side of 2137.
    now: u32,
    session: Option<String>,
}

fn options(input: &Input) -> Map<String, Value> {
    input
        .options
        .iter()
        .map(|(name, value)| {
            let name = match name {
                OptionName::Mode => "mode".to_owned(),
                OptionName::HashCreationTime => "hash_creation_time".to_owned(),
                OptionName::Ambiguous => "ambiguous".to_owned(),
                OptionName::SsoAuthorized => "sso_authorized".to_owned(),
                OptionName::CustomUserTemplate => "custom_user_template".to_owned(),
                OptionName::IdentifyBy => "identify_by".to_owned(),
                OptionName::Other(other) => other.clone(),
            };
            let value = match value {
                OptionValue::Known(i) => json!(KNOWN[usize::from(*i) % KNOWN.len()]),
                OptionValue::Text(text) => json!(text),
                OptionValue::Bool(b) => json!(b),
                OptionValue::Number(n) => json!(n),
                OptionValue::Null => Value::Null,
            };
            (name, value)
        })
        .collect()
}

fn user(u: &FuzzUser) -> User {
    User {
        id: u.id.clone(),
        email: u.email.clone(),
        email_verified: u.email_verified,
        name: u.name.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        phone: u.phone.clone(),
        avatar_url: u.avatar_url.clone(),
        properties: u
            .properties
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect(),
    }
}

fuzz_target!(|input: Input| {
    let now = 1_000_000_000 + u64::from(input.now);
    let user = user(&input.user);
    let options = options(&input);
    for vendor_id in vendors::ids() {
        let config = VendorConfig {
            vendor: vendor_id.to_owned(),
            key: serde_json::from_value(json!(input.key)).unwrap(),
            key_id: input.key_id.clone(),
            options: options.clone(),
            token_ttl_seconds: input.ttl.map(u64::from),
        };
        let Ok(vendor) = vendors::build(&config) else {
            continue;
        };
        assert_eq!(vendor.id(), vendor_id);
        let session = match vendor.session() {
            SessionUse::None => None,
            SessionUse::Reference | SessionUse::Cookie => Some(
                input
                    .session
                    .clone()
                    .unwrap_or_else(|| "00112233445566778899aabbccddeeff".into()),
            ),
        };
        let Ok(signed) = vendor.sign(&user, now, session.as_deref()) else {
            continue;
        };
        let again = vendor
            .sign(&user, now, session.as_deref())
            .expect("signed once, signs again");
        // Tokens with claims new on every token (`jti`) differ there by design.
        let fresh = vendor
            .jwt_rules()
            .is_some_and(|rules| !rules.fresh_claims.is_empty());
        if !fresh {
            assert_eq!(
                signed.settings, again.settings,
                "{vendor_id}: not deterministic"
            );
        }
        assert_eq!(signed.expires_at, again.expires_at);
        assert_eq!(signed.vendor, vendor_id);
        assert!(
            signed.settings.is_object(),
            "{vendor_id}: settings not an object"
        );
        if let Some(expires_at) = signed.expires_at {
            assert!(expires_at >= now, "{vendor_id}: expires before now");
        }
        // The key never reaches the page. What the page would hold under another key tells
        // apart text that merely contains the key (a field name such as `hashCreationTime`,
        // the user's own details) from the key itself.
        let page = signed.settings.to_string();
        if input.key.len() >= 12 && page.contains(&input.key) {
            let other = VendorConfig {
                key: serde_json::from_value(json!("another-key-0123456789")).unwrap(),
                ..config.clone()
            };
            let other_page = vendors::build(&other)
                .ok()
                .and_then(|v| v.sign(&user, now, session.as_deref()).ok())
                .map(|s| s.settings.to_string());
            if let Some(other_page) = other_page {
                assert!(
                    other_page.contains(&input.key),
                    "{vendor_id}: the key reached the page"
                );
            }
        }
        if vendor.jwt_rules().is_some() {
            let token = signed
                .settings
                .as_object()
                .and_then(|s| s.values().find_map(Value::as_str))
                .expect("a JWT vendor's settings hold the token");
            let key = VendorKey::new(input.key.clone()).expect("build refused an empty key");
            let explanation = explain(&*vendor, &key, token, now);
            assert!(
                explanation.accepted() && explanation.signature_valid,
                "{vendor_id}: explain refuses what sign minted: {:?}",
                explanation.problems
            );
        }
    }
});
