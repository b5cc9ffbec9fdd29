//! LivePerson authenticated web messaging, implicit flow: RS256 with the project's own key,
//! claims `sub` (the user id), `iss`, `iat`, `exp`, and `lp_sdes` with the user's personal
//! SDE; the public key is pasted into the authentication connector as a PEM. The page answers
//! `lpGetAuthenticationToken` and pushes the matching `lpTag.identities` entry.
//! https://developers.liveperson.com/consumer-authentication-authenticate-in-web-and-mobile-messaging-implementation-guide.html
//! https://developers.liveperson.com/messaging-window-api-tutorials-authentication.html

use super::{DemoMode, PublicKeyForm, Starter, VendorSpec};
use crate::shapes::preset::BrandOption;

pub(super) const SPEC: VendorSpec = VendorSpec::jwt_preset(
    "liveperson",
    r#"{"algorithm": "RS256",
        "claims": {"id": "sub", "first_name": "lp_sdes.0.personal.firstname", "last_name": "lp_sdes.0.personal.lastname",
                   "email": "lp_sdes.0.personal.contacts.0.email", "phone": "lp_sdes.0.personal.contacts.0.phone"},
        "constants": {"lp_sdes.0.type": "personal"},
        "settings_key": "token", "settings": {"identity.sub": "id"}, "settings_constants": {"identity.acr": "loa1"}}"#,
    &[BrandOption::text(
        "issuer",
        &[("constants", "iss"), ("settings_constants", "identity.iss")],
    )],
    "window.lpGetAuthenticationToken = (callback) => callback({settings.token}); lpTag.identities.push((callback) => callback({settings.identity}));",
    "lpTag.identities.length = 0; lpTag.newPage(document.location.href);",
)
.starting(Starter::rsa_key_pair(r#"{"issuer": "https://www.example.com"}"#, PublicKeyForm::Pem))
.demo(&[DemoMode::single(r#"{"issuer": "https://demo.chatpass.example"}"#)]);
