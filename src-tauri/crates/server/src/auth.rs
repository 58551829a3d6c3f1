//! Who may do what: terminal roles, the permission matrix, bearer tokens,
//! and the one guard that enforces them on every route.
//!
//! Each route states its permission once, as the scope of its OpenAPI
//! security requirement (`security(("token" = ["serve_queue"]))`); public
//! routes state `security(())`. [`RouteTable`] reads those scopes from the
//! generated document, so what the document says is exactly what is
//! enforced. The guard (`guard`, a middleware on every route) resolves the
//! token (cache, then the database), checks the role against
//! [`Permission::roles`] — the matrix, written as data below — and, for
//! terminals bound to a counter (counter, rating pad), that a `{counter}` in
//! the path is their own. A route missing from the table answers 405:
//! nothing is open by omission.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::RequestExt;
use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hallq_store::Terminal;
use hallq_store::hallq_core::{Actor, Millis};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What a paired terminal (or a supervisor session) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 取号机: issues tickets, shows services and a ticket's position.
    Kiosk,
    /// 窗口: one counter's staff terminal.
    Counter,
    /// 叫号屏: the lobby display; reads only.
    Display,
    /// 评价器: one counter's rating pad.
    RatingPad,
    /// 值班长看板: the supervisor's board; reads everything about the hall.
    Board,
    /// 值班长: a supervisor's session; may do everything.
    Supervisor,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 6] =
        [Self::Kiosk, Self::Counter, Self::Display, Self::RatingPad, Self::Board, Self::Supervisor];

    /// The snake_case name stored with the terminal and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kiosk => "kiosk",
            Self::Counter => "counter",
            Self::Display => "display",
            Self::RatingPad => "rating_pad",
            Self::Board => "board",
            Self::Supervisor => "supervisor",
        }
    }

    /// Parses [`Role::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles bound to one counter: they may only name that counter.
    pub fn has_counter(self) -> bool {
        matches!(self, Self::Counter | Self::RatingPad)
    }
}

/// Declares [`Permission`] and the matrix in one table: each permission,
/// its name (the OpenAPI scope) and the roles that hold it.
macro_rules! permissions {
    ($( $(#[doc = $doc:literal])* $name:ident = $s:literal: [$($role:ident),*]; )*) => {
        /// What a route needs. Each route has exactly one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Permission {
            $( $(#[doc = $doc])* $name, )*
        }

        impl Permission {
            /// Every permission, in matrix order.
            pub const ALL: &'static [Permission] = &[$(Self::$name),*];

            /// The name used as the route's OpenAPI security scope.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$name => $s),* }
            }

            /// The roles that hold it: the role matrix.
            pub fn roles(self) -> &'static [Role] {
                match self { $(Self::$name => &[$(Role::$role),*]),* }
            }
        }
    };
}

permissions! {
    /// No token needed: first-run setup, pairing, supervisor login, health, the API document.
    Public = "public": [Kiosk, Counter, Display, RatingPad, Board, Supervisor];
    /// Who am I (role, counter): every terminal.
    WhoAmI = "who_am_i": [Kiosk, Counter, Display, RatingPad, Board, Supervisor];
    /// The hall's name, day and notices: every terminal.
    ReadHall = "read_hall": [Kiosk, Counter, Display, RatingPad, Board, Supervisor];
    /// The live event stream: every terminal.
    Stream = "stream": [Kiosk, Counter, Display, RatingPad, Board, Supervisor];
    /// Services with waiting counts and estimated waits.
    ReadServices = "read_services": [Kiosk, Counter, Display, Board, Supervisor];
    /// A ticket's place in the queue (the kiosk's printed ticket, a counter's lookup).
    ReadTicketPosition = "read_ticket_position": [Kiosk, Counter, Board, Supervisor];
    /// The whole hall now: services and counters.
    ReadStatus = "read_status": [Counter, Display, Board, Supervisor];
    /// The last calls, for the display.
    ReadCalls = "read_calls": [Counter, Display, Board, Supervisor];
    /// The spoken call of a called ticket (a WAV), for the display.
    ReadVoice = "read_voice": [Display, Board, Supervisor];
    /// Every counter now.
    ReadCounters = "read_counters": [Counter, Display, Board, Supervisor];
    /// One counter now (a counter or rating pad: its own).
    ReadCounter = "read_counter": [Counter, RatingPad, Display, Board, Supervisor];
    /// The ticket a rating pad shows (its own counter).
    ReadRating = "read_rating": [RatingPad, Board, Supervisor];
    /// The waiting tickets, in queue order.
    ReadQueues = "read_queues": [Counter, Board, Supervisor];
    /// Today's tickets and any one ticket.
    ReadTickets = "read_tickets": [Counter, Board, Supervisor];
    /// One counter's figures today (a counter: its own).
    ReadCounterKpis = "read_counter_kpis": [Counter, Board, Supervisor];
    /// KPI reports for any range.
    ReadKpis = "read_kpis": [Board, Supervisor];
    /// Follow-ups of low ratings.
    ReadFollowUps = "read_follow_ups": [Board, Supervisor];
    /// Close a follow-up, saying what was done.
    CloseFollowUp = "close_follow_up": [Supervisor];
    /// The hall's configuration: services, counters, staff.
    ReadSettings = "read_settings": [Board, Supervisor];
    /// Take a ticket.
    IssueTicket = "issue_ticket": [Kiosk, Supervisor];
    /// Call, recall, no-show, start, finish, transfer (a counter: its own, with staff logged in).
    ServeQueue = "serve_queue": [Counter, Supervisor];
    /// Open, pause, resume, close a counter (a counter: its own).
    OperateCounter = "operate_counter": [Counter, Supervisor];
    /// Staff log in and out at a counter (a counter: its own).
    StaffSession = "staff_session": [Counter, Supervisor];
    /// Rate the transaction just finished (a rating pad: at its own counter).
    Rate = "rate": [RatingPad, Supervisor];
    /// Withdraw a waiting ticket.
    CancelTicket = "cancel_ticket": [Supervisor];
    /// Change the hall, services, counters, staff and PINs.
    ChangeSettings = "change_settings": [Supervisor];
    /// Pairing codes, the terminal list, revoking tokens.
    ManageTerminals = "manage_terminals": [Supervisor];
    /// End one's own supervisor session.
    EndSession = "end_session": [Supervisor];
    /// Kiosk printers and their status (a kiosk: its own).
    ReadPrinters = "read_printers": [Kiosk, Board, Supervisor];
    /// Print jobs and their bytes (a kiosk: its own, printed by its page).
    ReadPrintJobs = "read_print_jobs": [Kiosk, Board, Supervisor];
    /// Report what the kiosk page's printing did (a kiosk: its own jobs).
    ReportPrint = "report_print": [Kiosk, Supervisor];
    /// Print a ticket again (the counter's and the board's Reprint).
    ReprintTicket = "reprint_ticket": [Counter, Board, Supervisor];
    /// Cancel a pending print job.
    CancelPrintJob = "cancel_print_job": [Board, Supervisor];
    /// Set a kiosk's printer; test-print.
    ChangePrinters = "change_printers": [Supervisor];
}

impl Permission {
    /// Parses [`Permission::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.as_str() == s)
    }

    /// Whether a role holds this permission.
    pub fn allows(self, role: Role) -> bool {
        self.roles().contains(&role)
    }
}

/// The terminal behind a request, put in the request's extensions by
/// the guard; handlers take it as an extractor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The terminal's (or session's) id.
    pub terminal: Uuid,
    /// Its role.
    pub role: Role,
    /// Its counter, for counter and rating-pad terminals.
    pub counter: Option<u32>,
    /// Its name; for a supervisor session, the staff number it was opened for.
    pub name: String,
    /// When its token stops working by itself (sessions), UTC ms.
    pub expires_at: Option<Millis>,
}

impl Caller {
    /// The caller of a stored terminal, if its role is one this server knows.
    pub fn of(t: &Terminal) -> Option<Self> {
        Some(Self {
            terminal: t.id,
            role: Role::parse(&t.role)?,
            counter: t.counter,
            name: t.name.clone(),
            expires_at: t.expires_at,
        })
    }

    /// Who the event log records for a command from this caller that is
    /// not a staff action at a counter: the supervisor's staff number, or
    /// the terminal.
    pub fn actor(&self) -> Actor {
        match self.role {
            Role::Supervisor => Actor::Staff(self.name.clone()),
            _ => Actor::Terminal(self.terminal.to_string()),
        }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> ApiResult<Self> {
        parts.extensions.get::<Caller>().cloned().ok_or(ApiError::Unauthorized)
    }
}

/// Resolved tokens, so that a request does not cost a database read. An
/// entry is dropped when its terminal is revoked here (and a revoked
/// terminal never re-enters, even from a lookup that raced the revocation),
/// and refreshed after [`TOKEN_CACHE_TTL`] so that a change made by another
/// process is seen.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    inner: Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    tokens: HashMap<String, Cached>,
    revoked: std::collections::HashSet<Uuid>,
}

#[derive(Debug, Clone)]
struct Cached {
    caller: Caller,
    expires_at: Option<Millis>,
    fetched: Instant,
}

/// How long a resolved token is trusted without asking the database again.
pub(crate) const TOKEN_CACHE_TTL: Duration = Duration::from_secs(30);
/// A bound on the cache; only valid tokens enter it, so this is never reached
/// by a hall's real terminals.
const TOKEN_CACHE_MAX: usize = 10_000;

impl TokenCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn get(&self, token: &str, now: Millis) -> Option<Caller> {
        let inner = self.lock();
        let c = inner.tokens.get(token)?;
        let fresh = c.fetched.elapsed() < TOKEN_CACHE_TTL && c.expires_at.is_none_or(|e| e > now);
        fresh.then(|| c.caller.clone())
    }

    /// Caches a resolved token; `false` if its terminal was revoked meanwhile.
    pub(crate) fn put(&self, token: &str, caller: Caller, expires_at: Option<Millis>) -> bool {
        let mut inner = self.lock();
        if inner.revoked.contains(&caller.terminal) {
            return false;
        }
        if inner.tokens.len() >= TOKEN_CACHE_MAX {
            inner.tokens.clear();
        }
        inner.tokens.insert(token.to_string(), Cached { caller, expires_at, fetched: Instant::now() });
        true
    }

    /// Whether this terminal was revoked while the server ran.
    pub(crate) fn is_revoked(&self, terminal: Uuid) -> bool {
        self.lock().revoked.contains(&terminal)
    }

    /// Forgets every token of a terminal that was just revoked.
    pub(crate) fn forget(&self, terminal: Uuid) {
        let mut inner = self.lock();
        inner.revoked.insert(terminal);
        inner.tokens.retain(|_, c| c.caller.terminal != terminal);
    }
}

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
    fn every_permission_has_a_unique_name_and_at_least_the_supervisor() {
        let mut names = std::collections::HashSet::new();
        for p in Permission::ALL {
            assert!(names.insert(p.as_str()), "{p:?}");
            assert_eq!(Permission::parse(p.as_str()), Some(*p));
            assert!(p.allows(Role::Supervisor), "the supervisor may do everything: {p:?}");
        }
    }

    #[test]
    fn the_matrix_says_what_the_design_says() {
        use Permission as P;
        use Role as R;
        // A kiosk issues and reads what the kiosk shows; nothing else.
        let kiosk: Vec<_> = Permission::ALL.iter().filter(|p| p.allows(R::Kiosk)).copied().collect();
        assert_eq!(
            kiosk,
            [
                P::Public,
                P::WhoAmI,
                P::ReadHall,
                P::Stream,
                P::ReadServices,
                P::ReadTicketPosition,
                P::IssueTicket,
                P::ReadPrinters,
                P::ReadPrintJobs,
                P::ReportPrint
            ]
        );
        // A display only reads.
        for p in Permission::ALL.iter().filter(|p| p.allows(R::Display)) {
            assert!(p.as_str().starts_with("read_") || matches!(p, P::Public | P::WhoAmI | P::Stream), "{p:?}");
        }
        // A board reads everything readable and changes nothing but print
        // jobs: it reprints and cancels them (the printer alerts are there).
        for p in Permission::ALL {
            let reads = p.as_str().starts_with("read_") || matches!(p, P::Public | P::WhoAmI | P::Stream);
            let prints = matches!(p, P::ReprintTicket | P::CancelPrintJob);
            assert_eq!(p.allows(R::Board), reads || prints, "{p:?}");
        }
        // Only the supervisor changes settings, pairs terminals, cancels.
        for p in [P::ChangeSettings, P::ManageTerminals, P::CancelTicket, P::EndSession, P::ChangePrinters] {
            assert_eq!(p.roles(), [R::Supervisor]);
        }
        // A counter may not rate its own work.
        assert!(!P::Rate.allows(R::Counter));
    }

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

    #[test]
    fn the_token_cache_honours_expiry_and_revocation() {
        let cache = TokenCache::default();
        let c = Caller {
            terminal: Uuid::from_u128(1),
            role: Role::Kiosk,
            counter: None,
            name: "k".into(),
            expires_at: Some(1_000),
        };
        assert!(cache.put("t", c.clone(), Some(1_000)));
        assert_eq!(cache.get("t", 999), Some(c.clone()));
        assert_eq!(cache.get("t", 1_000), None, "expired");
        cache.put("t", c.clone(), None);
        cache.forget(c.terminal);
        assert_eq!(cache.get("t", 0), None, "revoked");
        assert!(!cache.put("t", c.clone(), None), "a lookup that raced the revocation is not cached");
    }
}
