//! Support for the workspace-level tests: the moto server harness, a
//! fault-injecting proxy in front of it, and what the tests share.

pub mod fault_proxy;
pub mod moto;
pub mod support;
pub mod vectors;
