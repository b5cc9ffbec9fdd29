//! The scripts `chatpass serve` hands to pages: chatpass.js in its two forms (built from
//! `web/src` and committed in `web/dist`, so serve needs no npm), and the demo page's own
//! scripts (the page and the stand-in widgets), served same-origin so the page runs under
//! `script-src 'self'`.

use super::gateway::{HttpResponse, answer};
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};

/// chatpass.js as a classic script (defines `window.Chatpass`).
pub const CHATPASS_JS: &str = include_str!("../../../../web/dist/chatpass.js");
/// chatpass.js as an ES module (`import { start } from "/chatpass.mjs"`).
pub const CHATPASS_MJS: &str = include_str!("../../../../web/dist/chatpass.mjs");
/// The demo page's script.
const DEMO_JS: &str = include_str!("demo.js");
/// Stand-ins of every vendor's widget, each following the vendor's documented JavaScript API.
const STANDINS_JS: &str = include_str!("standins.js");

/// The scripts every `serve` answers (on the API's port and on the demo page's).
pub fn chatpass(path: &str) -> Option<HttpResponse> {
    match path {
        "/chatpass.js" => Some(script(CHATPASS_JS)),
        "/chatpass.mjs" => Some(script(CHATPASS_MJS)),
        _ => None,
    }
}

/// The demo page's scripts, beside chatpass.js.
pub fn demo(path: &str) -> Option<HttpResponse> {
    match path {
        "/demo.js" => Some(script(DEMO_JS)),
        "/standins.js" => Some(script(STANDINS_JS)),
        _ => chatpass(path),
    }
}

fn script(text: &'static str) -> HttpResponse {
    let mut response = answer(
        StatusCode::OK,
        Bytes::from_static(text.as_bytes()),
        "text/javascript; charset=utf-8",
        "no-cache",
    );
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chatpass_js_is_served_in_both_forms_as_javascript() {
        for path in ["/chatpass.js", "/chatpass.mjs"] {
            let response = chatpass(path).expect(path);
            assert_eq!(
                response.headers()[header::CONTENT_TYPE],
                "text/javascript; charset=utf-8"
            );
        }
        assert!(
            CHATPASS_JS.contains("Chatpass"),
            "the classic script defines Chatpass"
        );
        assert!(CHATPASS_MJS.contains("export"), "the module exports start");
        assert!(
            chatpass("/demo.js").is_none(),
            "the demo's scripts are the page's only"
        );
    }
}
