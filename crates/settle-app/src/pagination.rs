//! Cursor pagination: a cursor names the last item served (its id), and a page continues
//! after it. Clients treat it as opaque; any cursor of the documented shape is accepted
//! (one that names no item simply continues after where that id would sort).

use serde::Serialize;

use crate::AppError;

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 1000;
/// The shape of a cursor: 1–64 ASCII letters, digits and underscores (as the OpenAPI
/// document states).
pub const CURSOR_PATTERN: &str = "^[A-Za-z0-9_]{1,64}$";

fn is_cursor(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

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
        let after = match cursor {
            None => None,
            Some(cursor) if is_cursor(cursor) => Some(cursor.to_owned()),
            Some(_) => {
                return Err(AppError::invalid(
                    "pagination.invalid_cursor",
                    "cursor",
                    "cursor is not one this server issued",
                ));
            }
        };
        Ok(Self { limit, after })
    }

    /// Builds the page from up to `limit + 1` fetched items, `key` giving each item's id.
    pub fn page<T>(&self, mut items: Vec<T>, key: impl Fn(&T) -> &str) -> Page<T> {
        let more = items.len() > self.limit as usize;
        items.truncate(self.limit as usize);
        let next_cursor = if more {
            items.last().map(|last| key(last).to_owned())
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
        assert!(PageRequest::parse(None, Some("")).is_err());
        assert!(PageRequest::parse(None, Some(&"a".repeat(65))).is_err());
        let request = PageRequest::parse(Some(2), None).unwrap();
        let page = request.page(vec!["a", "b", "c"], |s| s);
        assert_eq!(page.data, ["a", "b"]);
        let next = PageRequest::parse(Some(2), page.next_cursor.as_deref()).unwrap();
        assert_eq!(next.after.as_deref(), Some("b"));
        assert_eq!(request.page(vec!["a"], |s| s).next_cursor, None);
    }
}
