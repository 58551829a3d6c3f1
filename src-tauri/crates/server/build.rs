//! Makes sure `ui/dist` exists before rust-embed looks at it, so the server
//! builds on a fresh clone before the UI was built (it then answers the
//! pages with a bilingual "not built" page), and rebuilds when the UI's build
//! output changes, so the embedded pages are never stale.

fn main() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../ui/dist");
    if !dist.exists() {
        // Best effort: a read-only source tree still builds (allow_missing).
        let _ = std::fs::create_dir_all(&dist);
    }
    println!("cargo:rerun-if-changed=../../../ui/dist");
    println!("cargo:rerun-if-changed=build.rs");
}
