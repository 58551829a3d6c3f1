//! Where the hall database is when `--db` is not given, per system.
//!
//! On Windows it is the machine's `%ProgramData%\HallQ\hall.db`, not a user
//! profile: the hall server runs as a scheduled task (as SYSTEM), and an
//! administrator's `hallq backup` or `hallq report` must open the same file.
//! Elsewhere it is the user's data directory (`~/.local/share/hallq/hall.db`);
//! the Debian package's unit names `/var/lib/hallq/hall.db` itself. The
//! automatic backups go to `backups` beside the database in both cases.
//!
//! The only module of the CLI that differs by system: the choice is a plain
//! function of the system and its environment, tested on every system.

use std::ffi::OsString;
use std::path::PathBuf;

/// The folder under `%ProgramData%` that holds a Windows hall's data.
pub const WINDOWS_DIR: &str = "HallQ";

/// The database's file name in the data directory.
pub const DB_FILE: &str = "hall.db";

/// `%ProgramData%` when Windows does not say (it always does).
const PROGRAM_DATA: &str = r"C:\ProgramData";

/// The systems whose default differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum System {
    Windows,
    Other,
}

/// This machine's default hall database, or `None` when the system names
/// no data directory (no home directory).
pub fn default_db() -> Option<PathBuf> {
    let system = if cfg!(windows) { System::Windows } else { System::Other };
    default_db_on(system, |name| std::env::var_os(name))
}

/// The default database on `system`, reading its environment through `var`.
fn default_db_on(system: System, var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    match system {
        System::Windows => {
            let program_data = var("ProgramData").filter(|dir| !dir.is_empty()).unwrap_or_else(|| PROGRAM_DATA.into());
            Some(PathBuf::from(program_data).join(WINDOWS_DIR).join(DB_FILE))
        }
        System::Other => {
            directories::ProjectDirs::from("cn", "HallQ", "hallq").map(|dirs| dirs.data_dir().join(DB_FILE))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_windows_hall_keeps_its_database_under_program_data_not_a_user_profile() {
        fn env(program_data: Option<&'static str>) -> impl Fn(&str) -> Option<OsString> {
            move |name| match name {
                "ProgramData" => program_data.map(OsString::from),
                "APPDATA" => Some(OsString::from(r"C:\Users\kiosk\AppData\Roaming")),
                "USERPROFILE" => Some(OsString::from(r"C:\Users\kiosk")),
                _ => None,
            }
        }
        let on = |dir: &str| PathBuf::from(dir).join("HallQ").join("hall.db");
        assert_eq!(default_db_on(System::Windows, env(Some(r"D:\ProgramData"))), Some(on(r"D:\ProgramData")));
        assert_eq!(default_db_on(System::Windows, env(None)), Some(on(r"C:\ProgramData")));
        assert_eq!(default_db_on(System::Windows, env(Some(""))), Some(on(r"C:\ProgramData")));
    }

    #[test]
    fn elsewhere_the_database_is_in_the_users_data_directory() {
        let db = default_db_on(System::Other, |_| None).expect("a home directory");
        assert!(db.ends_with("hallq/hall.db") || db.ends_with("hallq/data/hall.db"), "{}", db.display());
        assert!(!db.starts_with("/var"), "{}", db.display());
    }
}
