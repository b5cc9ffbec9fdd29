//! What the handler benches (`functions/*/benches/handler.rs`) share, included by each with
//! `#[path]`: a function's handler made warm as in the Lambda, timed beside raw HMAC-SHA256.

use chatpass_service::State;
use chatpass_service::testing::{json_body, request};
use chatpass_signing::mac::hmac_sha256;
use criterion::{BatchSize, Criterion};
use lambda_http::{Body, Request, Response};
use serde_json::Value;
use std::hint::black_box;
use tokio::runtime::Runtime;

/// A function's handler as the Lambda holds it: on one thread, its state built once, the
/// requests it answers built from one event.
pub struct Warm<H> {
    runtime: Runtime,
    state: State,
    event: Value,
    handler: H,
}

impl<H: AsyncFn(&State, Request) -> Response<Body>> Warm<H> {
    pub fn new(state: State, event: Value, handler: H) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Warm {
            runtime,
            state,
            event,
            handler,
        }
    }

    /// One request answered, which must be a 200: its JSON body. The first warms the cache.
    pub fn answer(&self) -> Value {
        let response = self
            .runtime
            .block_on((self.handler)(&self.state, request(&self.event)));
        assert_eq!(response.status(), 200);
        json_body(&response)
    }

    /// Times the handler from request to response as `name`; building the request from the
    /// event is setup, not timed.
    pub fn bench(&self, c: &mut Criterion, name: &str) {
        c.bench_function(name, |b| {
            b.iter_batched(
                || request(&self.event),
                |request| self.runtime.block_on((self.handler)(&self.state, request)),
                BatchSize::SmallInput,
            )
        });
    }
}

/// Times raw HMAC-SHA256 of `input` under `key`, key setup included, as `name`.
pub fn bench_raw_hmac(c: &mut Criterion, name: &str, key: &str, input: &str) {
    let (key, input) = (key.as_bytes(), input.as_bytes());
    c.bench_function(name, |b| {
        b.iter(|| hmac_sha256(black_box(key), black_box(input)))
    });
}
