//! hash-user's handler against the in-memory ports: Sprinklr's user-details mode (the vectors'
//! key and hash), custom-user and cookie modes with their server-side sessions, and a JWT
//! vendor sent to the other endpoint.

use chatpass_service::State;
use chatpass_service::store::{SessionIn, SessionLookup};
use chatpass_service::testing::{
    Harness, NOW, ORIGIN, SPRINKLR_KEY, assert_readable_by_origin, harness as memory_harness,
    header, jsm_project, json_body as body, request, with_claims,
};
use chatpass_signing::mac::hmac_sha256_hex;
use lambda_http::{Body, Response};
use serde_json::{Value, json};

/// A state over memory ports holding `projects`, the clock at `NOW`.
fn harness(projects: &[(&str, Value)]) -> Harness {
    memory_harness(projects, NOW)
}
const PROJECT: &str = "acme-sprinklr";

fn sprinklr(options: Value, extra: Value) -> Value {
    let mut doc = json!({
        "vendor": "sprinklr", "key": SPRINKLR_KEY, "options": options,
        "allowed_origins": [ORIGIN],
    });
    doc.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    doc
}

fn event() -> Value {
    let path = format!(
        "{}/../functions/hash-user/events/user-hash.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

async fn call(state: &State, event: &Value) -> Response<Body> {
    hash_user::handler(state, request(event)).await
}

fn is_reference(value: &str) -> bool {
    value.len() == 32
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Asserts the store holds an active session for the fixture's user under `reference`.
async fn assert_session(h: &Harness, reference: &str, expires_at: u64) {
    let which = SessionIn {
        project: PROJECT,
        reference,
    };
    match h.store.session(which, NOW).await.unwrap() {
        SessionLookup::Active(session) => {
            assert_eq!(session.user.id, "u-1001");
            assert_eq!(session.user.email.as_deref(), Some("alice@example.com"));
            assert_eq!(session.user.first_name.as_deref(), Some("Alice"));
            assert_eq!(session.created_ms, NOW * 1000);
            assert_eq!(session.issued_at, Some(NOW), "the identity token's iat");
            assert_eq!(session.expires_at, expires_at);
        }
        other => panic!("no active session under the reference: {other:?}"),
    }
}

#[tokio::test]
async fn signs_the_fixture_user_as_the_sprinklr_vector_does() {
    let h = harness(&[(
        PROJECT,
        sprinklr(
            json!({"mode": "user", "hash_creation_time": false}),
            json!({}),
        ),
    )]);
    let response = call(&h.state, &event()).await;

    assert_eq!(response.status(), 200, "{}", body(&response));
    assert_eq!(header(&response, "cache-control"), Some("no-store"));
    assert_readable_by_origin(&response, "a listed origin reads the answer");
    assert_eq!(header(&response, "vary"), Some("Origin"));
    assert!(header(&response, "set-cookie").is_none());
    // The vectors' "sprinklr user details" case: the fixture's claims are that user.
    assert_eq!(
        body(&response),
        json!({
            "vendor": "sprinklr",
            "settings": {"user": {
                "id": "u-1001",
                "firstName": "Alice",
                "lastName": "Smith",
                "profileImageUrl": "https://img.example.com/a.png",
                "phoneNo": "15550100",
                "email": "alice@example.com",
                "hash": "15045df644cf604aa4d9d07fe29f9b55d2585741ec81aec3968a582ee4bf78c2"
            }},
            "expires_at": null
        })
    );
}

#[tokio::test]
async fn custom_user_mode_signs_a_fresh_reference_and_keeps_the_session() {
    let h = harness(&[(PROJECT, sprinklr(json!({"mode": "custom-user"}), json!({})))]);
    let response = call(&h.state, &event()).await;

    assert_eq!(response.status(), 200, "{}", body(&response));
    let answer = body(&response);
    let custom = &answer["settings"]["customUser"];
    let reference = custom["token"].as_str().unwrap();
    assert!(is_reference(reference), "{reference}");
    let now_ms = NOW * 1000;
    assert_eq!(custom["hashCreationTime"], json!(now_ms));
    assert_eq!(
        custom["hash"],
        json!(hmac_sha256_hex(
            SPRINKLR_KEY.as_bytes(),
            format!("{reference}_{now_ms}").as_bytes()
        ))
    );
    assert_eq!(answer["expires_at"], json!(NOW + 300));
    assert_eq!(answer["settings"].as_object().unwrap().len(), 1);
    assert!(header(&response, "set-cookie").is_none());
    assert_session(&h, reference, NOW + 300).await;

    let again = body(&call(&h.state, &event()).await);
    assert_ne!(
        again["settings"]["customUser"]["token"],
        json!(reference),
        "every call gets a new reference"
    );
}

/// A 200's `Set-Cookie` header and the session reference it carries.
fn session_cookie(response: &Response<Body>) -> (&str, &str) {
    assert_eq!(response.status(), 200, "{}", body(response));
    let cookie = header(response, "set-cookie").expect("a Set-Cookie header");
    let reference = cookie
        .strip_prefix("chatpass_session=")
        .and_then(|rest| rest.split(';').next())
        .unwrap();
    (cookie, reference)
}

#[tokio::test]
async fn cookie_mode_sets_the_session_cookie_on_the_configured_domain() {
    let h = harness(&[(
        PROJECT,
        sprinklr(
            json!({"mode": "cookie"}),
            json!({"cookie_domain": ".example.com", "token_ttl_seconds": 300}),
        ),
    )]);
    let response = call(&h.state, &event()).await;

    let (cookie, reference) = session_cookie(&response);
    assert!(is_reference(reference), "{cookie}");
    assert_eq!(
        cookie,
        format!(
            "chatpass_session={reference}; Path=/; Max-Age=300; Domain=.example.com; HttpOnly; Secure; SameSite=None"
        )
    );
    assert_eq!(
        body(&response),
        json!({"vendor": "sprinklr", "settings": {}, "expires_at": NOW + 300})
    );
    assert!(
        !response
            .body()
            .as_ref()
            .windows(reference.len())
            .any(|w| w == reference.as_bytes()),
        "the reference travels only in the HttpOnly cookie"
    );
    assert_session(&h, reference, NOW + 300).await;
}

#[tokio::test]
async fn cookie_mode_without_a_cookie_domain_sets_a_host_only_cookie() {
    let h = harness(&[(
        PROJECT,
        sprinklr(json!({"mode": "cookie"}), json!({"token_ttl_seconds": 120})),
    )]);
    let response = call(&h.state, &event()).await;

    let (cookie, reference) = session_cookie(&response);
    assert_eq!(
        cookie,
        format!(
            "chatpass_session={reference}; Path=/; Max-Age=120; HttpOnly; Secure; SameSite=None"
        )
    );
    assert_session(&h, reference, NOW + 120).await;
}

#[tokio::test]
async fn sends_a_jwt_vendors_project_to_the_token_endpoint() {
    let h = harness(&[(PROJECT, jsm_project())]);
    let response = call(&h.state, &event()).await;

    assert_eq!(response.status(), 409, "{}", body(&response));
    assert_eq!(body(&response)["code"], "wrong_endpoint");
    assert!(
        body(&response)["detail"]
            .as_str()
            .unwrap()
            .contains("token")
    );
    assert_eq!(
        header(&response, "content-type"),
        Some("application/problem+json")
    );
    assert_readable_by_origin(&response, "a listed origin reads the answer");
}

#[tokio::test]
async fn a_session_keeps_when_its_identity_was_issued_not_when_it_was_made() {
    let h = harness(&[(PROJECT, sprinklr(json!({"mode": "custom-user"}), json!({})))]);
    let earlier = with_claims(event(), json!({"iat": (NOW - 100).to_string()}));
    let response = call(&h.state, &earlier).await;
    assert_eq!(response.status(), 200, "{}", body(&response));
    let reference = body(&response)["settings"]["customUser"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let which = SessionIn {
        project: PROJECT,
        reference: &reference,
    };
    match h.store.session(which, NOW).await.unwrap() {
        SessionLookup::Active(session) => {
            assert_eq!(
                (session.issued_at, session.created_ms),
                (Some(NOW - 100), NOW * 1000)
            )
        }
        other => panic!("no active session: {other:?}"),
    }
}
