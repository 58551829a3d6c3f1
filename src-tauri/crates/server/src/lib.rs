//! hallq-server: a hall's REST and WebSocket API over its engine, with
//! terminal pairing, roles and staff PINs.
//!
//! It owns HTTP: routes, wire types, authentication and the role matrix,
//! rate limits, the event stream and the OpenAPI document. It must not
//! decide a queue question (the domain does, through the store's hall engine,
//! the hall's only writer) nor write SQL (the store does). Blocking SQLite
//! work runs in `spawn_blocking`, never on the async executor.
//!
//! Read in this order: [`app`] (the router and its layers), [`state`] (the
//! shared handle), [`auth`] (roles, the permission matrix, the guard),
//! [`error`] and [`extract`] (how failures become bilingual JSON), [`wire`]
//! (the wire types several areas share), `routes` (one module per area, each
//! owning its paths and its own request and response types),
//! [`queue`] (what screens derive from tickets), `printing` (print jobs
//! and the print worker), [`server`] (binding, the accept loop, graceful
//! shutdown), [`forward`] (pushing the log to the bureau's centre),
//! [`connections`] (what it lets in: connection and stream
//! caps, timeouts) and [`platform`] (what differs by system: the signals
//! that stop the server, its open-files limit).

pub mod auth;
pub mod backup;
pub mod connections;
pub mod error;
pub mod extract;
pub mod forward;
pub mod openapi;
pub mod platform;
mod printers;
mod printing;
pub mod queue;
pub(crate) mod routes;
pub use routes::pages::ui_router;
pub mod server;
pub mod source;
pub mod state;
mod throttle;
pub mod wire;

use std::sync::Arc;

pub use auth::{Caller, Permission, Role, RouteTable};
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
pub use connections::Limits;
pub use error::{ApiError, ErrorBody};
pub use server::{ServeConfig, Server, ServerError, serve};
pub use state::{AppState, Config};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

/// The API document, served at `/api/v1/openapi.json`.
#[derive(Clone)]
pub(crate) struct ApiDocument(pub(crate) Arc<String>);

/// The hall server's router, for `state`'s hall: every `/api/v1` route
/// behind the guard, bilingual JSON for every error (including 404, 405,
/// 413 and a panic), the body limit and request tracing.
pub fn app(state: AppState) -> Router {
    build(routes::router(), state)
}

/// [`app`] over any set of routes (tests add some).
fn build(routes: utoipa_axum::router::OpenApiRouter<AppState>, state: AppState) -> Router {
    let (router, doc) = routes.split_for_parts();
    let doc = serde_json::to_value(&doc).unwrap_or_default();
    let (table, problems) = RouteTable::from_openapi(&doc);
    for p in problems {
        // A route without a permission answers 405; say so loudly.
        tracing::error!(route = %p, "route has no permission and is unreachable");
    }
    let document = ApiDocument(Arc::new(doc.to_string()));
    let guard = auth::Guard { state: state.clone(), table: Arc::new(table) };
    let body_limit = state.config().body_limit;
    router
        .fallback(|| async { ApiError::NoRoute })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::middleware::from_fn(extract::fingerprint))
        // Inside the guard: it sees the caller the guard found.
        .layer(axum::middleware::from_fn_with_state(state.clone(), connections::note_terminal))
        .layer(axum::middleware::from_fn_with_state(guard, auth::guard))
        .layer(axum::Extension(document))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(axum::middleware::map_response(json_errors))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TraceLayer::new_for_http())
        // The screens are outside the API: no guard, not in the document.
        .merge(routes::pages::router())
        .with_state(state)
}

/// The route table of the API (method, path, permission), as the guard
/// enforces it; for tests and for documentation.
pub fn route_table() -> RouteTable {
    let (_, doc) = routes::router().split_for_parts();
    RouteTable::from_openapi(&serde_json::to_value(&doc).unwrap_or_default()).0
}

/// The OpenAPI document as JSON.
pub fn openapi_json() -> serde_json::Value {
    let (_, doc) = routes::router().split_for_parts();
    serde_json::to_value(&doc).unwrap_or_default()
}

/// The OpenAPI document as the committed `ui/src/api/openapi.json` holds it
/// (pretty JSON, keys sorted, a final newline): the UI's types are generated
/// from that file, and a test keeps it equal to this text.
pub fn openapi_text() -> String {
    let mut text = serde_json::to_string_pretty(&openapi_json()).unwrap_or_default();
    text.push('\n');
    text
}

/// Errors answered by layers rather than handlers (the body limit's 413,
/// a WebSocket handshake's refusal) come as plain text; make them the same
/// bilingual JSON as every other error.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::BodyTooLarge.into_response(),
        StatusCode::NOT_FOUND => ApiError::NoRoute.into_response(),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed.into_response(),
        s if s.is_client_error() => {
            let mut r = ApiError::invalid(
                format!("请求无法处理（HTTP {}）", s.as_u16()),
                format!("the request cannot be handled (HTTP {})", s.as_u16()),
            )
            .into_response();
            *r.status_mut() = s;
            r
        }
        s => ApiError::Internal(format!("a layer answered {s}")).into_response(),
    }
}

/// A panic in a handler is a bug: log it, answer a generic 500.
fn panic_response(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    ApiError::Internal(format!("handler panicked: {what}")).into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use hallq_store::hallq_core::HallConfig;
    use hallq_store::{ManualClock, Store};
    use tower::ServiceExt;
    use utoipa_axum::routes;

    use super::*;

    /// The UI's types are generated from the committed document: a route or
    /// a field changed here and not there would type the pages against an
    /// API that no longer exists.
    #[test]
    fn the_committed_document_is_the_served_one() {
        let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../ui/src/api/openapi.json");
        let committed = std::fs::read_to_string(&committed).unwrap_or_default();
        assert!(
            committed == openapi_text(),
            "ui/src/api/openapi.json 与服务器的 API 文档不一致，请运行 `cargo xtask openapi` 并提交 / \
             ui/src/api/openapi.json differs from the server's API document: run `cargo xtask openapi` and commit it"
        );
    }

    /// OpenAPI requires it, and generators key operations by it: two
    /// routes with one id gave the UI one route's types for the other.
    #[test]
    fn every_operation_has_its_own_id() {
        let doc = openapi_json();
        let mut seen = std::collections::HashMap::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let id = op["operationId"].as_str().unwrap_or_default().to_string();
                assert!(!id.is_empty(), "{method} {path} has no operationId");
                if let Some(other) = seen.insert(id.clone(), format!("{method} {path}")) {
                    panic!("{method} {path} and {other} share the operationId {id}");
                }
            }
        }
    }

    #[test]
    fn every_documented_operation_names_exactly_one_known_permission() {
        let (table, problems) = RouteTable::from_openapi(&openapi_json());
        assert!(problems.is_empty(), "{problems:#?}");
        assert!(table.routes().len() > 40);
        for (method, path, _) in table.routes() {
            assert!(path.starts_with("/api/v1/"), "{method} {path}");
        }
    }

    #[test]
    fn every_permission_is_used_by_some_route() {
        let used: std::collections::HashSet<_> = route_table().routes().into_iter().map(|r| r.2).collect();
        for p in Permission::ALL {
            assert!(used.contains(p), "{p:?} guards no route");
        }
    }

    fn state(dir: &std::path::Path) -> AppState {
        let store = Store::open(&dir.join("h.db")).unwrap();
        let cfg = HallConfig::default_supply_hall(uuid::Uuid::from_u128(1), "T", "测试");
        store.create_hall(&cfg, 0).unwrap();
        let clock = Arc::new(ManualClock::new(1_000));
        let engine = store.engine(cfg.hall.id, clock.clone()).unwrap();
        AppState::new(store, cfg.hall.id, engine, clock, Config::default())
    }

    async fn answer(app: Router, path: &str) -> (u16, serde_json::Value) {
        let r = app.oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        let status = r.status().as_u16();
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    /// A public route that panics, documented like any other.
    #[utoipa::path(get, path = "/api/v1/boom", security(()), responses((status = 200)))]
    async fn boom() -> &'static str {
        panic!("boom")
    }

    #[tokio::test]
    async fn a_route_left_out_of_the_document_is_unreachable() {
        let dir = tempfile::tempdir().unwrap();
        let routes = routes::router().route("/api/v1/secret", axum::routing::get(|| async { "secret" }));
        let (status, body) = answer(build(routes, state(dir.path())), "/api/v1/secret").await;
        assert_eq!((status, body["code"].as_str()), (405, Some("method_not_allowed")));
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_a_generic_bilingual_500() {
        let dir = tempfile::tempdir().unwrap();
        let routes = routes::router().routes(routes!(boom));
        let (status, body) = answer(build(routes, state(dir.path())), "/api/v1/boom").await;
        assert_eq!((status, body["code"].as_str()), (500, Some("internal")));
        assert!(!body["message_en"].as_str().unwrap().contains("boom"), "the detail stays in the log");
    }
}
