//! Where the bytes go: a network printer (raw TCP, usually port 9100), a
//! serial port, or a device ([`crate::device`]: `/dev/usb/lp0`; on Windows a
//! shared printer's UNC path such as `\\localhost\POS58`, or the USB port
//! `USB001`); and the printer's status read back with `DLE EOT` (or `GS r`
//! where `DLE EOT` is not answered) on the transports that can answer.
//!
//! Every operation has a timeout so a dead printer never hangs a kiosk; this
//! module never retries, the caller decides that.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use crate::command;
use crate::error::PrintError;

/// How long a status answer is waited for. Short: many cheap printers never
/// answer, and a kiosk must not wait seconds for each ticket to find that out.
const STATUS_WAIT: Duration = Duration::from_millis(800);

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
    /// A printer on a serial port (`/dev/ttyUSB0`, `COM3`), 8N1 at `baud`.
    Serial {
        /// The port's path or name.
        path: String,
        /// Line speed, e.g. 9600 or 115200.
        baud: u32,
        /// Timeout for writing and each status answer.
        timeout: Duration,
    },
    /// A printer device opened for writing: `/dev/usb/lp0`, `LPT1`, a
    /// shared printer `\\localhost\POS58`, a USB port `USB001`
    /// ([`crate::device::Device::parse`]).
    Device(PathBuf),
}

/// What the printer reported through `DLE EOT` 1, 2 and 4 (or `GS r 1`).
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

    /// Parses the answer to `GS r 1` (paper sensor only: bits 0-1 near end,
    /// bits 2-3 out). Offline and cover cannot be told this way.
    pub fn from_paper_sensor(paper: u8) -> Self {
        PrinterStatus { paper_out: paper & 0x0C != 0, paper_near_end: paper & 0x03 != 0, ..Self::default() }
    }

    /// True when a ticket sent now would print: not offline, cover closed,
    /// paper present (near end still prints).
    pub fn can_print(&self) -> bool {
        !self.offline && !self.cover_open && !self.paper_out
    }

    /// One word for the state, the most telling first: `cover_open`,
    /// `paper_out`, `offline`, `paper_near_end` or `ready`. (A printer out of
    /// paper also reports offline; paper is what staff must fix.)
    pub fn state(&self) -> &'static str {
        if self.cover_open {
            "cover_open"
        } else if self.paper_out {
            "paper_out"
        } else if self.offline {
            "offline"
        } else if self.paper_near_end {
            "paper_near_end"
        } else {
            "ready"
        }
    }
}

impl Printer {
    /// A network printer at `addr` with a 3-second timeout.
    pub fn network(addr: impl Into<String>) -> Self {
        Printer::Network { addr: addr.into(), timeout: Duration::from_secs(3) }
    }

    /// A serial printer at `path` and `baud` with a 3-second timeout.
    pub fn serial(path: impl Into<String>, baud: u32) -> Self {
        Printer::Serial { path: path.into(), baud, timeout: Duration::from_secs(3) }
    }

    /// The host:port, port or device path, as shown in messages.
    pub fn target(&self) -> String {
        match self {
            Printer::Network { addr, .. } => addr.clone(),
            Printer::Serial { path, .. } => path.clone(),
            Printer::Device(path) => path.display().to_string(),
        }
    }

    /// Sends one complete job (e.g. from [`crate::render`]) without asking
    /// for the status first.
    pub fn send(&self, bytes: &[u8]) -> Result<(), PrintError> {
        match self {
            Printer::Device(path) => {
                let target = self.target();
                let mut file = crate::device::open(path)
                    .map_err(|source| PrintError::Connect { target: target.clone(), source })?;
                file.write_all(bytes).map_err(|source| PrintError::Write { target: target.clone(), source })?;
                file.flush().map_err(|source| PrintError::Write { target, source })
            }
            _ => self.open()?.write_job(bytes),
        }
    }

    /// Prints one job the careful way: where the transport can answer, asks
    /// the status first on the same connection and refuses with
    /// [`PrintError::NotReady`] when the printer says it cannot print (the
    /// job is not sent, so nothing is lost in a printer with no paper). A
    /// printer that answers no status at all is sent to anyway: many cheap
    /// printers are write-only. A device file is written directly.
    pub fn print(&self, bytes: &[u8]) -> Result<(), PrintError> {
        if let Printer::Device(_) = self {
            return self.send(bytes);
        }
        let mut link = self.open()?;
        if let Some(status) = link.query_status()?
            && !status.can_print()
        {
            return Err(PrintError::NotReady { target: self.target(), status });
        }
        link.write_job(bytes)
    }

    /// Asks the printer for its status with `DLE EOT` 1, 2 and 4, or `GS r 1`
    /// when `DLE EOT` is not answered.
    ///
    /// A device file is write-only here (the usblp driver's read-back is not
    /// dependable across printers), so it answers [`PrintError::StatusUnsupported`].
    pub fn status(&self) -> Result<PrinterStatus, PrintError> {
        if let Printer::Device(_) = self {
            return Err(PrintError::StatusUnsupported { target: self.target() });
        }
        let mut link = self.open()?;
        link.query_status()?.ok_or_else(|| PrintError::Status {
            target: self.target(),
            source: io::Error::new(io::ErrorKind::TimedOut, "no answer to DLE EOT or GS r"),
        })
    }

    /// Opens a two-way link to a network or serial printer.
    fn open(&self) -> Result<Link, PrintError> {
        let target = self.target();
        let (io, timeout) = match self {
            Printer::Network { addr, timeout } => (Io::Tcp(connect(addr, *timeout)?), *timeout),
            Printer::Serial { path, baud, timeout } => {
                let port = serialport::new(path, *baud)
                    .timeout(*timeout)
                    .open()
                    .map_err(|e| PrintError::Connect { target: target.clone(), source: e.into() })?;
                (Io::Serial(port), *timeout)
            }
            // Callers write device files directly; a device has no link.
            Printer::Device(_) => return Err(PrintError::StatusUnsupported { target }),
        };
        Ok(Link { io, target, timeout })
    }
}

/// A two-way connection to a printer.
enum Io {
    Tcp(TcpStream),
    Serial(Box<dyn serialport::SerialPort>),
}

struct Link {
    io: Io,
    target: String,
    /// The printer's configured timeout, for writing a job.
    timeout: Duration,
}

impl Link {
    fn set_read_timeout(&mut self, wait: Duration) -> io::Result<()> {
        match &mut self.io {
            Io::Tcp(stream) => stream.set_read_timeout(Some(wait)),
            Io::Serial(port) => port.set_timeout(wait).map_err(io::Error::from),
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.io {
            Io::Tcp(stream) => stream.write_all(bytes).and_then(|()| stream.flush()),
            Io::Serial(port) => {
                port.write_all(bytes)?;
                // Waiting for the line to drain (tcdrain) can fail without
                // the bytes being lost (a signal, a pseudo-terminal): once
                // written they are the kernel's to send. Failing here would
                // make the caller retry, and print the ticket twice.
                let _ = port.flush();
                Ok(())
            }
        }
    }

    /// One answer byte, or `None` when nothing came within the wait.
    fn read_answer(&mut self) -> io::Result<Option<u8>> {
        let mut answer = [0u8; 1];
        let read = match &mut self.io {
            Io::Tcp(stream) => stream.read(&mut answer),
            Io::Serial(port) => port.read(&mut answer),
        };
        match read {
            Ok(1) => Ok(Some(answer[0])),
            Ok(_) => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the printer closed the connection")),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Asks `DLE EOT` 1, 2, 4; when the first is not answered, `GS r 1`.
    /// `None` when the printer answers neither (a write-only printer).
    fn query_status(&mut self) -> Result<Option<PrinterStatus>, PrintError> {
        let target = self.target.clone();
        let status_err = |source| PrintError::Status { target: target.clone(), source };
        let wait = STATUS_WAIT.min(self.timeout);
        self.set_read_timeout(wait).map_err(status_err)?;
        let [dle, eot] = command::DLE_EOT;
        let ask = |link: &mut Link, request: &[u8]| -> Result<Option<u8>, PrintError> {
            link.write_all(request).map_err(status_err)?;
            link.read_answer().map_err(status_err)
        };
        let Some(printer) = ask(self, &[dle, eot, command::STATUS_PRINTER])? else {
            return Ok(ask(self, command::GS_R_PAPER)?.map(PrinterStatus::from_paper_sensor));
        };
        let no_answer = || status_err(io::Error::new(io::ErrorKind::TimedOut, "DLE EOT answered only in part"));
        let cause = ask(self, &[dle, eot, command::STATUS_OFFLINE_CAUSE])?.ok_or_else(no_answer)?;
        let paper = ask(self, &[dle, eot, command::STATUS_PAPER])?.ok_or_else(no_answer)?;
        Ok(Some(PrinterStatus::from_bytes(printer, cause, paper)))
    }

    fn write_job(mut self, bytes: &[u8]) -> Result<(), PrintError> {
        let timeout = self.timeout;
        if let Io::Serial(port) = &mut self.io {
            port.set_timeout(timeout)
                .map_err(|e| PrintError::Write { target: self.target.clone(), source: e.into() })?;
        }
        self.write_all(bytes).map_err(|source| PrintError::Write { target: self.target.clone(), source })
    }
}

/// Connects with a timeout on every resolved address, and sets read and write
/// timeouts on the stream.
fn connect(addr: &str, timeout: Duration) -> Result<TcpStream, PrintError> {
    let connect_err = |source| PrintError::Connect { target: addr.to_owned(), source };
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address resolved");
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
        assert_eq!(offline.state(), "offline");
        // Out of paper also reports offline: paper is what staff must fix.
        assert_eq!(PrinterStatus::from_bytes(0x12 | 0x08, 0x12 | 0x20, 0x12 | 0x60).state(), "paper_out");
        assert_eq!(near.state(), "paper_near_end");
        assert_eq!(ok.state(), "ready");
    }

    #[test]
    fn gs_r_paper_sensor_bits_are_parsed() {
        assert_eq!(PrinterStatus::from_paper_sensor(0x00), PrinterStatus::default());
        let near = PrinterStatus::from_paper_sensor(0x03);
        assert!(near.paper_near_end && near.can_print());
        let out = PrinterStatus::from_paper_sensor(0x0C);
        assert!(out.paper_out && !out.can_print() && !out.offline);
    }
}
