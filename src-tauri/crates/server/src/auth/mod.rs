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

//!
//! Three parts, so that nothing depends back on the guard: [`matrix`] is
//! the pure data (roles, permissions, who holds what); [`caller`] is who a
//! request comes from and the cache of resolved tokens (the app state keeps
//! one); [`guard`] is the middleware and the route table read from the
//! OpenAPI document.

pub(crate) mod caller;
pub(crate) mod guard;
pub(crate) mod matrix;

pub use caller::Caller;
pub use guard::RouteTable;
pub(crate) use guard::{Guard, guard};
pub use matrix::{Permission, Role};
