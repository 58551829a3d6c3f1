//! hallq-central: the bureau's centre. Every enrolled hall pushes its event
//! log here and the centre keeps it in PostgreSQL, exactly once and in each
//! hall's seq order; a station without a network brings an exchange file
//! instead (`hallq central import`). PostgreSQL is the only store: no
//! SQLite at the centre.
//!
//! Read in this order: [`db`] (the pool and the embedded migrations, whose
//! schema is ready for Citus: every table keyed by hall), [`enrol`] (codes
//! and keys), [`ingest`] (the batch and the exactly-once append), [`import`]
//! (exchange files through the same append), [`projection`] (what reports
//! read, written with each batch), [`parts`] (the KPI pre-aggregates
//! reports by hall and by service merge), [`report`] (the KPIs across halls),
//! [`users`] (county and province managers and their logins), [`http`]
//! (the routes), and
//! [`error`] (every refusal, bilingual, in the hall server's error shape).
//!
//! What it must not do: decide anything about a hall's queue (the events
//! are facts the hall decided; the centre checks their shape with the same
//! `hallq_core::EventData` and stores them as the hall wrote them), or
//! store a code or a key (only their SHA-256).

pub mod db;
pub mod enrol;
pub mod error;
pub mod http;
pub mod import;
pub mod ingest;
pub mod parts;
pub mod projection;
pub mod report;
pub mod users;

pub use error::{CentralError, CodeRefusal, Result};
pub use http::{Acknowledged, Central, app, check_listen, serve, tls_config};
