//! Plain chat, customer verification: `customerDetails.emailHash` is HMAC-SHA256 hex of the
//! email under the chat secret, passed to `Plain.init` with the email and full name.
//! https://www.plain.com/docs/chat/authentication

use super::{DemoMode, Endpoint, PageCalls, Scheme, Starter, VendorSpec};
use crate::shapes::preset::Preset;

pub(super) const SPEC: VendorSpec = VendorSpec {
    id: "plain",
    endpoint: Endpoint::UserHash,
    scheme: Scheme::HmacPreset(Preset {
        template: r#"{"message": ["email"], "hash": "customerDetails.emailHash",
            "fields": {"email": "customerDetails.email", "name": "customerDetails.fullName"}}"#,
        options: &[],
    }),
    starter: Starter::KEY_ONLY,
    demo_modes: DemoMode::PLAIN,
    page: PageCalls {
        sign_in: "Plain.init(Object.assign({ appId: \"YOUR_APP_ID\" }, {settings}));",
        sign_out: "Plain.init({ appId: \"YOUR_APP_ID\" }); // again without customerDetails: Plain has no sign-out call",
    },
};
