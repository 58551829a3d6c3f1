//! The tray icon and its menu: what this PC is and where its hall is, open
//! a window of each role, the set-up (PIN-protected in the wizard), quit
//! (PIN-protected while a screen is locked).

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

use crate::config::{Mode, Role};
use crate::kiosk_lock::KioskLocks;
use crate::{Shell, windows};

/// The tray icon's id.
pub const TRAY: &str = "hallq";

/// Creates the tray icon (once, at start-up).
pub fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let mut tray = TrayIconBuilder::with_id(TRAY).tooltip("HallQ").menu(&menu(app)?).on_menu_event(|app, event| {
        on_menu(app, event.id().as_ref());
    });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

/// Rebuilds the menu after the config changed (status line, windows).
pub fn refresh<R: Runtime>(app: &AppHandle<R>) {
    if let (Some(tray), Ok(menu)) = (app.tray_by_id(TRAY), menu(app))
        && let Err(error) = tray.set_menu(Some(menu))
    {
        tracing::warn!(%error, "tray menu not updated");
    }
}

/// Shows and focuses some window of the app (a second start of the app
/// lands here: single instance).
pub fn show_any<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.webview_windows().into_values().next() {
        let _ = window.show();
        let _ = window.set_focus();
    }
}

fn menu<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Menu<R>> {
    let shell = app.state::<Shell>();
    let status = match (shell.config(), shell.base_url()) {
        (Some(c), Some(base)) => {
            let mode = match c.mode {
                Mode::OnePc => "单机 one PC",
                Mode::HallServer => "营业厅服务器 hall server",
                Mode::Terminal => "终端 terminal",
            };
            format!("{} · {mode} · {base}", if c.hall_name.is_empty() { "HallQ" } else { &c.hall_name })
        }
        _ => "HallQ · 尚未设置 not set up".to_string(),
    };
    let menu = Menu::new(app)?;
    menu.append(&MenuItem::with_id(app, "status", status, false, None::<&str>)?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    for role in Role::ALL {
        let open = format!("打开 open {}", role.title());
        menu.append(&MenuItem::with_id(app, format!("open:{}", role.as_str()), open, true, None::<&str>)?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(app, "settings", "设置 Settings…", true, None::<&str>)?)?;
    menu.append(&MenuItem::with_id(app, "quit", "退出 Quit", true, None::<&str>)?)?;
    Ok(menu)
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        "settings" => {
            let _ = windows::open_wizard(app, "settings");
        }
        "quit" if app.state::<KioskLocks>().any() => {
            let _ = windows::open_wizard(app, "quit");
        }
        "quit" => app.exit(0),
        _ => {
            let Some(role) = id.strip_prefix("open:") else { return };
            let windows = app.webview_windows();
            let mut shown = false;
            for (label, window) in windows {
                if label.starts_with(&format!("{role}-")) {
                    let _ = window.show();
                    let _ = window.set_focus();
                    shown = true;
                }
            }
            if !shown {
                reopen(app, role);
            }
        }
    }
}

/// Opens again the configured screens of `role` whose windows were closed.
fn reopen<R: Runtime>(app: &AppHandle<R>, role: &str) {
    let shell = app.state::<Shell>();
    let (Some(config), Some(base)) = (shell.config(), shell.base_url()) else { return };
    let screens: Vec<_> = config.screens.into_iter().filter(|s| s.role.as_str() == role && s.token.is_some()).collect();
    if screens.is_empty() {
        tracing::info!(role, "no such window configured; open the set-up to add it");
    }
    for screen in screens {
        let opened = windows::screen_url(&base, &screen, screen.token.as_deref().unwrap_or_default())
            .map_err(|e| e.to_string())
            .and_then(|url| windows::open_screen(app, &screen, &url, url.clone()).map_err(|e| e.to_string()));
        if let Err(error) = opened {
            tracing::error!(%error, role, "window not reopened");
        }
    }
}
