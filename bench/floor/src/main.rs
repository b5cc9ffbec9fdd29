//! The floor: what answering `POST /v1/projects/acme-jsm/token` costs with nothing but the
//! cryptography. A bare hyper server that verifies the RS256 identity token (`iss`, `aud`,
//! `exp`) and signs the JSM token (HS256) with `jsonwebtoken`, and answers chatpass's JSON
//! shape. No routing, no config, no logging, no CORS.
//!
//! ```text
//! floor serve    --addr A --jwks F --issuer I --audience A --key K [--backend aws-lc|rust-crypto]
//! floor selftest --token T --jwks F --issuer I --audience A --key K [--backend ..] [--iterations N]
//! ```
//!
//! `selftest` times verify and sign in process, for comparing the two crypto backends
//! without HTTP around them.

mod jsm_claims;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use jsm_claims::JsmClaims;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

const TTL: u64 = 300;

struct Floor {
    identity_key: DecodingKey,
    validation: Validation,
    jsm_key: EncodingKey,
    jsm_header: Header,
}

#[derive(Deserialize)]
struct Identity {
    email: Option<String>,
    name: Option<String>,
}

#[derive(Serialize)]
struct Settings {
    token: String,
}

#[derive(Serialize)]
struct Answer {
    vendor: &'static str,
    settings: Settings,
    expires_at: u64,
}

impl Floor {
    fn new(args: &HashMap<String, String>) -> Floor {
        let jwks = std::fs::read_to_string(arg(args, "jwks")).expect("--jwks: a readable file");
        let set: JwkSet = serde_json::from_str(&jwks).expect("--jwks: a JWK set");
        let identity_key =
            DecodingKey::from_jwk(set.keys.first().expect("a key")).expect("an RSA JWK");
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[arg(args, "issuer")]);
        validation.set_audience(&[arg(args, "audience")]);
        Floor {
            identity_key,
            validation,
            jsm_key: EncodingKey::from_secret(arg(args, "key").as_bytes()),
            jsm_header: Header::new(Algorithm::HS256),
        }
    }

    fn verify(&self, token: &str) -> Option<Identity> {
        decode::<Identity>(token, &self.identity_key, &self.validation)
            .ok()
            .map(|t| t.claims)
    }

    fn sign(&self, identity: &Identity, now: u64) -> Option<(String, u64)> {
        let claims = JsmClaims {
            email: identity.email.as_deref()?,
            display_name: identity.name.as_deref(),
            iat: now,
            exp: now + TTL,
        };
        let token = encode(&self.jsm_header, &claims, &self.jsm_key).ok()?;
        Some((token, claims.exp))
    }

    fn answer(&self, request: &http::Request<Incoming>) -> http::Response<Full<Bytes>> {
        let token = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        match token
            .and_then(|t| self.verify(t))
            .and_then(|identity| self.sign(&identity, now))
        {
            Some((token, expires_at)) => {
                let body = serde_json::to_vec(&Answer {
                    vendor: "jsm-chat",
                    settings: Settings { token },
                    expires_at,
                })
                .unwrap_or_default();
                respond(200, body)
            }
            None => respond(401, br#"{"status":401}"#.to_vec()),
        }
    }
}

fn respond(status: u16, body: Vec<u8>) -> http::Response<Full<Bytes>> {
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("a valid response")
}

fn arg<'a>(args: &'a HashMap<String, String>, name: &str) -> &'a str {
    args.get(name)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("--{name} is required"))
}

fn install_backend(args: &HashMap<String, String>) -> &'static str {
    let (backend, provider) = match args.get("backend").map_or("aws-lc", String::as_str) {
        "aws-lc" => ("aws-lc", &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER),
        "rust-crypto" => (
            "rust-crypto",
            &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
        ),
        other => panic!("--backend {other}: aws-lc or rust-crypto"),
    };
    provider
        .install_default()
        .expect("the first and only provider");
    backend
}

fn main() {
    let mut argv = std::env::args().skip(1);
    let command = argv.next().unwrap_or_default();
    let rest: Vec<String> = argv.collect();
    let args: HashMap<String, String> = rest
        .chunks(2)
        .map(|pair| {
            let name = pair[0].strip_prefix("--").expect("--name value pairs");
            (name.to_owned(), pair.get(1).cloned().unwrap_or_default())
        })
        .collect();
    let backend = install_backend(&args);
    let floor = Arc::new(Floor::new(&args));
    match command.as_str() {
        "serve" => serve(floor, arg(&args, "addr")),
        "selftest" => selftest(&floor, backend, &args),
        _ => panic!("usage: floor serve|selftest --name value ..."),
    }
}

fn selftest(floor: &Floor, backend: &str, args: &HashMap<String, String>) {
    let token = arg(args, "token");
    let iterations: u32 = args
        .get("iterations")
        .map_or(20_000, |n| n.parse().unwrap());
    let identity = floor.verify(token).expect("the token verifies");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // Warm up, then time each half alone.
    for _ in 0..iterations / 10 {
        std::hint::black_box(floor.verify(token));
        std::hint::black_box(floor.sign(&identity, now));
    }
    let started = Instant::now();
    for _ in 0..iterations {
        std::hint::black_box(floor.verify(std::hint::black_box(token)));
    }
    let verify_ns = started.elapsed().as_nanos() / u128::from(iterations);
    let started = Instant::now();
    for _ in 0..iterations {
        std::hint::black_box(floor.sign(std::hint::black_box(&identity), now));
    }
    let sign_ns = started.elapsed().as_nanos() / u128::from(iterations);
    // For reference, not what the floor serves with: the RS256 signature alone, checked by
    // aws-lc-rs with the key built per call (what jsonwebtoken does) and parsed once.
    let (parsed_ns, per_call_ns) = signature_only(args, token, iterations);
    println!(
        "backend={backend} iterations={iterations} rs256_verify_ns={verify_ns} hs256_sign_ns={sign_ns} \
         rs256_signature_key_per_call_ns={per_call_ns} rs256_signature_parsed_key_ns={parsed_ns}"
    );
}

#[tokio::main]
async fn serve(floor: Arc<Floor>, addr: &str) {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .expect("--addr: a free address");
    println!("floor on http://{}", listener.local_addr().unwrap());
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let floor = floor.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: http::Request<Incoming>| {
                let response = floor.answer(&request);
                async move { Ok::<_, Infallible>(response) }
            });
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// ns per RS256 signature check by aws-lc-rs: (key parsed once, key built from n and e per call).
fn signature_only(args: &HashMap<String, String>, token: &str, iterations: u32) -> (u128, u128) {
    use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwks: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(arg(args, "jwks")).unwrap()).unwrap();
    let field = |name: &str| {
        URL_SAFE_NO_PAD
            .decode(jwks["keys"][0][name].as_str().unwrap())
            .unwrap()
    };
    let (n, e) = (field("n"), field("e"));
    let components = RsaPublicKeyComponents { n: &n, e: &e };
    let parsed = components
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .unwrap();
    let (message, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let time = |check: &dyn Fn() -> bool| {
        assert!(check());
        let started = Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(check());
        }
        started.elapsed().as_nanos() / u128::from(iterations)
    };
    let parsed_ns = time(&|| parsed.verify_sig(message.as_bytes(), &signature).is_ok());
    let per_call_ns = time(&|| {
        components
            .verify(&RSA_PKCS1_2048_8192_SHA256, message.as_bytes(), &signature)
            .is_ok()
    });
    (parsed_ns, per_call_ns)
}
