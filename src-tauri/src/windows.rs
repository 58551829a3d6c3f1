//! The role windows: each configured screen opens as a window loading its
//! page from the hall server (`WebviewUrl::External`), on its chosen monitor,
//! locked if the public stands in front of it. Also the shell's own local
//! pages (the wizard, "cannot reach the hall server").
//!
//! Windows never talk to the server themselves on the shell's behalf: the
//! pages do, with the token in their URL (taken once and kept by the page).
//!
//! On Linux every hall window after the first is created *related* to the
//! first one's WebKit view, so all of them share one WebKit web process
//! instead of one each (about 75 MB of memory per window, measured); they
//! all show the same hall server's pages, so nothing is isolated that should
//! be. If that web process dies, every view reloads its page by itself.

use tauri::webview::WebviewWindowBuilder;
use tauri::{AppHandle, Manager, Runtime, Url, WebviewUrl, WebviewWindow};

use crate::config::Screen;
use crate::kiosk_lock::{self, KioskLocks};
use crate::{Shell, html_print};

#[cfg(target_os = "linux")]
std::thread_local! {
    /// The first hall window's WebKit view, which later hall windows are
    /// related to. GTK objects live on the main thread, and so does this.
    static SHARED_VIEW: std::cell::RefCell<Option<webkit2gtk::WebView>> = const { std::cell::RefCell::new(None) };
}

/// The label of the first-run wizard's window.
pub const WIZARD: &str = "wizard";

/// The page URL of a screen: `{base}{page}?token=...`.
pub fn screen_url(base: &str, screen: &Screen, token: &str) -> Result<Url, url::ParseError> {
    let mut url: Url = format!("{}{}", base.trim_end_matches('/'), screen.role.page()).parse()?;
    url.query_pairs_mut().append_pair("token", token);
    Ok(url)
}

/// The URL of one of the shell's local pages (`unreachable.html`), which
/// Tauri serves from the app's own assets under a platform-specific origin.
pub fn local_page(path: &str) -> Url {
    let base = if cfg!(windows) { "http://tauri.localhost/" } else { "tauri://localhost/" };
    format!("{base}{path}").parse().expect("a local page URL")
}

/// One screen's window to open: the screen, its page on the hall server,
/// and where the window starts (the page, or the unreachable page).
pub type ScreenWindow = (Screen, Url, Url);

/// Opens the screens' windows: the first now, the others once its web view
/// exists (on Linux they are created related to it, sharing its web
/// process). Errors opening a later window are logged, not returned: the
/// hall keeps the windows that did open.
pub fn open_screens<R: Runtime>(app: &AppHandle<R>, screens: Vec<ScreenWindow>) -> tauri::Result<()> {
    let mut screens = screens.into_iter();
    let Some((screen, hall, first)) = screens.next() else { return Ok(()) };
    let window = open_screen(app, &screen, &hall, first)?;
    let rest: Vec<ScreenWindow> = screens.collect();
    // Tauri's mock runtime (the unit tests) never calls `with_webview`
    // back: there the windows open one after the other; the desktop suite
    // checks the shared web process on the real one.
    if cfg!(all(target_os = "linux", not(test))) {
        let app = app.clone();
        window.with_webview(move |_view| {
            #[cfg(target_os = "linux")]
            SHARED_VIEW.with(|shared| {
                shared.borrow_mut().get_or_insert_with(|| _view.inner());
            });
            for (screen, hall, first) in rest {
                if let Err(error) = open_screen(&app, &screen, &hall, first) {
                    tracing::error!(%error, window = screen.label(), "window not opened");
                }
            }
        })?;
    } else {
        for (screen, hall, first) in rest {
            open_screen(app, &screen, &hall, first)?;
        }
    }
    Ok(())
}

/// Opens (or shows again) a screen's window at `url`; `first` is where it
/// starts if that differs (the unreachable page in terminal mode).
pub fn open_screen<R: Runtime>(
    app: &AppHandle<R>,
    screen: &Screen,
    hall: &Url,
    first: Url,
) -> tauri::Result<WebviewWindow<R>> {
    let label = screen.label();
    if let Some(window) = app.get_webview_window(&label) {
        window.show()?;
        window.set_focus()?;
        return Ok(window);
    }
    let allowed_hall = hall.clone();
    let mut builder = WebviewWindowBuilder::new(app, &label, WebviewUrl::External(first))
        .title(format!("HallQ · {}", screen.role.title()))
        .inner_size(1280.0, 800.0)
        .on_navigation(move |url| kiosk_lock::allowed(&allowed_hall, url));
    // Monitor 0 is where the OS puts a new window anyway.
    if screen.monitor > 0
        && let Some((x, y)) = monitor_position(app, screen.monitor)
    {
        builder = builder.position(x, y);
    }
    let locked = screen.role.locked() && !kiosk_lock::disabled();
    if locked {
        builder = kiosk_lock::lock(builder);
        app.state::<KioskLocks>().lock(&label);
    }
    #[cfg(target_os = "linux")]
    if let Some(view) = SHARED_VIEW.with(|shared| shared.borrow().clone()) {
        builder = builder.with_related_view(view);
    }
    let window = builder.build()?;
    #[cfg(target_os = "linux")]
    window.with_webview(|view| {
        let view = view.inner();
        reload_when_web_process_dies(&view);
        play_without_a_click(&view);
        keep_little_cache(&view);
    })?;
    // No page gets the modal print dialog: `window.print()` prints on this
    // PC's system printer (or the default one) without it.
    let shell = app.clone();
    html_print::silence_dialog(&window, move || html_print::Target {
        printer: shell.state::<Shell>().config().and_then(|c| crate::commands::system_printer(&c.printer)),
        paper: None,
    });
    Ok(window)
}

/// A hall screen runs for weeks: if WebKit's web process crashes or is
/// killed for memory, the view reloads its page instead of staying blank.
#[cfg(target_os = "linux")]
fn reload_when_web_process_dies(view: &webkit2gtk::WebView) {
    use webkit2gtk::WebViewExt;
    view.connect_web_process_terminated(|view, reason| {
        tracing::error!(?reason, "the web process of a hall window ended; reloading the page");
        view.reload();
    });
}

/// These are the hall's own windows, not a browser on the web: the
/// display's chime and spoken call play without anyone clicking first.
#[cfg(target_os = "linux")]
fn play_without_a_click(view: &webkit2gtk::WebView) {
    use webkit2gtk::{SettingsExt, WebViewExt};
    if let Some(settings) = WebViewExt::settings(view) {
        settings.set_media_playback_requires_user_gesture(false);
    }
}

/// A hall window shows one page for weeks and never goes back or forward:
/// WebKit's smallest cache model (no back/forward page cache, small
/// resource caches) keeps the shared web process lean on an old PC.
#[cfg(target_os = "linux")]
fn keep_little_cache(view: &webkit2gtk::WebView) {
    use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
    if let Some(context) = WebViewExt::context(view) {
        context.set_cache_model(CacheModel::DocumentViewer);
    }
}

/// The top-left corner of monitor `index` in logical pixels, if there is
/// such a monitor (else the OS places the window).
fn monitor_position<R: Runtime>(app: &AppHandle<R>, index: usize) -> Option<(f64, f64)> {
    let monitors = app.available_monitors().ok()?;
    let monitor = monitors.get(index)?;
    let position = monitor.position().to_logical::<f64>(monitor.scale_factor());
    Some((position.x, position.y))
}

/// Opens the first-run wizard (the shell's local page), or focuses it.
pub fn open_wizard<R: Runtime>(app: &AppHandle<R>, hash: &str) -> tauri::Result<WebviewWindow<R>> {
    if let Some(window) = app.get_webview_window(WIZARD) {
        window.show()?;
        window.set_focus()?;
        return Ok(window);
    }
    let path = if hash.is_empty() { "index.html".to_string() } else { format!("index.html#{hash}") };
    WebviewWindowBuilder::new(app, WIZARD, WebviewUrl::App(path.into()))
        .title("HallQ · 设置向导 Set-up")
        .inner_size(760.0, 720.0)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Role;

    #[test]
    fn a_screen_url_carries_its_token_escaped() {
        let screen = Screen { role: Role::Kiosk, counter: None, monitor: 0, token: None };
        let url = screen_url("http://127.0.0.1:8790/", &screen, "a+b/c").unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:8790/kiosk?token=a%2Bb%2Fc");
    }
}
