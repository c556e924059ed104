//! Uploads from workspace forms: the multipart parts after the form's CSRF check.

use std::collections::HashMap;

use axum::extract::Request;
use bytes::Bytes;
use settle_app::{AppError, ErrorKind};

use super::Staff;
use crate::AppState;
use crate::routes::upload::form_parts;

/// The parts of a posted multipart form whose `csrf` part is this browser's token.
pub async fn parts(
    state: &AppState,
    staff: &Staff,
    request: Request,
) -> Result<HashMap<String, Bytes>, AppError> {
    let mut parts = form_parts(request, state).await.map_err(|e| e.0)?;
    let csrf = parts.remove("csrf").unwrap_or_default();
    if !staff.ctx.csrf_ok(&String::from_utf8_lossy(&csrf)) {
        return Err(AppError::new(
            ErrorKind::Forbidden,
            "request.csrf",
            "the form is not this browser's (reload the page and try again)",
        ));
    }
    Ok(parts)
}

/// The `file` part of a posted upload form.
pub async fn file(state: &AppState, staff: &Staff, request: Request) -> Result<Bytes, AppError> {
    let mut parts = parts(state, staff, request).await?;
    parts
        .remove("file")
        .filter(|file| !file.is_empty())
        .ok_or_else(|| AppError::invalid("request.missing_file", "file", "choose a file to upload"))
}
