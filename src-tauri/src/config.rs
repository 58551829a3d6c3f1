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
}

fn default_port() -> u16 {
    DEFAULT_PORT
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
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|source| ConfigError::Invalid { path: path.display().to_string(), source })
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
        };
        config.save(&path).unwrap();
        assert_eq!(AppConfig::load(&path).unwrap(), Some(config));
    }

    #[test]
    fn a_minimal_hand_written_config_takes_the_defaults() {
        let config: AppConfig = serde_json::from_str(r#"{"mode":"terminal","server":"http://10.0.0.2:8790"}"#).unwrap();
        assert_eq!(config.port, DEFAULT_PORT);
        assert!(config.screens.is_empty() && !config.lan);
    }

    #[test]
    fn labels_name_the_counter_so_capabilities_can_match_them() {
        let s = |role, counter| Screen { role, counter, monitor: 0, token: None }.label();
        assert_eq!(s(Role::Counter, Some(3)), "counter-3");
        assert_eq!(s(Role::Kiosk, None), "kiosk-0");
        assert_eq!(s(Role::Kiosk, Some(3)), "kiosk-0");
    }
}
