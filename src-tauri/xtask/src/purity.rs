//! hallq-core stays pure by construction, not by review: `cargo tree` of
//! the core alone (its normal dependencies, with the features resolved for
//! it) must hold no IO crate, no clock (chrono's `clock`), no id generation
//! (uuid's `v4`/`v7`) and no randomness from the OS (rand's `os_rng` and
//! `thread_rng`, getrandom). Callers pass the time and the ids in; the
//! workspace turns those features on only for the crates that need them.
//! A step of `cargo xtask test`.

use anyhow::{bail, ensure};

use crate::shell;
use crate::workspace::Workspace;

/// Crates the core must not depend on, directly or not.
const FORBIDDEN_CRATES: [&str; 9] =
    ["tokio", "rusqlite", "libsqlite3-sys", "axum", "hyper", "reqwest", "tauri", "getrandom", "mio"];

/// Features of allowed crates the core must not have: (crate, feature).
const FORBIDDEN_FEATURES: [(&str, &str); 5] =
    [("chrono", "clock"), ("uuid", "v4"), ("uuid", "v7"), ("rand", "os_rng"), ("rand", "thread_rng")];

/// Runs `cargo tree` for hallq-core and fails with what it found.
pub fn check(ws: &Workspace) -> anyhow::Result<()> {
    let mut command =
        ws.cargo(&["tree", "-p", "hallq-core", "-e", "normal", "--prefix", "none", "-f", "{p} {f}", "--offline"]);
    println!("$ {}", shell::display(&command));
    let (ok, tree) = shell::capture(&mut command)?;
    ensure!(ok && !tree.is_empty(), "cargo tree -p hallq-core 失败 / failed");
    let found = problems(&tree);
    if !found.is_empty() {
        bail!("hallq-core 不再纯粹 / hallq-core is no longer pure:\n  {}", found.join("\n  "));
    }
    println!("xtask test: hallq-core 无 IO、时钟、ID 生成 / hallq-core has no IO, clock or id generation");
    Ok(())
}

/// What is wrong in a `cargo tree -f "{p} {f}" --prefix none` listing.
fn problems(tree: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in tree.lines() {
        let mut parts = line.split_whitespace();
        let (Some(name), Some(_version)) = (parts.next(), parts.next()) else { continue };
        // What follows the version: an optional `(path)`, the features, an optional `(*)`.
        let features: Vec<&str> = parts.filter(|p| !p.starts_with('(')).flat_map(|p| p.split(',')).collect();
        if FORBIDDEN_CRATES.contains(&name) {
            found.push(format!("依赖 / depends on {name}"));
        }
        for (krate, feature) in FORBIDDEN_FEATURES {
            if name == krate && features.contains(&feature) {
                found.push(format!("{krate} 的 / has {krate}'s feature `{feature}`"));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pure_core_passes_and_a_clock_an_id_or_io_is_named() {
        let pure = "hallq-core v0.1.0 (/w/src-tauri/crates/core) \n\
                    chrono v0.4.45 alloc,serde,std\n\
                    uuid v1.29.3 default,serde,std\n\
                    rand v0.9.5 alloc,std,std_rng\n\
                    chrono v0.4.45 alloc,serde,std (*)\n";
        assert!(problems(pure).is_empty(), "{:?}", problems(pure));
        let impure = "hallq-core v0.1.0 (/w/src-tauri/crates/core) \n\
                      chrono v0.4.45 alloc,clock,serde,std\n\
                      uuid v1.29.3 default,serde,std,v7\n\
                      tokio v1.48.0 default,rt\n\
                      chrono v0.4.45 alloc,clock,serde,std (*)\n";
        assert_eq!(
            problems(impure),
            [
                "chrono 的 / has chrono's feature `clock`",
                "uuid 的 / has uuid's feature `v7`",
                "依赖 / depends on tokio",
            ]
        );
    }
}
