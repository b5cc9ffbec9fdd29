//! Summaries of timings for the emulator's JSON lines: min, median, the tail percentiles and
//! max, nearest rank, in ms rounded to µs.

use serde_json::{Value, json};

/// `{min, median, p90, p99, max, mean}` of `values` (ms), or null when there are none.
pub fn summary(values: &[f64]) -> Value {
    if values.is_empty() {
        return Value::Null;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| round(sorted[((sorted.len() - 1) as f64 * q).round() as usize]);
    json!({
        "min": round(sorted[0]),
        "median": at(0.5),
        "p90": at(0.9),
        "p99": at(0.99),
        "max": round(sorted[sorted.len() - 1]),
        "mean": round(sorted.iter().sum::<f64>() / sorted.len() as f64),
    })
}

/// `values` (ms) rounded to µs, in their order.
pub fn rounded(values: &[f64]) -> Vec<f64> {
    values.iter().copied().map(round).collect()
}

/// The mean of what Lambda bills for each duration: rounded up to the next whole ms.
pub fn billed_mean_ms(durations_ms: &[f64]) -> f64 {
    if durations_ms.is_empty() {
        return 0.0;
    }
    durations_ms.iter().map(|d| d.ceil().max(1.0)).sum::<f64>() / durations_ms.len() as f64
}

fn round(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_over_the_sorted_values() {
        let values: Vec<f64> = (1..=1000).rev().map(f64::from).collect();
        let s = summary(&values);
        assert_eq!(s["min"], 1.0);
        assert_eq!(s["median"], 501.0);
        assert_eq!(s["p90"], 900.0);
        assert_eq!(s["p99"], 990.0);
        assert_eq!(s["max"], 1000.0);
        assert_eq!(s["mean"], 500.5);
    }

    #[test]
    fn lambda_bills_each_duration_rounded_up_to_the_millisecond() {
        assert_eq!(
            billed_mean_ms(&[0.2, 1.0, 1.01, 2.5]),
            (1.0 + 1.0 + 2.0 + 3.0) / 4.0
        );
        assert_eq!(billed_mean_ms(&[]), 0.0);
    }

    #[test]
    fn no_values_is_null() {
        assert_eq!(summary(&[]), Value::Null);
    }
}
