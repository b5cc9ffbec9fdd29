//! The `chatpass` command as a library: the route table every caller of the handlers shares
//! (serve, the tests, the fuzz targets), new signing keys, and one module per subcommand.

pub mod commands;
pub mod routes;
pub mod signing_keys;
pub mod times;
