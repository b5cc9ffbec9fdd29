//! How often keys fetched from a JWKS URL are refreshed: every [`REFRESH_MS`], or as the
//! operator sets `CHATPASS_JWKS_REFRESH_SECONDS` (read at start; a bad value fails there).

use super::jwks::REFRESH_MS;
use std::ops::RangeInclusive;

/// The environment variable that sets the refresh interval, in whole seconds.
pub const REFRESH_VAR: &str = "CHATPASS_JWKS_REFRESH_SECONDS";
/// The seconds it may be set to: no more often than an unknown `kid` may fetch (once a
/// second), and at least once a day, so a removed key never verifies for longer.
pub const REFRESH_SECONDS: RangeInclusive<u64> = 1..=86_400;

/// The refresh interval in milliseconds a setting of [`REFRESH_VAR`] gives ([`REFRESH_MS`]
/// when unset or empty), or the error that names the variable and its bounds. The settings
/// read it once, at start, so a bad value stops a function or `serve` there.
pub fn refresh_ms(setting: Option<&str>) -> Result<u64, String> {
    let Some(setting) = setting.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(REFRESH_MS);
    };
    match setting.parse::<u64>() {
        Ok(seconds) if REFRESH_SECONDS.contains(&seconds) => Ok(seconds * 1000),
        _ => Err(format!(
            "{REFRESH_VAR} `{setting}`: must be a whole number of seconds from {} to {}",
            REFRESH_SECONDS.start(),
            REFRESH_SECONDS.end()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_or_empty_is_the_default_of_five_minutes() {
        assert_eq!(refresh_ms(None), Ok(300_000));
        assert_eq!(refresh_ms(Some(" ")), Ok(300_000));
    }

    #[test]
    fn whole_seconds_within_the_bounds_are_taken() {
        assert_eq!(refresh_ms(Some("1")), Ok(1_000));
        assert_eq!(refresh_ms(Some("60")), Ok(60_000));
        assert_eq!(refresh_ms(Some("86400")), Ok(86_400_000));
    }

    #[test]
    fn anything_else_is_refused_naming_the_variable_and_its_bounds() {
        for bad in ["0", "86401", "-5", "2.5", "5s", "18446744073709551616"] {
            let error = refresh_ms(Some(bad)).unwrap_err();
            assert!(
                error.starts_with("CHATPASS_JWKS_REFRESH_SECONDS `")
                    && error.ends_with("from 1 to 86400"),
                "{bad}: {error}"
            );
        }
    }
}
