//! Build script: generates Tauri's context and the app manifest, which lists
//! the shell's own commands so capabilities (`capabilities/*.json`) can grant
//! them one by one. A command missing here cannot be allowed to any page.

fn main() {
    let commands = tauri_build::AppManifest::new().commands(&[
        "print_escpos",
        "print_html",
        "printer_status",
        "test_print",
        "set_fullscreen",
        "autostart_enabled",
        "set_autostart",
        "leave_kiosk",
        "wizard_defaults",
        "wizard_save",
        "retry_server",
        "quit_app",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(commands)).expect("tauri build script");
}
