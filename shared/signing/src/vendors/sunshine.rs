//! Sunshine Conversations (Smooch) Web Messenger, authenticated users: HS256 with the app's
//! secret, header `kid` = the app key id (`key_id`), claims `{scope: "appUser", userId}`; the
//! page logs in with `Smooch.login(userId, jwt)`, so `settings` carries `userId` beside it.
//! https://developer.zendesk.com/documentation/conversations/getting-started/api-authentication

use super::{Starter, VendorSpec};

pub(super) const SPEC: VendorSpec = VendorSpec::jwt_preset(
    "sunshine",
    r#"{"algorithm": "HS256", "constants": {"scope": "appUser"}, "claims": {"id": "userId"},
        "iat": false, "exp": false, "header": {"kid": true}, "settings_key": "jwt", "settings": {"userId": "id"}}"#,
    &[],
    "Smooch.login({settings.userId}, {settings.jwt});",
    "Smooch.logout();",
)
.starting(Starter::KEY_AND_ID);
