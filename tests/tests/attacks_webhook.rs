//! Webhook attack suite: every negative case of the Standard Webhooks libraries' own test
//! suites (C#, Elixir, Go, Java, JavaScript, PHP, Python, Ruby, Rust), the ±300 s boundaries to
//! the second, a body changed by one byte at every position, signatures and headers bent every
//! way, replays of a `webhook-id`, and repeated headers. Each case runs through
//! `chatpass_signing::webhook::verify` (the exact error) and through the logout-webhook handler
//! (401, or 400 for a repeated header), and a refused delivery must leave the store untouched.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use chatpass_service::State;
use chatpass_service::clock::ManualClock;
use chatpass_service::store::UserIn;
use chatpass_signing::keys::KeyError;
use chatpass_signing::mac::hmac_sha256;
use chatpass_signing::webhook::{self, Delivery, TOLERANCE_SECONDS, WebhookError, WebhookSecret};
use chatpass_tests::support::{
    fixture, for_project, json_body, logged_out_body, memory_state, request, with_header,
};
use lambda_http::http::HeaderValue;
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use std::sync::Arc;

const NOW: u64 = 1_700_000_000;
const PROJECT: &str = "attacked";
const USER_ID: &str = "u-1001";

/// The Standard Webhooks libraries' test secret and message id, and their signing vector.
const LIBRARY_SECRET: &str = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const LIBRARY_MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const LIBRARY_VECTOR: (&str, i64, &str, &str) = (
    "msg_p5jXN8AQM9LWM0D4loKWxJek",
    1_614_265_330,
    r#"{"test": 2432232314}"#,
    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
);
/// A secret the project does not hold.
const FOREIGN_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn secret() -> WebhookSecret {
    WebhookSecret::parse(&format!("whsec_{LIBRARY_SECRET}")).unwrap()
}

fn key() -> Vec<u8> {
    STANDARD.decode(LIBRARY_SECRET).unwrap()
}

/// One delivery, as the headers carry it; `None` leaves a header out.
#[derive(Clone, Debug)]
struct Sent {
    id: Option<String>,
    timestamp: Option<String>,
    signature: Option<String>,
    body: Vec<u8>,
}

impl Sent {
    /// A genuine delivery of the logout of `USER_ID` at `NOW`.
    fn genuine() -> Sent {
        Sent::signed(
            LIBRARY_MSG_ID,
            &NOW.to_string(),
            logged_out_body(USER_ID).as_bytes(),
        )
    }

    /// Signed with the project's secret over exactly these id, timestamp and body.
    fn signed(id: &str, timestamp: &str, body: &[u8]) -> Sent {
        Sent {
            id: Some(id.into()),
            timestamp: Some(timestamp.into()),
            signature: Some(sign_raw(&key(), id, timestamp, body)),
            body: body.to_vec(),
        }
    }

    fn with_signature(mut self, signature: impl Into<String>) -> Sent {
        self.signature = Some(signature.into());
        self
    }

    fn with_timestamp(mut self, timestamp: impl Into<String>) -> Sent {
        self.timestamp = Some(timestamp.into());
        self
    }

    fn with_id(mut self, id: impl Into<String>) -> Sent {
        self.id = Some(id.into());
        self
    }

    fn with_body(mut self, body: impl Into<Vec<u8>>) -> Sent {
        self.body = body.into();
        self
    }

    fn signature(&self) -> &str {
        self.signature.as_deref().unwrap_or_default()
    }
}

/// `v1,` and the HMAC of `id.timestamp.body` under `key`, the timestamp as written.
fn sign_raw(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> String {
    let content = [id.as_bytes(), b".", timestamp.as_bytes(), b".", body].concat();
    format!("v1,{}", STANDARD.encode(hmac_sha256(key, &content)))
}

struct Case {
    name: String,
    sent: Sent,
    refusal: WebhookError,
}

fn case(name: impl Into<String>, sent: Sent, refusal: WebhookError) -> Case {
    Case {
        name: name.into(),
        sent,
        refusal,
    }
}

/// The negative cases of the Standard Webhooks libraries' test suites, on our delivery.
fn library_cases() -> Vec<Case> {
    use WebhookError::*;
    let genuine = Sent::genuine();
    let valid = genuine.signature().to_owned();
    let old = (NOW - TOLERANCE_SECONDS as u64 - 1).to_string();
    let new = (NOW + TOLERANCE_SECONDS as u64 + 1).to_string();
    let body = genuine.body.clone();
    let mut cases = vec![
        case(
            "missing id (all libraries)",
            Sent {
                id: None,
                ..genuine.clone()
            },
            MissingHeader("id"),
        ),
        case(
            "missing timestamp (all libraries)",
            Sent {
                timestamp: None,
                ..genuine.clone()
            },
            MissingHeader("timestamp"),
        ),
        case(
            "missing signature (all libraries)",
            Sent {
                signature: None,
                ..genuine.clone()
            },
            MissingHeader("signature"),
        ),
    ];
    for (name, timestamp) in [
        ("timestamp `hello` (Python, JavaScript)", "hello"),
        ("timestamp `teadwd` (Ruby)", "teadwd"),
        ("timestamp `161426533.0` (PHP)", "161426533.0"),
        ("timestamp `-161426533` (PHP)", "-161426533"),
        ("timestamp `invalid timestamp` (PHP)", "invalid timestamp"),
    ] {
        cases.push(case(
            name,
            genuine.clone().with_timestamp(timestamp),
            BadTimestamp,
        ));
    }
    let several = "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ= \
                   v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q= \
                   v1,9DfC1c3eeOrXB6w/5dIDydLNQaEyww5KalE5jLBZucE=";
    let under_v2 = valid.replacen("v1,", "v2,", 1);
    for (name, signature) in [
        (
            "signature one character off (Python)",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
        ),
        (
            "signature `v1,dawfeoifkpqwoekfpqoekf` (JavaScript, PHP)",
            "v1,dawfeoifkpqwoekfpqoekf",
        ),
        (
            "signature not base64 at its end (Ruby, C#)",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLawdd",
        ),
        (
            "another message's signature (Go)",
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
        ),
        (
            "another message's signature (Rust)",
            "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=",
        ),
        (
            "partial signature, first 8 characters (JavaScript)",
            &valid[..8],
        ),
        ("partial signature `v1,` (JavaScript, Go)", "v1,"),
        ("several signatures, none valid (Rust)", several),
        ("valid signature under version v2 (Java)", &under_v2),
        (
            "signature without its version (Java `invalid_signature`)",
            "invalid_signature",
        ),
        (
            "signature `v1,invalid_signature` (Java)",
            "v1,invalid_signature",
        ),
        (
            "signature `invalid signature` (Elixir)",
            "invalid signature",
        ),
    ] {
        cases.push(case(
            name,
            genuine.clone().with_signature(signature),
            NoMatchingSignature,
        ));
    }
    cases.push(case(
        "id replaced by a signature (Java)",
        genuine.clone().with_id(under_v2),
        NoMatchingSignature,
    ));
    for (name, timestamp, refusal) in [
        ("timestamp 301 s old (all libraries)", old, TooOld),
        ("timestamp 301 s ahead (all libraries)", new, TooNew),
        (
            "timestamp in the year 2000 (Go)",
            "946684800".to_owned(),
            TooOld,
        ),
    ] {
        cases.push(case(
            name,
            Sent::signed(LIBRARY_MSG_ID, &timestamp, &body),
            refusal,
        ));
    }
    cases
}

/// Our own cases: boundaries, every byte of the body, signatures and timestamps bent.
fn own_cases() -> Vec<Case> {
    use WebhookError::*;
    let genuine = Sent::genuine();
    let valid = genuine.signature().to_owned();
    let tag = STANDARD.decode(&valid[3..]).unwrap();
    let body = genuine.body.clone();
    let mut out = Vec::new();

    // The tolerance to the second, both ways (300 s is accepted: see the controls).
    out.push(case(
        "timestamp exactly 301 s old",
        Sent::signed(LIBRARY_MSG_ID, &(NOW - 301).to_string(), &body),
        TooOld,
    ));
    out.push(case(
        "timestamp exactly 301 s ahead",
        Sent::signed(LIBRARY_MSG_ID, &(NOW + 301).to_string(), &body),
        TooNew,
    ));
    out.push(case(
        "timestamp in milliseconds",
        Sent::signed(LIBRARY_MSG_ID, &(NOW * 1000).to_string(), &body),
        TooNew,
    ));
    out.push(case(
        "timestamp zero",
        Sent::signed(LIBRARY_MSG_ID, "0", &body),
        TooOld,
    ));
    // A genuine signature moved to another time.
    out.push(case(
        "genuine signature, timestamp moved by one second",
        genuine.clone().with_timestamp((NOW + 1).to_string()),
        NoMatchingSignature,
    ));
    out.push(case(
        "genuine signature, timestamp with a leading zero",
        genuine.clone().with_timestamp(format!("0{NOW}")),
        NoMatchingSignature,
    ));
    for (label, timestamp) in [
        ("a leading space", format!(" {NOW}")),
        ("a trailing space", format!("{NOW} ")),
        ("a plus sign", format!("+{NOW}")),
        ("an exponent", "1.7e9".to_owned()),
        ("hexadecimal", format!("0x{NOW:x}")),
        ("20 digits", "99999999999999999999".to_owned()),
        ("just past i64", "9223372036854775808".to_owned()),
        ("Arabic-Indic digits", "١٧٠٠٠٠٠٠٠٠".to_owned()),
        ("fullwidth digits", "１７００００００００".to_owned()),
        ("an RFC 3339 date", "2023-11-14T22:13:20Z".to_owned()),
        ("two values", format!("{NOW},{NOW}")),
    ] {
        // Signed over the odd text itself: only its form refuses it.
        out.push(case(
            format!("timestamp with {label}"),
            Sent::signed(LIBRARY_MSG_ID, &timestamp, &body),
            BadTimestamp,
        ));
    }

    // The body changed by one byte, at every position, and at its ends.
    for at in 0..body.len() {
        let mut changed = body.clone();
        changed[at] ^= 0x01;
        out.push(case(
            format!("body byte {at} changed"),
            genuine.clone().with_body(changed),
            NoMatchingSignature,
        ));
    }
    for (label, changed) in [
        ("body with a byte appended", [&body[..], b" "].concat()),
        (
            "body with its last byte dropped",
            body[..body.len() - 1].to_vec(),
        ),
        ("body with a byte prepended", [b" ", &body[..]].concat()),
        ("body empty", Vec::new()),
    ] {
        out.push(case(
            label,
            genuine.clone().with_body(changed),
            NoMatchingSignature,
        ));
    }
    // The id, and the id.timestamp.body boundaries.
    out.push(case(
        "id changed by one character",
        genuine.clone().with_id(format!("{LIBRARY_MSG_ID}x")),
        NoMatchingSignature,
    ));
    out.push(case(
        "another delivery's signature",
        genuine
            .clone()
            .with_signature(sign_raw(&key(), "msg_other", &NOW.to_string(), &body)),
        NoMatchingSignature,
    ));
    // The dots of id.timestamp.body moved: the signed content stays byte for byte the same,
    // so only the timestamp's form can refuse it.
    let dot = body.iter().position(|b| *b == b'.').unwrap();
    out.push(case(
        "id.timestamp.body re-split at another dot",
        Sent {
            id: Some(format!("{LIBRARY_MSG_ID}.{NOW}")),
            timestamp: Some(String::from_utf8(body[..dot].to_vec()).unwrap()),
            signature: Some(valid.clone()),
            body: body[dot + 1..].to_vec(),
        },
        BadTimestamp,
    ));

    // The signature header bent: separators, prefixes, encodings, lengths.
    for (label, signature) in [
        ("comma-separated list", format!("v1,AAAA,{valid}")),
        ("tab-separated list", format!("v1,AAAA\t{valid}")),
        ("semicolon-separated list", format!("v1,AAAA;{valid}")),
        ("version in capitals", valid.replacen("v1,", "V1,", 1)),
        ("version v10", valid.replacen("v1,", "v10,", 1)),
        ("version v1a (asymmetric)", valid.replacen("v1,", "v1a,", 1)),
        ("version then a space", valid.replacen("v1,", "v1, ", 1)),
        ("space before the comma", valid.replacen("v1,", "v1 ,", 1)),
        ("version separated by `=`", valid.replacen("v1,", "v1=", 1)),
        ("version separated by `:`", valid.replacen("v1,", "v1:", 1)),
        ("no version", valid[3..].to_owned()),
        ("twice the comma", valid.replacen("v1,", "v1,,", 1)),
        ("padding dropped", valid.trim_end_matches('=').to_owned()),
        ("padding doubled", format!("{valid}=")),
        ("hexadecimal tag", format!("v1,{}", hex::encode(&tag))),
        (
            "tag truncated to 16 bytes",
            format!("v1,{}", STANDARD.encode(&tag[..16])),
        ),
        (
            "tag truncated to 31 bytes",
            format!("v1,{}", STANDARD.encode(&tag[..31])),
        ),
        (
            "tag with a byte appended",
            format!("v1,{}", STANDARD.encode([&tag[..], &[0]].concat())),
        ),
        ("tag of zeros", format!("v1,{}", STANDARD.encode([0u8; 32]))),
        ("trailing junk", format!("{valid}junk")),
        ("the secret itself", format!("v1,{LIBRARY_SECRET}")),
        (
            "the whsec_ secret itself",
            format!("v1,whsec_{LIBRARY_SECRET}"),
        ),
    ] {
        out.push(case(
            format!("signature: {label}"),
            genuine.clone().with_signature(signature),
            NoMatchingSignature,
        ));
    }
    // The URL-safe alphabet, for a delivery whose tag has a `+` or a `/` to change.
    let (id, standard) = (0..)
        .map(|i| {
            let id = format!("msg_{i}");
            let signature = sign_raw(&key(), &id, &NOW.to_string(), &body);
            (id, signature)
        })
        .find(|(_, signature)| signature[3..].contains(['+', '/']))
        .unwrap();
    let url_safe = format!(
        "v1,{}",
        URL_SAFE.encode(STANDARD.decode(&standard[3..]).unwrap())
    );
    out.push(case(
        "signature: URL-safe alphabet",
        Sent::signed(&id, &NOW.to_string(), &body).with_signature(url_safe),
        NoMatchingSignature,
    ));
    // Signed with the wrong key material.
    let timestamp = NOW.to_string();
    for (label, wrong_key) in [
        (
            "a secret the project does not hold",
            STANDARD
                .decode(FOREIGN_SECRET.trim_start_matches("whsec_"))
                .unwrap(),
        ),
        (
            "the secret's base64 text as the key",
            LIBRARY_SECRET.as_bytes().to_vec(),
        ),
        (
            "the whole whsec_ string as the key",
            format!("whsec_{LIBRARY_SECRET}").into_bytes(),
        ),
        ("an empty key", Vec::new()),
    ] {
        out.push(case(
            format!("signed with {label}"),
            genuine
                .clone()
                .with_signature(sign_raw(&wrong_key, LIBRARY_MSG_ID, &timestamp, &body)),
            NoMatchingSignature,
        ));
    }
    // Headers present but empty.
    for (label, sent, refusal) in [
        ("empty id", genuine.clone().with_id(""), MissingHeader("id")),
        (
            "empty timestamp",
            genuine.clone().with_timestamp(""),
            MissingHeader("timestamp"),
        ),
        (
            "empty signature",
            genuine.clone().with_signature(""),
            MissingHeader("signature"),
        ),
    ] {
        out.push(case(label, sent, refusal));
    }
    out
}

fn all_cases() -> Vec<Case> {
    library_cases().into_iter().chain(own_cases()).collect()
}

fn verify(sent: &Sent) -> Result<i64, WebhookError> {
    webhook::verify(
        &[secret()],
        Delivery {
            id: sent.id.as_deref().unwrap_or_default(),
            timestamp: sent.timestamp.as_deref().unwrap_or_default(),
            signature: sent.signature(),
            body: &sent.body,
        },
        NOW as i64,
    )
}

#[test]
fn our_signer_matches_the_libraries_vector() {
    let (id, timestamp, payload, expected) = LIBRARY_VECTOR;
    assert_eq!(secret().sign(id, timestamp, payload.as_bytes()), expected);
}

#[test]
fn an_empty_or_short_secret_is_refused_at_load_as_the_libraries_do() {
    for (secret, refusal) in [
        ("", KeyError::Empty),
        ("whsec_", KeyError::Empty),
        ("whsec_!!!!", KeyError::NotBase64),
        ("whsec_AQIDBA==", KeyError::TooShort { len: 4 }),
    ] {
        assert_eq!(
            WebhookSecret::parse(secret).err(),
            Some(refusal),
            "{secret:?}"
        );
    }
}

#[test]
fn verify_refuses_every_attack_with_the_exact_error() {
    // Controls: the genuine delivery and the tolerance's edges are accepted.
    let genuine = Sent::genuine();
    assert_eq!(verify(&genuine), Ok(NOW as i64));
    let body = genuine.body.clone();
    for at in [NOW - 300, NOW + 300] {
        let sent = Sent::signed(LIBRARY_MSG_ID, &at.to_string(), &body);
        assert_eq!(verify(&sent), Ok(at as i64), "{at}");
    }
    let rotation = genuine.clone().with_signature(format!(
        "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= {} v1,AAAA",
        genuine.signature()
    ));
    assert_eq!(
        verify(&rotation),
        Ok(NOW as i64),
        "multi-signature (all libraries)"
    );

    let cases = all_cases();
    let mut failures = Vec::new();
    for case in &cases {
        let got = verify(&case.sent);
        if got != Err(case.refusal.clone()) {
            failures.push(format!(
                "{}: expected {:?}, got {got:?}",
                case.name, case.refusal
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "webhook::verify: {} attacks refused ({} from the libraries' suites)",
        cases.len(),
        library_cases().len()
    );
}

// --- through the logout-webhook handler ------------------------------------------------------

fn state() -> State {
    state_and_clock().0
}

fn state_and_clock() -> (State, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::at(NOW));
    let project = json!({
        "vendor": "sprinklr",
        "key": "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d",
        "options": {"mode": "custom-user"},
        "webhook_secrets": [format!("whsec_{LIBRARY_SECRET}")],
    });
    (memory_state(&[(PROJECT, project)], clock.clone()), clock)
}

fn event(sent: &Sent) -> Value {
    let mut event = for_project(fixture("logout-webhook", "logout-webhook"), PROJECT);
    event["body"] = json!(String::from_utf8_lossy(&sent.body));
    for (name, value) in [
        ("webhook-id", &sent.id),
        ("webhook-timestamp", &sent.timestamp),
        ("webhook-signature", &sent.signature),
    ] {
        event = with_header(event, name, value.as_deref());
    }
    event
}

/// The request, unless no HTTP request could carry these headers.
fn sendable(sent: &Sent) -> Option<Request> {
    let request = lambda_http::request::from_str(&event(sent).to_string()).ok()?;
    let intact = [
        ("webhook-id", &sent.id),
        ("webhook-timestamp", &sent.timestamp),
        ("webhook-signature", &sent.signature),
    ]
    .iter()
    .all(|(name, value)| {
        request.headers().get(*name).and_then(|v| v.to_str().ok()) == value.as_deref()
    });
    intact.then_some(request)
}

async fn logout(state: &State, request: Request) -> Response<Body> {
    logout_webhook::handler(state, request).await
}

async fn logged_out_at(state: &State, user_id: &str) -> Option<u64> {
    let whose = UserIn {
        project: PROJECT,
        user_id,
    };
    state
        .sessions
        .logged_out_at(whose, NOW + 86_400)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_handler_answers_every_attack_with_401_and_records_nothing() {
    let state = state();
    let (mut sent, mut unsendable) = (0, Vec::new());
    let mut failures = Vec::new();
    for case in all_cases() {
        let Some(request) = sendable(&case.sent) else {
            unsendable.push(case.name);
            continue;
        };
        sent += 1;
        let response = logout(&state, request).await;
        let body = json_body(&response);
        if response.status() != 401 || body["code"] != "unauthorized" {
            failures.push(format!("{}: {} {body}", case.name, response.status()));
        }
    }
    // Header values that are not text.
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        let mut request = request(&event(&Sent::genuine()));
        request
            .headers_mut()
            .insert(name, HeaderValue::from_bytes(b"msg_\xff\xfe").unwrap());
        sent += 1;
        let response = logout(&state, request).await;
        if response.status() != 401 {
            failures.push(format!("{name} not text: {}", response.status()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        logged_out_at(&state, USER_ID).await,
        None,
        "a refusal recorded a logout"
    );
    // And the genuine delivery, last, is what records it.
    let response = logout(&state, request(&event(&Sent::genuine()))).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    assert_eq!(logged_out_at(&state, USER_ID).await, Some(NOW));
    println!(
        "logout-webhook handler: {sent} attacks answered 401; no HTTP request carries {unsendable:?}"
    );
}

#[tokio::test]
async fn the_tolerance_is_300_seconds_to_the_second_both_ways() {
    let body = logged_out_body(USER_ID);
    for (offset, status) in [(-301i64, 401), (-300, 200), (300, 200), (301, 401)] {
        let state = state();
        let at = (NOW as i64 + offset).to_string();
        let sent = Sent::signed(&format!("msg_{offset}"), &at, body.as_bytes());
        let response = logout(&state, request(&event(&sent))).await;
        assert_eq!(
            response.status(),
            status,
            "{offset}: {}",
            json_body(&response)
        );
        let expected = (status == 200).then_some(NOW.saturating_add_signed(offset));
        assert_eq!(logged_out_at(&state, USER_ID).await, expected, "{offset}");
    }
}

#[tokio::test]
async fn a_replayed_webhook_id_changes_nothing() {
    let (state, clock) = state_and_clock();
    let first = Sent::genuine();
    let response = logout(&state, request(&event(&first))).await;
    assert_eq!(json_body(&response), json!({"status": "logged_out"}));
    assert_eq!(logged_out_at(&state, USER_ID).await, Some(NOW));

    // The same delivery again, then the same id with a later time, then with another user:
    // each genuinely signed, each a repeat with no effect.
    let later = (NOW + 200).to_string();
    let replays = [
        ("the same delivery", first.clone()),
        (
            "the same id, later",
            Sent::signed(LIBRARY_MSG_ID, &later, &first.body),
        ),
        (
            "the same id, another user",
            Sent::signed(
                LIBRARY_MSG_ID,
                &NOW.to_string(),
                logged_out_body("u-2002").as_bytes(),
            ),
        ),
        (
            "the same id, one session",
            Sent::signed(
                LIBRARY_MSG_ID,
                &NOW.to_string(),
                json!({"type": "user.logged_out",
                       "data": {"user_id": USER_ID, "session": "00112233445566778899aabbccddeeff"}})
                .to_string()
                .as_bytes(),
            ),
        ),
    ];
    for (name, sent) in &replays {
        let response = logout(&state, request(&event(sent))).await;
        assert_eq!(response.status(), 200, "{name}");
        assert_eq!(
            json_body(&response),
            json!({"status": "already_applied"}),
            "{name}"
        );
    }
    assert_eq!(
        logged_out_at(&state, USER_ID).await,
        Some(NOW),
        "moved by a replay"
    );
    assert_eq!(
        logged_out_at(&state, "u-2002").await,
        None,
        "a replay logged out another user"
    );
    // Replayed after the tolerance, the delivery is refused before the store is asked.
    clock.advance(301);
    let response = logout(&state, request(&event(&first))).await;
    assert_eq!(response.status(), 401);
    println!("replays: {} repeats changed nothing", replays.len() + 1);
}

#[tokio::test]
async fn a_repeated_header_is_refused_however_it_arrives() {
    let state = state();
    let genuine = Sent::genuine();
    let mut count = 0;
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        let original = request(&event(&genuine)).headers()[name].clone();
        // Twice as two header lines, same value and another value.
        for second in [original.clone(), HeaderValue::from_static("v1,AAAA")] {
            let mut request = request(&event(&genuine));
            request.headers_mut().append(name, second);
            let response = logout(&state, request).await;
            let body = json_body(&response);
            assert_eq!(response.status(), 400, "{name}: {body}");
            assert_eq!(body["code"], "repeated_header", "{name}");
            count += 1;
        }
        // As API Gateway joins repeated headers: one value, comma-separated.
        let joined = format!("{0},{0}", original.to_str().unwrap());
        let mut request = request(&event(&genuine));
        request
            .headers_mut()
            .insert(name, HeaderValue::from_str(&joined).unwrap());
        let response = logout(&state, request).await;
        assert_eq!(
            response.status(),
            401,
            "{name} joined: {}",
            json_body(&response)
        );
        count += 1;
    }
    assert_eq!(logged_out_at(&state, USER_ID).await, None);
    println!("repeated headers: {count} refused");
}
