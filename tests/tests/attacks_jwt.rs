//! JWT attack suite, against every place chatpass verifies a JWT: identity tokens through
//! `IdentityVerifier` (what `chatpass serve` and the functions without an API Gateway
//! authorizer use) and through the issue-jwt handler; OpenID Connect back-channel logout tokens
//! through the logout-webhook handler, the IdP's JWKS served on loopback; and vendor tokens
//! through `explain`. Each case names the attack and the exact refusal it must get; nothing is
//! ever accepted, and a refused logout records nothing.
//!
//! The honest identity provider signs RS256 (the stand-in IdP) and ES256 (a P-256 test key
//! below, so headers can be chosen freely); the attacker holds another P-256 key and every
//! public key.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chatpass_service::State;
use chatpass_service::clock::ManualClock;
use chatpass_service::identity::rules::MAX_IDENTITY_LIFETIME_SECONDS as DEFAULT_MAX_LIFETIME_SECONDS;
use chatpass_service::identity::{
    Claims, IdentityVerifier, Jwks, KeySet, Rules, StandinIdp, VerifyError, flatten, verify,
};
use chatpass_service::request::MAX_BODY_BYTES;
use chatpass_service::testing::JwksServer;
use chatpass_signing::explain::{Problem, explain};
use chatpass_signing::keys::VendorKey;
use chatpass_signing::{Vendor, VendorConfig, vendors};
use chatpass_tests::support::{
    fixture, for_project, json_body, memory_state, request, with_authorizer_claims, with_header,
};
use jsonwebtoken::{Algorithm as Alg, EncodingKey, crypto};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};

const NOW: u64 = 1_700_000_000;
const ISSUER: &str = "https://idp.example.com/";
const AUDIENCE: &str = "chatpass";
const LOGOUT_AUDIENCE: &str = "chatpass-backchannel";
const NEIGHBOUR_AUDIENCE: &str = "chatpass-backchannel-neighbour";
const PROJECT: &str = "attacked";
const NEIGHBOUR: &str = "neighbour";
const ORIGIN: &str = "https://www.example.com";
const USER_ID: &str = "u-1001";
const MAX_LOGOUT_LIFETIME: u64 = 600;
const BACKCHANNEL_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// The honest IdP's second signing key (P-256), made for these tests only.
const EC_KID: &str = "ec-1";
const EC_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgNyAg0XUOl0WVX543
lOOnNqPUgnYQsrLN3XrbKCXlXguhRANCAARsSnHVr+20Y5CAPIb/XO/oyrP9SN7X
1Jc6G2/ZeAypU4pGFA+Gbmgv7sfSzyyEXHqmC6UNCbqgALvbRQpETW5p
-----END PRIVATE KEY-----
";
const EC_X: &str = "bEpx1a_ttGOQgDyG_1zv6Mqz_Uje19SXOhtv2XgMqVM";
const EC_Y: &str = "ikYUD4ZuaC_ux9LPLIRceqYLpQ0JuqAAu9tFCkRNbmk";

/// The attacker's own P-256 key, made for these tests only.
const ATTACKER_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgJKh4QHFxryGwLN2E
C3QtJT66fquYoXpGd1VZ/9H6uLOhRANCAATn5frdEfqqZXgfc+FAJluKCUrQSdBL
losncBThngftdE43lfcgmddeb2+elJGFyMZXUpm3h9LRPHA2i1TW7Oso
-----END PRIVATE KEY-----
";
const ATTACKER_X: &str = "5-X63RH6qmV4H3PhQCZbiglK0EnQS5aLJ3AU4Z4H7XQ";
const ATTACKER_Y: &str = "TjeV9yCZ115vb56UkYXIxldSmbeH0tE8cDaLVNbs6yg";

// --- the parties -----------------------------------------------------------------------------

struct Idp {
    rsa: StandinIdp,
    /// The RSA key's JWK as the IdP publishes it.
    rsa_jwk: Value,
    /// RSA and EC keys.
    jwks: String,
    /// Another identity provider altogether (its own key and issuer).
    other: StandinIdp,
}

fn idp() -> &'static Idp {
    static IDP: OnceLock<Idp> = OnceLock::new();
    IDP.get_or_init(|| {
        let rsa = StandinIdp::generate(ISSUER, AUDIENCE);
        let published: Value = serde_json::from_str(&rsa.jwks()).unwrap();
        let rsa_jwk = published["keys"][0].clone();
        let ec_jwk = json!({"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256",
                            "kid": EC_KID, "x": EC_X, "y": EC_Y});
        let jwks = json!({"keys": [rsa_jwk, ec_jwk]}).to_string();
        Idp {
            rsa,
            rsa_jwk,
            jwks,
            other: StandinIdp::generate("https://other-idp.example.com/", AUDIENCE),
        }
    })
}

fn rsa_kid() -> String {
    idp().rsa_jwk["kid"].as_str().unwrap().to_owned()
}

/// chatpass's own check of the honest IdP's identity tokens, keys parsed once.
struct Verifier(KeySet);

impl Verifier {
    fn verify(&self, token: &str, now: u64) -> Result<Claims, VerifyError> {
        verify(&self.0, token, &Rules::identity(ISSUER, AUDIENCE), now).map(flatten)
    }
}

fn verifier() -> Verifier {
    Verifier(KeySet::parse(&idp().jwks).unwrap())
}

// --- token building --------------------------------------------------------------------------

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn segment(value: &Value) -> String {
    b64(value.to_string())
}

/// `header.claims.signature` as given: no signing at all.
fn assemble(header: &Value, claims: &Value, signature: &str) -> String {
    format!("{}.{}.{signature}", segment(header), segment(claims))
}

/// Signs `header.claims` with `key` under `alg`, whatever the header says.
fn sign_with(header: &Value, claims: &Value, key: &EncodingKey, alg: Alg) -> String {
    let message = format!("{}.{}", segment(header), segment(claims));
    let signature = crypto::sign(message.as_bytes(), key, alg).unwrap();
    format!("{message}.{signature}")
}

/// Signed by the honest IdP's EC key, with any header.
fn honest_es256(header: &Value, claims: &Value) -> String {
    let key = EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap();
    sign_with(header, claims, &key, Alg::ES256)
}

/// Signed by the attacker's EC key, with any header.
fn attacker_es256(header: &Value, claims: &Value) -> String {
    let key = EncodingKey::from_ec_pem(ATTACKER_PRIVATE.as_bytes()).unwrap();
    sign_with(header, claims, &key, Alg::ES256)
}

/// Signed by the honest IdP's RSA key (its own header: RS256, typ JWT, its kid).
fn honest_rs256(claims: &Value) -> String {
    idp().rsa.sign(claims.as_object().unwrap())
}

fn hmac(alg: Alg, header: &Value, claims: &Value, secret: &[u8]) -> String {
    sign_with(header, claims, &EncodingKey::from_secret(secret), alg)
}

/// `claims` with `change` applied: `null` removes a claim, anything else sets it.
fn changed(claims: &Value, change: Value) -> Value {
    let mut claims = claims.clone();
    for (name, value) in change.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    claims
}

fn part(token: &str, index: usize) -> String {
    token.split('.').nth(index).unwrap().to_owned()
}

// --- the RSA public key in the forms an algorithm-confusion attacker would try ---------------

fn der_length(len: usize) -> Vec<u8> {
    match len {
        0..=127 => vec![len as u8],
        128..=255 => vec![0x81, len as u8],
        _ => vec![0x82, (len >> 8) as u8, len as u8],
    }
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    [&[tag][..], &der_length(content.len()), content].concat()
}

fn der_uint(bytes: &[u8]) -> Vec<u8> {
    let bytes = if bytes[0] & 0x80 != 0 {
        [&[0u8][..], bytes].concat()
    } else {
        bytes.to_vec()
    };
    der(0x02, &bytes)
}

fn pem(label: &str, der: &[u8], trailing_newline: bool) -> Vec<u8> {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let mut text = format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----",
        lines.join("\n")
    );
    if trailing_newline {
        text.push('\n');
    }
    text.into_bytes()
}

/// Every form of the IdP's public keys an attacker might HMAC with, hoping the verifier
/// uses "the key" as an HMAC secret.
fn public_key_forms() -> Vec<(&'static str, Vec<u8>)> {
    let jwk = &idp().rsa_jwk;
    let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
    let e = URL_SAFE_NO_PAD.decode(jwk["e"].as_str().unwrap()).unwrap();
    let pkcs1 = der(0x30, &[der_uint(&n), der_uint(&e)].concat());
    let rsa_oid = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let bit_string = der(0x03, &[&[0u8][..], &pkcs1].concat());
    let spki = der(0x30, &[der(0x30, &rsa_oid), bit_string].concat());
    let ec_point = [
        vec![4u8],
        URL_SAFE_NO_PAD.decode(EC_X).unwrap(),
        URL_SAFE_NO_PAD.decode(EC_Y).unwrap(),
    ]
    .concat();
    vec![
        ("RSA modulus bytes", n),
        (
            "RSA modulus as base64url text",
            jwk["n"].as_str().unwrap().into(),
        ),
        ("RSA JWK JSON", jwk.to_string().into_bytes()),
        ("whole JWKS document", idp().jwks.clone().into_bytes()),
        ("PKCS#1 DER", pkcs1.clone()),
        ("SubjectPublicKeyInfo DER", spki.clone()),
        ("PKCS#1 PEM", pem("RSA PUBLIC KEY", &pkcs1, true)),
        ("SubjectPublicKeyInfo PEM", pem("PUBLIC KEY", &spki, true)),
        (
            "SubjectPublicKeyInfo PEM without newline",
            pem("PUBLIC KEY", &spki, false),
        ),
        ("EC point bytes", ec_point),
        (
            "EC JWK JSON",
            json!({"kty": "EC", "crv": "P-256", "x": EC_X, "y": EC_Y})
                .to_string()
                .into_bytes(),
        ),
    ]
}

// --- the attacks common to identity and logout tokens -----------------------------------------

/// What a token is for: its good claims and the lifetime allowed.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Identity,
    Logout,
}

impl Kind {
    fn claims(self) -> Value {
        match self {
            Kind::Identity => json!({
                "iss": ISSUER, "aud": AUDIENCE, "sub": USER_ID, "email": "alice@example.com",
                "email_verified": true, "iat": NOW - 10, "exp": NOW + 300,
            }),
            Kind::Logout => json!({
                "iss": ISSUER, "aud": LOGOUT_AUDIENCE, "sub": USER_ID, "iat": NOW - 10,
                "exp": NOW + 110, "jti": "jti-attack", "events": {BACKCHANNEL_EVENT: {}},
            }),
        }
    }

    fn max_lifetime(self) -> u64 {
        match self {
            Kind::Identity => DEFAULT_MAX_LIFETIME_SECONDS,
            Kind::Logout => MAX_LOGOUT_LIFETIME,
        }
    }
}

struct Case {
    name: String,
    token: String,
    refusal: VerifyError,
}

fn case(name: impl Into<String>, token: String, refusal: VerifyError) -> Case {
    Case {
        name: name.into(),
        token,
        refusal,
    }
}

/// What a signature segment gets: a bad signature if it decodes, else a malformed token.
fn signature_refusal(signature: &str) -> VerifyError {
    if URL_SAFE_NO_PAD.decode(signature).is_ok() {
        VerifyError::Signature
    } else {
        VerifyError::Malformed
    }
}

fn cases(kind: Kind) -> Vec<Case> {
    use VerifyError::*;
    let good = kind.claims();
    let good_rs = honest_rs256(&good);
    let rs_header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part(&good_rs, 0)).unwrap()).unwrap();
    let es_header = json!({"alg": "ES256", "typ": "JWT", "kid": EC_KID});
    let good_es = honest_es256(&es_header, &good);
    let kid = rsa_kid();
    let mut out = Vec::new();

    // alg none in any casing, with no, a garbage and a real signature.
    let real_signature = part(&good_rs, 2);
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": kid});
        for (label, signature) in [
            ("empty", String::new()),
            ("garbage", b64("garbage")),
            ("the real one", real_signature.clone()),
        ] {
            out.push(case(
                format!("alg {alg}, {label} signature"),
                assemble(&header, &good, &signature),
                Algorithm,
            ));
        }
    }
    for (label, alg) in [
        ("alg missing", Value::Null),
        ("alg empty", json!("")),
        ("alg lowercase rs256", json!("rs256")),
        ("alg with a trailing space", json!("RS256 ")),
        ("alg as a list", json!(["RS256"])),
        ("alg PS256", json!("PS256")),
        ("alg RS512", json!("RS512")),
        ("alg ES384", json!("ES384")),
        ("alg EdDSA", json!("EdDSA")),
    ] {
        let mut header = rs_header.clone();
        if alg.is_null() {
            header.as_object_mut().unwrap().remove("alg");
        } else {
            header["alg"] = alg;
        }
        let refusal = if header.get("alg").is_none() {
            Malformed
        } else {
            Algorithm
        };
        out.push(case(
            label,
            assemble(&header, &good, &real_signature),
            refusal,
        ));
    }
    // Duplicate members: whichever one a parser keeps, the token is refused.
    let payload = segment(&good);
    out.push(case(
        "alg twice, none then RS256",
        format!(
            "{}.{payload}.{real_signature}",
            b64(format!(r#"{{"alg":"none","alg":"RS256","kid":"{kid}"}}"#))
        ),
        Malformed,
    ));
    out.push(case(
        "alg twice, RS256 then none",
        format!(
            "{}.{payload}.",
            b64(format!(r#"{{"alg":"RS256","alg":"none","kid":"{kid}"}}"#))
        ),
        Algorithm,
    ));

    // Algorithm confusion: HMAC with the public key as the secret.
    for alg in [Alg::HS256, Alg::HS384, Alg::HS512] {
        for (form, secret) in public_key_forms() {
            let header = json!({"alg": format!("{alg:?}"), "typ": "JWT", "kid": kid});
            out.push(case(
                format!("{alg:?} keyed with the {form}"),
                hmac(alg, &header, &good, &secret),
                Algorithm,
            ));
        }
    }
    let spki_pem = public_key_forms().remove(7).1;
    let hs = hmac(Alg::HS256, &rs_header, &good, &spki_pem);
    out.push(case(
        "header says RS256, signature is HMAC with the PEM",
        hs.clone(),
        signature_refusal(&part(&hs, 2)),
    ));
    out.push(case(
        "ES256 header naming the RSA key",
        attacker_es256(&json!({"alg": "ES256", "kid": kid}), &good),
        UnknownKey,
    ));
    out.push(case(
        "RS256 header naming the EC key",
        assemble(
            &json!({"alg": "RS256", "kid": EC_KID}),
            &good,
            &real_signature,
        ),
        UnknownKey,
    ));

    // kid: unknown, path-like, URL-like, injected, not a string.
    for bad_kid in [
        "nope",
        "",
        "../../etc/passwd",
        "/etc/passwd",
        "..\\..\\windows\\win.ini",
        "file:///etc/passwd",
        "https://evil.example.com/jwks.json",
        "http://127.0.0.1:9/keys",
        "ec-1/../ec-1",
        "ec-1\u{0}",
        "EC-1",
        "ec-1 ",
        "' OR '1'='1",
        "$(id)",
    ] {
        out.push(case(
            format!("kid {bad_kid:?} on a token the honest key signed"),
            honest_es256(&json!({"alg": "ES256", "kid": bad_kid}), &good),
            UnknownKey,
        ));
    }
    for (label, bad_kid) in [
        ("kid a number", json!(1)),
        ("kid a list", json!([EC_KID])),
        ("kid an object", json!({"kid": EC_KID})),
    ] {
        out.push(case(
            label,
            honest_es256(&json!({"alg": "ES256", "kid": bad_kid}), &good),
            Malformed,
        ));
    }
    // The attacker's key offered in the header (jwk, jku, x5u): never used.
    let attacker_jwk = json!({"kty": "EC", "crv": "P-256", "x": ATTACKER_X, "y": ATTACKER_Y});
    for (label, header, refusal) in [
        (
            "attacker's jwk in the header, honest kid",
            json!({"alg": "ES256", "kid": EC_KID, "jwk": attacker_jwk}),
            Signature,
        ),
        (
            "attacker's jwk in the header, no kid",
            json!({"alg": "ES256", "jwk": attacker_jwk}),
            Signature,
        ),
        (
            "attacker's jku and kid",
            json!({"alg": "ES256", "kid": "attacker-1",
                   "jku": "http://127.0.0.1:9/attacker/jwks.json"}),
            UnknownKey,
        ),
        (
            "attacker's x5u, honest kid",
            json!({"alg": "ES256", "kid": EC_KID,
                   "x5u": "http://127.0.0.1:9/attacker/cert.pem"}),
            Signature,
        ),
    ] {
        out.push(case(label, attacker_es256(&header, &good), refusal));
    }

    // Signatures: none, zeros, truncated, another token's, another key's, re-encoded.
    let (signed_part, _) = good_rs.rsplit_once('.').unwrap();
    let rsa_signature_bytes = URL_SAFE_NO_PAD.decode(&real_signature).unwrap();
    for (label, signature) in [
        ("empty (null) signature", String::new()),
        (
            "all-zero signature",
            b64(vec![0u8; rsa_signature_bytes.len()]),
        ),
        ("the text null", "null".to_owned()),
        ("signature doubled", real_signature.repeat(2)),
        ("signature padded", format!("{real_signature}==")),
        (
            "signature in standard base64",
            format!("+/{}", &real_signature[2..]),
        ),
    ] {
        let refusal = signature_refusal(&signature);
        out.push(case(label, format!("{signed_part}.{signature}"), refusal));
    }
    for cut in [
        1,
        2,
        3,
        4,
        10,
        real_signature.len() / 2,
        real_signature.len() - 1,
    ] {
        let signature = &real_signature[..real_signature.len() - cut];
        out.push(case(
            format!("signature cut by {cut} characters"),
            format!("{signed_part}.{signature}"),
            signature_refusal(signature),
        ));
    }
    let other_subject = honest_rs256(&changed(&good, json!({"sub": "u-mallory"})));
    out.push(case(
        "signature of another token of the same IdP",
        format!("{signed_part}.{}", part(&other_subject, 2)),
        Signature,
    ));
    let es_signed = good_es.rsplit_once('.').unwrap().0;
    let es_other = honest_es256(&es_header, &changed(&good, json!({"sub": "u-mallory"})));
    out.push(case(
        "ES256 signature of another token of the same IdP",
        format!("{es_signed}.{}", part(&es_other, 2)),
        Signature,
    ));
    out.push(case(
        "claims swapped under a valid signature",
        format!(
            "{}.{}.{}",
            part(&good_rs, 0),
            part(&other_subject, 1),
            real_signature
        ),
        Signature,
    ));
    let foreign = idp().other.sign(good.as_object().unwrap());
    out.push(case(
        "the honest header over another IdP's signature",
        format!("{signed_part}.{}", part(&foreign, 2)),
        Signature,
    ));
    out.push(case(
        "signed by the attacker's key under the honest EC kid",
        attacker_es256(&es_header, &good),
        Signature,
    ));

    // Time claims that are not numbers.
    for claim in ["exp", "nbf", "iat"] {
        for text in ["9999999999", "1700000000"] {
            out.push(case(
                format!("{claim} as the string {text:?}"),
                honest_rs256(&changed(&good, json!({ claim: text }))),
                TimeClaim(claim),
            ));
        }
    }
    for (label, value) in [
        ("true", json!(true)),
        ("negative", json!(-1)),
        ("empty text", json!("")),
        ("a list", json!([NOW + 300])),
        ("an object", json!({"at": NOW + 300})),
    ] {
        out.push(case(
            format!("exp {label}"),
            honest_rs256(&changed(&good, json!({ "exp": value }))),
            TimeClaim("exp"),
        ));
    }
    out.push(case(
        "exp missing",
        honest_rs256(&changed(&good, json!({"exp": null}))),
        TimeClaim("exp"),
    ));

    // Issuer and audience.
    let (audience, other_audience) = match kind {
        Kind::Identity => (AUDIENCE, "another-client"),
        Kind::Logout => (LOGOUT_AUDIENCE, NEIGHBOUR_AUDIENCE),
    };
    for (label, change, refusal) in [
        ("iss missing", json!({"iss": null}), Issuer),
        (
            "iss another issuer",
            json!({"iss": "https://evil.example.com/"}),
            Issuer,
        ),
        (
            "iss without the trailing slash",
            json!({"iss": "https://idp.example.com"}),
            Issuer,
        ),
        (
            "iss in capitals",
            json!({"iss": "HTTPS://IDP.EXAMPLE.COM/"}),
            Issuer,
        ),
        (
            "iss with a trailing space",
            json!({"iss": "https://idp.example.com/ "}),
            Issuer,
        ),
        (
            "iss another tenant of the same IdP",
            json!({"iss": "https://idp.example.com/tenant-b/"}),
            Issuer,
        ),
        ("iss empty", json!({"iss": ""}), Issuer),
        (
            "iss as a list holding ours",
            json!({"iss": [ISSUER]}),
            Issuer,
        ),
        ("aud missing", json!({"aud": null}), Audience),
        (
            "aud another client",
            json!({"aud": other_audience}),
            Audience,
        ),
        (
            "aud a list without ours",
            json!({"aud": [other_audience, "third"]}),
            Audience,
        ),
        ("aud an empty list", json!({"aud": []}), Audience),
        ("aud empty", json!({"aud": ""}), Audience),
        (
            "aud with a trailing space",
            json!({"aud": format!("{audience} ")}),
            Audience,
        ),
        (
            "aud in capitals",
            json!({"aud": audience.to_uppercase()}),
            Audience,
        ),
        (
            "aud ours as a prefix",
            json!({"aud": format!("{audience}-evil")}),
            Audience,
        ),
        ("aud a number", json!({"aud": 7}), Audience),
    ] {
        out.push(case(label, honest_rs256(&changed(&good, change)), refusal));
    }

    // Times: in the future beyond the 60 s leeway, expired, too long-lived.
    let max = kind.max_lifetime();
    for (label, change, refusal) in [
        (
            "iat 61 s in the future",
            json!({"iat": NOW + 61, "exp": NOW + 100}),
            IssuedInFuture,
        ),
        (
            "iat a day in the future",
            json!({"iat": NOW + 86_400, "exp": NOW + 86_500}),
            IssuedInFuture,
        ),
        (
            "nbf 61 s in the future",
            json!({"nbf": NOW + 61}),
            NotYetValid,
        ),
        (
            "exp 60 s ago (the leeway's edge)",
            json!({"iat": NOW - 100, "exp": NOW - 60}),
            Expired,
        ),
        (
            "exp an hour ago",
            json!({"iat": NOW - 3700, "exp": NOW - 3600}),
            Expired,
        ),
        (
            "lifetime one second over the maximum",
            json!({"iat": NOW - 10, "exp": NOW - 10 + max + 1}),
            LifetimeTooLong { max },
        ),
        (
            "issued thirty days ago, still unexpired",
            json!({"iat": NOW - 30 * 86_400, "exp": NOW + 60}),
            LifetimeTooLong { max },
        ),
        (
            "no iat, exp beyond the maximum from now",
            json!({"iat": null, "exp": NOW + max + 1}),
            LifetimeTooLong { max },
        ),
        ("exp 1e300", json!({"exp": 1e300}), LifetimeTooLong { max }),
    ] {
        out.push(case(label, honest_rs256(&changed(&good, change)), refusal));
    }

    // Critical header extensions nobody here understands.
    for crit in [json!(["exp"]), json!([]), json!(["b64"])] {
        let header = json!({"alg": "ES256", "kid": EC_KID, "crit": crit, "b64": false});
        out.push(case(
            format!("crit {crit}"),
            honest_es256(&header, &good),
            CriticalHeader,
        ));
    }

    // Not a JWT: characters, parts, padding.
    let [h, c, s] = [part(&good_rs, 0), part(&good_rs, 1), real_signature.clone()];
    let mid = c.len() / 2;
    for (label, token) in [
        ("empty", String::new()),
        ("one space", " ".to_owned()),
        (
            "a space inside the claims",
            format!("{h}.{} {}.{s}", &c[..mid], &c[mid..]),
        ),
        ("a leading space", format!(" {good_rs}")),
        ("a trailing space", format!("{good_rs} ")),
        ("a newline inside", format!("{h}.\n{c}.{s}")),
        ("a NUL inside", format!("{h}.{c}\u{0}.{s}")),
        ("a non-ASCII letter in the header", format!("é{h}.{c}.{s}")),
        (
            "one-dot leaders for dots",
            format!("{h}\u{2024}{c}\u{2024}{s}"),
        ),
        ("fullwidth dots", format!("{h}\u{ff0e}{c}\u{ff0e}{s}")),
        ("percent-encoded dots", format!("{h}%2E{c}%2E{s}")),
        ("four parts", format!("{good_rs}.{s}")),
        ("five parts (JWE-like)", format!("{h}.{c}.{s}.{c}.{s}")),
        ("two parts", format!("{h}.{c}")),
        ("one part", h.clone()),
        ("only dots", "..".to_owned()),
        ("header padded", format!("{h}=.{c}.{s}")),
        ("claims padded", format!("{h}.{c}==.{s}")),
        (
            "header in standard base64 with padding",
            format!("{}.{c}.{s}", STANDARD.encode(rs_header.to_string())),
        ),
        ("header not JSON", format!("{}.{c}.{s}", b64("{\"alg\":"))),
        (
            "header a JSON list",
            format!("{}.{c}.{s}", b64("[\"RS256\"]")),
        ),
        ("64 KiB of letters", "a".repeat(65_536)),
    ] {
        let refusal = match label {
            // The header still names RS256 and the kid: the signature, checked over the
            // message as sent before the claims are decoded, fails.
            "a space inside the claims" | "a newline inside" | "a NUL inside" | "claims padded" => {
                Signature
            }
            "a trailing space" => signature_refusal(&format!("{s} ")),
            _ => Malformed,
        };
        out.push(case(label, token, refusal));
    }
    for (label, claims) in [("claims a JSON list", "[]"), ("claims JSON null", "null")] {
        let message = format!("{}.{}", segment(&es_header), b64(claims));
        let key = EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap();
        let signature = crypto::sign(message.as_bytes(), &key, Alg::ES256).unwrap();
        out.push(case(label, format!("{message}.{signature}"), Malformed));
    }

    // Tokens meant for someone else.
    out.push(case(
        "another identity provider's token",
        idp().other.sign(
            changed(&good, json!({"iss": "https://other-idp.example.com/"}))
                .as_object()
                .unwrap(),
        ),
        UnknownKey,
    ));
    out.push(case(
        "another identity provider's token claiming our issuer",
        foreign,
        UnknownKey,
    ));
    out
}

// --- (a) identity tokens: the verifier and the issue-jwt handler ------------------------------

/// The cases only identity tokens face: a logout token is not an identity token.
fn identity_only_cases() -> Vec<Case> {
    let logout = Kind::Logout.claims();
    let as_identity = changed(&logout, json!({"aud": AUDIENCE}));
    vec![
        case(
            "a logout token (back-channel event) for our audience",
            honest_rs256(&as_identity),
            VerifyError::LogoutToken,
        ),
        case(
            "a token typed logout+jwt for our audience",
            honest_es256(
                &json!({"alg": "ES256", "typ": "logout+jwt", "kid": EC_KID}),
                &changed(&Kind::Identity.claims(), json!({})),
            ),
            VerifyError::LogoutToken,
        ),
        case(
            "a token typed application/Logout+JWT for our audience",
            honest_es256(
                &json!({"alg": "ES256", "typ": "application/Logout+JWT", "kid": EC_KID}),
                &Kind::Identity.claims(),
            ),
            VerifyError::LogoutToken,
        ),
    ]
}

#[test]
fn the_identity_verifier_refuses_every_attack_with_the_exact_error() {
    let v = verifier();
    // Controls: the same building blocks make tokens that pass.
    let good = Kind::Identity.claims();
    assert!(v.verify(&honest_rs256(&good), NOW).is_ok());
    let es_header = json!({"alg": "ES256", "typ": "JWT", "kid": EC_KID});
    assert!(v.verify(&honest_es256(&es_header, &good), NOW).is_ok());
    let edge = changed(
        &good,
        json!({"iat": NOW + 60, "exp": NOW + 60 + DEFAULT_MAX_LIFETIME_SECONDS,
               "aud": ["someone-else", AUDIENCE]}),
    );
    assert!(v.verify(&honest_rs256(&edge), NOW).is_ok());

    let cases: Vec<Case> = cases(Kind::Identity)
        .into_iter()
        .chain(identity_only_cases())
        .collect();
    let mut failures = Vec::new();
    for case in &cases {
        let got = v.verify(&case.token, NOW);
        if got != Err(case.refusal.clone()) {
            failures.push(format!(
                "{}: expected {:?}, got {got:?}",
                case.name, case.refusal
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("identity verifier: {} attacks refused", cases.len());
}

fn jsm_project() -> Value {
    json!({"vendor": "jsm-chat", "key": "dGVzdC1qc20tc2VjcmV0LWZvci12ZWN0b3Jz",
           "allowed_origins": [ORIGIN]})
}

async fn token_request(state: &State, token: &str) -> Option<Response<Body>> {
    let event = with_authorizer_claims(for_project(fixture("issue-jwt", "token"), PROJECT), None);
    let event = with_header(event, "authorization", Some(&format!("Bearer {token}")));
    // A value no HTTP header can carry never reaches the function.
    let request = lambda_http::request::from_str(&event.to_string()).ok()?;
    let value = request.headers().get("authorization")?.to_str().ok()?;
    if value != format!("Bearer {token}") {
        return None;
    }
    Some(issue_jwt::handler(state, request).await)
}

#[tokio::test]
async fn the_issue_jwt_handler_answers_every_attack_with_401() {
    let verifier = IdentityVerifier {
        jwks: Jwks::document(&idp().jwks).unwrap(),
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
    };
    let state = memory_state(&[(PROJECT, jsm_project())], Arc::new(ManualClock::at(NOW)))
        .with_verifier(Arc::new(verifier));
    let control = token_request(&state, &honest_rs256(&Kind::Identity.claims()))
        .await
        .unwrap();
    assert_eq!(control.status(), 200, "{}", json_body(&control));

    let (mut sent, mut unsendable) = (0, Vec::new());
    let mut failures = Vec::new();
    for case in cases(Kind::Identity)
        .into_iter()
        .chain(identity_only_cases())
    {
        // A header's surrounding whitespace is not part of its value (RFC 9110 OWS): a good
        // token with a space around it is the good token there.
        if case.token.trim() != case.token && !case.token.trim().is_empty() {
            unsendable.push(case.name);
            continue;
        }
        let Some(response) = token_request(&state, &case.token).await else {
            unsendable.push(case.name);
            continue;
        };
        sent += 1;
        let body = json_body(&response);
        if response.status() != 401 || body["code"] != "unauthorized" {
            failures.push(format!("{}: {} {body}", case.name, response.status()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("issue-jwt handler: {sent} attacks answered 401; no header carries {unsendable:?}");
}

// --- (b) OIDC back-channel logout tokens through the logout-webhook handler -------------------

struct Oidc {
    state: State,
    jwks: JwksServer,
}

async fn oidc() -> Oidc {
    let jwks = JwksServer::start(&idp().jwks.clone()).await;
    let project = |audience: &str| {
        json!({
            "vendor": "sprinklr", "key": "5b0c1d2e-7f81-4a9b-bc3d-0e1f2a3b4c5d",
            "options": {"mode": "custom-user"},
            "oidc_logout": {"issuer": ISSUER, "audience": audience, "jwks_url": jwks.url()},
        })
    };
    let state = memory_state(
        &[
            (PROJECT, project(LOGOUT_AUDIENCE)),
            (NEIGHBOUR, project(NEIGHBOUR_AUDIENCE)),
        ],
        Arc::new(ManualClock::at(NOW)),
    );
    Oidc { state, jwks }
}

/// Form-encodes a value: everything but the unreserved characters as %XX.
fn form_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn post_logout(state: &State, project: &str, token: &str) -> Response<Body> {
    let mut event = for_project(fixture("logout-webhook", "logout-oidc"), project);
    event["body"] = json!(format!("logout_token={}", form_value(token)));
    logout_webhook::handler(state, request(&event)).await
}

async fn nothing_recorded(state: &State) -> bool {
    for project in [PROJECT, NEIGHBOUR] {
        let at = state
            .sessions
            .logged_out_at(project, USER_ID, NOW + 86_400)
            .await
            .unwrap();
        if at.is_some() {
            return false;
        }
    }
    true
}

#[tokio::test]
async fn the_logout_endpoint_refuses_every_attack_with_400_and_records_nothing() {
    let Oidc { state, jwks } = oidc().await;
    // An attacker's JWKS server, named by jku headers: it must never be asked.
    let attacker = JwksServer::start(&json!({"keys": []}).to_string()).await;
    let mut cases = cases(Kind::Logout);
    for case in &mut cases {
        if case.token.contains("http://127.0.0.1:9/") {
            let header: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part(&case.token, 0)).unwrap())
                    .unwrap();
            let mut header = header;
            for member in ["jku", "x5u"] {
                if header.get(member).is_some() {
                    header[member] = json!(attacker.url());
                }
            }
            let claims: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part(&case.token, 1)).unwrap())
                    .unwrap();
            case.token = attacker_es256(&header, &claims);
        }
    }
    let mut failures = Vec::new();
    for case in &cases {
        let response = post_logout(&state, PROJECT, &case.token).await;
        let body = json_body(&response);
        let because = format!("the logout token was refused: {}", case.refusal);
        // A form past the body limit is refused before it is read.
        let (status, code, detail) = if case.token.len() > MAX_BODY_BYTES {
            (413, "payload_too_large", body["detail"].clone())
        } else {
            (400, "invalid_logout_token", json!(because))
        };
        if response.status() != status || body["code"] != code || body["detail"] != detail {
            failures.push(format!(
                "{}: expected 400 `{because}`, got {} {body}",
                case.name,
                response.status()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        nothing_recorded(&state).await,
        "a refused logout was recorded"
    );
    assert_eq!(attacker.fetches(), 0, "a header made chatpass fetch a key");
    assert_eq!(jwks.fetches(), 1, "only the configured JWKS, once");
    println!("logout endpoint: {} attacks refused", cases.len());
}

#[tokio::test]
async fn a_logout_token_for_another_project_or_purpose_is_refused() {
    let Oidc { state, jwks: _jwks } = oidc().await;
    let neighbours = changed(&Kind::Logout.claims(), json!({"aud": NEIGHBOUR_AUDIENCE}));
    let token = honest_rs256(&neighbours);
    let refused = [
        (
            "the neighbour project's logout token",
            token.clone(),
            "the logout token was refused: wrong audience",
        ),
        (
            "an identity token (no back-channel event)",
            honest_rs256(&changed(
                &Kind::Identity.claims(),
                json!({"aud": LOGOUT_AUDIENCE, "exp": NOW + 100, "jti": "id-jti"}),
            )),
            "`events` must hold",
        ),
        (
            "a logout token carrying a nonce, as an ID token would",
            honest_rs256(&changed(&Kind::Logout.claims(), json!({"nonce": "n-1"}))),
            "must not carry `nonce`",
        ),
        (
            "the back-channel event not an object",
            honest_rs256(&changed(
                &Kind::Logout.claims(),
                json!({"events": {BACKCHANNEL_EVENT: "yes"}}),
            )),
            "`events` must hold",
        ),
        (
            "jti missing",
            honest_rs256(&changed(&Kind::Logout.claims(), json!({"jti": null}))),
            "`jti` is required",
        ),
        (
            "iat missing, exp within the lifetime",
            honest_rs256(&changed(
                &Kind::Logout.claims(),
                json!({"iat": null, "exp": NOW + 100}),
            )),
            "`iat` is required",
        ),
        (
            "iat a float",
            honest_rs256(&changed(
                &Kind::Logout.claims(),
                json!({"iat": NOW as f64 - 9.5}),
            )),
            "`iat` is required",
        ),
    ];
    for (name, token, because) in &refused {
        let response = post_logout(&state, PROJECT, token).await;
        let body = json_body(&response);
        assert_eq!(response.status(), 400, "{name}: {body}");
        assert_eq!(body["code"], "invalid_logout_token", "{name}");
        assert!(
            body["detail"].as_str().unwrap().contains(because),
            "{name}: {body}"
        );
    }
    assert!(nothing_recorded(&state).await);
    // The neighbour's own endpoint takes it: the refusal above was for the audience alone.
    let response = post_logout(&state, NEIGHBOUR, &token).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    println!(
        "logout endpoint: {} tokens for another project or purpose refused",
        refused.len()
    );
}

// --- (c) explain: vendor tokens --------------------------------------------------------------

const VENDOR_KEY: &str = "vendor-key-of-the-attacked-project";

fn vendor(id: &str) -> Box<dyn Vendor> {
    let mut config = json!({"vendor": id, "key": VENDOR_KEY});
    if id == "zendesk" {
        config["key_id"] = json!("app_1");
    }
    let config: VendorConfig = serde_json::from_value(config).unwrap();
    vendors::build(&config).unwrap()
}

fn vendor_claims(id: &str) -> Value {
    match id {
        "jsm-chat" => json!({"email": "alice@example.com", "iat": NOW - 10, "exp": NOW + 290}),
        "zendesk" => json!({"scope": "user", "external_id": USER_ID, "exp": NOW + 290}),
        "kustomer" => json!({"externalId": USER_ID, "iat": NOW - 10}),
        _ => unreachable!(),
    }
}

fn vendor_header(id: &str) -> Value {
    match id {
        "zendesk" => json!({"alg": "HS256", "typ": "JWT", "kid": "app_1"}),
        _ => json!({"alg": "HS256", "typ": "JWT"}),
    }
}

fn hs256(header: &Value, claims: &Value, key: &str) -> String {
    hmac(Alg::HS256, header, claims, key.as_bytes())
}

struct ExplainCase {
    name: String,
    token: String,
    /// A problem the explanation must list.
    problem: Problem,
}

fn explain_cases(id: &str) -> Vec<ExplainCase> {
    let header = vendor_header(id);
    let good_claims = vendor_claims(id);
    let good = hs256(&header, &good_claims, VENDOR_KEY);
    let expected_kid = header.get("kid").and_then(Value::as_str).map(str::to_owned);
    let mut out = Vec::new();
    let mut push = |name: String, token: String, problem: Problem| {
        out.push(ExplainCase {
            name,
            token,
            problem,
        })
    };
    for alg in ["none", "None", "NONE", "nOnE"] {
        let mut h = header.clone();
        h["alg"] = json!(alg);
        for (label, signature) in [("empty", String::new()), ("garbage", b64("garbage"))] {
            push(
                format!("alg {alg}, {label} signature"),
                assemble(&h, &good_claims, &signature),
                Problem::WrongAlgorithm {
                    found: alg.to_owned(),
                    expected: "HS256".to_owned(),
                },
            );
        }
    }
    // The header lies about the algorithm while the HMAC is right: still refused.
    for alg in ["RS256", "ES256", "HS512", "PS256"] {
        let mut h = header.clone();
        h["alg"] = json!(alg);
        push(
            format!("header says {alg} over a valid HS256 signature"),
            hs256(&h, &good_claims, VENDOR_KEY),
            Problem::WrongAlgorithm {
                found: alg.to_owned(),
                expected: "HS256".to_owned(),
            },
        );
    }
    for (form, secret) in public_key_forms().into_iter().take(3) {
        push(
            format!("HS256 keyed with the IdP's {form}"),
            hmac(Alg::HS256, &header, &good_claims, &secret),
            Problem::BadSignature,
        );
    }
    for bad_kid in ["nope", "../../etc/passwd", "https://evil.example.com/k", ""] {
        let mut h = header.clone();
        h["kid"] = json!(bad_kid);
        push(
            format!("kid {bad_kid:?}"),
            hs256(&h, &good_claims, VENDOR_KEY),
            Problem::KidMismatch {
                expected: expected_kid.clone(),
                found: Some(bad_kid.to_owned()),
            },
        );
    }
    let (signed_part, signature) = good.rsplit_once('.').unwrap();
    for (label, bad) in [
        ("empty (null) signature", String::new()),
        ("all-zero signature", b64([0u8; 32])),
        (
            "signature cut by one",
            signature[..signature.len() - 1].to_owned(),
        ),
        (
            "signature cut by four",
            signature[..signature.len() - 4].to_owned(),
        ),
        ("signature padded", format!("{signature}=")),
        (
            "signature of another token",
            part(
                &hs256(
                    &header,
                    &changed(&good_claims, json!({"exp": NOW + 9_999})),
                    VENDOR_KEY,
                ),
                2,
            ),
        ),
    ] {
        push(
            label.to_owned(),
            format!("{signed_part}.{bad}"),
            Problem::BadSignature,
        );
    }
    for claim in ["exp", "iat", "nbf"] {
        push(
            format!("{claim} as the string \"9999999999\""),
            hs256(
                &header,
                &changed(&good_claims, json!({ claim: "9999999999" })),
                VENDOR_KEY,
            ),
            Problem::NotSeconds(claim),
        );
    }
    let vendor = vendor(id);
    for claim in vendor.jwt_rules().unwrap().required_claims {
        push(
            format!("{claim} missing"),
            hs256(
                &header,
                &changed(&good_claims, json!({ claim.as_str(): null })),
                VENDOR_KEY,
            ),
            Problem::MissingClaim(claim.clone()),
        );
    }
    push(
        "iat a second in the future".into(),
        hs256(
            &header,
            &changed(&good_claims, json!({"iat": NOW + 1})),
            VENDOR_KEY,
        ),
        Problem::IssuedInFuture {
            iat: NOW + 1,
            ahead: 1,
        },
    );
    push(
        "nbf a minute in the future".into(),
        hs256(
            &header,
            &changed(&good_claims, json!({"nbf": NOW + 60})),
            VENDOR_KEY,
        ),
        Problem::NotYetValid {
            nbf: NOW + 60,
            ahead: 60,
        },
    );
    if id == "kustomer" {
        push(
            "issued longer ago than Kustomer allows".into(),
            hs256(
                &header,
                &changed(&good_claims, json!({"iat": NOW - 901})),
                VENDOR_KEY,
            ),
            Problem::TooOld {
                iat: NOW - 901,
                max_age: 900,
            },
        );
    } else {
        push(
            "expired a second ago".into(),
            hs256(
                &header,
                &changed(&good_claims, json!({"exp": NOW - 1})),
                VENDOR_KEY,
            ),
            Problem::Expired {
                at: NOW - 1,
                ago: 1,
            },
        );
    }
    let malformed = |why: &'static str| Problem::Malformed(why);
    let parts = "a JWT has three parts separated by dots";
    let objects = "the header or the claims are not base64url JSON objects";
    let [h, c] = [part(&good, 0), part(&good, 1)];
    let mid = c.len() / 2;
    for (label, token, why) in [
        ("empty", String::new(), parts),
        ("two parts", format!("{h}.{c}"), parts),
        ("four parts", format!("{good}.{signature}"), parts),
        (
            "one-dot leaders for dots",
            good.replace('.', "\u{2024}"),
            parts,
        ),
        (
            "a space inside the claims",
            format!("{h}.{} {}.{signature}", &c[..mid], &c[mid..]),
            objects,
        ),
        (
            "a non-ASCII letter in the header",
            format!("é{good}"),
            objects,
        ),
        ("header padded", format!("{h}=.{c}.{signature}"), objects),
        ("claims padded", format!("{h}.{c}==.{signature}"), objects),
        (
            "claims a JSON list",
            format!("{h}.{}.{signature}", b64("[]")),
            objects,
        ),
    ] {
        push(label.to_owned(), token, malformed(why));
    }
    // A token for another project (another key) or another vendor.
    push(
        "signed with another project's key".into(),
        hs256(&header, &good_claims, "the-neighbour-projects-vendor-key"),
        Problem::BadSignature,
    );
    let other_vendor = if id == "zendesk" {
        "jsm-chat"
    } else {
        "zendesk"
    };
    push(
        format!("a {other_vendor} token of another project"),
        hs256(
            &vendor_header(other_vendor),
            &vendor_claims(other_vendor),
            "the-neighbour-projects-vendor-key",
        ),
        Problem::BadSignature,
    );
    out
}

#[test]
fn explain_reports_every_attack_as_a_problem_and_never_accepts_it() {
    let key = VendorKey::new(VENDOR_KEY).unwrap();
    let mut count = 0;
    let mut failures = Vec::new();
    for id in ["jsm-chat", "zendesk", "kustomer"] {
        let vendor = vendor(id);
        let good = hs256(&vendor_header(id), &vendor_claims(id), VENDOR_KEY);
        let control = explain(&*vendor, &key, &good, NOW);
        assert!(control.accepted(), "{id}: {:?}", control.problems);
        for case in explain_cases(id) {
            count += 1;
            let e = explain(&*vendor, &key, &case.token, NOW);
            if e.accepted() || !e.problems.contains(&case.problem) {
                failures.push(format!(
                    "{id}: {}: expected {:?} among {:?}",
                    case.name, case.problem, e.problems
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("explain: {count} attacks reported, none accepted");
}

/// The suite's size, as SECURITY.md states it.
#[test]
fn the_suite_counts_its_cases() {
    let identity = cases(Kind::Identity).len() + identity_only_cases().len();
    let logout = cases(Kind::Logout).len();
    let explain: usize = ["jsm-chat", "zendesk", "kustomer"]
        .iter()
        .map(|id| explain_cases(id).len())
        .sum();
    println!("cases: identity {identity}, logout {logout}, explain {explain}");
    assert!(identity > 150 && logout > 150 && explain > 100);
}
