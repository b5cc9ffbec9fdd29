//! Zendesk Web Widget (Classic), authenticated chat visitors: HS256 with the Chat shared
//! secret, claims `name`, `email`, `external_id` (the user id, a string), `iat`, and a fresh
//! `jti` per token; the widget asks for it through `zESettings.webWidget.authenticate.chat.jwtFn`.
//! https://support.zendesk.com/hc/en-us/articles/4408838925082-Enabling-authenticated-visitors-in-Web-Widget-Classic-

use super::VendorSpec;

pub(super) const SPEC: VendorSpec = VendorSpec::jwt_preset(
    "zendesk-classic",
    r#"{"algorithm": "HS256", "claims": {"name": "name", "email": "email", "id": "external_id"},
        "random_claims": ["jti"], "exp": false, "string_only": ["external_id"], "settings_key": "jwt"}"#,
    &[],
    "window.zESettings = { webWidget: { authenticate: { chat: { jwtFn: (callback) => callback({settings.jwt}) } } } }; // before the widget script loads",
    "zE('webWidget', 'logout');",
);
