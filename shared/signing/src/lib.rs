//! chatpass-signing: what each chat vendor's widget accepts, byte for byte, and Standard Webhooks.
//! Pure code: no I/O, no async, no clock (every time-dependent call takes `now`).

mod error;
pub mod explain;
mod jwt;
pub mod keys;
pub mod mac;
pub mod minted;
pub mod page_input;
pub mod private_key;
pub mod public_keys;
mod random;
mod shapes;
mod signed;
mod user;
pub mod vendors;
pub mod webhook;

pub use error::{SignError, VendorConfigError};
pub use signed::Signed;
pub use user::User;
pub use vendors::{Endpoint, SessionUse, Vendor, VendorConfig};
