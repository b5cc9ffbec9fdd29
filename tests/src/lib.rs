//! Support for the workspace-level tests: the moto server harness and what the tests share.

pub mod functions;
pub mod moto;
pub mod support;
pub mod template;
pub mod vectors;
