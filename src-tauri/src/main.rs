//! The `hallq-desktop` binary: everything lives in the library
//! ([`hallq_desktop::run`]) so the mock-runtime tests can build the same app.

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    hallq_desktop::run();
}
