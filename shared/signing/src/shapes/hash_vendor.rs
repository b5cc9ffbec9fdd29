//! The shape every hash vendor shares: settings computed from the user and the key, no expiry.
//! A simple hash vendor's file lists its settings as parts; others supply a settings function.

use crate::keys::VendorKey;
use crate::shapes::parts::{self, Inputs, Parts};
use crate::vendors::{Built, NoOptions, Vendor, VendorConfig, VendorSpec, options};
use crate::{SignError, Signed, User};
use serde_json::{Map, Value};

/// Computes the widget's settings for a user under the vendor key.
pub(crate) type SettingsFn = fn(&User, &VendorKey) -> Result<Map<String, Value>, SignError>;

/// How the settings are made: listed as parts, or computed.
pub(crate) enum Settings {
    Parts(Parts),
    Computed(SettingsFn),
}

pub(crate) struct HashVendor {
    spec: &'static VendorSpec,
    by_email: bool,
    key: VendorKey,
    settings: Settings,
}

impl HashVendor {
    /// A vendor that takes no options.
    pub(crate) fn build(
        config: &VendorConfig,
        spec: &'static VendorSpec,
        by_email: bool,
        settings: Settings,
    ) -> Built {
        options::<NoOptions>(config)?;
        Ok(Box::new(HashVendor {
            spec,
            by_email,
            key: config.key.clone(),
            settings,
        }))
    }
}

impl Vendor for HashVendor {
    fn spec(&self) -> &'static VendorSpec {
        self.spec
    }

    fn identifies_by_email(&self) -> bool {
        self.by_email
    }

    fn sign(&self, user: &User, _now: u64, _session: Option<&str>) -> Result<Signed, SignError> {
        user.require(crate::user::Field::Id)?;
        let settings = match self.settings {
            Settings::Parts(parts) => parts::fill(parts, user, Inputs::Key(&self.key))?,
            Settings::Computed(settings) => settings(user, &self.key)?,
        };
        Ok(Signed {
            vendor: self.spec.id,
            settings: Value::Object(settings),
            expires_at: None,
        })
    }
}
