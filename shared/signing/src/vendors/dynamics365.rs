//! Dynamics 365 Omnichannel live chat, authenticated chat: RS256 with the project's own key
//! (`kid` in the header), claims `sub` (the user id), `iss`, `iat`, `exp`, optional `nbf`, and
//! `lwicontexts`, the JSON text of the mapped context variables; Dynamics fetches the public
//! key from the "Public key URL" as a PEM or a list of `{kid, publicKey, expiry}`.
//! https://learn.microsoft.com/en-us/dynamics365/customer-service/administer/create-chat-auth-settings
//! https://learn.microsoft.com/en-us/dynamics365/customer-service/develop/reference/methods/setauthtokenprovider

use super::{DemoMode, PublicKeyForm, Starter, VendorSpec};
use crate::shapes::preset::BrandOption;

pub(super) const SPEC: VendorSpec = VendorSpec::jwt_preset(
    "dynamics365",
    r#"{"algorithm": "RS256", "claims": {"id": "sub"}, "header": {"kid": true}, "settings_key": "token"}"#,
    &[
        BrandOption::text("issuer", &[("constants", "iss")]),
        BrandOption::object("context", &[("json_claims", "lwicontexts")]),
        BrandOption::flag("nbf", &[("nbf", "")]),
    ],
    "window.addEventListener(\"lcw:ready\", () => Microsoft.Omnichannel.LiveChatWidget.SDK.setAuthTokenProvider((callback) => callback({settings.token}))); // or name a global function in the widget's data-auth-token-provider-name",
    "Microsoft.Omnichannel.LiveChatWidget.SDK.removeAuthTokenProvider();",
)
.starting(Starter::rsa_key_pair(
    r#"{"issuer": "https://www.example.com", "context": {"msdyn_email": "email", "msdyn_name": "name"}}"#,
    PublicKeyForm::DynamicsList,
))
.demo(&[DemoMode::single(
    r#"{"issuer": "https://demo.chatpass.example", "context": {"msdyn_email": "email"}}"#,
)]);
