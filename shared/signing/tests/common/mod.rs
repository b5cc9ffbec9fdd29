//! The worked cases in the repository's `vectors/`, read by the workspace tests' loader.

#[path = "../../../../tests/src/vectors.rs"]
mod vectors;

pub use vectors::load as vectors;
