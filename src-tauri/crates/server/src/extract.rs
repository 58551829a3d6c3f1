//! Extractors whose rejections are [`ApiError`]s: `Json`, `Path` and `Query`
//! wrap axum's so that a malformed body, a wrong type or a bad path segment
//! gets the same bilingual JSON as every other error, never axum's plain text;
//! [`IdempotencyKey`] reads the `Idempotency-Key` header.
//!
//! Handlers import these instead of axum's (same names, same use).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

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

/// The `Idempotency-Key` header of a command: the same key sent again acts
/// once and returns the first answer (the store keeps it in the command's
/// own transaction).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

/// The header's name.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The `Idempotency-Key` header as the OpenAPI document shows it on every command.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyHeader {
    /// 1–64 visible ASCII characters; the same key again (a double click, a
    /// retry after a timeout) acts once and returns the first answer.
    #[param(rename = "Idempotency-Key")]
    pub idempotency_key: Option<String>,
}

impl IdempotencyKey {
    /// The key as the engine stores it: prefixed with the terminal's id, so
    /// two terminals that happen to pick the same key never share an answer,
    /// and one terminal can never read another's.
    pub fn scoped(&self, caller: &Caller) -> Option<String> {
        self.0.as_ref().map(|k| format!("{}:{k}", caller.terminal))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let Some(v) = parts.headers.get(IDEMPOTENCY_KEY) else { return Ok(Self(None)) };
        let key = v.to_str().map_err(|_| ApiError::BadIdempotencyKey)?;
        if !(1..=64).contains(&key.len()) || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::BadIdempotencyKey);
        }
        Ok(Self(Some(key.to_string())))
    }
}
