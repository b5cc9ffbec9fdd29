//! Fresh random values for claims a vendor wants new on every token (`jti`): 128 bits from
//! the operating system's random source, as 32 lowercase hex digits.

use crate::SignError;

/// 16 random bytes from the OS, hex-encoded; the OS failing to answer is a signing failure.
pub(crate) fn fresh_id() -> Result<String, SignError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| SignError::Crypto)?;
    Ok(hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_id_is_128_bits_of_hex_and_new() {
        let (a, b) = (fresh_id().unwrap(), fresh_id().unwrap());
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
    }
}
