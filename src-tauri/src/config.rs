//! The shell's own configuration: what this PC is (one-PC station, hall
//! server, or terminal of a hall server), which roles open on which monitor,
//! and the tokens of its windows. One JSON file in the OS's app-config
//! directory (`$HALLQ_DESKTOP_CONFIG` overrides it: tests and `cargo xtask
//! run` use a temp file).
//!
//! It holds no PIN: the supervisor PIN lives (hashed) in the hall database,
//! or on the hall server in terminal mode.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The environment variable naming the config file, overriding the OS default.
pub const CONFIG_ENV: &str = "HALLQ_DESKTOP_CONFIG";

/// The port a one-PC station serves on when its config names none: fixed, so
/// the pages' saved state (their origin's storage) survives a restart.
pub const DEFAULT_PORT: u16 = 8790;

/// What this PC is in the hall (DESIGN §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A rural station: the hall server runs inside the app, on loopback only.
    OnePc,
    /// The hall's server: runs inside the app, on the LAN if chosen, and
    /// may open screens of its own.
    HallServer,
    /// A counter PC, kiosk or display of a hall server elsewhere.
    Terminal,
}

/// A hall screen the shell can open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 取号机.
    Kiosk,
    /// 窗口 (one counter).
    Counter,
    /// 叫号屏.
    Display,
    /// 评价器 (one counter's rating pad).
    Rate,
    /// 值班长看板.
    Board,
}

impl Role {
    /// Every role, in the order the tray lists them.
    pub const ALL: [Role; 5] = [Self::Kiosk, Self::Counter, Self::Display, Self::Rate, Self::Board];

    /// The page's path on the hall server.
    pub fn page(self) -> &'static str {
        match self {
            Self::Kiosk => "/kiosk",
            Self::Counter => "/counter",
            Self::Display => "/display",
            Self::Rate => "/rate",
            Self::Board => "/board",
        }
    }

    /// The terminal role the server knows it by (`hallq_server::Role::as_str`).
    pub fn terminal_role(self) -> &'static str {
        match self {
            Self::Kiosk => "kiosk",
            Self::Counter => "counter",
            Self::Display => "display",
            Self::Rate => "rating_pad",
            Self::Board => "board",
        }
    }

    /// Whether the role is tied to one counter (its number goes with the token).
    pub fn has_counter(self) -> bool {
        matches!(self, Self::Counter | Self::Rate)
    }

    /// Whether the window is locked (fullscreen, no way out without the PIN):
    /// the screens the public stands in front of.
    pub fn locked(self) -> bool {
        matches!(self, Self::Kiosk | Self::Display | Self::Rate)
    }

    /// The window's title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Kiosk => "取号机 Kiosk",
            Self::Counter => "窗口 Counter",
            Self::Display => "叫号屏 Display",
            Self::Rate => "评价器 Rating pad",
            Self::Board => "值班长看板 Board",
        }
    }

    /// The snake_case name (window labels, the config file).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kiosk => "kiosk",
            Self::Counter => "counter",
            Self::Display => "display",
            Self::Rate => "rate",
            Self::Board => "board",
        }
    }
}

/// One screen this PC opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screen {
    /// What it shows.
    pub role: Role,
    /// The counter, for a counter window or a rating pad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter: Option<u32>,
    /// The monitor it opens on (0 = the primary, in the OS's order).
    #[serde(default)]
    pub monitor: usize,
    /// Its terminal token, minted (one-PC, hall server) or paired (terminal)
    /// once and kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl Screen {
    /// The window label: role, and counter when there is one (`counter-1`),
    /// which capabilities match by prefix.
    pub fn label(&self) -> String {
        match self.counter {
            Some(n) if self.role.has_counter() => format!("{}-{n}", self.role.as_str()),
            _ => format!("{}-0", self.role.as_str()),
        }
    }
}

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppConfig {
    /// What this PC is.
    pub mode: Mode,
    /// The hall's name (shown in the tray; set in the database at creation).
    #[serde(default)]
    pub hall_name: String,
    /// The hall database (one-PC, hall server); default: `hall.db` in the
    /// app's data directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db: Option<PathBuf>,
    /// The port to serve on (one-PC, hall server); 0 = any free port.
    #[serde(default = "default_port")]
    pub port: u16,
    /// Hall-server mode: serve the LAN (0.0.0.0) rather than loopback only.
    #[serde(default)]
    pub lan: bool,
    /// Terminal mode: the hall server's base URL (`http://192.168.1.10:8790`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The screens to open.
    #[serde(default)]
    pub screens: Vec<Screen>,
    /// Start with the operating system's session.
    #[serde(default)]
    pub autostart: bool,
    /// The thermal printer attached to this PC (a kiosk PC's ticket
    /// printer); older configs without one load as "none".
    #[serde(default)]
    pub printer: LocalPrinter,
}

fn default_port() -> u16 {
    DEFAULT_PORT
}

/// How this PC's own thermal printer is attached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterKind {
    /// No printer on this PC.
    #[default]
    None,
    /// A USB printer opened as a device file (`/dev/usb/lp0`; Windows: a
    /// shared printer's path `\\localhost\POS58` or a port such as `USB001`).
    Usb,
    /// A serial printer (`/dev/ttyUSB0`, `COM3`) at a baud rate.
    Serial,
    /// A network printer speaking raw ESC/POS (`host` or `host:port`, port
    /// 9100 by default).
    Network,
    /// The operating system's printer (an office printer, or a thermal
    /// printer with a system driver): the kiosk's HTML ticket printed
    /// without a dialog (`html_print`). The address is the printer's system
    /// name (a CUPS queue); none means the system's default printer.
    System,
}

/// The serial speeds a thermal printer is set to.
pub const BAUDS: [u32; 7] = [2400, 4800, 9600, 19200, 38400, 57600, 115200];

/// The baud rate of a serial printer whose config names none.
pub const DEFAULT_BAUD: u32 = 9600;

/// The port of a network printer whose address names none.
pub const DEFAULT_PRINTER_PORT: u16 = 9100;

/// This PC's thermal printer (contract §5): the desktop prints the kiosk's
/// tickets on it through `print_escpos`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalPrinter {
    /// How it is attached.
    #[serde(default)]
    pub kind: PrinterKind,
    /// Device path (usb), port (serial) or `host[:port]` (network).
    #[serde(default)]
    pub address: Option<String>,
    /// Serial only: the baud rate (default 9600).
    #[serde(default)]
    pub baud: Option<u32>,
    /// Paper width in mm: 58 or 80.
    #[serde(default = "default_paper")]
    pub paper: u16,
}

fn default_paper() -> u16 {
    80
}

impl Default for LocalPrinter {
    fn default() -> Self {
        Self { kind: PrinterKind::None, address: None, baud: None, paper: default_paper() }
    }
}

/// A setting that cannot be used (a printer, the port); nothing is saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message_zh} / {message_en}")]
pub struct SettingError {
    /// Stable, for the wizard to branch on.
    pub code: &'static str,
    /// In Chinese.
    pub message_zh: String,
    /// In English.
    pub message_en: String,
}

impl SettingError {
    pub(crate) fn new(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { code, message_zh: zh.into(), message_en: en.into() }
    }
}

impl LocalPrinter {
    /// Checks the setting and returns it normalised: address trimmed, a
    /// network port made explicit, fields the kind does not use cleared, a
    /// serial printer's baud defaulted.
    pub fn validated(&self) -> Result<Self, SettingError> {
        if self.paper != 58 && self.paper != 80 {
            return Err(SettingError::new(
                "bad_printer_paper",
                format!("纸宽须为 58 或 80 毫米（收到 {}）", self.paper),
                format!("the paper width must be 58 or 80 mm (got {})", self.paper),
            ));
        }
        let address = self.address.as_deref().map(str::trim).unwrap_or_default();
        let needs = |zh: &str, en: &str| {
            if address.is_empty() {
                return Err(SettingError::new(
                    "bad_printer_address",
                    format!("请填写打印机的{zh}"),
                    format!("the printer's {en} is missing"),
                ));
            }
            if address.len() > 260 || address.chars().any(char::is_control) {
                return Err(SettingError::new(
                    "bad_printer_address",
                    format!("打印机的{zh}无效：{address:?}"),
                    format!("the printer's {en} is invalid: {address:?}"),
                ));
            }
            Ok(address.to_string())
        };
        let paper = self.paper;
        match self.kind {
            PrinterKind::None => Ok(Self { kind: PrinterKind::None, address: None, baud: None, paper }),
            PrinterKind::Usb => {
                let address = needs("设备路径", "device path")?;
                Ok(Self { kind: PrinterKind::Usb, address: Some(address), baud: None, paper })
            }
            PrinterKind::Serial => {
                let address = needs("串口", "serial port")?;
                let baud = self.baud.unwrap_or(DEFAULT_BAUD);
                if !BAUDS.contains(&baud) {
                    return Err(SettingError::new(
                        "bad_printer_baud",
                        format!("波特率须为 {BAUDS:?} 之一（收到 {baud}）"),
                        format!("the baud rate must be one of {BAUDS:?} (got {baud})"),
                    ));
                }
                Ok(Self { kind: PrinterKind::Serial, address: Some(address), baud: Some(baud), paper })
            }
            PrinterKind::System => {
                let name = address.to_string();
                if name.len() > 127 || name.chars().any(|c| c.is_control() || c == '/' || c == '#' || c == ' ') {
                    return Err(SettingError::new(
                        "bad_printer_address",
                        format!("系统打印机名称无效：{name:?}（留空即为默认打印机）"),
                        format!(
                            "the system printer's name is invalid: {name:?} (leave it empty for the default printer)"
                        ),
                    ));
                }
                let address = Some(name).filter(|n| !n.is_empty());
                Ok(Self { kind: PrinterKind::System, address, baud: None, paper })
            }
            PrinterKind::Network => {
                let address = needs("网络地址", "network address")?;
                let address = network_address(&address).ok_or_else(|| {
                    SettingError::new(
                        "bad_printer_address",
                        format!("网络打印机地址须为“主机”或“主机:端口”，例如 192.168.1.50:9100（收到 {address:?}）"),
                        format!(
                            "a network printer's address is host or host:port, e.g. 192.168.1.50:9100 (got {address:?})"
                        ),
                    )
                })?;
                Ok(Self { kind: PrinterKind::Network, address: Some(address), baud: None, paper })
            }
        }
    }
}

/// The lowest port the wizard accepts: below it only an administrator may
/// listen.
pub const MIN_PORT: u16 = 1024;

/// The port typed in the wizard (or the tray's settings): empty means
/// [`DEFAULT_PORT`]; otherwise a whole number from [`MIN_PORT`] to 65535.
pub fn parse_port(text: &str) -> Result<u16, SettingError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(DEFAULT_PORT);
    }
    text.parse::<u16>().ok().filter(|p| *p >= MIN_PORT).ok_or_else(|| {
        SettingError::new(
            "bad_port",
            format!("端口须为 {MIN_PORT}–65535 之间的整数（收到 {text:?}）"),
            format!("the port must be a whole number from {MIN_PORT} to 65535 (got {text:?})"),
        )
    })
}

/// `host` or `host:port` (IPv6 in brackets) → `host:port`, port 9100 by
/// default; `None` when it is not such an address.
fn network_address(address: &str) -> Option<String> {
    let host_ok = |host: &str| {
        !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    };
    let port_ok = |port: &str| port.parse::<u16>().ok().filter(|p| *p != 0);
    if let Some(rest) = address.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        let ip: std::net::Ipv6Addr = ip.parse().ok()?;
        let port = match after {
            "" => DEFAULT_PRINTER_PORT,
            _ => port_ok(after.strip_prefix(':')?)?,
        };
        return Some(format!("[{ip}]:{port}"));
    }
    let (host, port) = match address.rsplit_once(':') {
        Some((host, port)) => (host, port_ok(port)?),
        None => (address, DEFAULT_PRINTER_PORT),
    };
    host_ok(host).then(|| format!("{host}:{port}"))
}

/// Reading or writing the config file failed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read or written.
    #[error("配置文件 {path} 无法读写：{source} / cannot read or write the config {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid configuration.
    #[error("配置文件 {path} 无效：{source} / the config {path} is invalid: {source}")]
    Invalid {
        /// The file.
        path: String,
        /// Why.
        source: serde_json::Error,
    },
    /// The file's printer setting cannot be used.
    #[error("配置文件 {path} 的打印机设置无效：{} / the printer in the config {path} is invalid: {}", .source.message_zh, .source.message_en)]
    Printer {
        /// The file.
        path: String,
        /// Why.
        source: SettingError,
    },
}

impl AppConfig {
    /// Reads the config; `Ok(None)` when there is none yet (first run: the
    /// wizard opens).
    pub fn load(path: &Path) -> Result<Option<Self>, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ConfigError::Io { path: path.display().to_string(), source }),
        };
        let mut config: Self = serde_json::from_str(&text)
            .map_err(|source| ConfigError::Invalid { path: path.display().to_string(), source })?;
        config.printer = config
            .printer
            .validated()
            .map_err(|source| ConfigError::Printer { path: path.display().to_string(), source })?;
        Ok(Some(config))
    }

    /// Writes the config atomically (a temp file renamed over the old one),
    /// so a power cut never leaves half a file.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let io = |source| ConfigError::Io { path: path.display().to_string(), source };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).expect("a config always serialises");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// The screens a new one-PC station opens: counter 1, the kiosk, the
    /// display and counter 1's rating pad, all on the primary monitor.
    pub fn one_pc_screens() -> Vec<Screen> {
        let s = |role, counter| Screen { role, counter, monitor: 0, token: None };
        vec![s(Role::Counter, Some(1)), s(Role::Kiosk, None), s(Role::Display, None), s(Role::Rate, Some(1))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_round_trips_through_its_file_and_a_missing_file_means_first_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("config.json");
        assert_eq!(AppConfig::load(&path).unwrap(), None);
        let config = AppConfig {
            mode: Mode::OnePc,
            hall_name: "城关供电所".into(),
            db: Some(dir.path().join("hall.db")),
            port: 0,
            lan: false,
            server: None,
            screens: AppConfig::one_pc_screens(),
            autostart: false,
            printer: LocalPrinter {
                kind: PrinterKind::Serial,
                address: Some("COM3".into()),
                baud: Some(19200),
                paper: 58,
            },
        };
        config.save(&path).unwrap();
        assert_eq!(AppConfig::load(&path).unwrap(), Some(config));
    }

    #[test]
    fn a_minimal_hand_written_config_takes_the_defaults() {
        let config: AppConfig = serde_json::from_str(r#"{"mode":"terminal","server":"http://10.0.0.2:8790"}"#).unwrap();
        assert_eq!(config.port, DEFAULT_PORT);
        assert!(config.screens.is_empty() && !config.lan);
        // A config from before printing existed: no printer, 80 mm.
        assert_eq!(config.printer, LocalPrinter::default());
        assert_eq!(config.printer.kind, PrinterKind::None);
        assert_eq!(config.printer.paper, 80);
    }

    fn printer(kind: PrinterKind, address: Option<&str>, baud: Option<u32>, paper: u16) -> LocalPrinter {
        LocalPrinter { kind, address: address.map(String::from), baud, paper }
    }

    #[test]
    fn printer_settings_are_normalised_per_kind() {
        use PrinterKind::{Network, Serial, Usb};
        let ok = |p: LocalPrinter| p.validated().unwrap();
        assert_eq!(
            ok(printer(Network, Some(" 192.168.1.50 "), None, 80)).address.as_deref(),
            Some("192.168.1.50:9100")
        );
        assert_eq!(
            ok(printer(Network, Some("pos-1.hall.lan:9101"), Some(9600), 58)),
            printer(Network, Some("pos-1.hall.lan:9101"), None, 58)
        );
        assert_eq!(ok(printer(Network, Some("[::1]"), None, 80)).address.as_deref(), Some("[::1]:9100"));
        let serial = ok(printer(Serial, Some("/dev/ttyUSB0"), None, 80));
        assert_eq!((serial.address.as_deref(), serial.baud), (Some("/dev/ttyUSB0"), Some(DEFAULT_BAUD)));
        assert_eq!(
            ok(printer(Usb, Some(r"\\localhost\POS58"), Some(9600), 58)),
            printer(Usb, Some(r"\\localhost\POS58"), None, 58)
        );
        // "none" forgets what it does not use.
        assert_eq!(
            ok(printer(PrinterKind::None, Some("/dev/usb/lp0"), Some(9600), 58)),
            printer(PrinterKind::None, None, None, 58)
        );
    }

    #[test]
    fn a_bad_printer_setting_is_refused_in_both_languages() {
        use PrinterKind::{Network, Serial, Usb};
        let cases = [
            (printer(Usb, Some("/dev/usb/lp0"), None, 76), "bad_printer_paper"),
            (printer(Usb, Some("   "), None, 80), "bad_printer_address"),
            (printer(Usb, None, None, 80), "bad_printer_address"),
            (printer(Usb, Some("/dev/usb/\tlp0"), None, 80), "bad_printer_address"),
            (printer(Serial, Some("COM3"), Some(9601), 80), "bad_printer_baud"),
            (printer(Serial, None, Some(9600), 80), "bad_printer_address"),
            (printer(Network, Some("192.168.1.50:0"), None, 80), "bad_printer_address"),
            (printer(Network, Some("192.168.1.50:70000"), None, 80), "bad_printer_address"),
            (printer(Network, Some("http://192.168.1.50"), None, 80), "bad_printer_address"),
            (printer(Network, Some("a b:9100"), None, 80), "bad_printer_address"),
            (printer(Network, Some("[::1:9100"), None, 80), "bad_printer_address"),
        ];
        for (setting, code) in cases {
            let error = setting.validated().unwrap_err();
            assert_eq!(error.code, code, "{setting:?}");
            assert!(error.message_zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{error}");
            assert!(error.message_en.is_ascii(), "{error}");
        }
    }

    #[test]
    fn a_system_printer_is_named_or_the_default_and_a_bad_name_is_refused() {
        let system = |name: Option<&str>| printer(PrinterKind::System, name, Some(9600), 58).validated();
        assert_eq!(system(None).unwrap(), printer(PrinterKind::System, None, None, 58));
        assert_eq!(system(Some("  ")).unwrap(), printer(PrinterKind::System, None, None, 58));
        assert_eq!(system(Some(" POS-80 ")).unwrap().address.as_deref(), Some("POS-80"));
        for bad in ["a b", "lp/0", "x#1", "ta\tb"] {
            let error = system(Some(bad)).unwrap_err();
            assert_eq!(error.code, "bad_printer_address", "{bad}");
            assert!(error.message_zh.contains("系统打印机") && error.message_en.contains("system printer"), "{error}");
        }
    }

    #[test]
    fn the_port_is_the_default_when_empty_and_otherwise_1024_to_65535() {
        assert_eq!(parse_port(""), Ok(DEFAULT_PORT));
        assert_eq!(parse_port(" 8791 "), Ok(8791));
        assert_eq!(parse_port("65535"), Ok(65535));
        for bad in ["0", "80", "1023", "65536", "8790.5", "-1", "http", "8 790"] {
            let error = parse_port(bad).unwrap_err();
            assert_eq!(error.code, "bad_port", "{bad}");
            assert!(error.message_zh.contains("端口") && error.message_en.contains("port"), "{error}");
        }
    }

    #[test]
    fn a_config_file_with_a_bad_printer_does_not_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, r#"{"mode":"one_pc","printer":{"kind":"serial","address":"COM3","baud":1234}}"#).unwrap();
        let error = AppConfig::load(&path).unwrap_err();
        assert!(matches!(&error, ConfigError::Printer { source, .. } if source.code == "bad_printer_baud"), "{error}");
        assert!(error.to_string().contains("波特率") && error.to_string().contains("baud"), "{error}");
        std::fs::write(&path, r#"{"mode":"one_pc","printer":{"kind":"laser"}}"#).unwrap();
        assert!(matches!(AppConfig::load(&path), Err(ConfigError::Invalid { .. })));
    }

    #[test]
    fn labels_name_the_counter_so_capabilities_can_match_them() {
        let s = |role, counter| Screen { role, counter, monitor: 0, token: None }.label();
        assert_eq!(s(Role::Counter, Some(3)), "counter-3");
        assert_eq!(s(Role::Kiosk, None), "kiosk-0");
        assert_eq!(s(Role::Kiosk, Some(3)), "kiosk-0");
    }
}
