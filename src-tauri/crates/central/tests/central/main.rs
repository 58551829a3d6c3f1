//! The centre's tests, against a real PostgreSQL 15 ([`postgres`]: one
//! cluster for this binary, a database per test) and real halls' events
//! ([`support`]: `hallq demo` and `hallq export`). Each test asserts the
//! log the centre stored afterwards: count, seqs 1..n, ids and contents.
//!
//! Where a new test goes: enrolment and keys in `enrolment`, pushing
//! batches in `ingest`, exchange files in `import`, the centre killed
//! mid-ingest in `crash`, the schema's distribution rules in `schema`, the
//! `hallq central` command line in `cli`; reports across halls (the
//! centre's projection against the SQLite bureau's, value for value) in
//! `reports`; central users, their logins and what each sees in `users`; the ingest figures in `bench`
//! (ignored: `cargo test --release -p hallq-central --test central bench
//! -- --ignored --nocapture`).

mod bench;
mod cli;
mod crash;
mod enrolment;
mod import;
mod ingest;
mod page;
mod postgres;
mod reports;
mod schema;
mod support;
mod users;
