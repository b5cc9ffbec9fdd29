//! Support for the workspace-level tests: the moto server harness, a
//! fault-injecting proxy in front of it, and what the tests share.

pub mod binaries;
pub mod cli;
pub mod fault_proxy;
pub mod jwt_attacks;
pub mod moto;
pub mod openapi;
pub mod pyjwt;
pub mod support;
pub mod template;
pub mod vectors;
