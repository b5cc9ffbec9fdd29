//! Amazon Connect communications widget, JWT security: HS256 with the widget's 44-character
//! security key; `sub` is the widget id, `iat`, `exp` at most 10 minutes on; the user goes in
//! `attributes` (string values only), optional `segmentAttributes`; the whole encoded token
//! under 6,144 bytes. https://docs.aws.amazon.com/connect/latest/adminguide/add-chat-to-website.html
//! https://docs.aws.amazon.com/connect/latest/adminguide/pass-contact-attributes-chat.html

use super::{DemoMode, Starter, VendorSpec};
use crate::shapes::preset::BrandOption;

pub(super) const SPEC: VendorSpec = VendorSpec::jwt_preset(
    "amazon-connect",
    r#"{"algorithm": "HS256",
        "claims": {"id": "attributes.customerId", "email": "attributes.email", "name": "attributes.name",
                   "first_name": "attributes.firstName", "last_name": "attributes.lastName", "phone": "attributes.phone"},
        "max_lifetime": 600, "string_only": ["attributes"], "max_token_bytes": 6144,
        "header": {"kid": false}, "settings_key": "token"}"#,
    &[
        BrandOption::text("widget_id", &[("constants", "sub")]),
        BrandOption::object("segment_attributes", &[("constants", "segmentAttributes")]),
    ],
    "amazon_connect('authenticate', (callback) => callback({settings.token})); // in the widget snippet, before its script loads",
    "// the widget has no sign-out call: its contact ends with the chat; drop the token on logout",
)
.starting(Starter::with_options(r#"{"widget_id": "paste the widget id here"}"#))
.demo(&[DemoMode::single(r#"{"widget_id": "demo-widget"}"#)]);
