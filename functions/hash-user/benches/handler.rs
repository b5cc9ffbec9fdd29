//! hash-user's handler in process, request to response, for Sprinklr (user mode), beside raw
//! HMAC-SHA256 of the same signing input. The state is the Lambda's, warm: the
//! config cache in front of the project's config (fetched once, before timing), the session
//! store in memory, and the fixture's authorizer claims already in the request context.
//! Building the request from the event is setup, not timed.
//! Run: `cargo bench -p hash-user --bench handler`.

#[path = "../../handler_bench.rs"]
mod handler_bench;

use chatpass_service::testing::{NOW, ORIGIN, SPRINKLR_KEY, fixture, harness};
use chatpass_signing::mac::hmac_sha256_hex;
use criterion::{Criterion, criterion_group, criterion_main};
use handler_bench::{Warm, bench_raw_hmac};
use serde_json::json;

fn handler(c: &mut Criterion) {
    let state = harness(
        &[(
            "acme-sprinklr",
            json!({"vendor": "sprinklr", "key": SPRINKLR_KEY, "options": {"mode": "user"},
                   "allowed_origins": [ORIGIN]}),
        )],
        NOW,
    )
    .state;
    let event = fixture(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/events/user-hash.json"
    ));

    let handler = Warm::new(state, event, hash_user::handler);

    // Warms the cache, and checks the signing input below is the one the handler MACs.
    let user = handler.answer()["settings"]["user"].clone();
    let input = format!(
        "u-1001_Alice_Smith_https://img.example.com/a.png_15550100_alice@example.com_{}",
        user["hashCreationTime"]
    );
    assert_eq!(
        user["hash"].as_str(),
        Some(hmac_sha256_hex(SPRINKLR_KEY.as_bytes(), input.as_bytes()).as_str()),
        "the raw HMAC below MACs the same input"
    );

    handler.bench(c, "handler hash-user sprinklr");
    bench_raw_hmac(c, "raw hmac-sha256 sprinklr input", SPRINKLR_KEY, &input);
}

criterion_group!(benches, handler);
criterion_main!(benches);
