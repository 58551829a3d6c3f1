//! The one guard on every route: authenticate the bearer token (cache,
//! then the database), authorise it against the matrix, check a counter
//! terminal's `{counter}`; and the route table it reads from the OpenAPI
//! document.

use std::collections::HashMap;
use std::sync::Arc;

use axum::RequestExt;
use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::matrix::Permission;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Each route's permission, read from the OpenAPI document.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: HashMap<(Method, String), Permission>,
}

impl RouteTable {
    /// Reads every operation's permission from the document (as JSON).
    /// Operations without exactly one known permission are left out (so
    /// they answer 405) and reported in the second value.
    pub fn from_openapi(doc: &serde_json::Value) -> (Self, Vec<String>) {
        let mut routes = HashMap::new();
        let mut problems = Vec::new();
        let paths = doc.get("paths").and_then(|p| p.as_object()).into_iter().flatten();
        for (path, item) in paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                let Ok(m) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else { continue };
                match permission_of(op) {
                    Some(p) => {
                        routes.insert((m, path.clone()), p);
                    }
                    None => problems.push(format!("{method} {path}: no single known permission in `security`")),
                }
            }
        }
        (Self { routes }, problems)
    }

    /// The permission of a route (`path` as the router matched it).
    pub fn permission(&self, method: &Method, path: &str) -> Option<Permission> {
        self.routes.get(&(method.clone(), path.to_string())).copied()
    }

    /// Every route with its permission, sorted by path then method.
    pub fn routes(&self) -> Vec<(Method, String, Permission)> {
        let mut v: Vec<_> = self.routes.iter().map(|((m, p), perm)| (m.clone(), p.clone(), *perm)).collect();
        v.sort_by(|a, b| (&a.1, a.0.as_str()).cmp(&(&b.1, b.0.as_str())));
        v
    }
}

/// `security: [{}]` is public; `security: [{"token": ["name"]}]` names the permission.
fn permission_of(op: &serde_json::Value) -> Option<Permission> {
    let reqs = op.get("security")?.as_array()?;
    let [req] = reqs.as_slice() else { return None };
    let req = req.as_object()?;
    if req.is_empty() {
        return Some(Permission::Public);
    }
    let scopes = req.get(crate::openapi::TOKEN_SCHEME)?.as_array()?;
    let [scope] = scopes.as_slice() else { return None };
    Permission::parse(scope.as_str()?).filter(|p| *p != Permission::Public)
}

/// The guard's state: the app and the route table.
#[derive(Clone)]
pub(crate) struct Guard {
    pub(crate) state: AppState,
    pub(crate) table: Arc<RouteTable>,
}

/// The middleware on every route: authenticate, authorise, then pass the
/// [`Caller`] on to the handler.
pub(crate) async fn guard(State(g): State<Guard>, mut req: Request, next: Next) -> Response {
    match g.check(&mut req).await {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

impl Guard {
    async fn check(&self, req: &mut Request) -> ApiResult<()> {
        // No matched path: the fallback answers 404.
        let Some(path) = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()) else {
            return Ok(());
        };
        let method = if req.method() == Method::HEAD { Method::GET } else { req.method().clone() };
        let perm = self.table.permission(&method, &path).ok_or(ApiError::MethodNotAllowed)?;
        if perm == Permission::Public {
            return Ok(());
        }
        // Browsers cannot set headers on a WebSocket, so the stream alone
        // also takes the token from the query string.
        let token = bearer(req.headers())
            .or_else(|| if perm == Permission::Stream { query_token(req.uri()) } else { None })
            .ok_or(ApiError::Unauthorized)?;
        let caller = self.state.authenticate(&token).await?;
        if !perm.allows(caller.role) {
            return Err(ApiError::Forbidden { role: caller.role.as_str() });
        }
        if caller.role.has_counter() {
            let params = req.extract_parts::<RawPathParams>().await.ok();
            let named = params.as_ref().and_then(|ps| ps.iter().find(|(k, _)| *k == "counter").map(|(_, v)| v));
            if let Some(named) = named
                && Some(named.parse::<u32>().ok()).flatten() != caller.counter
            {
                return Err(ApiError::NotYourCounter { own: caller.counter.unwrap_or_default() });
            }
        }
        req.extensions_mut().insert(caller);
        Ok(())
    }
}

/// The token of `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim().to_string())
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// The `token` of the query string (the WebSocket stream only).
fn query_token(uri: &Uri) -> Option<String> {
    let q = axum::extract::Query::<TokenQuery>::try_from_uri(uri).ok()?;
    q.0.token.filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_case_insensitively_and_blank_ones_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer(&h).as_deref(), Some("abc"));
        h.insert(header::AUTHORIZATION, "bearer  abc ".parse().unwrap());
        assert_eq!(bearer(&h).as_deref(), Some("abc"));
        h.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h), None);
        assert_eq!(query_token(&"/s?since=3&token=xyz".parse().unwrap()).as_deref(), Some("xyz"));
        assert_eq!(query_token(&"/s?since=3".parse().unwrap()), None);
    }

    #[test]
    fn a_route_table_takes_public_and_single_scoped_operations_only() {
        let doc = serde_json::json!({"paths": {
            "/a": {"get": {"security": [{}]}, "post": {"security": [{"token": ["issue_ticket"]}]}},
            "/b": {"get": {"security": [{"token": ["no_such_permission"]}]}, "put": {}},
        }});
        let (t, problems) = RouteTable::from_openapi(&doc);
        assert_eq!(t.permission(&Method::GET, "/a"), Some(Permission::Public));
        assert_eq!(t.permission(&Method::POST, "/a"), Some(Permission::IssueTicket));
        assert_eq!(t.permission(&Method::GET, "/b"), None);
        assert_eq!(problems.len(), 2);
    }
}
