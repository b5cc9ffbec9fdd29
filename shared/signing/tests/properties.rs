//! Property tests: for arbitrary users and configs, building and signing either succeed or
//! return a typed error; they never panic.

use chatpass_signing::{User, VendorConfig, vendors};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        ".{0,40}",
        "[a-z_@.]{0,20}",
        Just(String::new())
    ])
}

prop_compose! {
    fn user()(id in ".{0,300}", email in text(), verified in any::<Option<bool>>(), name in text(),
              first in text(), last in text(), phone in text(), avatar in text(),
              props in prop::collection::btree_map("[a-z_0-9]{0,12}", ".{0,8}", 0..3)) -> User {
        User { id, email, email_verified: verified, name, first_name: first, last_name: last, phone,
               avatar_url: avatar, properties: props.into_iter().map(|(k, v)| (k, Value::from(v))).collect() }
    }
}

fn options() -> impl Strategy<Value = Map<String, Value>> {
    let value = prop_oneof![
        Just(json!("user")),
        Just(json!("custom-user")),
        Just(json!("cookie")),
        Just(json!("pre-created")),
        Just(json!("drop")),
        Just(json!("email")),
        Just(json!("external_id")),
        Just(json!(true)),
        Just(json!(7)),
        Just(json!("{token}_{hashCreationTime}")),
        Just(json!("{x}")),
    ];
    let name = prop_oneof![
        Just("mode"),
        Just("hash_creation_time"),
        Just("ambiguous"),
        Just("identify_by"),
        Just("sso_authorized"),
        Just("custom_user_template"),
        Just("other"),
    ];
    prop::collection::btree_map(name, value, 0..3)
        .prop_map(|m| m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

prop_compose! {
    fn config()(vendor in prop::sample::select(vendors::ids().collect::<Vec<_>>()), key in ".{0,40}",
                key_id in prop::option::of("[a-z_0-9]{0,12}"), options in options(),
                ttl in prop::option::of(0u64..200_000)) -> Value {
        json!({"vendor": vendor, "key": key, "key_id": key_id, "options": options, "token_ttl_seconds": ttl})
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn signing_never_panics(config in config(), user in user(), now in 0u64..4_000_000_000,
                            session in prop::option::of("[a-f0-9]{32}")) {
        let config: VendorConfig = serde_json::from_value(config).unwrap();
        if let Ok(vendor) = vendors::build(&config) {
            match vendor.sign(&user, now, session.as_deref()) {
                Ok(signed) => prop_assert!(signed.settings.is_object()),
                Err(e) => prop_assert!(!e.code().is_empty()),
            }
        }
    }
}

/// A user with an empty id is no user: no vendor signs for one (the fuzzer found a JWT preset
/// that minted a token without its id claim).
#[test]
fn no_vendor_signs_for_an_empty_id() {
    let user = User {
        id: String::new(),
        email: Some("a@example.com".into()),
        email_verified: Some(true),
        ..User::default()
    };
    for vendor_id in vendors::ids() {
        let config: VendorConfig = serde_json::from_value(json!({
            "vendor": vendor_id, "key": "0123456789abcdef0123456789abcdef"
        }))
        .unwrap();
        let Ok(vendor) = vendors::build(&config) else {
            continue;
        };
        let signed = vendor.sign(
            &user,
            1_700_000_000,
            Some("00112233445566778899aabbccddeeff"),
        );
        assert!(signed.is_err(), "{vendor_id} signed for an empty id");
    }
}
