//! The JWT attacks the attack suites (`tests/tests/attacks_*.rs`) throw at every place chatpass
//! verifies a JWT: the parties (an honest identity provider signing RS256 and ES256, an
//! attacker holding another P-256 key and every public key), token building, the public key in
//! every form an algorithm-confusion attacker would try, and the cases, each naming the attack
//! and the exact refusal it must get.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chatpass_service::identity::rules::MAX_IDENTITY_LIFETIME_SECONDS as DEFAULT_MAX_LIFETIME_SECONDS;
use chatpass_service::identity::{Claims, KeySet, Rules, StandinIdp, VerifyError, flatten, verify};
use jsonwebtoken::{Algorithm as Alg, EncodingKey, crypto};
use serde_json::{Value, json};
use std::sync::OnceLock;

use chatpass_service::testing::with_changes;
pub use chatpass_service::testing::{AUDIENCE, ISSUER, LOGOUT_AUDIENCE, NOW, ORIGIN, USER_ID};

pub const NEIGHBOUR_AUDIENCE: &str = "chatpass-backchannel-neighbour";
pub const PROJECT: &str = "attacked";
pub const NEIGHBOUR: &str = "neighbour";
pub const MAX_LOGOUT_LIFETIME: u64 = 600;
pub const BACKCHANNEL_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// The honest IdP's second signing key (P-256), made for these tests only.
pub const EC_KID: &str = "ec-1";
pub const EC_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgNyAg0XUOl0WVX543
lOOnNqPUgnYQsrLN3XrbKCXlXguhRANCAARsSnHVr+20Y5CAPIb/XO/oyrP9SN7X
1Jc6G2/ZeAypU4pGFA+Gbmgv7sfSzyyEXHqmC6UNCbqgALvbRQpETW5p
-----END PRIVATE KEY-----
";
pub const EC_X: &str = "bEpx1a_ttGOQgDyG_1zv6Mqz_Uje19SXOhtv2XgMqVM";
pub const EC_Y: &str = "ikYUD4ZuaC_ux9LPLIRceqYLpQ0JuqAAu9tFCkRNbmk";

/// The attacker's own P-256 key, made for these tests only.
pub const ATTACKER_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgJKh4QHFxryGwLN2E
C3QtJT66fquYoXpGd1VZ/9H6uLOhRANCAATn5frdEfqqZXgfc+FAJluKCUrQSdBL
losncBThngftdE43lfcgmddeb2+elJGFyMZXUpm3h9LRPHA2i1TW7Oso
-----END PRIVATE KEY-----
";
pub const ATTACKER_X: &str = "5-X63RH6qmV4H3PhQCZbiglK0EnQS5aLJ3AU4Z4H7XQ";
pub const ATTACKER_Y: &str = "TjeV9yCZ115vb56UkYXIxldSmbeH0tE8cDaLVNbs6yg";

// --- the parties -----------------------------------------------------------------------------

pub struct Idp {
    pub rsa: StandinIdp,
    /// The RSA key's JWK as the IdP publishes it.
    pub rsa_jwk: Value,
    /// RSA and EC keys.
    pub jwks: String,
    /// Another identity provider altogether (its own key and issuer).
    pub other: StandinIdp,
}

pub fn idp() -> &'static Idp {
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

pub fn rsa_kid() -> String {
    idp().rsa_jwk["kid"].as_str().unwrap().to_owned()
}

/// chatpass's own check of the honest IdP's identity tokens, keys parsed once.
pub struct Verifier(KeySet);

impl Verifier {
    pub fn verify(&self, token: &str, now: u64) -> Result<Claims, VerifyError> {
        verify(&self.0, token, &Rules::identity(ISSUER, AUDIENCE), now).map(flatten)
    }
}

pub fn verifier() -> Verifier {
    Verifier(KeySet::parse(&idp().jwks).unwrap())
}

// --- token building --------------------------------------------------------------------------

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn segment(value: &Value) -> String {
    b64(value.to_string())
}

/// `header.claims.signature` as given: no signing at all.
pub fn assemble(header: &Value, claims: &Value, signature: &str) -> String {
    format!("{}.{}.{signature}", segment(header), segment(claims))
}

/// Signs `header.claims` with `key` under `alg`, whatever the header says.
pub fn sign_with(header: &Value, claims: &Value, key: &EncodingKey, alg: Alg) -> String {
    let message = format!("{}.{}", segment(header), segment(claims));
    let signature = crypto::sign(message.as_bytes(), key, alg).unwrap();
    format!("{message}.{signature}")
}

/// Signed by the honest IdP's EC key, with any header.
pub fn honest_es256(header: &Value, claims: &Value) -> String {
    let key = EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap();
    sign_with(header, claims, &key, Alg::ES256)
}

/// Signed by the attacker's EC key, with any header.
pub fn attacker_es256(header: &Value, claims: &Value) -> String {
    let key = EncodingKey::from_ec_pem(ATTACKER_PRIVATE.as_bytes()).unwrap();
    sign_with(header, claims, &key, Alg::ES256)
}

/// Signed by the honest IdP's RSA key (its own header: RS256, typ JWT, its kid).
pub fn honest_rs256(claims: &Value) -> String {
    idp().rsa.sign(claims.as_object().unwrap())
}

pub fn hmac(alg: Alg, header: &Value, claims: &Value, secret: &[u8]) -> String {
    sign_with(header, claims, &EncodingKey::from_secret(secret), alg)
}

/// `claims` with `change` applied: `null` removes a claim, anything else sets it.
pub fn changed(claims: &Value, change: Value) -> Value {
    with_changes(claims.clone(), &change)
}

pub fn part(token: &str, index: usize) -> String {
    token.split('.').nth(index).unwrap().to_owned()
}

// --- the RSA public key in the forms an algorithm-confusion attacker would try ---------------

pub fn der_length(len: usize) -> Vec<u8> {
    match len {
        0..=127 => vec![len as u8],
        128..=255 => vec![0x81, len as u8],
        _ => vec![0x82, (len >> 8) as u8, len as u8],
    }
}

pub fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    [&[tag][..], &der_length(content.len()), content].concat()
}

pub fn der_uint(bytes: &[u8]) -> Vec<u8> {
    let bytes = if bytes[0] & 0x80 != 0 {
        [&[0u8][..], bytes].concat()
    } else {
        bytes.to_vec()
    };
    der(0x02, &bytes)
}

pub fn pem(label: &str, der: &[u8], trailing_newline: bool) -> Vec<u8> {
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
pub fn public_key_forms() -> Vec<(&'static str, Vec<u8>)> {
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
pub enum Kind {
    Identity,
    Logout,
}

impl Kind {
    pub fn claims(self) -> Value {
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

    pub fn max_lifetime(self) -> u64 {
        match self {
            Kind::Identity => DEFAULT_MAX_LIFETIME_SECONDS,
            Kind::Logout => MAX_LOGOUT_LIFETIME,
        }
    }
}

pub struct Case {
    pub name: String,
    pub token: String,
    pub refusal: VerifyError,
}

pub fn case(name: impl Into<String>, token: String, refusal: VerifyError) -> Case {
    Case {
        name: name.into(),
        token,
        refusal,
    }
}

/// What a signature segment gets: a bad signature if it decodes, else a malformed token.
pub fn signature_refusal(signature: &str) -> VerifyError {
    if URL_SAFE_NO_PAD.decode(signature).is_ok() {
        VerifyError::Signature
    } else {
        VerifyError::Malformed
    }
}

pub fn cases(kind: Kind) -> Vec<Case> {
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
    let issuers = [
        ("missing", Value::Null),
        ("another issuer", json!("https://evil.example.com/")),
        (
            "without the trailing slash",
            json!("https://idp.example.com"),
        ),
        ("in capitals", json!("HTTPS://IDP.EXAMPLE.COM/")),
        ("with a trailing space", json!("https://idp.example.com/ ")),
        (
            "another tenant of the same IdP",
            json!("https://idp.example.com/tenant-b/"),
        ),
        ("empty", json!("")),
        ("as a list holding ours", json!([ISSUER])),
    ];
    let audiences = [
        ("missing", Value::Null),
        ("another client", json!(other_audience)),
        ("a list without ours", json!([other_audience, "third"])),
        ("an empty list", json!([])),
        ("empty", json!("")),
        ("with a trailing space", json!(format!("{audience} "))),
        ("in capitals", json!(audience.to_uppercase())),
        ("ours as a prefix", json!(format!("{audience}-evil"))),
        ("a number", json!(7)),
    ];
    let claims = (issuers.into_iter().map(|value| ("iss", value, Issuer)))
        .chain(audiences.into_iter().map(|value| ("aud", value, Audience)));
    for (claim, (label, value), refusal) in claims {
        let token = honest_rs256(&changed(&good, json!({ claim: value })));
        out.push(case(format!("{claim} {label}"), token, refusal));
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
    let dotted_with = |dot: &str| [h.as_str(), &c, &s].join(dot);
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
        ("one-dot leaders for dots", dotted_with("\u{2024}")),
        ("fullwidth dots", dotted_with("\u{ff0e}")),
        ("percent-encoded dots", dotted_with("%2E")),
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
pub fn identity_only_cases() -> Vec<Case> {
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
