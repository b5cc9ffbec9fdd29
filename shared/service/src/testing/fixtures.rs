//! The constants every test shares: one fixed clock, one page origin, the stand-in identity
//! provider's issuer and audiences, and made-up keys (never real ones).

/// The tests' fixed clock, in unix seconds.
pub const NOW: u64 = 1_700_000_000;
/// The brand's page, as projects list it in `allowed_origins`.
pub const ORIGIN: &str = "https://www.example.com";
/// The stand-in identity provider's issuer.
pub const ISSUER: &str = "https://idp.example.com/";
/// The audience of identity tokens.
pub const AUDIENCE: &str = "chatpass";
/// The audience of back-channel logout tokens (the IdP's client id for chatpass).
pub const LOGOUT_AUDIENCE: &str = "chatpass-backchannel";
/// A Standard Webhooks secret: 32 bytes, `whsec_` and standard base64.
pub const WEBHOOK_SECRET: &str = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
/// A callback key the vendor's server presents to user-details.
pub const CALLBACK_KEY: &str = "cb-key-0123456789abcdefghijklmnop";
/// Sprinklr's Live Chat API key, as its admin screen would show it.
pub const SPRINKLR_KEY: &str = "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d";
/// The jsm-chat key of the vendor vectors.
pub const JSM_KEY: &str = "dGVzdC1qc20tc2VjcmV0LWZvci12ZWN0b3Jz";
/// A made-up 2,048-bit RSA key (PKCS#8 PEM), as a Salesforce project holds it.
pub const RSA_KEY: &str = include_str!("../../../signing/tests/keys/rsa-2048.pem");
/// Another one, for a key rotation.
pub const RSA_KEY_NEXT: &str = include_str!("../../../signing/tests/keys/rsa-2048-next.pem");
/// The user of the event fixtures.
pub const USER_ID: &str = "u-1001";
/// A session reference as chatpass issues them (32 lowercase hex digits).
pub const REFERENCE: &str = "00112233445566778899aabbccddeeff";

/// The canonical user (docs/design.md, "The user"), as the fixtures' claims describe her.
pub fn alice() -> chatpass_signing::User {
    chatpass_signing::User {
        id: USER_ID.into(),
        email: Some("alice@example.com".into()),
        email_verified: Some(true),
        name: Some("Alice Smith".into()),
        first_name: Some("Alice".into()),
        last_name: Some("Smith".into()),
        phone: Some("15550100".into()),
        avatar_url: Some("https://img.example.com/a.png".into()),
        ..Default::default()
    }
}

/// The jsm-chat project of the functions' fixtures (`acme-jsm`): the vectors' key, open to
/// [`ORIGIN`].
pub fn jsm_project() -> serde_json::Value {
    serde_json::json!({"vendor": "jsm-chat", "key": JSM_KEY, "allowed_origins": [ORIGIN]})
}
