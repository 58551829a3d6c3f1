//! What a "device" printer's address names on each system, and opening it
//! for writing: a device file (`/dev/usb/lp0`, `LPT1`), a shared printer by
//! its UNC path (`\\localhost\POS58`: Windows' print spooler passes the
//! bytes through raw), or a Windows USB printer port (`USB001`) written
//! directly, without the spooler; and the ports a PC offers in a wizard.
//!
//! This is the only module of the crate that differs by system. What an
//! address means ([`Device::parse`]) and how a USB port's registry entry
//! becomes a path ([`UsbPortEntry`], [`usb_port_path`]) are plain functions,
//! tested on every system; only reading the registry is Windows-only.
//!
//! `USB001` is a port of the spooler's USB monitor, not a file: the printer
//! itself is the device interface of class `GUID_DEVINTERFACE_USBPRINT`,
//! whose registry key records the port it was given (`Base Name` `USB`,
//! `Port Number` 1). Opening that interface path writes to the printer
//! while no spooler job holds it.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// The registry key listing every USB printer interface (present or not)
/// under `HKEY_LOCAL_MACHINE`: the class `GUID_DEVINTERFACE_USBPRINT`.
pub const USB_PRINT_INTERFACES: &str =
    r"SYSTEM\CurrentControlSet\Control\DeviceClasses\{28d78fad-5a12-11d1-ae5b-0000f803a8c2}";

/// What a device printer's address names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Device {
    /// A file opened for writing as it is: `/dev/usb/lp0`, `\\.\LPT1`.
    Path(PathBuf),
    /// A printer shared by a Windows PC (`\\host\printer`, or with `/`):
    /// written as a file, the spooler prints the bytes raw.
    Share {
        /// The PC sharing it (`localhost` for this one).
        host: String,
        /// The printer's share name.
        printer: String,
    },
    /// A Windows USB printer port, `USB001` being 1.
    UsbPort(u32),
}

impl Device {
    /// What `address` names. Only `USB` and one to three digits is a USB
    /// port (`USB001`, `usb2`); a Windows port name `LPT1` or `COM10` is
    /// the device path `\\.\LPT1`, `\\.\COM10` (Windows opens only `COM1`
    /// to `COM9` by their bare names); a path that starts with two slashes
    /// and names a host and a printer is a share (`\\?\…` and `\\.\…`
    /// are Windows device paths, not shares).
    pub fn parse(address: &str) -> Device {
        let address = address.trim();
        if let Some(port) = port_number(address, "USB") {
            return Device::UsbPort(port);
        }
        for base in ["COM", "LPT"] {
            if let Some(port) = port_number(address, base) {
                return Device::Path(PathBuf::from(format!(r"\\.\{base}{port}")));
            }
        }
        let is_separator = |c: char| c == '\\' || c == '/';
        let mut rest = address.chars();
        if rest.next().is_some_and(is_separator) && rest.next().is_some_and(is_separator) {
            let mut parts = address[2..].split(is_separator);
            if let (Some(host), Some(printer), None) = (parts.next(), parts.next(), parts.next())
                && !host.is_empty()
                && !printer.is_empty()
                && host != "?"
                && host != "."
            {
                return Device::Share { host: host.to_owned(), printer: printer.to_owned() };
            }
        }
        Device::Path(PathBuf::from(address))
    }

    /// Opens the device for writing one job.
    pub fn open(&self) -> io::Result<File> {
        match self {
            Device::Path(path) => write_only(path),
            Device::Share { host, printer } => {
                // `\\host\printer` on Windows; elsewhere `//host/printer` is
                // just a path (a Unix `//tmp/lp` is `/tmp/lp`).
                let sep = std::path::MAIN_SEPARATOR;
                write_only(Path::new(&format!("{sep}{sep}{host}{sep}{printer}")))
            }
            Device::UsbPort(port) => {
                let path = usb_port_path(*port, registry::usb_print_interfaces()?).ok_or_else(|| {
                    io::Error::new(io::ErrorKind::NotFound, format!("no USB printer has the port USB{port:03}"))
                })?;
                write_only(&path)
            }
        }
    }
}

/// Opens a device printer's address (see [`Device::parse`]) for writing.
pub fn open(address: &Path) -> io::Result<File> {
    Device::parse(&address.to_string_lossy()).open()
}

fn write_only(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).open(path)
}

/// The number of a port name: `base` (any case) and one to three digits,
/// not zero (`COM3`, `lpt1`, `USB001`).
fn port_number(name: &str, base: &str) -> Option<u32> {
    let digits = name.get(..base.len()).filter(|b| b.eq_ignore_ascii_case(base)).map(|_| &name[base.len()..])?;
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

/// One USB printer interface as the registry records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbPortEntry {
    /// The interface's key name under [`USB_PRINT_INTERFACES`], e.g.
    /// `##?#USB#VID_0416&PID_5011#5&1c3f0b4a&0&1#{28d78fad-…}`: its
    /// path with `\` written `#`.
    pub key: String,
    /// `Base Name` from its `#\Device Parameters` key: `USB`.
    pub base_name: String,
    /// `Port Number` from the same key: 1 for `USB001`.
    pub port_number: u32,
}

impl UsbPortEntry {
    /// The interface's path to open: the key name with `##?#` made `\\?\`.
    pub fn path(&self) -> PathBuf {
        let rest = self.key.strip_prefix("##?#").unwrap_or(&self.key);
        PathBuf::from(format!(r"\\?\{rest}"))
    }

    /// The port's name as the spooler shows it: `USB001`.
    pub fn port_name(&self) -> String {
        format!("{}{:03}", self.base_name, self.port_number)
    }
}

/// The path of the printer on port `USB<port>` among `entries`.
pub fn usb_port_path(port: u32, entries: impl IntoIterator<Item = UsbPortEntry>) -> Option<PathBuf> {
    entries
        .into_iter()
        .find(|e| e.base_name.eq_ignore_ascii_case("usb") && e.port_number == port)
        .map(|entry| entry.path())
}

/// The printer ports this PC offers, as suggestions (any address is still
/// accepted): `/dev/usb/lp*` and the serial ttys on Linux; the registry's
/// USB printer ports and `COM1`–`COM9` on Windows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ports {
    /// Device printers: `/dev/usb/lp0`, `USB001`.
    pub usb: Vec<String>,
    /// Serial ports: `/dev/ttyUSB0`, `COM3`.
    pub serial: Vec<String>,
}

/// The printer ports of this PC.
pub fn ports() -> Ports {
    if cfg!(windows) {
        let mut usb: Vec<String> = registry::usb_print_interfaces()
            .unwrap_or_default()
            .iter()
            .filter(|e| e.base_name.eq_ignore_ascii_case("usb"))
            .map(UsbPortEntry::port_name)
            .collect();
        usb.sort();
        usb.dedup();
        return Ports { usb, serial: (1..=9).map(|n| format!("COM{n}")).collect() };
    }
    let mut serial = device_files("/dev", &["ttyUSB", "ttyACM"]);
    serial.extend(device_files("/dev", &["ttyS"]).into_iter().filter(|p| natural(p).1 < 4));
    Ports { usb: device_files("/dev/usb", &["lp"]), serial }
}

/// The files of `dir` whose names start with one of `prefixes`, `lp2`
/// before `lp10`.
fn device_files(dir: &str, prefixes: &[&str]) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| prefixes.iter().any(|p| name.starts_with(p)))
        .map(|name| format!("{dir}/{name}"))
        .collect();
    found.sort_by(|a, b| natural(a).cmp(&natural(b)));
    found
}

/// `/dev/ttyUSB10` → (`/dev/ttyUSB`, 10): sorts lp2 before lp10.
fn natural(path: &str) -> (&str, u32) {
    let digits = path.len() - path.bytes().rev().take_while(u8::is_ascii_digit).count();
    (&path[..digits], path[digits..].parse().unwrap_or(0))
}

/// The registry's USB printer interfaces (Windows).
#[cfg(windows)]
mod registry {
    use std::io;

    use super::{USB_PRINT_INTERFACES, UsbPortEntry};

    /// Every interface under [`USB_PRINT_INTERFACES`] that records a port;
    /// none when the key is missing (no USB printer was ever attached).
    pub fn usb_print_interfaces() -> io::Result<Vec<UsbPortEntry>> {
        let Ok(class) = windows_registry::LOCAL_MACHINE.open(USB_PRINT_INTERFACES) else {
            return Ok(Vec::new());
        };
        let mut entries = Vec::new();
        for key in class.keys().map_err(io::Error::from)? {
            let Ok(parameters) = class.open(format!(r"{key}\#\Device Parameters")) else { continue };
            if let (Ok(base_name), Ok(port_number)) =
                (parameters.get_string("Base Name"), parameters.get_u32("Port Number"))
            {
                entries.push(UsbPortEntry { key, base_name, port_number });
            }
        }
        Ok(entries)
    }
}

/// Elsewhere there are no USB printer ports, only device files.
#[cfg(not(windows))]
mod registry {
    use std::io;

    use super::UsbPortEntry;

    pub fn usb_print_interfaces() -> io::Result<Vec<UsbPortEntry>> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "USB001-style printer ports exist only on Windows"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(host: &str, printer: &str) -> Device {
        Device::Share { host: host.into(), printer: printer.into() }
    }

    #[test]
    fn an_address_names_a_file_a_share_or_a_usb_port() {
        assert_eq!(Device::parse("/dev/usb/lp0"), Device::Path("/dev/usb/lp0".into()));
        assert_eq!(Device::parse(r"\\localhost\POS58"), share("localhost", "POS58"));
        assert_eq!(Device::parse(r" \\HALL-PC\热敏打印机 "), share("HALL-PC", "热敏打印机"));
        assert_eq!(Device::parse("//192.168.1.20/POS80"), share("192.168.1.20", "POS80"));
        assert_eq!(Device::parse("USB001"), Device::UsbPort(1));
        assert_eq!(Device::parse("usb12"), Device::UsbPort(12));
        assert_eq!(Device::parse("LPT1"), Device::Path(r"\\.\LPT1".into()));
        assert_eq!(Device::parse("com10"), Device::Path(r"\\.\COM10".into()));
        // Windows device paths and half a share are paths, opened as given.
        for path in [r"\\.\LPT1", r"\\?\USB#VID_0416&PID_5011#1#{x}", r"\\localhost", r"\\host\share\x", r"\\\POS"] {
            assert_eq!(Device::parse(path), Device::Path(path.into()), "{path}");
        }
        for path in ["USB000", "USB0001", "USB", "USB1a", "/dev/usb001"] {
            assert!(!matches!(Device::parse(path), Device::UsbPort(_)), "{path}");
        }
    }

    #[test]
    fn a_usb_port_is_the_interface_that_recorded_its_number() {
        let entry =
            |key: &str, base: &str, port| UsbPortEntry { key: key.into(), base_name: base.into(), port_number: port };
        let guid = "{28d78fad-5a12-11d1-ae5b-0000f803a8c2}";
        let pos58 = entry(&format!("##?#USB#VID_0416&PID_5011#5&1c3f0b4a&0&1#{guid}"), "USB", 1);
        let pos80 = entry(&format!("##?#USB#VID_0483&PID_070B#8&2a&0&2#{guid}"), "USB", 2);
        let other = entry("##?#DOT4#x", "DOT4", 2);
        assert_eq!(pos58.port_name(), "USB001");
        let entries = [other, pos58, pos80];
        assert_eq!(
            usb_port_path(2, entries.clone()),
            Some(PathBuf::from(format!(r"\\?\USB#VID_0483&PID_070B#8&2a&0&2#{guid}")))
        );
        assert_eq!(
            usb_port_path(1, entries.clone()).unwrap().to_string_lossy(),
            format!(r"\\?\USB#VID_0416&PID_5011#5&1c3f0b4a&0&1#{guid}")
        );
        assert_eq!(usb_port_path(3, entries), None);
    }

    #[cfg(not(windows))]
    #[test]
    fn a_usb_port_outside_windows_is_refused_and_a_file_is_written() {
        let error = open(Path::new("USB001")).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::Unsupported);
        let dir = tempfile::tempdir().unwrap();
        let lp = dir.path().join("lp0");
        std::fs::write(&lp, b"").unwrap();
        io::Write::write_all(&mut open(&lp).unwrap(), b"\x1b@").unwrap();
        assert_eq!(std::fs::read(&lp).unwrap(), b"\x1b@");
        assert_eq!(open(&dir.path().join("lp1")).unwrap_err().kind(), io::ErrorKind::NotFound, "never created");
        // A Unix path that looks like a share (`//tmp/x`) is still that path.
        let file = tempfile::NamedTempFile::new_in("/tmp").unwrap();
        let name = file.path().file_name().unwrap().to_str().unwrap();
        let doubled = format!("//tmp/{name}");
        assert_eq!(Device::parse(&doubled), share("tmp", name));
        io::Write::write_all(&mut open(Path::new(&doubled)).unwrap(), b"\x1d").unwrap();
        assert_eq!(std::fs::read(file.path()).unwrap(), b"\x1d");
    }

    #[test]
    fn device_files_sort_by_number() {
        assert_eq!(natural("/dev/ttyUSB10"), ("/dev/ttyUSB", 10));
        let mut names = vec!["/dev/usb/lp10", "/dev/usb/lp2"];
        names.sort_by(|a, b| natural(a).cmp(&natural(b)));
        assert_eq!(names, ["/dev/usb/lp2", "/dev/usb/lp10"]);
    }
}
