//! Why a vendor would accept or refuse a token: decode it, check it against the project's
//! vendor profile and key (the vendor's one algorithm pinned: HS256 with the shared key, or the
//! project's public key), and list every problem found, in plain words.

use crate::keys::VendorKey;
use crate::mac::sha256_hex;
use crate::shapes::claim_path::ClaimPath;
use crate::vendors::Vendor;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, crypto};
use serde_json::{Map, Value};
use thiserror::Error;

/// One reason the vendor would refuse the token.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Problem {
    #[error(
        "{0} signs a hash, not a token: run `chatpass sign` with the user to see the expected value"
    )]
    NotAJwtVendor(&'static str),
    #[error(
        "{0} mints its tokens itself and chatpass cannot read them: run `chatpass sign` to ask it for one"
    )]
    MintedByVendor(&'static str),
    #[error("this is not a JWT: {0}")]
    Malformed(&'static str),
    #[error("the header says alg `{found}`, but the vendor only accepts {expected}")]
    WrongAlgorithm { found: String, expected: String },
    #[error("the header's kid is {found:?}, but the vendor expects {expected:?}")]
    KidMismatch {
        expected: Option<String>,
        found: Option<String>,
    },
    #[error("the signature does not match this project's key")]
    BadSignature,
    #[error("the claim `{0}` is missing")]
    MissingClaim(String),
    #[error("the claim `{0}` must be a whole number of seconds")]
    NotSeconds(&'static str),
    #[error("the token expired at {at} ({ago} s ago)")]
    Expired { at: u64, ago: u64 },
    #[error("the token was issued at {iat}, {ahead} s in the future")]
    IssuedInFuture { iat: u64, ahead: u64 },
    #[error("the token is not valid before {nbf}, {ahead} s from now")]
    NotYetValid { nbf: u64, ahead: u64 },
    #[error("the token was issued at {iat}; the vendor refuses it {max_age} s after that")]
    TooOld { iat: u64, max_age: u64 },
    #[error("the token lives {lifetime} s (exp − iat); the vendor refuses more than {max} s")]
    LivesTooLong { lifetime: u64, max: u64 },
    #[error("the token is {bytes} bytes; the vendor refuses more than {max}")]
    TooLarge { bytes: usize, max: usize },
    #[error(
        "the claim `{0}` holds a value that is not a string; the vendor takes strings only there"
    )]
    NotAString(String),
}

/// What `explain` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub vendor: &'static str,
    /// `sha256:` and the first 8 hex digits of the key's SHA-256: names the key, reveals nothing.
    pub key_fingerprint: String,
    pub header: Option<Map<String, Value>>,
    pub claims: Option<Map<String, Value>>,
    pub signature_valid: bool,
    /// When the vendor stops accepting the token, if it says.
    pub expires_at: Option<u64>,
    /// Claims present that the vendor does not use.
    pub unused_claims: Vec<String>,
    pub problems: Vec<Problem>,
}

impl Explanation {
    pub fn accepted(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A short, non-reversible name for a key.
pub fn fingerprint(key: &VendorKey) -> String {
    format!("sha256:{}", &sha256_hex(&[key.as_bytes()])[..8])
}

/// Explains `token` as `vendor` with `key` would judge it at `now`.
pub fn explain(vendor: &dyn Vendor, key: &VendorKey, token: &str, now: u64) -> Explanation {
    let mut out = Explanation {
        vendor: vendor.id(),
        key_fingerprint: fingerprint(key),
        header: None,
        claims: None,
        signature_valid: false,
        expires_at: None,
        unused_claims: Vec::new(),
        problems: Vec::new(),
    };
    if vendor.minted().is_some() {
        out.problems.push(Problem::MintedByVendor(vendor.id()));
        return out;
    }
    let Some(rules) = vendor.jwt_rules() else {
        out.problems.push(Problem::NotAJwtVendor(vendor.id()));
        return out;
    };
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [header_b64, claims_b64, signature] = parts[..] else {
        out.problems.push(Problem::Malformed(
            "a JWT has three parts separated by dots",
        ));
        return out;
    };
    let (Some(header), Some(claims)) = (json_object(header_b64), json_object(claims_b64)) else {
        out.problems.push(Problem::Malformed(
            "the header or the claims are not base64url JSON objects",
        ));
        return out;
    };

    let expected = format!("{:?}", rules.algorithm);
    match header.get("alg").and_then(Value::as_str) {
        Some(alg) if alg == expected => {}
        other => out.problems.push(Problem::WrongAlgorithm {
            found: other.unwrap_or("(none)").to_owned(),
            expected,
        }),
    }
    let kid = header.get("kid").and_then(Value::as_str).map(str::to_owned);
    if kid != rules.kid {
        out.problems.push(Problem::KidMismatch {
            expected: rules.kid.clone(),
            found: kid,
        });
    }
    let message = &token.trim()[..header_b64.len() + 1 + claims_b64.len()];
    let decoding = match (rules.algorithm, vendor.public_jwk()) {
        (Algorithm::HS256, _) => rules
            .secret_encoding
            .decode(key)
            .ok()
            .map(|secret| DecodingKey::from_secret(secret.as_bytes())),
        (_, Some(public)) => serde_json::from_value::<Jwk>(Value::Object(public.clone()))
            .ok()
            .and_then(|jwk| DecodingKey::from_jwk(&jwk).ok()),
        (_, None) => None,
    };
    out.signature_valid = decoding.is_some_and(|decoding| {
        crypto::verify(signature, message.as_bytes(), &decoding, rules.algorithm).unwrap_or(false)
    });
    if !out.signature_valid {
        out.problems.push(Problem::BadSignature);
    }

    let at = |name: &str| ClaimPath::parse("claim", name).ok();
    for claim in &rules.required_claims {
        if at(claim)
            .and_then(|path| path.get(&claims).cloned())
            .is_none()
        {
            out.problems.push(Problem::MissingClaim(claim.clone()));
        }
    }
    let top = |name: &String| name.split('.').next().unwrap_or_default().to_owned();
    let known: Vec<String> = rules
        .required_claims
        .iter()
        .chain(&rules.optional_claims)
        .map(top)
        .collect();
    out.unused_claims = claims
        .keys()
        .filter(|k| !known.contains(k))
        .cloned()
        .collect();
    for prefix in &rules.string_only {
        if let Some(value) = at(prefix).and_then(|path| path.get(&claims))
            && !all_strings(value)
        {
            out.problems.push(Problem::NotAString(prefix.clone()));
        }
    }
    if let Some(max) = rules.max_token_bytes
        && token.trim().len() > max
    {
        out.problems.push(Problem::TooLarge {
            bytes: token.trim().len(),
            max,
        });
    }

    let iat = seconds(&claims, "iat", &mut out.problems);
    let exp = seconds(&claims, "exp", &mut out.problems);
    let nbf = seconds(&claims, "nbf", &mut out.problems);
    if let Some(iat) = iat.filter(|iat| *iat > now) {
        out.problems.push(Problem::IssuedInFuture {
            iat,
            ahead: iat - now,
        });
    }
    if let Some(nbf) = nbf.filter(|nbf| *nbf > now) {
        out.problems.push(Problem::NotYetValid {
            nbf,
            ahead: nbf - now,
        });
    }
    let by_age = rules
        .max_age_from_iat
        .zip(iat)
        .map(|(max, iat)| (max, iat, iat.saturating_add(max)));
    out.expires_at = match (exp, by_age) {
        (Some(exp), Some((_, _, end))) => Some(exp.min(end)),
        (exp, age) => exp.or(age.map(|(_, _, end)| end)),
    };
    if let Some((max_age, iat, end)) = by_age
        && end < now
    {
        out.problems.push(Problem::TooOld { iat, max_age });
    }
    if let (Some(max), Some(iat), Some(exp)) = (rules.max_lifetime, iat, exp)
        && exp.saturating_sub(iat) > max
    {
        out.problems.push(Problem::LivesTooLong {
            lifetime: exp - iat,
            max,
        });
    }
    if let Some(exp) = exp.filter(|exp| *exp <= now) {
        out.problems.push(Problem::Expired {
            at: exp,
            ago: now - exp,
        });
    }
    out.header = Some(header);
    out.claims = Some(claims);
    out
}

/// True when the value is a string, or an object or array of nothing but strings.
fn all_strings(value: &Value) -> bool {
    match value {
        Value::String(_) => true,
        Value::Object(map) => map.values().all(all_strings),
        Value::Array(items) => items.iter().all(all_strings),
        _ => false,
    }
}

fn json_object(part: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// A present time claim as whole seconds; anything else is a problem.
fn seconds(
    claims: &Map<String, Value>,
    name: &'static str,
    problems: &mut Vec<Problem>,
) -> Option<u64> {
    let value = claims.get(name)?;
    let secs = value.as_u64();
    if secs.is_none() {
        problems.push(Problem::NotSeconds(name));
    }
    secs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VendorConfig;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::{Value, json};

    const NOW: u64 = 1_700_000_000;
    const KEY: &str = "a-jsm-chat-key-of-some-length";

    fn jsm(claims: Value) -> Explanation {
        let config: VendorConfig =
            serde_json::from_value(json!({"vendor": "jsm-chat", "key": KEY})).unwrap();
        let vendor = crate::vendors::build(&config).unwrap();
        let token = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(KEY.as_bytes()),
        )
        .unwrap();
        explain(&*vendor, &VendorKey::new(KEY).unwrap(), &token, NOW)
    }

    #[test]
    fn a_future_or_non_numeric_nbf_is_a_problem() {
        let base = json!({"email": "a@example.com", "iat": NOW, "exp": NOW + 300});
        let mut future = base.clone();
        future["nbf"] = json!(NOW + 10);
        assert_eq!(
            jsm(future).problems,
            [Problem::NotYetValid {
                nbf: NOW + 10,
                ahead: 10
            }]
        );
        let mut text = base.clone();
        text["nbf"] = json!("1700000000");
        assert_eq!(jsm(text).problems, [Problem::NotSeconds("nbf")]);
        let mut past = base;
        past["nbf"] = json!(NOW);
        assert!(jsm(past).accepted());
    }

    fn explained(project: Value, claims: Value, key: &[u8], now: u64) -> Explanation {
        let config: VendorConfig = serde_json::from_value(project.clone()).unwrap();
        let vendor = crate::vendors::build(&config).unwrap();
        let token = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(key),
        )
        .unwrap();
        let key = VendorKey::new(project["key"].as_str().unwrap()).unwrap();
        explain(&*vendor, &key, &token, now)
    }

    #[test]
    fn names_the_amazon_connect_rules_a_token_breaks() {
        let key = "c2VjdXJpdHkta2V5LWZyb20tYW1hem9uLWNvbm5lY3Q=";
        let project =
            json!({"vendor": "amazon-connect", "key": key, "options": {"widget_id": "w"}});
        let good =
            json!({"attributes": {"customerId": "u"}, "sub": "w", "iat": NOW, "exp": NOW + 600});
        assert!(explained(project.clone(), good, key.as_bytes(), NOW).accepted());
        let long =
            json!({"attributes": {"customerId": "u"}, "sub": "w", "iat": NOW, "exp": NOW + 601});
        assert_eq!(
            explained(project.clone(), long, key.as_bytes(), NOW).problems,
            [Problem::LivesTooLong {
                lifetime: 601,
                max: 600
            }]
        );
        let number =
            json!({"attributes": {"customerId": 7}, "sub": "w", "iat": NOW, "exp": NOW + 60});
        assert_eq!(
            explained(project.clone(), number, key.as_bytes(), NOW).problems,
            [Problem::NotAString("attributes".into())]
        );
        let big = json!({"attributes": {"customerId": "u", "x": "y".repeat(7000)}, "sub": "w", "iat": NOW, "exp": NOW + 60});
        assert!(matches!(
            explained(project, big, key.as_bytes(), NOW).problems[..],
            [Problem::TooLarge { max: 6144, .. }]
        ));
    }

    #[test]
    fn checks_an_infobip_token_with_the_decoded_key_and_its_required_claims() {
        let raw = b"infobip-widget-secret-key-bytes!";
        let key = base64::engine::general_purpose::STANDARD.encode(raw);
        let project =
            json!({"vendor": "infobip", "key": key, "key_id": "k1", "options": {"widget_id": "w"}});
        let claims = json!({"sub": "u", "stp": "externalPersonId", "iss": "w", "ski": "k1", "jti": "0f", "sid": "s", "iat": NOW, "exp": NOW + 60});
        let ok = explained(project.clone(), claims, raw, NOW);
        assert!(ok.accepted(), "{:?}", ok.problems);
        let no_jti = json!({"sub": "u", "stp": "externalPersonId", "iss": "w", "ski": "k1", "sid": "s", "iat": NOW, "exp": NOW + 60});
        assert_eq!(
            explained(project.clone(), no_jti, raw, NOW).problems,
            [Problem::MissingClaim("jti".into())]
        );
        let raw_key = json!({"sub": "u", "stp": "externalPersonId", "iss": "w", "ski": "k1", "jti": "0f", "sid": "s", "iat": NOW, "exp": NOW + 60});
        assert_eq!(
            explained(project, raw_key, key.as_bytes(), NOW).problems,
            [Problem::BadSignature]
        );
    }
}
