//! issue-jwt's handler in process, request to response, beside raw HMAC-SHA256 of the same
//! signing input. The state is the Lambda's, warm: the config cache in front of the
//! project's config (fetched once, before timing), the session store in memory, and the
//! fixture's authorizer claims already in the request context. Building the request from the
//! event is setup, not timed. Run: `cargo bench -p issue-jwt --bench handler`.

#[path = "../../handler_bench.rs"]
mod handler_bench;

use chatpass_service::testing::{JSM_KEY, NOW, fixture, harness, jsm_project};
use criterion::{Criterion, criterion_group, criterion_main};
use handler_bench::{Warm, bench_raw_hmac};
use jsonwebtoken::{Algorithm, EncodingKey};

fn handler(c: &mut Criterion) {
    let state = harness(&[("acme-jsm", jsm_project())], NOW).state;
    let event = fixture(concat!(env!("CARGO_MANIFEST_DIR"), "/events/token.json"));

    let handler = Warm::new(state, event, issue_jwt::handler);

    // Warms the cache, and finds the signing input the handler MACs: header.payload of its token.
    let token = handler.answer()["settings"]["token"]
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

    handler.bench(c, "handler issue-jwt jsm-chat");
    bench_raw_hmac(c, "raw hmac-sha256 jsm-chat input", JSM_KEY, input);
}

criterion_group!(benches, handler);
criterion_main!(benches);
