//! Running external programs the way a person at a terminal would see them:
//! each command is echoed before it runs, its output streams straight
//! through, and a non-zero exit becomes an error naming the command.
//!
//! Output is never captured here (except by `capture`, for short queries such
//! as `dpkg-query`), so cargo's progress and `test result:` lines reach the
//! user and the CI log as they happen.

use std::process::{Command, Stdio};

use anyhow::{Context, bail};

/// Echoes `command`, runs it with inherited stdio and fails unless it exits 0.
pub fn run(command: &mut Command) -> anyhow::Result<()> {
    let shown = display(command);
    println!("$ {shown}");
    let status = command.status().with_context(|| format!("无法启动 / could not start `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` 退出 / exited with {status}");
    }
    Ok(())
}

/// Runs `command` quietly and returns whether it succeeded and its stdout.
///
/// A program that cannot be started at all (not installed) is an `Err`, so
/// callers can tell "said no" from "is not there".
pub fn capture(command: &mut Command) -> std::io::Result<(bool, String)> {
    let output = command.stdin(Stdio::null()).stderr(Stdio::null()).output()?;
    Ok((output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned()))
}

/// The command as a shell line: environment overrides, program, arguments,
/// with arguments that contain spaces or quotes single-quoted.
pub fn display(command: &Command) -> String {
    let envs = command.get_envs().filter_map(|(key, value)| {
        // CARGO_TARGET_DIR is set on every cargo we start; echoing it each time
        // would only add noise.
        let key = key.to_string_lossy();
        (key != "CARGO_TARGET_DIR").then(|| value.map(|v| format!("{key}={}", quote(&v.to_string_lossy())))).flatten()
    });
    let program = std::iter::once(quote(&command.get_program().to_string_lossy()));
    let args = command.get_args().map(|arg| quote(&arg.to_string_lossy()));
    envs.chain(program).chain(args).collect::<Vec<_>>().join(" ")
}

fn quote(word: &str) -> String {
    let plain = !word.is_empty() && word.chars().all(|c| c.is_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain { word.to_owned() } else { format!("'{}'", word.replace('\'', r"'\''")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_quotes_only_words_that_need_it() {
        let mut command = Command::new("apt-get");
        command.env("DEBIAN_FRONTEND", "noninteractive").args(["install", "-y", "a b", "it's", "${Status}"]);
        assert_eq!(display(&command), r"DEBIAN_FRONTEND=noninteractive apt-get install -y 'a b' 'it'\''s' '${Status}'");
    }

    #[test]
    fn display_hides_the_target_dir_set_on_every_cargo() {
        let mut command = Command::new("cargo");
        command.env("CARGO_TARGET_DIR", "/tmp/t").arg("build");
        assert_eq!(display(&command), "cargo build");
    }
}
