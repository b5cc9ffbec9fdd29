//! Pylon chat, identity verification: `email_hash` is HMAC-SHA256 hex of the email under the
//! identity secret hex-decoded, set in `window.pylon.chat_settings` beside `email` and `name`.
//! https://docs.usepylon.com/pylon-docs/chat-widget/identity-verification

use super::{DemoMode, Endpoint, PageCalls, Scheme, Starter, VendorSpec};
use crate::shapes::preset::Preset;

pub(super) const SPEC: VendorSpec = VendorSpec {
    id: "pylon",
    endpoint: Endpoint::UserHash,
    scheme: Scheme::HmacPreset(Preset {
        template: r#"{"key_encoding": "hex", "message": ["email"], "hash": "email_hash",
            "fields": {"email": "email", "name": "name"}}"#,
        options: &[],
    }),
    starter: Starter {
        // hex of "paste the identity secret here": it decodes, so the starter loads.
        key_placeholder: "706173746520746865206964656e74697479207365637265742068657265",
        ..Starter::KEY_ONLY
    },
    demo_modes: DemoMode::PLAIN,
    page: PageCalls {
        sign_in: "window.pylon = { chat_settings: Object.assign({ app_id: \"YOUR_APP_ID\" }, {settings}) };",
        sign_out: "window.pylon = { chat_settings: { app_id: \"YOUR_APP_ID\" } }; // Pylon has no sign-out call: the next load is anonymous",
    },
};
