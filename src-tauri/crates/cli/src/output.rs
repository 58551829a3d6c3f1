//! Standard output: every line, table, JSON value and file the CLI prints
//! goes through [`outln!`] or [`Stdout`], never `println!`, so that a reader
//! who goes away (`hallq report … | head`, `hallq export | less` quit early)
//! ends the command quietly with status 0, as `cat` and `grep` do.
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe fails with `EPIPE`;
//! `println!` panics on that, with a backtrace hint. Here the failure is an
//! error marked [`StdoutClosed`], which travels up like any other (through
//! the store's exchange writer too) and which `main` recognises by that
//! mark. Only standard output is marked: a broken pipe on a socket or a
//! file is still a failure.

use std::fmt;
use std::io::{self, Write};

/// Writes one formatted line to standard output, like `println!`, but
/// returns a closed pipe as an [`io::Error`] (see [`Stdout`]) instead of
/// panicking. Use it with `?`.
macro_rules! outln {
    () => {
        $crate::output::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}
pub(crate) use outln;

/// The reader of standard output has gone (`EPIPE`): nothing more can be
/// shown, and nothing went wrong that the user must hear about.
#[derive(Debug)]
pub struct StdoutClosed;

impl fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("标准输出已关闭 / standard output was closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// Standard output as a writer whose broken-pipe errors carry the
/// [`StdoutClosed`] mark; other errors (a full disk behind a redirect)
/// pass unchanged.
pub struct Stdout(io::StdoutLock<'static>);

impl Stdout {
    /// Locks standard output for a sequence of writes.
    pub fn lock() -> Self {
        Self(io::stdout().lock())
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).map_err(mark)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.write_all(buf).map_err(mark)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush().map_err(mark)
    }
}

/// Marks a broken pipe as standard output's.
fn mark(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::BrokenPipe { io::Error::new(io::ErrorKind::BrokenPipe, StdoutClosed) } else { e }
}

/// What [`outln!`] runs: the line and its newline, then a flush, so that
/// output interleaves with stderr as it did with `println!` (a line at a
/// time on a terminal).
pub fn line(args: fmt::Arguments<'_>) -> io::Result<()> {
    let mut out = Stdout::lock();
    out.write_fmt(args)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Whether `err` is, somewhere in its chain, standard output having been
/// closed by its reader.
pub fn is_stdout_closed(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.is::<StdoutClosed>()
            || cause
                .downcast_ref::<io::Error>()
                .and_then(io::Error::get_ref)
                .is_some_and(|inner| inner.is::<StdoutClosed>())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_standard_outputs_broken_pipe_counts_as_closed() {
        let closed = mark(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(is_stdout_closed(&anyhow::Error::new(closed).context("exporting")));
        // A socket's or a file's broken pipe is a failure like any other.
        assert!(!is_stdout_closed(&anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe))));
        let full = mark(io::Error::from(io::ErrorKind::StorageFull));
        assert_eq!(full.kind(), io::ErrorKind::StorageFull);
        assert!(!is_stdout_closed(&anyhow::Error::new(full)));
    }
}
