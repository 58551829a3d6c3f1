//! `cargo xtask openapi`: writes the hall server's API document to
//! `ui/src/api/openapi.json`, the file the UI's types are generated from.
//!
//! The document is the server's (`hallq openapi` prints it); the copy in the
//! UI exists because the UI is built before the server, which embeds it. A
//! server test fails while the copy differs, naming this command.

use std::process::Command;

use anyhow::{Context, bail};

use crate::workspace::Workspace;
use crate::{setup, shell};

/// Builds `hallq`, asks it for the document and writes the UI's copy.
pub fn run(ws: &Workspace) -> anyhow::Result<()> {
    setup::run(ws)?;
    shell::run(&mut ws.cargo(&["build", "--package", "hallq-cli"]))?;
    let hallq = ws.binary("debug", "hallq");
    let output = Command::new(&hallq)
        .arg("openapi")
        .output()
        .with_context(|| format!("无法启动 / could not start {}", hallq.display()))?;
    if !output.status.success() {
        bail!("`hallq openapi` 失败 / failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let path = ws.root.join("ui").join("src").join("api").join("openapi.json");
    std::fs::write(&path, &output.stdout).with_context(|| format!("无法写入 / could not write {}", path.display()))?;
    println!("xtask openapi: 已写入 / wrote {}", path.display());
    Ok(())
}
