//! The shape every hash vendor shares: settings computed from the user and the key, no expiry.
//! Each simple hash vendor's file supplies only its settings function.

use crate::keys::VendorKey;
use crate::vendors::{Endpoint, Vendor, VendorConfig};
use crate::{SignError, Signed, User, VendorConfigError};
use serde_json::{Map, Value};

/// Computes the widget's settings for a user under the vendor key.
pub(crate) type SettingsFn = fn(&User, &VendorKey) -> Result<Map<String, Value>, SignError>;

pub(crate) struct HashVendor {
    id: &'static str,
    by_email: bool,
    key: VendorKey,
    settings: SettingsFn,
}

impl HashVendor {
    /// A vendor that takes no options.
    pub(crate) fn build(
        config: &VendorConfig,
        id: &'static str,
        by_email: bool,
        settings: SettingsFn,
    ) -> Result<Box<dyn Vendor>, VendorConfigError> {
        crate::vendors::options::<crate::vendors::NoOptions>(config)?;
        Ok(Box::new(HashVendor {
            id,
            by_email,
            key: config.key.clone(),
            settings,
        }))
    }
}

impl Vendor for HashVendor {
    fn id(&self) -> &'static str {
        self.id
    }

    fn endpoint(&self) -> Endpoint {
        Endpoint::UserHash
    }

    fn identifies_by_email(&self) -> bool {
        self.by_email
    }

    fn sign(&self, user: &User, _now: u64, _session: Option<&str>) -> Result<Signed, SignError> {
        let settings = (self.settings)(user, &self.key)?;
        Ok(Signed {
            vendor: self.id,
            settings: Value::Object(settings),
            expires_at: None,
        })
    }
}
