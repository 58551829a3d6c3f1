//! What the hall server asks of the operating system, answered per system:
//! the signals that stop it, and how many files (connections) it may hold.
//!
//! The only module of the server that differs by system; the rest asks
//! here. Stopping: Ctrl-C everywhere; SIGTERM on Unix (systemd stopping the
//! unit); on Windows Ctrl-Break, the console window closing and the system
//! shutting down — not a user logging off, which a server run as a
//! scheduled task (session 0) is also told about and must outlive.
//! A forced stop (SIGKILL, `schtasks /End`, Task Manager) needs no care:
//! every answered command is already on disk.

/// Resolves when the server is asked to stop (see the module's list).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    tokio::select! {
        () = ctrl_c => {},
        () = system_stop() => {},
    }
}

/// SIGTERM: what a service manager sends.
#[cfg(unix)]
async fn system_stop() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            term.recv().await;
        }
        Err(_) => std::future::pending::<()>().await,
    }
}

/// Ctrl-Break, the console closing, the system shutting down.
#[cfg(windows)]
async fn system_stop() {
    use tokio::signal::windows::{ctrl_break, ctrl_close, ctrl_shutdown};
    let (Ok(mut brk), Ok(mut close), Ok(mut shutdown)) = (ctrl_break(), ctrl_close(), ctrl_shutdown()) else {
        return std::future::pending().await;
    };
    tokio::select! {
        Some(()) = brk.recv() => {},
        Some(()) = close.recv() => {},
        Some(()) = shutdown.recv() => {},
        else => std::future::pending().await,
    }
}

/// No system signal but Ctrl-C elsewhere.
#[cfg(not(any(unix, windows)))]
async fn system_stop() {
    std::future::pending::<()>().await
}

/// How many files the server may hold open: on Unix the soft limit, first
/// raised to the hard one (a flood then meets the connection cap, not "too
/// many open files"); Windows has no such limit on sockets.
pub fn open_file_limit() -> u64 {
    #[cfg(unix)]
    let files = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    #[cfg(not(unix))]
    let files = u64::MAX;
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_file_limit_is_raised_to_the_hard_limit() {
        let (_, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
        let limit = open_file_limit();
        assert_eq!(limit, hard.min(limit));
        assert_eq!(rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap().0, limit, "the soft limit is what it said");
    }
}
