//! Where the bytes go: a network printer (raw TCP, usually port 9100) or a
//! device file such as `/dev/usb/lp0`; and the printer's status read back
//! with `DLE EOT` where the transport can answer.
//!
//! Every network operation has a timeout so a dead printer never hangs a
//! kiosk; this module never retries, the caller decides that.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use crate::command;
use crate::error::PrintError;

/// A configured printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Printer {
    /// A network printer speaking raw ESC/POS over TCP.
    Network {
        /// `host:port`, e.g. `192.168.1.50:9100`.
        addr: String,
        /// Timeout for connecting, writing and each status answer.
        timeout: Duration,
    },
    /// A printer device file opened for writing, e.g. `/dev/usb/lp0`.
    Device(PathBuf),
}

/// What the printer reported through `DLE EOT` 1, 2 and 4.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrinterStatus {
    /// The printer says it is offline (bit 3 of `DLE EOT 1`).
    pub offline: bool,
    /// The cover is open (bit 2 of `DLE EOT 2`).
    pub cover_open: bool,
    /// The paper has run out (bits 5-6 of `DLE EOT 4`, or bit 5 of `DLE EOT 2`).
    pub paper_out: bool,
    /// The roll is nearly finished (bits 2-3 of `DLE EOT 4`); still prints.
    pub paper_near_end: bool,
}

impl PrinterStatus {
    /// Parses the three answer bytes to `DLE EOT` 1 (printer), 2 (offline
    /// cause) and 4 (paper sensor).
    pub fn from_bytes(printer: u8, offline_cause: u8, paper: u8) -> Self {
        PrinterStatus {
            offline: printer & 0x08 != 0,
            cover_open: offline_cause & 0x04 != 0,
            paper_out: paper & 0x60 != 0 || offline_cause & 0x20 != 0,
            paper_near_end: paper & 0x0C != 0,
        }
    }

    /// True when a ticket sent now would print: not offline, cover closed,
    /// paper present (near end still prints).
    pub fn can_print(&self) -> bool {
        !self.offline && !self.cover_open && !self.paper_out
    }
}

impl Printer {
    /// A network printer at `addr` with a 3-second timeout.
    pub fn network(addr: impl Into<String>) -> Self {
        Printer::Network { addr: addr.into(), timeout: Duration::from_secs(3) }
    }

    /// The host:port or device path, as shown in messages.
    pub fn target(&self) -> String {
        match self {
            Printer::Network { addr, .. } => addr.clone(),
            Printer::Device(path) => path.display().to_string(),
        }
    }

    /// Sends one complete job (e.g. from [`crate::render`]).
    pub fn send(&self, bytes: &[u8]) -> Result<(), PrintError> {
        let target = self.target();
        let write_err = |source| PrintError::Write { target: target.clone(), source };
        match self {
            Printer::Network { addr, timeout } => {
                let mut stream = connect(addr, *timeout)?;
                stream.write_all(bytes).map_err(write_err)?;
                stream.flush().map_err(write_err)
            }
            Printer::Device(path) => {
                let mut file = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|source| PrintError::Connect { target: target.clone(), source })?;
                file.write_all(bytes).map_err(write_err)?;
                file.flush().map_err(write_err)
            }
        }
    }

    /// Asks the printer for its status with `DLE EOT` 1, 2 and 4.
    ///
    /// A device file is write-only here (the usblp driver's read-back is not
    /// dependable across printers), so it answers [`PrintError::StatusUnsupported`].
    pub fn status(&self) -> Result<PrinterStatus, PrintError> {
        match self {
            Printer::Network { addr, timeout } => {
                let mut stream = connect(addr, *timeout)?;
                let mut ask = |n: u8| -> Result<u8, PrintError> {
                    let status_err = |source| PrintError::Status { target: addr.clone(), source };
                    let [dle, eot] = command::DLE_EOT;
                    stream.write_all(&[dle, eot, n]).map_err(status_err)?;
                    let mut answer = [0u8; 1];
                    stream.read_exact(&mut answer).map_err(status_err)?;
                    Ok(answer[0])
                };
                let printer = ask(command::STATUS_PRINTER)?;
                let cause = ask(command::STATUS_OFFLINE_CAUSE)?;
                let paper = ask(command::STATUS_PAPER)?;
                Ok(PrinterStatus::from_bytes(printer, cause, paper))
            }
            Printer::Device(_) => Err(PrintError::StatusUnsupported { target: self.target() }),
        }
    }
}

/// Connects with a timeout on every resolved address, and sets read and write
/// timeouts on the stream.
fn connect(addr: &str, timeout: Duration) -> Result<TcpStream, PrintError> {
    let connect_err = |source| PrintError::Connect { target: addr.to_owned(), source };
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address resolved");
    for sock in addr.to_socket_addrs().map_err(connect_err)? {
        match TcpStream::connect_timeout(&sock, timeout) {
            Ok(stream) => {
                stream
                    .set_write_timeout(Some(timeout))
                    .and_then(|()| stream.set_read_timeout(Some(timeout)))
                    .map_err(connect_err)?;
                return Ok(stream);
            }
            Err(e) => last = e,
        }
    }
    Err(connect_err(last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_bits_are_parsed() {
        // Fixed bits 1 and 4 set (0x12) as real printers send them.
        let ok = PrinterStatus::from_bytes(0x12, 0x12, 0x12);
        assert_eq!(ok, PrinterStatus::default());
        assert!(ok.can_print());
        let near = PrinterStatus::from_bytes(0x12, 0x12, 0x12 | 0x0C);
        assert!(near.paper_near_end && near.can_print());
        let offline = PrinterStatus::from_bytes(0x12 | 0x08, 0x12, 0x12);
        assert!(offline.offline && !offline.can_print());
    }
}
