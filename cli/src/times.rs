//! Times as the CLI takes and writes them: `--now` or the service's system clock, and for
//! people ISO-8601 in UTC and "in 4 min" / "3 min ago", by hand (no date crate for two formats).

use chatpass_service::clock::{Clock, SystemClock};

/// `--now` if given, else the system clock in unix seconds.
pub fn now_or_system(now: Option<u64>) -> u64 {
    now.unwrap_or_else(|| SystemClock.now())
}

/// `2023-11-14T22:13:20Z` for unix seconds `secs`.
pub fn iso8601(secs: u64) -> String {
    let days = secs / 86_400;
    let rest = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// (year, month, day) of the `days`-th day after 1970-01-01, proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`, for non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// `in 4 min`, `3 min ago`, `just now`: `at` as seen from `now`.
pub fn relative(at: u64, now: u64) -> String {
    match at.cmp(&now) {
        std::cmp::Ordering::Equal => "just now".to_owned(),
        std::cmp::Ordering::Greater => format!("in {}", span(at - now)),
        std::cmp::Ordering::Less => format!("{} ago", span(now - at)),
    }
}

/// A duration rounded down to its largest sensible unit.
fn span(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        3600..86_400 => match secs % 3600 / 60 {
            0 => format!("{} h", secs / 3600),
            min => format!("{} h {min} min", secs / 3600),
        },
        _ => format!("{} d", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_utc_times_in_iso_8601() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(4_107_542_399), "2100-02-28T23:59:59Z");
        assert_eq!(iso8601(4_107_542_400), "2100-03-01T00:00:00Z");
    }

    #[test]
    fn writes_relative_times_in_the_largest_whole_unit() {
        assert_eq!(relative(100, 100), "just now");
        assert_eq!(relative(145, 100), "in 45 s");
        assert_eq!(relative(100, 340), "4 min ago");
        assert_eq!(relative(100 + 3 * 3600 + 120, 100), "in 3 h 2 min");
        assert_eq!(relative(100, 100 + 7200), "2 h ago");
        assert_eq!(relative(100 + 3 * 86_400, 100), "in 3 d");
    }
}
