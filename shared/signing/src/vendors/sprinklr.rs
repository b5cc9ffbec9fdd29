//! Sprinklr Live Chat, all five ways in: user details, custom user tokens, the brand cookie,
//! a pre-created user id, and the shared SSO flag. Hashes are HMAC-SHA256 hex of `_`-joined
//! strings, so a `_` inside a user-editable slot is refused (or dropped) as ambiguous.

use super::{
    Built, DemoMode, Endpoint, PageCalls, Scheme, SessionUse, Starter, Vendor, VendorConfig,
    VendorSpec, object, options, text, ttl,
};
use crate::keys::VendorKey;
use crate::mac::hmac_sha256_hex;
use crate::user::Field;
use crate::{SignError, Signed, User, VendorConfigError};
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize, Default, Clone, Copy, PartialEq, Debug)]
#[serde(rename_all = "kebab-case")]
enum Mode {
    #[default]
    User,
    CustomUser,
    Cookie,
    PreCreated,
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Ambiguous {
    #[default]
    Refuse,
    Drop,
}

const DEFAULT_TEMPLATE: &str = "{token}_{hashCreationTime}";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    #[serde(default)]
    mode: Mode,
    #[serde(default = "yes")]
    hash_creation_time: bool,
    #[serde(default)]
    ambiguous: Ambiguous,
    #[serde(default)]
    sso_authorized: bool,
    #[serde(default)]
    custom_user_template: Option<String>,
}

fn yes() -> bool {
    true
}

struct Sprinklr {
    key: VendorKey,
    options: Options,
    template: String,
    session_lifetime: u64,
}

pub(super) const SPEC: VendorSpec = VendorSpec {
    id: "sprinklr",
    endpoint: Endpoint::UserHash,
    scheme: Scheme::Own(build),
    starter: Starter::with_options(r#"{"mode": "user", "hash_creation_time": true}"#),
    demo_modes: &[
        DemoMode {
            suffix: "",
            options: "",
        },
        DemoMode {
            suffix: "custom-user",
            options: r#"{"mode": "custom-user"}"#,
        },
        DemoMode {
            suffix: "cookie",
            options: r#"{"mode": "cookie"}"#,
        },
        DemoMode {
            suffix: "pre-created",
            options: r#"{"mode": "pre-created"}"#,
        },
    ],
    page: PageCalls {
        sign_in: "window.sprChatSettings = Object.assign({ appId: \"YOUR_APP_ID\" }, {settings});\n// load the chat script after this",
        sign_out: "sprChat('updateUserSettings', { user: {} });",
    },
};

fn build(config: &VendorConfig) -> Built {
    let options: Options = options(config)?;
    let template = options
        .custom_user_template
        .clone()
        .unwrap_or_else(|| DEFAULT_TEMPLATE.into());
    check_template(&template)?;
    Ok(Box::new(Sprinklr {
        key: config.key.clone(),
        options,
        template,
        session_lifetime: ttl(config)?,
    }))
}

/// The template names `{token}` and nothing but `{token}` and `{hashCreationTime}`.
fn check_template(template: &str) -> Result<(), VendorConfigError> {
    let bad = |reason: &str| VendorConfigError::bad("options.custom_user_template", reason);
    if !template.contains("{token}") {
        return Err(bad("must contain {token}"));
    }
    let rest = template
        .replace("{token}", "")
        .replace("{hashCreationTime}", "");
    if rest.contains(['{', '}']) {
        return Err(bad("only {token} and {hashCreationTime} may be used"));
    }
    Ok(())
}

/// The user-detail slots in signing order, with Sprinklr's field names.
const SLOTS: [(Field, &str); 6] = [
    (Field::Id, "id"),
    (Field::FirstName, "firstName"),
    (Field::LastName, "lastName"),
    (Field::AvatarUrl, "profileImageUrl"),
    (Field::Phone, "phoneNo"),
    (Field::Email, "email"),
];

/// Slots a user can edit freely; a `_` there could shift a value into the next slot.
fn is_free_text(field: Field) -> bool {
    !matches!(field, Field::Id | Field::Email)
}

impl Sprinklr {
    fn hash(&self, message: &str) -> String {
        hmac_sha256_hex(self.key.as_bytes(), message.as_bytes())
    }

    /// The slot values to sign, after the ambiguity rule.
    fn slot_values<'u>(&self, user: &'u User) -> Result<[Option<&'u str>; 6], SignError> {
        let mut values = [None; 6];
        for (value, (field, _)) in values.iter_mut().zip(SLOTS) {
            *value = match user.get(field) {
                Some(v) if is_free_text(field) && v.contains('_') => match self.options.ambiguous {
                    Ambiguous::Refuse => return Err(SignError::AmbiguousField(field.name())),
                    Ambiguous::Drop => None,
                },
                v => v,
            };
        }
        Ok(values)
    }

    /// `{"user": {...}}` for the user-details and pre-created modes.
    fn user_settings(&self, values: [Option<&str>; 6], now_ms: u64) -> Map<String, Value> {
        let mut message = values.map(|v| v.unwrap_or("")).join("_");
        // Room for every slot and the two members after them: one allocation, no regrowth.
        let mut user = Map::with_capacity(SLOTS.len() + 2);
        user.extend(
            SLOTS
                .iter()
                .zip(values)
                .filter_map(|((_, name), v)| Some(((*name).into(), v?.into()))),
        );
        if self.options.hash_creation_time {
            message.push('_');
            message.push_str(&now_ms.to_string());
        }
        user.insert("hash".into(), self.hash(&message).into());
        if self.options.hash_creation_time {
            user.insert("hashCreationTime".into(), now_ms.into());
        }
        object([("user", Some(Value::Object(user)))])
    }

    fn custom_user_settings(&self, reference: &str, now_ms: u64) -> Map<String, Value> {
        let message = self
            .template
            .replace("{hashCreationTime}", &now_ms.to_string())
            .replace("{token}", reference);
        let custom = object([
            ("token", text(Some(reference))),
            ("hash", Some(self.hash(&message).into())),
            ("hashCreationTime", Some(now_ms.into())),
        ]);
        object([("customUser", Some(Value::Object(custom)))])
    }
}

/// Canonical user field → the name Sprinklr's user-details call expects.
const CALLBACK_FIELDS: [(&str, &str); 6] = [
    ("id", "id"),
    ("first_name", "firstName"),
    ("last_name", "lastName"),
    ("avatar_url", "profileImageUrl"),
    ("phone", "phoneNo"),
    ("email", "email"),
];

impl Vendor for Sprinklr {
    fn spec(&self) -> &'static VendorSpec {
        &SPEC
    }

    fn callback_fields(&self) -> &'static [(&'static str, &'static str)] {
        &CALLBACK_FIELDS
    }

    fn identifies_by_email(&self) -> bool {
        self.options.mode != Mode::PreCreated
    }

    fn session(&self) -> SessionUse {
        match self.options.mode {
            Mode::CustomUser => SessionUse::Reference,
            Mode::Cookie => SessionUse::Cookie,
            Mode::User | Mode::PreCreated => SessionUse::None,
        }
    }

    fn sign(&self, user: &User, now: u64, session: Option<&str>) -> Result<Signed, SignError> {
        user.require(Field::Id)?;
        let now_ms = now.saturating_mul(1000);
        let mut expires_at = None;
        let mut settings = match self.options.mode {
            Mode::User => self.user_settings(self.slot_values(user)?, now_ms),
            Mode::PreCreated => {
                let id = user.require(Field::Id)?;
                self.user_settings([Some(id), None, None, None, None, None], now_ms)
            }
            Mode::CustomUser | Mode::Cookie => {
                let reference = session.ok_or(SignError::MissingSessionReference)?;
                expires_at = Some(now.saturating_add(self.session_lifetime));
                if self.options.mode == Mode::CustomUser {
                    self.custom_user_settings(reference, now_ms)
                } else {
                    Map::new()
                }
            }
        };
        if self.options.sso_authorized {
            settings.insert("isSSOAuthorized".into(), true.into());
        }
        Ok(Signed {
            vendor: "sprinklr",
            settings: Value::Object(settings),
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sprinklr(options: Value) -> Box<dyn Vendor> {
        let config: VendorConfig = serde_json::from_value(json!({
            "vendor": "sprinklr", "key": "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d", "options": options
        }))
        .unwrap();
        super::super::build(&config).unwrap()
    }

    fn user(phone: &str) -> User {
        User {
            id: "u-3".into(),
            email: Some("doe@example.com".into()),
            phone: Some(phone.into()),
            ..User::default()
        }
    }

    #[test]
    fn drops_an_ambiguous_field_when_the_project_asks_to() {
        let vendor =
            sprinklr(json!({"mode": "user", "hash_creation_time": false, "ambiguous": "drop"}));
        let signed = vendor.sign(&user("123_john"), 1_700_000_000, None).unwrap();
        let expected = hmac_sha256_hex(
            b"5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d",
            b"u-3_____doe@example.com",
        );
        assert_eq!(signed.settings["user"]["hash"], json!(expected));
        assert!(signed.settings["user"].get("phoneNo").is_none());
    }

    #[test]
    fn an_underscore_in_the_email_is_not_ambiguous() {
        let vendor = sprinklr(json!({"mode": "user"}));
        let mut u = user("15550100");
        u.email = Some("john_doe@example.com".into());
        assert!(vendor.sign(&u, 1_700_000_000, None).is_ok());
    }

    #[test]
    fn custom_user_signs_the_reference_with_the_default_template() {
        let vendor = sprinklr(json!({"mode": "custom-user"}));
        assert_eq!(vendor.session(), SessionUse::Reference);
        let signed = vendor
            .sign(&user("1"), 1_700_000_000, Some("ref123"))
            .unwrap();
        let expected = hmac_sha256_hex(
            b"5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d",
            b"ref123_1700000000000",
        );
        assert_eq!(
            signed.settings,
            json!({"customUser": {"token": "ref123", "hash": expected, "hashCreationTime": 1_700_000_000_000u64}})
        );
        assert_eq!(signed.expires_at, Some(1_700_000_300));
    }

    #[test]
    fn custom_user_follows_the_configured_template() {
        let vendor = sprinklr(json!({"mode": "custom-user", "custom_user_template": "{token}"}));
        let signed = vendor
            .sign(&user("1"), 1_700_000_000, Some("ref123"))
            .unwrap();
        let expected = hmac_sha256_hex(b"5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d", b"ref123");
        assert_eq!(signed.settings["customUser"]["hash"], json!(expected));
    }

    #[test]
    fn custom_user_without_a_reference_is_refused() {
        let vendor = sprinklr(json!({"mode": "custom-user"}));
        assert_eq!(
            vendor.sign(&user("1"), 1, None).err(),
            Some(SignError::MissingSessionReference)
        );
    }

    #[test]
    fn refuses_a_template_without_the_token_or_with_unknown_placeholders() {
        for template in ["{hashCreationTime}", "{token}_{email}"] {
            let config: VendorConfig = serde_json::from_value(json!({
                "vendor": "sprinklr", "key": "k", "options": {"mode": "custom-user", "custom_user_template": template}
            }))
            .unwrap();
            let err = super::super::build(&config).err().unwrap();
            assert_eq!(err.field(), "options.custom_user_template");
        }
    }

    #[test]
    fn cookie_mode_uses_the_cookie_and_adds_the_sso_flag() {
        let vendor = sprinklr(json!({"mode": "cookie", "sso_authorized": true}));
        assert_eq!(vendor.session(), SessionUse::Cookie);
        let signed = vendor.sign(&user("1"), 1_700_000_000, Some("ref")).unwrap();
        assert_eq!(signed.settings, json!({"isSSOAuthorized": true}));
    }

    #[test]
    fn refuses_an_unknown_mode() {
        let config: VendorConfig = serde_json::from_value(
            json!({"vendor": "sprinklr", "key": "k", "options": {"mode": "magic"}}),
        )
        .unwrap();
        assert_eq!(
            super::super::build(&config).err().unwrap().field(),
            "options"
        );
    }
}
