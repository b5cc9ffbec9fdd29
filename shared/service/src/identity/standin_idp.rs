//! A stand-in identity provider: an RS256 key made at start, its JWKS, and ID tokens signed
//! with it. `chatpass serve`'s embedded demo and the tests use it; deployments never do.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Map, Value, json};

pub struct StandinIdp {
    key: EncodingKey,
    kid: String,
    jwks: Value,
    pub issuer: String,
    pub audience: String,
}

impl StandinIdp {
    /// A fresh 2048-bit RSA key for `issuer` and `audience`.
    pub fn generate(issuer: &str, audience: &str) -> Self {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
        let pkcs8 = pair.as_der().expect("PKCS#8 encoding");
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(pkcs8.as_ref())
        );
        let key = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("a key jsonwebtoken reads");
        let public = pair.public_key();
        let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
        let kid = format!("standin-{}", &n[..8]);
        let jwks = json!({"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": e}]});
        StandinIdp {
            key,
            kid,
            jwks,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }

    /// The JWKS document that verifies this provider's tokens.
    pub fn jwks(&self) -> String {
        self.jwks.to_string()
    }

    /// One JWKS document publishing the keys of several providers (a rotation: old and new).
    pub fn jwks_of(providers: &[&StandinIdp]) -> String {
        let keys: Vec<&Value> = providers
            .iter()
            .flat_map(|p| p.jwks["keys"].as_array().into_iter().flatten())
            .collect();
        json!({ "keys": keys }).to_string()
    }

    /// Signs `claims` as they are (RS256, this provider's kid).
    pub fn sign(&self, claims: &Map<String, Value>) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        encode(&header, claims, &self.key).expect("RS256 signing")
    }

    /// An ID token for `subject` issued at `now`, valid an hour, with `extra` claims added.
    pub fn id_token(&self, subject: &str, now: u64, extra: Value) -> String {
        let mut claims = json!({
            "iss": self.issuer, "aud": self.audience, "sub": subject, "iat": now, "exp": now + 3600,
        })
        .as_object()
        .cloned()
        .unwrap_or_default();
        if let Value::Object(extra) = extra {
            claims.extend(extra);
        }
        self.sign(&claims)
    }
}
