//! The kiosk lock of the screens the public stands in front of (kiosk,
//! display, rating pad): fullscreen, no decorations, no context menu, no
//! navigation away from the hall's pages, no closing; leaving it needs the
//! supervisor PIN ([`crate::commands::leave_kiosk`]).
//!
//! The lock is the shell's, not the page's: a page cannot unlock itself
//! except through that one command, which checks the PIN in Rust.

use std::collections::HashSet;
use std::sync::Mutex;

use tauri::webview::WebviewWindowBuilder;
use tauri::{Runtime, Url};

/// Set in the environment (`cargo xtask run`, a developer's PC): lock
/// nothing, so the demo's windows can be moved and closed.
pub const UNLOCKED_ENV: &str = "HALLQ_DESKTOP_UNLOCKED";

/// Blocks the context menu (and with it "reload", "inspect", "back") and
/// the keys that would leave or reload the page.
const LOCK_SCRIPT: &str = r#"
  window.addEventListener('contextmenu', (e) => e.preventDefault(), true);
  window.addEventListener('keydown', (e) => {
    const k = e.key;
    if (k === 'F5' || k === 'F11' || k === 'F12' || (e.altKey && (k === 'ArrowLeft' || k === 'ArrowRight' || k === 'F4'))
        || ((e.ctrlKey || e.metaKey) && ['r', 'R', 'w', 'W', 'q', 'Q', 'l', 'L', 'p', 'P'].includes(k))) {
      e.preventDefault();
      e.stopPropagation();
    }
  }, true);
"#;

/// The labels of the windows locked now.
#[derive(Debug, Default)]
pub struct KioskLocks(Mutex<HashSet<String>>);

impl KioskLocks {
    /// Marks a window locked.
    pub fn lock(&self, label: &str) {
        self.0.lock().expect("kiosk locks").insert(label.to_string());
    }

    /// Unlocks a window; `false` if it was not locked.
    pub fn unlock(&self, label: &str) -> bool {
        self.0.lock().expect("kiosk locks").remove(label)
    }

    /// Whether a window is locked.
    pub fn is_locked(&self, label: &str) -> bool {
        self.0.lock().expect("kiosk locks").contains(label)
    }

    /// Whether any window is locked.
    pub fn any(&self) -> bool {
        !self.0.lock().expect("kiosk locks").is_empty()
    }
}

/// Whether locking is switched off for this run.
pub fn disabled() -> bool {
    std::env::var_os(UNLOCKED_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Applies the lock to a window being built: fullscreen, undecorated, the
/// lock script in every page it loads.
pub fn lock<'a, R: Runtime, M: tauri::Manager<R>>(
    builder: WebviewWindowBuilder<'a, R, M>,
) -> WebviewWindowBuilder<'a, R, M> {
    builder.fullscreen(true).decorations(false).always_on_top(false).initialization_script(LOCK_SCRIPT)
}

/// Whether a window of the hall's pages may navigate to `url`: the hall
/// server's origin, or the shell's own local pages; nothing else (a link,
/// a typed address, a page that redirects away).
pub fn allowed(hall: &Url, url: &Url) -> bool {
    let same_origin = url.scheme() == hall.scheme()
        && url.host_str() == hall.host_str()
        && url.port_or_known_default() == hall.port_or_known_default();
    same_origin || is_local_page(url)
}

/// Whether `url` is one of the shell's own pages (Tauri's asset origin).
pub fn is_local_page(url: &Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_window_may_only_go_to_the_hall_or_the_shells_own_pages() {
        let hall: Url = "http://127.0.0.1:8790/kiosk".parse().unwrap();
        let ok = |u: &str| allowed(&hall, &u.parse().unwrap());
        assert!(ok("http://127.0.0.1:8790/kiosk?token=x"));
        assert!(ok("tauri://localhost/unreachable.html"));
        assert!(ok("http://tauri.localhost/unreachable.html"));
        assert!(!ok("http://127.0.0.1:9999/kiosk"));
        assert!(!ok("https://example.com/"));
        assert!(!ok("file:///etc/passwd"));
    }

    #[test]
    fn locks_are_per_window() {
        let locks = KioskLocks::default();
        locks.lock("kiosk-0");
        assert!(locks.is_locked("kiosk-0") && !locks.is_locked("display-0") && locks.any());
        assert!(locks.unlock("kiosk-0"));
        assert!(!locks.unlock("kiosk-0") && !locks.any());
    }
}
