//! The worked cases in the repository's `vectors/`, read by the workspace tests' loader.

#[path = "../../../../tests/src/vectors.rs"]
mod vectors;

pub use vectors::load as vectors;

/// The first field of a vendor's `settings`: where its token stands.
pub fn first_field(settings: &serde_json::Value) -> &str {
    settings.as_object().unwrap().keys().next().unwrap()
}
