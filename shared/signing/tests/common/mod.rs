//! What the signing tests share with the workspace's tests, included by path: the loader of
//! the worked cases in `vectors/`, and PyJWT run by the test venv's Python.

#[path = "../../../../tests/src/vectors.rs"]
mod vectors;

#[path = "../../../../tests/src/pyjwt.rs"]
pub mod pyjwt;

pub use vectors::load as vectors;

/// The first field of a vendor's `settings`: where its token stands.
pub fn first_field(settings: &serde_json::Value) -> &str {
    settings.as_object().unwrap().keys().next().unwrap()
}
