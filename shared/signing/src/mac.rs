//! HMAC-SHA256 and SHA-256 through `hmac` + `sha2`; verification is constant time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

fn keyed(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length, so this cannot fail.
    HmacSha256::new_from_slice(key).expect("HMAC accepts any key length")
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = keyed(key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Lowercase hex of HMAC-SHA256, the form the hash vendors take.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    hex::encode(hmac_sha256(key, message))
}

/// Lowercase hex of plain SHA-256 of the concatenated parts.
pub fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut digest = Sha256::new();
    parts.iter().for_each(|p| digest.update(p));
    hex::encode(digest.finalize())
}

/// True when `tag` is exactly `tag_len` bytes and equals the leftmost `tag_len` bytes of the
/// HMAC-SHA256 of `message`. The length is checked first; the comparison is constant time.
pub fn verify_hmac_sha256(key: &[u8], message: &[u8], tag: &[u8], tag_len: usize) -> bool {
    if tag.len() != tag_len || tag_len == 0 || tag_len > 32 {
        return false;
    }
    let mut mac = keyed(key);
    mac.update(message);
    mac.verify_truncated_left(tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_an_empty_tag() {
        assert!(!verify_hmac_sha256(b"key", b"msg", b"", 0));
    }

    #[test]
    fn refuses_a_tag_of_the_wrong_length() {
        let tag = hmac_sha256(b"key", b"msg");
        assert!(verify_hmac_sha256(b"key", b"msg", &tag, 32));
        assert!(!verify_hmac_sha256(b"key", b"msg", &tag[..16], 32));
        assert!(verify_hmac_sha256(b"key", b"msg", &tag[..16], 16));
    }
}
