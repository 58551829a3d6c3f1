//! The end-to-end test binary: the real `hallq` and the real hall server
//! (`hallq serve`; later the browser pages and the desktop window) driven
//! from outside, through the harness in `tests/lib.rs` (`hallq_e2e::Hall`,
//! `Server`, `Api`).
//!
//! This `mod` list is the map of what is tested end to end: a new test goes in
//! the module of the behaviour it protects, a new area gets a new module here.
//! One binary rather than one per file, so cargo links it once.

// The centre's PostgreSQL fixture and helpers, shared with its own tests
// (`hallq-central`'s `tests/central`): one cluster for this binary too.
mod central_forward;
#[path = "../../src-tauri/crates/central/tests/central/support.rs"]
#[allow(dead_code, reason = "the centre's own tests use the rest")]
mod central_support;
mod cli_backup;
mod cli_counter;
mod cli_demo;
mod cli_errors;
mod cli_exchange;
mod cli_init;
mod cli_pipe;
mod cli_report;
mod cli_simulate;
mod cli_status;
mod cli_support;
#[path = "../../src-tauri/crates/central/tests/central/postgres.rs"]
mod postgres;
mod server_backup;
mod server_crash;
mod server_disk;
mod server_faults;
mod server_load;
mod server_power;
mod server_printing;
mod server_shutdown;
mod server_stream;
mod server_support;
