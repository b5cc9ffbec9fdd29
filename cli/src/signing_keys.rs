//! New signing keys for the vendors that verify with the project's public key (Salesforce):
//! a 2,048-bit RSA key pair as a PKCS#8 PEM, its `kid` (the RFC 7638 thumbprint), its public
//! JWK, and the JWK of a self-signed certificate for keysets uploaded by hand. `keygen` and the
//! demo make keys here, and so should anything else that makes one (a key rotation).

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chatpass_signing::private_key::{PrivateKey, thumbprint};
use jsonwebtoken::Algorithm;
use rcgen::{CertificateParams, DnType, PKCS_RSA_SHA256};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

/// How long the certificate of a hand-uploaded keyset is valid (Salesforce asks for at least
/// 10 days).
pub const CERTIFICATE_DAYS: i64 = 365;

/// A new key: the private part for the project's secret, the public parts for the vendor.
pub struct NewSigningKey {
    /// `key` of the project config: the PKCS#8 PEM. Zeroed when dropped.
    pub pem: Zeroizing<String>,
    /// `key_id` of the project config.
    pub kid: String,
    /// What `jwks.json` publishes for it.
    pub public_jwk: Map<String, Value>,
    /// The public JWK with `x5c`: a self-signed certificate valid from `now` for
    /// [`CERTIFICATE_DAYS`].
    pub certificate_jwk: Map<String, Value>,
}

/// A fresh RSA signing key for `algorithm` (RS256 or RS512), its certificate issued at `now`.
pub fn new_rsa_signing_key(algorithm: Algorithm, now: u64) -> Result<NewSigningKey, String> {
    let pair =
        KeyPair::generate(KeySize::Rsa2048).map_err(|e| format!("RSA key generation: {e}"))?;
    let der = Zeroizing::new(
        pair.as_der()
            .map_err(|e| format!("PKCS#8 encoding: {e}"))?
            .as_ref()
            .to_vec(),
    );
    let body = Zeroizing::new(STANDARD.encode(der.as_slice()));
    let mut pem = Zeroizing::new(String::from("-----BEGIN PRIVATE KEY-----\n"));
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).map_err(|e| e.to_string())?);
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    let unnamed = PrivateKey::from_pem(&pem, algorithm, None).map_err(|e| e.to_string())?;
    let kid = thumbprint(unnamed.public_jwk());
    let public_jwk = unnamed.public_jwk().clone();
    let certificate = certificate(&der, &kid, now)?;
    let mut certificate_jwk = public_jwk.clone();
    certificate_jwk.insert("x5c".into(), Value::from(vec![certificate]));
    Ok(NewSigningKey {
        pem,
        kid,
        public_jwk,
        certificate_jwk,
    })
}

/// A self-signed certificate of the key, standard base64 DER (a JWK's `x5c` entry).
fn certificate(pkcs8: &[u8], kid: &str, now: u64) -> Result<String, String> {
    let fail = |e: rcgen::Error| format!("certificate: {e}");
    let key = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8.into(), &PKCS_RSA_SHA256)
        .map_err(fail)?;
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    params
        .distinguished_name
        .push(DnType::CommonName, format!("chatpass signing key {kid}"));
    let start = time::OffsetDateTime::from_unix_timestamp(now as i64)
        .map_err(|e| format!("certificate: {e}"))?;
    params.not_before = start;
    params.not_after = start + time::Duration::days(CERTIFICATE_DAYS);
    let certificate = params.self_signed(&key).map_err(fail)?;
    Ok(STANDARD.encode(certificate.der()))
}
