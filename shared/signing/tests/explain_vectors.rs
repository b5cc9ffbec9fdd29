//! `explain` on every JWT vendor's worked case: the token it signs is accepted as its vendor
//! would judge it, and the same token with one changed claim, or judged past its expiry, is
//! refused naming the reason.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chatpass_signing::explain::{Problem, explain};
use chatpass_signing::keys::VendorKey;
use chatpass_signing::{User, VendorConfig, vendors};
use serde_json::Value;

#[test]
fn explain_accepts_each_vendors_token_and_names_what_breaks_it() {
    let cases = common::vectors("vendors.json");
    let mut explained = std::collections::BTreeSet::new();
    for case in cases["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let config: VendorConfig = serde_json::from_value(case["project"].clone()).unwrap();
        let vendor = vendors::build(&config).unwrap();
        if vendor.jwt_rules().is_none() || vendor.minted().is_some() {
            continue;
        }
        let user: User = serde_json::from_value(case["user"].clone()).unwrap();
        let now = case["now"].as_u64().unwrap();
        let input = case["expected"].get("page_input").map(|raw| {
            vendor
                .page_input()
                .unwrap()
                .parse(raw.as_str().unwrap())
                .unwrap()
        });
        let Ok(signed) = vendor.sign_with_page_input(&user, now, None, input.as_ref()) else {
            continue;
        };
        let token = signed.settings[common::first_field(&signed.settings)]
            .as_str()
            .unwrap();
        let key = VendorKey::new(config.key.as_str()).unwrap();
        let accepted = explain(&*vendor, &key, token, now);
        assert!(accepted.accepted(), "{name}: {:?}", accepted.problems);
        assert!(accepted.signature_valid, "{name}");

        let (header, rest) = token.split_once('.').unwrap();
        let (payload, signature) = rest.split_once('.').unwrap();
        let mut claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        let first = claims.as_object().unwrap().keys().next().unwrap().clone();
        claims[&first] = Value::from("someone-else");
        let forged = format!(
            "{header}.{}.{signature}",
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let refused = explain(&*vendor, &key, &forged, now);
        assert!(
            refused.problems.contains(&Problem::BadSignature),
            "{name}: {:?}",
            refused.problems
        );

        if let Some(expires_at) = accepted.expires_at {
            let late = explain(&*vendor, &key, token, expires_at + 1);
            assert!(
                late.problems
                    .iter()
                    .any(|p| matches!(p, Problem::Expired { .. } | Problem::TooOld { .. })),
                "{name}: {:?}",
                late.problems
            );
        }
        explained.insert(config.vendor.clone());
    }
    for vendor in [
        "amazon-connect",
        "dynamics365",
        "liveperson",
        "freshchat",
        "zendesk-classic",
        "sunshine",
        "infobip",
    ] {
        assert!(explained.contains(vendor), "{vendor} explained");
    }
}
