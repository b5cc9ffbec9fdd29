//! hash-user's handler in process, request to response, for Sprinklr (user mode), beside raw
//! HMAC-SHA256 of the same signing input. The state is the Lambda's, warm: the
//! config cache in front of the project's config (fetched once, before timing), the session
//! store in memory, and the fixture's authorizer claims already in the request context.
//! Building the request from the event is setup, not timed.
//! Run: `cargo bench -p hash-user --bench handler`.

use chatpass_service::testing::{NOW, ORIGIN, SPRINKLR_KEY, fixture, harness, json_body, request};
use chatpass_signing::mac::{hmac_sha256, hmac_sha256_hex};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::hint::black_box;

fn handler(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
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

    // Warms the cache, and checks the signing input below is the one the handler MACs.
    let response = runtime.block_on(hash_user::handler(&state, request(&event)));
    assert_eq!(response.status(), 200);
    let user = json_body(&response)["settings"]["user"].clone();
    let input = format!(
        "u-1001_Alice_Smith_https://img.example.com/a.png_15550100_alice@example.com_{}",
        user["hashCreationTime"]
    );
    assert_eq!(
        user["hash"].as_str(),
        Some(hmac_sha256_hex(SPRINKLR_KEY.as_bytes(), input.as_bytes()).as_str()),
        "the raw HMAC below MACs the same input"
    );

    c.bench_function("handler hash-user sprinklr", |b| {
        b.iter_batched(
            || request(&event),
            |request| runtime.block_on(hash_user::handler(&state, request)),
            BatchSize::SmallInput,
        )
    });
    let input = input.into_bytes();
    c.bench_function("raw hmac-sha256 sprinklr input", |b| {
        b.iter(|| hmac_sha256(black_box(SPRINKLR_KEY.as_bytes()), black_box(&input)))
    });
}

criterion_group!(benches, handler);
criterion_main!(benches);
