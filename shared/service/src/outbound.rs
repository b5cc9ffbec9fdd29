//! Which URLs chatpass may fetch: https, and plain http to a loopback host only where the
//! runner allows it (`chatpass serve`, a test's stand-in identity provider).

/// https anywhere; http to a loopback host only when `loopback_http` says so.
pub fn is_allowed_url(url: &str, loopback_http: bool) -> bool {
    let Ok(parsed) = url.parse::<reqwest::Url>() else {
        return false;
    };
    match parsed.scheme() {
        "https" => true,
        "http" => {
            loopback_http && matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_and_plain_http_to_loopback_only_where_the_runner_allows_it() {
        for loopback in [true, false] {
            assert!(is_allowed_url("https://idp.example.com/jwks", loopback));
            assert!(!is_allowed_url("http://idp.example.com/jwks", loopback));
            assert!(!is_allowed_url("http://127.0.0.1.evil.com/jwks", loopback));
            assert!(!is_allowed_url("file:///etc/passwd", loopback));
            for url in [
                "http://127.0.0.1:8080/jwks",
                "http://localhost/jwks",
                "http://[::1]:9001/2018-06-01/runtime/invocation/next",
            ] {
                assert_eq!(is_allowed_url(url, loopback), loopback, "{url}");
            }
        }
    }
}
