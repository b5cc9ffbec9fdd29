//! The generic HMAC engine behind the `hmac` vendor and its presets: HMAC-SHA256 under the
//! (decoded) vendor key over a message of verified fields joined as the widget documents,
//! as hex or base64, with the fields the widget takes beside it in `settings`.

use super::claim_path::ClaimPath;
use super::identity_claims::IdentityClaims;
use crate::keys::{SecretBytes, SecretEncoding};
use crate::mac::hmac_sha256;
use crate::user::Field;
use crate::vendors::{Built, Vendor, VendorConfig, VendorSpec};
use crate::{SignError, Signed, User, VendorConfigError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The generic `hmac` vendor's options.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Options {
    #[serde(default)]
    key_encoding: SecretEncoding,
    message: Vec<String>,
    #[serde(default)]
    separator: String,
    #[serde(default)]
    output: Output,
    hash: String,
    #[serde(default)]
    fields: Map<String, Value>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Output {
    #[default]
    Hex,
    Base64,
}

pub(crate) struct GenericHmac {
    spec: &'static VendorSpec,
    key: SecretBytes,
    message: Vec<Field>,
    separator: String,
    output: Output,
    hash: ClaimPath,
    fields: IdentityClaims,
}

pub(crate) fn build(config: &VendorConfig, spec: &'static VendorSpec, options: Options) -> Built {
    if options.message.is_empty() {
        return Err(VendorConfigError::bad("options.message", "names no field"));
    }
    let message = options
        .message
        .iter()
        .enumerate()
        .map(|(i, name)| {
            Field::text_from_name(name).ok_or_else(|| {
                VendorConfigError::bad(
                    format!("options.message.{i}"),
                    "not a user field with a text value",
                )
            })
        })
        .collect::<Result<Vec<Field>, _>>()?;
    let hash = ClaimPath::parse("options.hash", &options.hash)?;
    let fields =
        IdentityClaims::parse("options.fields", &options.fields, &[options.hash.as_str()])?;
    let key = options
        .key_encoding
        .decode(&config.key)
        .map_err(|e| VendorConfigError::bad("key", format!("{e} (options.key_encoding)")))?;
    Ok(Box::new(GenericHmac {
        spec,
        key,
        message,
        separator: options.separator,
        output: options.output,
        hash,
        fields,
    }))
}

impl Vendor for GenericHmac {
    fn spec(&self) -> &'static VendorSpec {
        self.spec
    }

    fn identifies_by_email(&self) -> bool {
        self.message.contains(&Field::Email) || self.fields.carries_email()
    }

    fn sign(&self, user: &User, _now: u64, _session: Option<&str>) -> Result<Signed, SignError> {
        user.require(crate::user::Field::Id)?;
        let parts = self
            .message
            .iter()
            .map(|field| user.require(*field))
            .collect::<Result<Vec<&str>, SignError>>()?;
        let tag = hmac_sha256(self.key.as_bytes(), parts.join(&self.separator).as_bytes());
        let hash = match self.output {
            Output::Hex => hex::encode(tag),
            Output::Base64 => STANDARD.encode(tag),
        };
        let mut settings = Map::new();
        self.fields.fill(user, &mut settings);
        self.hash.insert(&mut settings, hash.into());
        Ok(Signed {
            vendor: self.spec.id,
            settings: Value::Object(settings),
            expires_at: None,
        })
    }
}
