//! Freshchat web widget, JWT user authentication: HS256 with the account's encryption key,
//! claims `reference_id` (the user id), `first_name`, `last_name`, `email`, `phone_number`,
//! `exp`, and `freshchat_uuid`, which the widget makes in the browser: the page sends it, and
//! chatpass takes it only as a UUID and only into that claim (SECURITY.md).
//! https://crmsupport.freshworks.com/support/solutions/articles/50000010263-enable-jwt-user-authentication
//! https://developers.freshchat.com/web-sdk/v1/

use super::VendorSpec;

pub(super) const SPEC: VendorSpec = VendorSpec::jwt_preset(
    "freshchat",
    r#"{"algorithm": "HS256",
        "claims": {"id": "reference_id", "first_name": "first_name", "last_name": "last_name",
                   "email": "email", "phone": "phone_number"},
        "iat": false,
        "page_input": {"name": "freshchat_uuid", "form": "uuid", "claim": "freshchat_uuid"},
        "settings_key": "token"}"#,
    &[],
    "window.fcWidget.authenticate({settings.token}); // the request that got it sent {\"freshchat_uuid\": (await window.fcWidget.user.getUUID()).data.uuid}",
    "window.fcWidget.user.clear();",
);
