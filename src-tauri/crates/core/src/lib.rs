//! hallq-core: the pure domain of a hall's queue.
//!
//! It owns the types (hall, service, counter, staff, ticket, event), every
//! transition a ticket or a counter can make, call-next routing, timing and
//! the KPIs. It must not do IO: no SQLite, no files, no tokio, and it never
//! reads a clock or makes a random id. The current time and new ids come in as
//! arguments, so a whole simulated day runs in milliseconds and every test is
//! deterministic.
//!
//! Read in this order: [`hall`] and its configuration types, [`ticket`],
//! [`command`] (what can be asked), [`event`] (what happened), [`state`] (the
//! in-memory hall that decides commands and applies events), [`routing`],
//! [`timing`], [`kpi`], [`text`] (the rule for free text), and [`error`].

mod code;
pub mod command;
pub mod commitment;
pub mod counter;
pub mod erlang;
pub mod error;
pub mod event;
pub mod follow_up;
pub mod hall;
pub mod kpi;
pub mod routing;
pub mod service;
pub mod simulation;
pub mod staff;
pub mod state;
pub mod text;
pub mod ticket;
pub mod timing;

pub use command::{Actor, Command, TicketRef, TransferTarget};
pub use counter::{Counter, CounterStatus, RoutingOrder, RoutingPolicy};
pub use error::CoreError;
pub use event::EventData;
pub use follow_up::{FOLLOW_UP_WORKING_DAYS, FollowUp};
pub use hall::{Hall, HallConfig, ScoreWeights, Targets};
pub use kpi::{BadPart, KpiAccumulator, Kpis, TicketFacts};

pub use service::Service;
pub use staff::{Staff, StaffRole};
pub use state::{Changes, HallSnapshot, HallState, Outcome};
pub use ticket::{LowScoreReason, PriorityClass, PriorityReason, Rating, Resolution, Ticket, TicketState};

/// A point in time: milliseconds since the Unix epoch, UTC.
///
/// Plain integers keep the event log, SQLite and arithmetic simple; every
/// duration in HallQ is a whole number of milliseconds.
pub type Millis = i64;

/// Milliseconds in one minute.
pub const MINUTE_MS: Millis = 60_000;
#[cfg(test)]
mod state_props;
#[cfg(test)]
mod state_tests;
