//! The hall's screens: the built UI (`ui/dist`, made by `vite build`)
//! served at `/kiosk`, `/counter`, `/display`, `/rate`, `/board`,
//! `/reports` and `/settings`, the live ticket page at `/t/{ticket}` and
//! the customer's case page at `/c/{case}`, with its hashed assets under
//! `/assets/`.
//!
//! The files are embedded by rust-embed in release builds (read from disk in
//! debug builds). A server built before the UI was (a fresh clone) still
//! compiles and answers every page with a bilingual HTML page saying how to
//! build it — never a blank page. These routes are outside `/api/v1`: they
//! are public, carry no token, and are not in the API document; the page
//! gets its token itself, by pairing. The centre (`hallq central`) serves
//! its `/central` page from the same build through [`ui_router`].

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;

use crate::state::AppState;

/// The UI's build output.
#[derive(RustEmbed)]
#[folder = "../../../ui/dist/"]
#[allow_missing = true]
struct Ui;

/// The pages, by path and the folder of their `index.html`.
pub(crate) const PAGES: &[(&str, &str)] = &[
    ("/kiosk", "kiosk"),
    ("/counter", "counter"),
    ("/display", "display"),
    ("/rate", "rate"),
    ("/board", "board"),
    ("/reports", "reports"),
    ("/settings", "settings"),
];

/// The page routes and the assets, without the API's guard.
pub(crate) fn router() -> Router<AppState> {
    ui_router(PAGES)
        // The live ticket page of a customer's phone; it reads the id from its path.
        .route("/t/{ticket}", get(|| page("ticket")))
        // The case page of a customer's phone (the QR code on a case receipt).
        .route("/c/{case}", get(|| page("case")))
}

/// The built UI's `pages` (path, folder of its `index.html`) and the
/// hashed assets under `/assets/`, for any router's state: the hall serves
/// its screens with it, the centre (`hallq central`) its `/central` page.
pub fn ui_router<S: Clone + Send + Sync + 'static>(pages: &'static [(&'static str, &'static str)]) -> Router<S> {
    let mut router = Router::new().route("/assets/{*file}", get(asset));
    for (path, folder) in pages {
        router = router.route(path, get(move || page(folder)));
    }
    router
}

async fn page(folder: &str) -> Response {
    match Ui::get(&format!("{folder}/index.html")) {
        Some(file) => {
            let mut r = Html(file.data.into_owned()).into_response();
            // Pages must pick up a new build at once; their assets are hashed.
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            r
        }
        None => not_built(),
    }
}

async fn asset(Path(file): Path<String>) -> Response {
    let Some(content) = Ui::get(&format!("assets/{file}")) else {
        return crate::error::ApiError::NoRoute.into_response();
    };
    let mime = content.metadata.mimetype().to_string();
    let mut r = content.data.into_owned().into_response();
    let headers = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&mime) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    r
}

/// The bilingual page answered while the UI has not been built.
fn not_built() -> Response {
    let body = "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
        <title>HallQ — 界面未构建 / UI not built</title></head>\
        <body style=\"font:22px sans-serif;margin:2em;line-height:1.5\">\
        <h1>界面尚未构建</h1><p>此服务器编译时没有界面文件。请在项目目录运行 \
        <code>cargo xtask setup</code>（或在 <code>ui/</code> 中运行 <code>npm ci &amp;&amp; npm run build</code>），然后重新编译并启动服务器。</p>\
        <h1>The UI has not been built</h1><p>This server was compiled without the UI's files. In the project \
        folder run <code>cargo xtask setup</code> (or <code>npm ci &amp;&amp; npm run build</code> in \
        <code>ui/</code>), then rebuild and restart the server.</p></body></html>";
    let mut r = Html(body).into_response();
    *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_missing_build_page_is_bilingual_html() {
        let r = not_built();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(r.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    }
}
