//! hallq-server end to end: the real router on 127.0.0.1:0 over a temporary
//! database and a manual clock, driven over HTTP and WebSocket by real
//! clients.
//!
//! This `mod` list says where a new test goes: one module per behaviour the
//! server promises. One binary, so cargo links it once.

mod support;

mod auth;
mod bad_input;
mod bounds;
mod cases;
mod follow_ups;
mod hall_day;
mod inspection;
mod live;
mod openapi;
mod printing;
mod reports;
mod roles;
mod screens;
mod staffing;
mod stream;
mod teams;
