//! The `chatpass` command as a library: the route table every caller of the four handlers
//! shares (serve, the tests, the fuzz targets), and one module per subcommand.

pub mod clock;
pub mod commands;
pub mod routes;
