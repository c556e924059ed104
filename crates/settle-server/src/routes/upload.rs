//! Uploaded files: a multipart form's parts, or the whole body.

use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use bytes::Bytes;
use settle_app::ErrorKind;
use settle_app::certificates::CertificateFiles;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::body_error;

/// The uploaded file: the `file` part of a multipart form, or the whole body.
pub async fn upload(request: Request, state: &AppState) -> ApiResult<Bytes> {
    let multipart = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    if !multipart {
        return Bytes::from_request(request, state)
            .await
            .map_err(body_error);
    }
    let mut parts = form_parts(request, state).await?;
    refuse_unknown(&parts, &["file"])?;
    parts.remove("file").ok_or_else(|| {
        ApiError(settle_app::AppError::invalid(
            "import.missing_file",
            "file",
            "the form has no `file` field",
        ))
    })
}

/// Refuses a form field the upload does not read, as JSON bodies refuse unknown fields.
fn refuse_unknown(parts: &HashMap<String, Bytes>, known: &[&str]) -> ApiResult<()> {
    match parts.keys().find(|name| !known.contains(&name.as_str())) {
        Some(name) => Err(ApiError(settle_app::AppError::invalid(
            "request.invalid_field",
            name,
            format!(
                "the form has no field `{name}`; it takes {}",
                known.join(", ")
            ),
        ))),
        None => Ok(()),
    }
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            ErrorKind::TooLarge,
            "request.too_large",
            "the upload is over the limit of 200 MB",
        )
    } else {
        ApiError::new(
            ErrorKind::BadRequest,
            "request.malformed_multipart",
            error.body_text(),
        )
    }
}

/// Every part of a multipart form, by name (the last of a repeated name wins).
pub async fn form_parts(request: Request, state: &AppState) -> ApiResult<HashMap<String, Bytes>> {
    let mut form = Multipart::from_request(request, state).await.map_err(|e| {
        ApiError::new(
            ErrorKind::BadRequest,
            "request.malformed_multipart",
            e.body_text(),
        )
    })?;
    let mut parts = HashMap::new();
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(multipart_error)?;
        parts.insert(name, bytes);
    }
    Ok(parts)
}

/// A certificate upload: `sign_cert` + `sign_key` + `password`, or `pfx` + `password`.
pub async fn certificate_form(
    request: Request,
    state: &AppState,
) -> ApiResult<(CertificateFiles, String)> {
    certificate_parts(form_parts(request, state).await?)
}

/// The certificate files and password among a form's parts.
pub fn certificate_parts(
    mut parts: HashMap<String, Bytes>,
) -> ApiResult<(CertificateFiles, String)> {
    refuse_unknown(&parts, &["password", "pfx", "sign_cert", "sign_key"])?;
    let missing = |field: &str, message: &str| {
        ApiError(settle_app::AppError::invalid(
            "cert.missing_file",
            field,
            message,
        ))
    };
    let password = parts
        .remove("password")
        .map(|p| String::from_utf8_lossy(&p).into_owned())
        .ok_or_else(|| missing("password", "the form needs the certificate password"))?;
    let files = match (
        parts.remove("pfx"),
        parts.remove("sign_cert"),
        parts.remove("sign_key"),
    ) {
        (Some(pfx), None, None) => CertificateFiles::Pfx(pfx.to_vec()),
        (None, Some(certificate), Some(key)) => CertificateFiles::Npki {
            certificate: certificate.to_vec(),
            key: key.to_vec(),
        },
        (None, Some(_), None) => return Err(missing("sign_key", "send signPri.key as sign_key")),
        (None, None, Some(_)) => {
            return Err(missing("sign_cert", "send signCert.der as sign_cert"));
        }
        _ => {
            return Err(missing(
                "sign_cert",
                "send sign_cert + sign_key, or pfx (not both)",
            ));
        }
    };
    Ok((files, password))
}
