//! Reading an HTTP answer's body no further than a bound, for the two places chatpass fetches
//! from a server it does not run (an identity provider's JWKS, a vendor's token API).

/// The body of `response`, refused as soon as it is known to pass `max` bytes (by its
/// Content-Length, or while reading); `what` names it in that refusal. Errors are for the log:
/// they never carry the URL.
pub(crate) async fn read_at_most(
    response: &mut reqwest::Response,
    max: usize,
    what: &str,
) -> Result<Vec<u8>, String> {
    let fail = |e: reqwest::Error| e.without_url().to_string();
    let too_large = || format!("{what} is over {max} bytes");
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(fail)? {
        if body.len() + chunk.len() > max {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
