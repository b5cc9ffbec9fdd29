//! Every case of webhooks.json through the library's Standard Webhooks verification.

use crate::common;

use chatpass_signing::webhook::{Delivery, WebhookSecret, verify};

#[test]
fn every_webhook_vector_is_judged_as_expected() {
    let doc = common::vectors("webhooks.json");
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let secret = case
            .get("secret")
            .unwrap_or(&doc["secret"])
            .as_str()
            .unwrap();
        let secret = WebhookSecret::parse(secret).unwrap();
        let delivery = Delivery {
            id: case["id"].as_str().unwrap(),
            timestamp: case["timestamp"].as_str().unwrap(),
            signature: case["signature"].as_str().unwrap(),
            body: case["body"].as_str().unwrap().as_bytes(),
        };
        let result = verify(&[secret], delivery, case["now"].as_i64().unwrap());
        assert_eq!(
            result.is_ok(),
            case["valid"].as_bool().unwrap(),
            "{name}: {result:?}"
        );
    }
}
