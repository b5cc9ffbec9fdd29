//! LiveChat (Text platform) custom identity: nothing is signed here. chatpass asks the
//! Accounts API's `POST /v2/customer/token` with the agent token grant, the project's agent
//! access token (`key`) as a bearer, for the user's customer token, sending the `entity_id`
//! kept from the user's first answer so the same user stays the same customer; the answer's
//! `{access_token, entity_id, expires_in, token_type}` becomes the Token the widget's
//! `custom_identity_provider` hands back, as LiveChat's customer-auth library builds it
//! (`expiresIn` in milliseconds, `creationDate` the time in milliseconds, `organizationId`).
//! https://platform.text.com/docs/authorization/customer-authorization/
//! https://platform.text.com/docs/extending-chat-widget/custom-identity-provider

use super::{
    Built, DemoMode, Endpoint, PageCalls, Scheme, Starter, VendorConfig, VendorSpec, options,
};
use crate::keys::VendorKey;
use crate::minted::{CallError, MintedByVendor, Minting, Refusal, VendorCall};
use crate::{SignError, Signed, User, VendorConfigError};
use serde::Deserialize;
use serde_json::{Map, Value, json};

const URL: &str = "https://accounts.livechat.com/v2/customer/token";
/// LiveChat answers 403 when the agent token lacks the customers:own scope.
const REFUSAL: Refusal = Refusal {
    vendor: SPEC.id,
    feature: "customer tokens for the agent's organization (the agent token's customers:own scope)",
};
/// An answer with no usable lifetime is not cached past this.
const MAX_REUSE: u64 = 3600;

pub(super) const SPEC: VendorSpec = VendorSpec {
    id: "livechat",
    endpoint: Endpoint::Token,
    scheme: Scheme::Own(build),
    starter: Starter::with_options(
        r#"{"client_id": "paste the app's client id here", "organization_id": "paste the organization id here"}"#,
    ),
    demo_modes: &[DemoMode::single(
        r#"{"client_id": "demo-client", "organization_id": "demo-organization"}"#,
    )],
    page: PageCalls {
        sign_in: "window.__lc.custom_identity_provider = () => ({ getToken: () => Promise.resolve({settings}), getFreshToken: () => fetchChatpassSettings(), hasToken: () => Promise.resolve(true), invalidate: () => Promise.resolve() }); // before the widget script",
        sign_out: "LiveChatWidget.call('destroy');",
    },
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    client_id: String,
    organization_id: String,
}

struct LiveChat {
    token: VendorKey,
    client_id: String,
    organization_id: String,
}

fn build(config: &VendorConfig) -> Built {
    let Options {
        client_id,
        organization_id,
    } = options(config)?;
    for (field, value) in [
        ("options.client_id", &client_id),
        ("options.organization_id", &organization_id),
    ] {
        if value.is_empty() {
            return Err(VendorConfigError::bad(field, "is empty"));
        }
    }
    let minting = Minting {
        spec: &SPEC,
        // The customer is matched by the kept `entity_id`, never by the email.
        identifies_by_email: false,
        minter: LiveChat {
            token: config.key.clone(),
            client_id,
            organization_id,
        },
    };
    minting.build(config, "LiveChat sets its tokens' lifetime (expires_in)")
}

impl MintedByVendor for LiveChat {
    /// Refused: without the user's kept `entity_id` the call names no user, so a token cache
    /// keyed by the call alone would hand one user's customer token to the next. The service
    /// asks through [`MintedByVendor::call_with`], keying its cache by the user too.
    fn call(&self, _user: &User) -> Result<VendorCall<'_>, SignError> {
        Err(SignError::BadField {
            field: "entity_id".into(),
            reason: "LiveChat's customer token needs the service to keep each user's entity_id",
        })
    }

    fn call_with(&self, _user: &User, kept: Option<&str>) -> Result<VendorCall<'_>, SignError> {
        let mut body = Map::new();
        body.insert("grant_type".into(), "agent_token".into());
        body.insert("client_id".into(), self.client_id.clone().into());
        body.insert("response_type".into(), "token".into());
        body.insert(
            "organization_id".into(),
            self.organization_id.clone().into(),
        );
        if let Some(entity_id) = kept.filter(|e| !e.is_empty()) {
            body.insert("entity_id".into(), entity_id.into());
        }
        Ok(VendorCall::json(URL, &self.token, body))
    }

    fn refusal(&self) -> Refusal {
        REFUSAL
    }

    fn read_answer(&self, _user: &User, body: &[u8], now: u64) -> Result<Signed, CallError> {
        let unusable =
            || CallError::Unavailable("LiveChat's answer holds no customer token".into());
        let answer: Value = serde_json::from_slice(body).map_err(|_| unusable())?;
        let text = |name: &str| {
            answer
                .get(name)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let (Some(access_token), Some(entity_id)) = (text("access_token"), text("entity_id"))
        else {
            return Err(unusable());
        };
        let expires_in = answer
            .get("expires_in")
            .and_then(Value::as_u64)
            .filter(|s| *s > 0)
            .ok_or_else(unusable)?;
        Ok(Signed {
            vendor: SPEC.id,
            settings: json!({
                "accessToken": access_token,
                "entityId": entity_id,
                "expiresIn": expires_in.saturating_mul(1000),
                "tokenType": text("token_type").unwrap_or_else(|| "Bearer".into()),
                "creationDate": now.saturating_mul(1000),
                "organizationId": self.organization_id,
            }),
            expires_at: Some(now.saturating_add(expires_in)),
        })
    }

    fn reuse_for(&self) -> u64 {
        MAX_REUSE
    }

    fn kept(&self, signed: &Signed) -> Option<String> {
        signed.settings.get("entityId")?.as_str().map(str::to_owned)
    }

    /// Half the answer's own lifetime, at most an hour: every answer has most of its life left.
    fn reuse_answer_for(&self, signed: &Signed, now: u64) -> u64 {
        let left = signed.expires_at.map_or(0, |at| at.saturating_sub(now));
        (left / 2).min(MAX_REUSE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Vendor;

    fn livechat() -> Box<dyn Vendor> {
        let config: VendorConfig =
            serde_json::from_value(json!({"vendor": "livechat", "key": "agent-token",
            "options": {"client_id": "c", "organization_id": "o"}}))
            .unwrap();
        build(&config).unwrap()
    }

    #[test]
    fn keeps_the_entity_id_and_sends_it_back_for_the_same_customer() {
        let vendor = livechat();
        let minted = vendor.minted().unwrap();
        let first: Value =
            serde_json::from_str(&minted.call_with(&User::alice(), None).unwrap().body).unwrap();
        assert!(first.get("entity_id").is_none());
        let answer = json!({"access_token": "t", "entity_id": "e-1", "expires_in": 28800, "token_type": "Bearer"});
        let signed = minted
            .settings(&User::alice(), 200, answer.to_string().as_bytes(), 1_000)
            .unwrap();
        assert_eq!(minted.kept(&signed).as_deref(), Some("e-1"));
        assert_eq!(minted.reuse_answer_for(&signed, 1_000), MAX_REUSE);
        let again: Value =
            serde_json::from_str(&minted.call_with(&User::alice(), Some("e-1")).unwrap().body)
                .unwrap();
        assert_eq!(again["entity_id"], "e-1");
    }

    #[test]
    fn the_call_without_the_users_kept_state_is_refused() {
        let vendor = livechat();
        let refused = vendor.minted().unwrap().call(&User::alice()).err().unwrap();
        assert_eq!(refused.code(), "bad_field");
    }

    #[test]
    fn an_answer_without_a_token_or_lifetime_is_a_retry_and_a_401_the_key() {
        let vendor = livechat();
        let minted = vendor.minted().unwrap();
        for body in [
            json!({}),
            json!({"access_token": "t", "entity_id": "e"}),
            json!({"access_token": "t", "entity_id": "e", "expires_in": 0}),
        ] {
            assert!(matches!(
                minted.settings(&User::alice(), 200, body.to_string().as_bytes(), 0),
                Err(CallError::Unavailable(_))
            ));
        }
        assert_eq!(
            minted.settings(&User::alice(), 401, b"", 0),
            Err(CallError::KeyRefused { vendor: "livechat" })
        );
        let short = json!({"access_token": "t", "entity_id": "e", "expires_in": 600});
        let signed = minted
            .settings(&User::alice(), 200, short.to_string().as_bytes(), 0)
            .unwrap();
        assert_eq!(minted.reuse_answer_for(&signed, 0), 300);
    }
}
