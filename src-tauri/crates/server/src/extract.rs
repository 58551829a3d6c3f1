//! Extractors whose rejections are [`ApiError`]s: `Json`, `Path` and `Query`
//! wrap axum's so that a malformed body, a wrong type or a bad path segment
//! gets the same bilingual JSON as every other error, never axum's plain text;
//! [`IdempotencyKey`] reads the `Idempotency-Key` header, bound to the
//! request's fingerprint (route and body) taken by the `fingerprint`
//! middleware.
//!
//! Handlers import these instead of axum's (same names, same use).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::error::ApiError;

/// A JSON body (request) or answer (response).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match <axum::Json<T> as FromRequest<S>>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

/// `Option<Json<T>>`: no body (no `Content-Type`) is `None`, so a command
/// whose fields all have defaults can be sent bare.
impl<T, S> OptionalFromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, ApiError> {
        match <axum::Json<T> as OptionalFromRequest<S>>::from_request(req, state).await {
            Ok(v) => Ok(v.map(|axum::Json(v)| Self(v))),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

fn json_rejection(e: JsonRejection) -> ApiError {
    match e {
        JsonRejection::JsonSyntaxError(e) => ApiError::MalformedJson(e.body_text()),
        JsonRejection::JsonDataError(e) => ApiError::InvalidBody(e.body_text()),
        JsonRejection::MissingJsonContentType(_) => ApiError::NotJson,
        e if e.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::BodyTooLarge,
        e => ApiError::MalformedJson(e.body_text()),
    }
}

/// Path parameters.
#[derive(Debug, Clone, Copy)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Self(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => Err(ApiError::InvalidPath(e.body_text())),
            Err(e) => Err(ApiError::Internal(e.body_text())),
        }
    }
}

/// Query parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(ApiError::InvalidQuery(e.body_text())),
            Err(e) => Err(ApiError::InvalidQuery(e.body_text())),
        }
    }
}

/// The `Idempotency-Key` header of a command, with the request it came
/// on: the same key sent again with the same request (a double click, a
/// retry after a timeout) acts once and returns the first answer; the same
/// key with another route or body is refused with 422
/// `idempotency_key_reused` (the store keeps the key, the request's
/// fingerprint and the answer in the command's own transaction).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>, RequestFingerprint);

/// The header's name.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The `Idempotency-Key` header as the OpenAPI document shows it on every command.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyHeader {
    /// 1–64 visible ASCII characters (`!` to `~`, no space). The same key
    /// again from the same terminal, on the same route with the same body
    /// (a double click, a retry after a timeout), acts once and returns the
    /// first answer; the same key with another route or body is refused
    /// with 422 `idempotency_key_reused`. Use a new key for each new action.
    #[param(rename = "Idempotency-Key", min_length = 1, max_length = 64, pattern = r"^[!-~]{1,64}$")]
    pub idempotency_key: Option<String>,
}

impl IdempotencyKey {
    /// The key as the engine stores it: prefixed with the terminal's id, so
    /// two terminals that happen to pick the same key never share an answer,
    /// and one terminal can never read another's; bound to this request.
    pub fn scoped(&self, caller: &Caller) -> Option<hallq_store::IdempotencyKey> {
        let key = self.0.as_ref()?;
        Some(hallq_store::IdempotencyKey::new(format!("{}:{key}", caller.terminal), self.1.0.clone()))
    }
}

/// SHA-256 (hex) of a request's method, path and query, and body: what an
/// idempotency key is bound to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct RequestFingerprint(String);

/// Middleware: a request that carries an `Idempotency-Key` has its body read
/// (within the body limit) and fingerprinted for [`IdempotencyKey`]; others
/// pass untouched.
pub(crate) async fn fingerprint(req: Request, next: axum::middleware::Next) -> Response {
    if !req.headers().contains_key(IDEMPOTENCY_KEY) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return ApiError::BodyTooLarge.into_response();
    };
    let mut hash = Sha256::new();
    hash.update(parts.method.as_str().as_bytes());
    hash.update(b" ");
    hash.update(parts.uri.path_and_query().map_or("", |p| p.as_str()).as_bytes());
    hash.update(b"\n");
    hash.update(&bytes);
    let digest: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let mut req = Request::from_parts(parts, axum::body::Body::from(bytes));
    req.extensions_mut().insert(RequestFingerprint(digest));
    next.run(req).await
}

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let Some(v) = parts.headers.get(IDEMPOTENCY_KEY) else { return Ok(Self::default()) };
        let key = v.to_str().map_err(|_| ApiError::BadIdempotencyKey)?;
        if !(1..=64).contains(&key.len()) || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::BadIdempotencyKey);
        }
        let request = parts.extensions.get::<RequestFingerprint>().cloned().unwrap_or_default();
        Ok(Self(Some(key.to_string()), request))
    }
}
