//! Chat for Jira Service Management ("Auto Login on Website"): HS256 JWT with `email`,
//! `displayName`, `iat`, `exp`; the widget calls `chatWidget.loginWithToken(token)`.

use super::VendorSpec;
use crate::shapes::Part::{Exp, Iat, Optional, Required};
use crate::user::Field::{Email, Name};

pub(super) const SPEC: VendorSpec = VendorSpec::hs256_jwt(
    "jsm-chat",
    "token",
    &[
        ("email", Required(Email)),
        ("displayName", Optional(Name)),
        ("iat", Iat),
        ("exp", Exp),
    ],
    "chatWidget.loginWithToken({settings.token}); // in the widget's onload",
    "chatWidget.logout();",
);
