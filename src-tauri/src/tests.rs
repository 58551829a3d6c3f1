//! Mock-runtime smoke tests of the app's setup: the same builder as the real
//! app (without the OS plugins), on Tauri's mock runtime, with a temp config
//! and database.

use std::net::SocketAddr;

use tauri::Manager;
use tauri::test::{mock_builder, mock_context, noop_assets};

use crate::config::{AppConfig, Mode};
use crate::embedded_server::{NewHall, create_hall};
use crate::{Shell, builder};

/// Builds the app on the mock runtime and runs its setup (Tauri runs setup
/// on the first turn of the event loop).
fn start(config: std::path::PathBuf) -> tauri::App<tauri::test::MockRuntime> {
    let mut app =
        builder(mock_builder(), Shell::new(Some(config)).without_tray()).build(mock_context(noop_assets())).unwrap();
    // The one way to run setup without giving the test's thread to the
    // event loop; on the mock runtime one iteration returns at once.
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    app
}

fn one_pc(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("hall.db");
    let hall =
        NewHall { name: "测试供电所".into(), services: vec!["PAY".into(), "ASK".into()], pin: "246810".into() };
    create_hall(&db, &hall, 1_700_000_000_000).unwrap();
    let config = AppConfig {
        mode: Mode::OnePc,
        hall_name: "测试供电所".into(),
        db: Some(db),
        port: 0,
        lan: false,
        server: None,
        screens: AppConfig::one_pc_screens(),
        autostart: false,
    };
    let path = dir.join("config.json");
    config.save(&path).unwrap();
    path
}

#[test]
fn one_pc_setup_serves_the_hall_on_loopback_and_opens_every_screen_with_a_kept_token() {
    let dir = tempfile::tempdir().unwrap();
    let path = one_pc(dir.path());
    let app = start(path.clone());

    let mut labels: Vec<String> = app.webview_windows().into_keys().collect();
    labels.sort();
    assert_eq!(labels, ["counter-1", "display-0", "kiosk-0", "rate-1"]);

    let shell = app.state::<Shell>();
    let server = shell.embedded().expect("the embedded server runs");
    let addr: SocketAddr = server.addr();
    assert!(addr.ip().is_loopback(), "one-PC serves loopback only: {addr}");
    let health = tauri::async_runtime::block_on(crate::terminal::reachable(&server.base_url()));
    assert!(health, "the embedded server answers");

    // Tokens were minted once and saved; a second start keeps them.
    let saved = AppConfig::load(&path).unwrap().unwrap();
    assert!(saved.screens.iter().all(|s| s.token.is_some()));
    let first: Vec<_> = saved.screens.iter().map(|s| s.token.clone()).collect();
    let now = chrono::Utc::now().timestamp_millis();
    let again: Vec<_> = saved.screens.iter().map(|s| Some(server.token_for(s, now).unwrap())).collect();
    assert_eq!(first, again);

    // The kiosk, display and pad are locked; the counter is not.
    let locks = app.state::<crate::kiosk_lock::KioskLocks>();
    assert!(locks.is_locked("kiosk-0") && locks.is_locked("display-0") && locks.is_locked("rate-1"));
    assert!(!locks.is_locked("counter-1"));
    shell.stop();
}

#[test]
fn first_run_opens_only_the_wizard() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    let app = start(path);
    let labels: Vec<String> = app.webview_windows().into_keys().collect();
    assert_eq!(labels, ["wizard"]);
    assert!(app.state::<Shell>().embedded().is_none());
}
