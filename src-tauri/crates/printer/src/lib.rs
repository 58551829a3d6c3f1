//! hallq-printer: prints a ticket on a thermal ESC/POS printer.
//!
//! Read in this order: [`ticket`] (what goes on the paper and how it becomes
//! bytes), [`command`] (the few ESC/POS commands used), [`printer`] (where the
//! bytes go and how the printer's status is read back), [`device`] (what a
//! device printer's address names on each system), [`error`], and
//! [`read`] (a job read back, for checking what a printer received).
//!
//! This crate knows nothing about the hall server, the database or the clock:
//! the caller passes the ticket's text, including the issue time, already
//! formatted.

pub mod command;
pub mod device;
pub mod error;
pub mod printer;
pub mod read;
pub mod ticket;

pub use error::PrintError;
pub use printer::{Printer, PrinterStatus};
pub use read::{Job, Line, read_job};
pub use ticket::{Paper, TicketPrint, display_width, render, text_lines};
