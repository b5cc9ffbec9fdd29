//! chatpass's tokens checked by an implementation that is not chatpass's: PyJWT
//! (`scripts/verify_tokens.py`). Salesforce tokens are verified against the key set fetched
//! from chatpass's own `jwks.json` route, LivePerson's against the PEM of `public-key.pem` and
//! Dynamics 365's against the list of `public-keys.json`, with the configs in Secrets Manager
//! on moto, across two key rotations: the previous key stays published (and keeps verifying
//! tokens minted before the rotation) until a second rotation drops it. Generic JWT widgets' tokens are
//! verified with the shared secret (HS256) and the published key (ES256). `chatpass keygen`'s
//! certificate for hand-uploaded keysets is read by Python's cryptography.

use chatpass::signing_keys::new_rsa_signing_key;
use chatpass_service::State;
use chatpass_service::clock::{Clock, ManualClock, SystemClock};
use chatpass_service::source::CacheSettings;
use chatpass_service::testing::{ORIGIN, RSA_KEY, RSA_KEY_NEXT};
use chatpass_tests::moto::Moto;
use chatpass_tests::pyjwt;
use chatpass_tests::support::{
    claims_for, create_table, fixture, for_project, json_body, moto_state, put_project, request,
    with_authorizer_claims,
};
use serde_json::{Value, json};
use std::sync::Arc;

const ISSUER: &str = "https://www.acme.example";
const EC_KEY: &str = include_str!("../../shared/signing/tests/keys/ec-p256.pem");
const WIDGET_SECRET: &str = "a-widget-secret-for-independent-checks";

fn salesforce(key: &str, kid: &str) -> Value {
    json!({"vendor": "salesforce-miaw", "key": key, "key_id": kid,
           "options": {"issuer": ISSUER}, "token_ttl_seconds": 3600, "allowed_origins": [ORIGIN]})
}

/// The real time: PyJWT checks the tokens against its own clock.
fn real_now() -> u64 {
    SystemClock.now()
}

fn alice() -> Value {
    json!({"id": "u-1001", "email": "alice@example.com", "email_verified": true, "name": "Alice Smith"})
}

/// The token the token route gives Alice in `project`.
async fn token(state: &State, project: &str, field: &str) -> String {
    let now = state.clock.now();
    let event = with_authorizer_claims(
        for_project(fixture("issue-jwt", "token"), project),
        Some(claims_for(&alice(), now)),
    );
    let response = issue_jwt::handler(state, request(&event)).await;
    let body = json_body(&response);
    assert_eq!(response.status(), 200, "{body}");
    body["settings"][field].as_str().unwrap().to_owned()
}

/// The key set `GET jwks.json` publishes for `project`.
async fn keyset(state: &State, project: &str) -> Value {
    let event = for_project(fixture("issue-jwt", "jwks"), project);
    let response = issue_jwt::handler(state, request(&event)).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=300",
        "cacheable"
    );
    json_body(&response)
}

fn kids(keyset: &Value) -> Vec<&str> {
    keyset["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect()
}

fn case(name: &str, token: &str, keyset: &Value, algorithm: &str, expect: &str) -> Value {
    json!({"name": name, "token": token, "jwks": keyset, "algorithms": [algorithm],
           "issuer": ISSUER, "expect": expect})
}

#[tokio::test]
async fn salesforce_tokens_verify_with_pyjwt_against_the_published_keys_across_rotations() {
    let moto = Moto::start();
    create_table(&moto, "independent").await;
    put_project(&moto, "acme-sf", &salesforce(RSA_KEY, "k1")).await;
    // Real time, so PyJWT's own clock accepts the tokens; minus an hour for the rotations.
    let real_now = real_now();
    let clock = Arc::new(ManualClock::at(real_now - 1200));
    let state = moto_state(&moto, "independent", clock.clone()).await;

    let first = token(&state, "acme-sf", "identityToken").await;
    let before = keyset(&state, "acme-sf").await;
    assert_eq!(kids(&before), ["k1"]);
    // The cost within one config TTL: AWSCURRENT once (shared by both routes), AWSPREVIOUS
    // once (none yet: remembered as long), however many tokens and keysets.
    for _ in 0..20 {
        token(&state, "acme-sf", "identityToken").await;
        keyset(&state, "acme-sf").await;
    }
    assert_eq!(moto.request_count("GetSecretValue"), 2);

    // Rotation: k2 signs from the next fetch on; k1 is AWSPREVIOUS and still published.
    put_project(&moto, "acme-sf", &salesforce(RSA_KEY_NEXT, "k2")).await;
    clock.advance(CacheSettings::default().ttl + 1);
    let second = token(&state, "acme-sf", "identityToken").await;
    let during = keyset(&state, "acme-sf").await;
    assert_eq!(kids(&during), ["k2", "k1"]);

    // A second rotation drops k1: its token no longer finds a key.
    put_project(&moto, "acme-sf", &salesforce(RSA_KEY, "k3")).await;
    clock.advance(CacheSettings::default().ttl + 1);
    let third = token(&state, "acme-sf", "identityToken").await;
    let after = keyset(&state, "acme-sf").await;
    assert_eq!(kids(&after), ["k3", "k2"]);

    let out = pyjwt::verify(&[
        case("k1's token, keys before", &first, &before, "RS256", "valid"),
        case(
            "k1's token during the rotation",
            &first,
            &during,
            "RS256",
            "valid",
        ),
        case(
            "k2's token during the rotation",
            &second,
            &during,
            "RS256",
            "valid",
        ),
        case(
            "k2's token, keys before it",
            &second,
            &before,
            "RS256",
            "invalid",
        ),
        case(
            "k1's token once k1 is dropped",
            &first,
            &after,
            "RS256",
            "invalid",
        ),
        case("k2's token after", &second, &after, "RS256", "valid"),
        case("k3's token after", &third, &after, "RS256", "valid"),
        case("k3's token as RS512", &third, &after, "RS512", "invalid"),
        json!({"name": "another issuer", "token": third, "jwks": after,
               "algorithms": ["RS256"], "issuer": "https://other.example", "expect": "invalid"}),
    ]);
    assert!(out.contains("9 passed, 0 failed"), "{out}");
}

/// What `GET <route>` publishes for `project`: the PEM text, or the JSON list.
async fn published(state: &State, project: &str, fixture_name: &str) -> Value {
    let event = for_project(fixture("issue-jwt", fixture_name), project);
    let response = issue_jwt::handler(state, request(&event)).await;
    let text = String::from_utf8_lossy(response.body().as_ref()).into_owned();
    assert_eq!(response.status(), 200, "{text}");
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    match fixture_name {
        "public-key-pem" => json!(text),
        _ => serde_json::from_str(&text).unwrap(),
    }
}

/// A LivePerson and a Dynamics 365 project on `key`, `kid`.
async fn put_rs256_vendors(moto: &Moto, key: &str, kid: &str) {
    for vendor in ["liveperson", "dynamics365"] {
        let config = json!({"vendor": vendor, "key": key, "key_id": kid,
            "options": {"issuer": ISSUER}, "token_ttl_seconds": 3600, "allowed_origins": [ORIGIN]});
        put_project(moto, &format!("acme-{vendor}"), &config).await;
    }
}

/// LivePerson's and Dynamics 365's projects, what PyJWT is given their keys as, and the
/// route that publishes that form.
const RS256_VENDORS: [(&str, &str, &str); 2] = [
    ("acme-liveperson", "pem", "public-key-pem"),
    ("acme-dynamics365", "dynamics", "public-keys"),
];

/// Alice's token in each of [`RS256_VENDORS`].
async fn rs256_tokens(state: &State) -> Vec<String> {
    let mut tokens = Vec::new();
    for (project, _, _) in RS256_VENDORS {
        tokens.push(token(state, project, "token").await);
    }
    tokens
}

/// What each of [`RS256_VENDORS`] publishes now, in its form.
async fn rs256_keys(state: &State) -> Vec<Value> {
    let mut keys = Vec::new();
    for (project, _, route) in RS256_VENDORS {
        keys.push(published(state, project, route).await);
    }
    keys
}

/// A PyJWT case per vendor: its token checked with its published keys under the vendors'
/// rules (RS256 only, the issuer, and `sub`, `iss`, `iat`, `exp` required).
fn rs256_cases(name: &str, tokens: &[String], keys: &[Value], expect: &str) -> Vec<Value> {
    RS256_VENDORS
        .iter()
        .zip(tokens.iter().zip(keys))
        .map(|((project, form, _), (token, published))| {
            let mut case = json!({"name": format!("{project}: {name}"), "token": token,
                "algorithms": ["RS256"], "issuer": ISSUER,
                "require": ["sub", "iss", "iat", "exp"], "expect": expect});
            case[*form] = published.clone();
            case
        })
        .collect()
}

#[tokio::test]
async fn liveperson_and_dynamics_tokens_verify_with_pyjwt_against_the_pem_and_list_across_rotations()
 {
    let moto = Moto::start();
    create_table(&moto, "independent-forms").await;
    put_rs256_vendors(&moto, RSA_KEY, "k1").await;
    let real_now = real_now();
    let clock = Arc::new(ManualClock::at(real_now - 1200));
    let state = moto_state(&moto, "independent-forms", clock.clone()).await;
    let first = rs256_tokens(&state).await;
    let before = rs256_keys(&state).await;
    assert_eq!(before[1].as_array().unwrap().len(), 1);

    // Rotation: k2 signs; k1 is AWSPREVIOUS and published after it.
    put_rs256_vendors(&moto, RSA_KEY_NEXT, "k2").await;
    clock.advance(CacheSettings::default().ttl + 1);
    let second = rs256_tokens(&state).await;
    let during = rs256_keys(&state).await;
    let pems = during[0].as_str().unwrap();
    assert_eq!(pems.matches("BEGIN PUBLIC KEY").count(), 2);
    let kids: Vec<&Value> = during[1]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["kid"])
        .collect();
    assert_eq!(kids, [&json!("k2"), &json!("k1")], "the current key first");

    // A second rotation, to a new key, drops k1.
    let third = new_rsa_signing_key(jsonwebtoken::Algorithm::RS256, real_now).unwrap();
    put_rs256_vendors(&moto, third.pem.as_str(), "k3").await;
    clock.advance(CacheSettings::default().ttl + 1);
    let after = rs256_keys(&state).await;

    let cases = [
        rs256_cases("k1's token, keys before", &first, &before, "valid"),
        rs256_cases("k1's token during the rotation", &first, &during, "valid"),
        rs256_cases("k2's token during the rotation", &second, &during, "valid"),
        rs256_cases("k2's token, keys before it", &second, &before, "invalid"),
        rs256_cases("k1's token once k1 is dropped", &first, &after, "invalid"),
        rs256_cases("k2's token after", &second, &after, "valid"),
    ];
    let out = pyjwt::verify(&cases.concat());
    assert!(out.contains("12 passed, 0 failed"), "{out}");
}

#[tokio::test]
async fn generic_jwt_tokens_verify_with_pyjwt_by_secret_and_by_published_key() {
    let moto = Moto::start();
    create_table(&moto, "independent-jwt").await;
    let claims = json!({"id": "external_id", "email": "email", "name": "name"});
    put_project(
        &moto,
        "acme-hs",
        &json!({"vendor": "jwt", "key": WIDGET_SECRET, "options": {"algorithm": "HS256",
                "claims": claims, "constants": {"aud": "widget-42", "iss": ISSUER}, "settings_key": "token"}, "allowed_origins": [ORIGIN]}),
    )
    .await;
    put_project(
        &moto,
        "acme-es",
        &json!({"vendor": "jwt", "key": EC_KEY, "key_id": "es-1", "options": {"algorithm": "ES256",
                "claims": claims, "constants": {"aud": "widget-42", "iss": ISSUER}, "settings_key": "jwt"}, "allowed_origins": [ORIGIN]}),
    )
    .await;
    let real_now = real_now();
    let clock = Arc::new(ManualClock::at(real_now - 10));
    let state = moto_state(&moto, "independent-jwt", clock).await;
    let hs = token(&state, "acme-hs", "token").await;
    let es = token(&state, "acme-es", "jwt").await;
    let es_keys = keyset(&state, "acme-es").await;
    let with_audience = |mut case: Value| {
        case["audience"] = json!("widget-42");
        case
    };
    let out = pyjwt::verify(&[
        with_audience(
            json!({"name": "HS256 with the secret", "token": hs, "secret": WIDGET_SECRET,
                             "algorithms": ["HS256"], "issuer": ISSUER, "expect": "valid"}),
        ),
        with_audience(
            json!({"name": "HS256 with another secret", "token": hs, "secret": "another-secret-entirely-0123",
                             "algorithms": ["HS256"], "issuer": ISSUER, "expect": "invalid"}),
        ),
        with_audience(case(
            "ES256 with the published key",
            &es,
            &es_keys,
            "ES256",
            "valid",
        )),
        with_audience(case(
            "ES256 read as RS256",
            &es,
            &es_keys,
            "RS256",
            "invalid",
        )),
    ]);
    assert!(out.contains("4 passed, 0 failed"), "{out}");
}

#[test]
fn a_new_keys_certificate_holds_the_key_is_self_signed_and_valid_ten_days() {
    let now = real_now();
    let key = new_rsa_signing_key(jsonwebtoken::Algorithm::RS256, now).unwrap();
    let other = new_rsa_signing_key(jsonwebtoken::Algorithm::RS256, now).unwrap();
    let mut swapped = key.certificate_jwk.clone();
    swapped.insert("n".into(), other.public_jwk["n"].clone());
    let expired = new_rsa_signing_key(jsonwebtoken::Algorithm::RS256, now - 360 * 86_400).unwrap();
    let out = pyjwt::verify(&[
        json!({"name": "keygen's certificate", "certificate_jwk": key.certificate_jwk, "expect": "valid"}),
        json!({"name": "another key's numbers", "certificate_jwk": swapped, "expect": "invalid"}),
        json!({"name": "a certificate with 5 days left", "certificate_jwk": expired.certificate_jwk, "expect": "invalid"}),
    ]);
    assert!(out.contains("3 passed, 0 failed"), "{out}");
}
