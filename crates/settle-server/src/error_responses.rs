//! The error answers every operation of the document lists, by what the operation is: the
//! middleware and extractors answer them the same way for every handler, so they are
//! derived here once instead of repeated on each handler.
//!
//! - authenticated operations (`/v1/…` but the supplier's session opening): 401, and 403
//!   for the API-key ones (a role without the right);
//! - operations with a body: 400 (malformed JSON), 413 (over the body limit), 422;
//! - operations with query parameters: 422 (a bad value);
//! - operations on a path with parameters: 404; with a body: 404 when it names a
//!   resource that does not exist;
//! - writes (POST, PATCH, DELETE): 409 (a state or version conflict, an idempotency key
//!   reused);
//! - opening a supplier session: 429 (too many wrong BRNs).

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::{OpenApi, Ref, RefOr};

/// Adds the error answers each operation can give and does not list yet.
pub fn document(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            ("get", item.get.as_mut()),
            ("post", item.post.as_mut()),
            ("patch", item.patch.as_mut()),
            ("put", item.put.as_mut()),
            ("delete", item.delete.as_mut()),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                for (status, why) in answers(path, method, operation) {
                    add(operation, status, why);
                }
            }
        }
    }
}

fn answers(path: &str, method: &str, operation: &Operation) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    let public = path == "/health" || path == "/v1/openapi.json";
    let opens_session = path == "/v1/supplier/sessions";
    if !public && !opens_session {
        out.push(("401", "no valid API key or supplier session"));
        if !path.starts_with("/v1/supplier/") {
            out.push(("403", "the key's roles do not allow this"));
        }
    }
    if operation.request_body.is_some() {
        out.push(("400", "the body is not well-formed JSON"));
        out.push(("413", "the body is over the size limit"));
        out.push(("422", "a field is missing or invalid"));
    }
    let has_query = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    if has_query {
        out.push(("422", "a query parameter is invalid"));
    }
    if path.contains('{') {
        out.push(("404", "no such resource"));
    } else if operation.request_body.is_some() {
        out.push((
            "404",
            "the body names a partner (or other resource) that does not exist",
        ));
    }
    if matches!(method, "post" | "patch" | "delete") && !public {
        out.push((
            "409",
            "the resource's state or version does not allow it now",
        ));
    }
    if opens_session {
        out.push(("429", "too many wrong BRNs for this link; try again later"));
    }
    out
}

fn add(operation: &mut Operation, status: &str, why: &str) {
    let responses = &mut operation.responses.responses;
    if responses.contains_key(status) {
        return;
    }
    let body = ContentBuilder::new()
        .schema(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody"))))
        .build();
    let response = ResponseBuilder::new()
        .description(why)
        .content("application/json", body)
        .build();
    responses.insert(status.to_owned(), RefOr::T(response));
}
