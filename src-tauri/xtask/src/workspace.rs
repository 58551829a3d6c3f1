//! Where things are: the workspace root, the cargo target directory, the
//! built binaries, and the `cargo` that builds them.
//!
//! Nothing here runs a command; it only answers "which path?" and "which
//! cargo?", so that every subcommand agrees on the answers.

use std::path::PathBuf;
use std::process::Command;

/// The locations every subcommand works with.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The clone's root: `Cargo.toml`, `README.md`, `ui/`, `tests/`.
    pub root: PathBuf,
    /// Cargo's target directory: `$CARGO_TARGET_DIR` if set, else `<root>/target`.
    pub target: PathBuf,
}

impl Workspace {
    /// Finds the root from xtask's manifest directory (`<root>/src-tauri/xtask`)
    /// rather than from the current directory, so `cargo xtask` works from any
    /// subfolder. The directory is read at run time (`cargo run` sets
    /// `CARGO_MANIFEST_DIR` for the process): with a target dir shared between
    /// clones (CI caches one), cargo reuses an xtask binary built in another
    /// clone, and the path compiled into it would point there.
    pub fn locate() -> Self {
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
        let root = manifest_dir.ancestors().nth(2).expect("xtask lives at <root>/src-tauri/xtask").to_path_buf();
        // Cargo resolves a relative CARGO_TARGET_DIR against the current
        // directory; make it absolute here so the cargo we start from the root
        // and the binaries we look for agree with the user's cargo.
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) if !dir.is_empty() => {
                let dir = PathBuf::from(dir);
                if dir.is_absolute() { dir } else { std::env::current_dir().map(|cwd| cwd.join(&dir)).unwrap_or(dir) }
            }
            _ => root.join("target"),
        };
        Self { root, target }
    }

    /// A `cargo <args>` command run from the workspace root, using the cargo
    /// that started xtask (`$CARGO`) so toolchain overrides carry through.
    pub fn cargo(&self, args: &[&str]) -> Command {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command.args(args).current_dir(&self.root).env("CARGO_TARGET_DIR", &self.target);
        command
    }

    /// The path of a binary built by `cargo build` in `profile` (`debug` or
    /// `release`).
    pub fn binary(&self, profile: &str, name: &str) -> PathBuf {
        self.target.join(profile).join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
    }
}
