//! Key types and the rules they are checked by at load: redacted in `Debug`, zeroed on drop.
//! A vendor key is used exactly as the vendor issued it; keys chatpass itself checks must be
//! at least [`MIN_VERIFIER_KEY_BYTES`] random bytes.

use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;
use thiserror::Error;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Below this many bytes a vendor key is still used, but a warning is due.
pub const SHORT_VENDOR_KEY_BYTES: usize = 16;
/// The least a webhook secret or callback key may hold.
pub const MIN_VERIFIER_KEY_BYTES: usize = 24;
/// A verifier key with fewer distinct byte values than this is not random.
const MIN_DISTINCT_BYTES: usize = 8;

/// Why a key was refused at load. Never carries the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeyError {
    #[error("the key is empty")]
    Empty,
    #[error("the key has {len} bytes; at least {MIN_VERIFIER_KEY_BYTES} random bytes are required")]
    TooShort { len: usize },
    #[error("the key repeats too few distinct bytes to be random")]
    NotRandom,
    #[error("the key is not valid base64")]
    NotBase64,
    #[error("the key is not valid hex")]
    NotHex,
    #[error("the key is not a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)")]
    NotPkcs8Pem,
    #[error("the RSA key is under 2,048 bits")]
    WeakRsaKey,
    #[error("the key is not {0}")]
    NotAKey(&'static str),
    #[error("the algorithm is not one chatpass signs with")]
    UnsupportedAlgorithm,
}

/// A vendor's signing secret: its UTF-8 bytes are the HMAC key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct VendorKey(String);

impl VendorKey {
    /// Refuses an empty key; a short one is accepted (see [`VendorKey::is_short`]).
    pub fn new(key: impl Into<String>) -> Result<Self, KeyError> {
        let key = key.into();
        if key.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(VendorKey(key))
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The key as text (a PEM, for the vendors that sign with the project's private key).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Shorter than vendors issue; worth a warning when loaded.
    pub fn is_short(&self) -> bool {
        self.0.len() < SHORT_VENDOR_KEY_BYTES
    }
}

/// How a vendor's secret is written: used as its text, or decoded first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretEncoding {
    /// The key's UTF-8 bytes, as most vendors' examples sign with.
    #[default]
    Raw,
    /// Base64 (either alphabet, padding optional: vendors copy keys both ways).
    Base64,
    /// Base64url (RFC 4648 §5), padding optional.
    Base64url,
    /// Hexadecimal, either case.
    Hex,
}

impl SecretEncoding {
    /// The key's bytes; a key that does not decode is refused, never shown.
    pub fn decode(self, key: &VendorKey) -> Result<SecretBytes, KeyError> {
        use base64::Engine;
        use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
        let text = key.as_str().trim_end_matches('=');
        let bytes = match self {
            SecretEncoding::Raw => Ok(key.as_bytes().to_vec()),
            SecretEncoding::Base64 if text.contains(['-', '_']) => URL_SAFE_NO_PAD
                .decode(text)
                .map_err(|_| KeyError::NotBase64),
            SecretEncoding::Base64 => STANDARD_NO_PAD
                .decode(text)
                .map_err(|_| KeyError::NotBase64),
            SecretEncoding::Base64url => URL_SAFE_NO_PAD
                .decode(text)
                .map_err(|_| KeyError::NotBase64),
            SecretEncoding::Hex => hex::decode(key.as_str()).map_err(|_| KeyError::NotHex),
        }?;
        if bytes.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(SecretBytes(bytes))
    }

    /// A key written in this encoding that holds `bytes` (for `Raw`, their base64url text: a
    /// printable secret, whose UTF-8 bytes are then the key). For keys made here (the demo's).
    pub fn write(self, bytes: &[u8]) -> String {
        use base64::Engine;
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        match self {
            SecretEncoding::Raw | SecretEncoding::Base64url => URL_SAFE_NO_PAD.encode(bytes),
            SecretEncoding::Base64 => STANDARD.encode(bytes),
            SecretEncoding::Hex => hex::encode(bytes),
        }
    }
}

/// A decoded secret: redacted in `Debug`, zeroed on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A key chatpass verifies callers with (webhook secret, callback key).
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct VerifierKey(Vec<u8>);

impl VerifierKey {
    /// Checks length and that the bytes look random.
    pub fn new(bytes: Vec<u8>) -> Result<Self, KeyError> {
        let key = VerifierKey(bytes);
        let len = key.0.len();
        if len == 0 {
            return Err(KeyError::Empty);
        }
        if len < MIN_VERIFIER_KEY_BYTES {
            return Err(KeyError::TooShort { len });
        }
        let mut seen = [false; 256];
        key.0.iter().for_each(|b| seen[usize::from(*b)] = true);
        if seen.iter().filter(|s| **s).count() < MIN_DISTINCT_BYTES {
            return Err(KeyError::NotRandom);
        }
        Ok(key)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// True when `presented` is this key. Constant time: digests of equal length are
    /// compared, so neither the content nor the length of the key leaks through timing.
    pub fn matches(&self, presented: &[u8]) -> bool {
        let ours = Sha256::digest(&self.0);
        let theirs = Sha256::digest(presented);
        ours.as_slice().ct_eq(theirs.as_slice()).into()
    }
}

/// True when `presented` is any of `keys`; every key is compared, whichever matches.
pub fn matches_any(keys: &[VerifierKey], presented: &[u8]) -> bool {
    keys.iter()
        .fold(false, |found, key| found | key.matches(presented))
}

/// Read as given; emptiness is checked when the vendor profile is built.
impl<'de> serde::Deserialize<'de> for VendorKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(VendorKey)
    }
}

macro_rules! redacted_debug {
    ($($t:ty),*) => {$(
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($t), "([REDACTED])"))
            }
        }
    )*};
}
redacted_debug!(VendorKey, VerifierKey, SecretBytes);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_an_empty_vendor_key() {
        assert_eq!(VendorKey::new("").err(), Some(KeyError::Empty));
    }

    #[test]
    fn accepts_a_short_vendor_key_but_flags_it() {
        let key = VendorKey::new("short").unwrap();
        assert!(key.is_short());
        assert!(
            !VendorKey::new("a-vendor-key-of-twenty-b")
                .unwrap()
                .is_short()
        );
    }

    #[test]
    fn refuses_a_verifier_key_under_24_bytes() {
        let err = VerifierKey::new(b"0123456789abcdefghijklm".to_vec()).err();
        assert_eq!(err, Some(KeyError::TooShort { len: 23 }));
    }

    #[test]
    fn refuses_a_verifier_key_that_is_not_random() {
        assert_eq!(
            VerifierKey::new(vec![b'a'; 40]).err(),
            Some(KeyError::NotRandom)
        );
    }

    #[test]
    fn matches_only_the_exact_key() {
        let key = VerifierKey::new(b"0123456789abcdefghijklmnop".to_vec()).unwrap();
        assert!(key.matches(b"0123456789abcdefghijklmnop"));
        assert!(!key.matches(b"0123456789abcdefghijklmno"));
        assert!(!key.matches(b""));
        let other = VerifierKey::new(b"ponmlkjihgfedcba9876543210".to_vec()).unwrap();
        assert!(matches_any(&[other, key], b"0123456789abcdefghijklmnop"));
    }

    #[test]
    fn decodes_each_secret_encoding_and_refuses_what_does_not_decode() {
        let key = |text: &str| VendorKey::new(text).unwrap();
        let decoded = |encoding: SecretEncoding, text: &str| {
            encoding.decode(&key(text)).map(|b| b.as_bytes().to_vec())
        };
        assert_eq!(decoded(SecretEncoding::Raw, "ab").unwrap(), b"ab");
        assert_eq!(decoded(SecretEncoding::Hex, "00ff").unwrap(), [0, 255]);
        for encoding in [
            SecretEncoding::Base64,
            SecretEncoding::Base64url,
            SecretEncoding::Hex,
        ] {
            let written = encoding.write(&[251, 255, 0]);
            assert_eq!(
                decoded(encoding, &written).unwrap(),
                [251, 255, 0],
                "{encoding:?}"
            );
        }
        for (encoding, text) in [
            (SecretEncoding::Base64, "+/8="),
            (SecretEncoding::Base64, "-_8"),
            (SecretEncoding::Base64url, "-_8"),
        ] {
            assert_eq!(decoded(encoding, text).unwrap(), [251, 255], "{text}");
        }
        for (encoding, text, refused) in [
            (SecretEncoding::Hex, "0g", KeyError::NotHex),
            (SecretEncoding::Hex, "abc", KeyError::NotHex),
            (SecretEncoding::Base64, "a b", KeyError::NotBase64),
            (SecretEncoding::Base64url, "+/8", KeyError::NotBase64),
            (SecretEncoding::Base64, "==", KeyError::Empty),
        ] {
            assert_eq!(decoded(encoding, text).err(), Some(refused), "{text}");
        }
        let secret = SecretEncoding::Hex
            .decode(&key("7365637265742d6b6579"))
            .unwrap();
        assert_eq!(format!("{secret:?}"), "SecretBytes([REDACTED])");
    }

    #[test]
    fn debug_never_prints_key_material() {
        let key = VendorKey::new("super-secret-value").unwrap();
        assert_eq!(format!("{key:?}"), "VendorKey([REDACTED])");
        let key = VerifierKey::new(b"0123456789abcdefghijklmnop".to_vec()).unwrap();
        assert!(!format!("{key:?}").contains("0123"));
    }
}
