//! issue-jwt's handler in process, request to response, beside raw HMAC-SHA256 of the same
//! signing input. The state is the Lambda's, warm: the config cache in front of the
//! project's config (fetched once, before timing), the session store in memory, and the
//! fixture's authorizer claims already in the request context. Building the request from the
//! event is setup, not timed. Run: `cargo bench -p issue-jwt --bench handler`.

use chatpass_service::testing::{JSM_KEY, NOW, fixture, harness, jsm_project, json_body, request};
use chatpass_signing::mac::hmac_sha256;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, EncodingKey};
use std::hint::black_box;

fn handler(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let state = harness(&[("acme-jsm", jsm_project())], NOW).state;
    let event = fixture(concat!(env!("CARGO_MANIFEST_DIR"), "/events/token.json"));

    // Warms the cache, and finds the signing input the handler MACs: header.payload of its token.
    let response = runtime.block_on(issue_jwt::handler(&state, request(&event)));
    assert_eq!(response.status(), 200);
    let token = json_body(&response)["settings"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (input, signature) = token.rsplit_once('.').unwrap();
    let expected = jsonwebtoken::crypto::sign(
        input.as_bytes(),
        &EncodingKey::from_secret(JSM_KEY.as_bytes()),
        Algorithm::HS256,
    )
    .unwrap();
    assert_eq!(
        signature, expected,
        "the raw HMAC below MACs the same input"
    );

    c.bench_function("handler issue-jwt jsm-chat", |b| {
        b.iter_batched(
            || request(&event),
            |request| runtime.block_on(issue_jwt::handler(&state, request)),
            BatchSize::SmallInput,
        )
    });
    let input = input.as_bytes().to_vec();
    c.bench_function("raw hmac-sha256 jsm-chat input", |b| {
        b.iter(|| hmac_sha256(black_box(JSM_KEY.as_bytes()), black_box(&input)))
    });
}

criterion_group!(benches, handler);
criterion_main!(benches);
