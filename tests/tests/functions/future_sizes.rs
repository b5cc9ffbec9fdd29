//! The size of each function's request future: every request allocates it once, and past
//! 1,000 bytes glibc takes that allocation as a large one and first consolidates its freed
//! small blocks, about a tenth of a handler's time (BENCHMARKS.md, "Against Node and the
//! floor"). A large inner future is boxed where it is awaited instead, as issue-jwt's call to
//! a vendor's server is.

use chatpass_service::testing::{NOW, harness, request};
use chatpass_tests::support::fixture;
use std::mem::size_of_val;

/// The most bytes a request future may take and stay in glibc's small bins (a chunk under
/// 1,024 bytes, its 8-byte header included, rounded up to 16).
const SMALL: usize = 1_000;

#[test]
fn every_functions_request_future_stays_a_small_allocation() {
    let state = harness(&[], NOW).state;
    let event = |function, name| request(&fixture(function, name));
    let sizes = [
        (
            "issue-jwt (token)",
            size_of_val(&issue_jwt::token_handler(
                &state,
                event("issue-jwt", "token"),
            )),
        ),
        (
            "hash-user",
            size_of_val(&hash_user::handler(&state, event("hash-user", "user-hash"))),
        ),
        (
            "user-details-callback",
            size_of_val(&user_details_callback::handler(
                &state,
                event("user-details-callback", "user-details"),
            )),
        ),
        (
            "logout-webhook",
            size_of_val(&logout_webhook::handler(
                &state,
                event("logout-webhook", "logout-webhook"),
            )),
        ),
    ];
    for (function, size) in sizes {
        assert!(
            size <= SMALL,
            "{function}'s request future is {size} bytes, over {SMALL}: box the largest future \
             it awaits (sizes: {sizes:?})"
        );
    }
}
