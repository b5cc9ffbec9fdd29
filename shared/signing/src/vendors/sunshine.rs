//! Sunshine Conversations (Smooch) Web Messenger, authenticated users: HS256 with the app's
//! secret, header `kid` = the app key id (`key_id`), claims `{scope: "appUser", userId}`; the
//! page logs in with `Smooch.login(userId, jwt)`, so `settings` carries `userId` beside it.
//! https://developer.zendesk.com/documentation/conversations/getting-started/api-authentication

use super::{DemoMode, Endpoint, PageCalls, Scheme, Starter, VendorSpec};
use crate::shapes::preset::Preset;

pub(super) const SPEC: VendorSpec = VendorSpec {
    id: "sunshine",
    endpoint: Endpoint::Token,
    scheme: Scheme::JwtPreset(Preset {
        template: r#"{"algorithm": "HS256", "constants": {"scope": "appUser"}, "claims": {"id": "userId"},
            "iat": false, "exp": false, "header": {"kid": true}, "settings_key": "jwt", "settings": {"userId": "id"}}"#,
        options: &[],
    }),
    starter: Starter::KEY_AND_ID,
    demo_modes: DemoMode::PLAIN,
    page: PageCalls {
        sign_in: "Smooch.login({settings.userId}, {settings.jwt});",
        sign_out: "Smooch.logout();",
    },
};
