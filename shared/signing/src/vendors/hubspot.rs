//! HubSpot visitor identification: nothing is signed here. chatpass asks HubSpot's
//! `POST /visitor-identification/v3/tokens/create` with the project's private-app token
//! (`key`, as a bearer) for a token for `{email, firstName, lastName}`; HubSpot answers
//! `{"token"}`, valid 12 hours, or 403 when the account's plan lacks the feature.

use super::{
    Built, DemoMode, Endpoint, NoOptions, PageCalls, Scheme, Starter, VendorConfig, VendorSpec,
    options,
};
use crate::keys::VendorKey;
use crate::minted::{CallError, MintedByVendor, Minting, Refusal, VendorCall};
use crate::user::Field;
use crate::{SignError, Signed, User};
use serde_json::{Map, Value, json};

const URL: &str = "https://api.hubapi.com/visitor-identification/v3/tokens/create";
/// HubSpot answers 403 when the account's plan lacks visitor identification.
const REFUSAL: Refusal = Refusal {
    vendor: SPEC.id,
    feature: "visitor identification (HubSpot Professional or Enterprise)",
};
/// HubSpot's tokens live 12 hours.
const LIFETIME: u64 = 12 * 3600;
/// A token is handed out again for 6 hours after it was minted, so every answer has at least
/// half its life left.
const REUSE_FOR: u64 = LIFETIME / 2;

pub(super) const SPEC: VendorSpec = VendorSpec {
    id: "hubspot",
    endpoint: Endpoint::Token,
    scheme: Scheme::Own(build),
    starter: Starter::KEY_ONLY,
    demo_modes: DemoMode::PLAIN,
    page: PageCalls {
        sign_in: "window.hsConversationsSettings = Object.assign({ loadImmediately: false }, {settings}); window.HubSpotConversations.widget.load();",
        sign_out: "window.HubSpotConversations.clear({ resetWidget: true });",
    },
};

struct HubSpot {
    token: VendorKey,
}

fn build(config: &VendorConfig) -> Built {
    options::<NoOptions>(config)?;
    let minting = Minting {
        spec: &SPEC,
        // HubSpot identifies the visitor by the email.
        identifies_by_email: true,
        minter: HubSpot {
            token: config.key.clone(),
        },
    };
    minting.build(config, "HubSpot sets its tokens' lifetime (12 hours)")
}

impl MintedByVendor for HubSpot {
    /// The email identifies the visitor, so it must be verified, whatever the project's
    /// `trust_unverified_email` says.
    fn call(&self, user: &User) -> Result<VendorCall<'_>, SignError> {
        let email = user.require(Field::Email)?;
        if user.email_verified != Some(true) {
            return Err(SignError::BadField {
                field: "email_verified".into(),
                reason: "HubSpot identifies the visitor by the email, which must be verified",
            });
        }
        let mut body = Map::new();
        body.insert("email".into(), email.into());
        for (name, field) in [
            ("firstName", Field::FirstName),
            ("lastName", Field::LastName),
        ] {
            if let Some(value) = user.get(field) {
                body.insert(name.into(), value.into());
            }
        }
        Ok(VendorCall::json(URL, &self.token, body))
    }

    fn refusal(&self) -> Refusal {
        REFUSAL
    }

    fn read_answer(&self, user: &User, body: &[u8], now: u64) -> Result<Signed, CallError> {
        let token = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|answer| answer.get("token")?.as_str().map(str::to_owned))
            .filter(|token| !token.is_empty())
            .ok_or_else(|| CallError::Unavailable("HubSpot's answer holds no token".into()))?;
        let email = user.get(Field::Email).unwrap_or_default();
        Ok(Signed {
            vendor: SPEC.id,
            settings: json!({"identificationEmail": email, "identificationToken": token}),
            expires_at: Some(now.saturating_add(LIFETIME)),
        })
    }

    fn reuse_for(&self) -> u64 {
        REUSE_FOR
    }
}
