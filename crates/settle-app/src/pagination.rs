//! Cursor pagination: a cursor is the opaque (base64url) id of the last item served.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use crate::AppError;

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 1000;

/// One page of a list.
#[derive(Clone, Debug, Serialize)]
pub struct Page<T> {
    /// The items.
    pub data: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A validated page request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// Items per page.
    pub limit: u32,
    /// The id to continue after.
    pub after: Option<String>,
}

impl PageRequest {
    /// Checks `limit` (1–1000, default 50) and decodes `cursor`.
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, AppError> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=i64::from(MAX_LIMIT)).contains(&n) => n as u32,
            Some(_) => {
                return Err(AppError::invalid(
                    "pagination.invalid_limit",
                    "limit",
                    format!("limit must be between 1 and {MAX_LIMIT}"),
                ));
            }
        };
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(cursor) => Some(
                URL_SAFE_NO_PAD
                    .decode(cursor)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .ok_or_else(|| {
                        AppError::invalid(
                            "pagination.invalid_cursor",
                            "cursor",
                            "cursor is not one this server issued",
                        )
                    })?,
            ),
        };
        Ok(Self { limit, after })
    }

    /// Builds the page from up to `limit + 1` fetched items, `key` giving each item's id.
    pub fn page<T>(&self, mut items: Vec<T>, key: impl Fn(&T) -> &str) -> Page<T> {
        let more = items.len() > self.limit as usize;
        items.truncate(self.limit as usize);
        let next_cursor = if more {
            items.last().map(|last| URL_SAFE_NO_PAD.encode(key(last)))
        } else {
            None
        };
        Page {
            data: items,
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_cursors() {
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, 50);
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(Some(1001), None).is_err());
        assert!(PageRequest::parse(None, Some("!!!")).is_err());
        let request = PageRequest::parse(Some(2), None).unwrap();
        let page = request.page(vec!["a", "b", "c"], |s| s);
        assert_eq!(page.data, ["a", "b"]);
        let next = PageRequest::parse(Some(2), page.next_cursor.as_deref()).unwrap();
        assert_eq!(next.after.as_deref(), Some("b"));
        assert_eq!(request.page(vec!["a"], |s| s).next_cursor, None);
    }
}
