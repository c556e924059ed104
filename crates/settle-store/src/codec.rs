//! How values are written to and read from columns both engines share: instants as fixed
//! RFC 3339 UTC text (so they sort as text), lists as JSON text.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::{StoreError, StoreResult};

/// Formats an instant as `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC.
pub fn instant(at: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    at.to_offset(UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// Parses an instant written by [`instant`].
pub fn parse_instant(text: &str) -> StoreResult<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| StoreError::Corrupt(format!("instant {text:?}: {e}")))
}

/// Reads a text column.
pub fn text(row: &AnyRow, column: &str) -> StoreResult<String> {
    Ok(row.try_get::<String, _>(column)?)
}

/// Reads a nullable text column.
pub fn opt_text(row: &AnyRow, column: &str) -> StoreResult<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(column)?)
}

/// Reads an instant column.
pub fn at(row: &AnyRow, column: &str) -> StoreResult<OffsetDateTime> {
    parse_instant(&text(row, column)?)
}

/// Reads a nullable instant column.
pub fn opt_at(row: &AnyRow, column: &str) -> StoreResult<Option<OffsetDateTime>> {
    opt_text(row, column)?
        .as_deref()
        .map(parse_instant)
        .transpose()
}

/// Reads an integer column.
pub fn int(row: &AnyRow, column: &str) -> StoreResult<i64> {
    Ok(row.try_get::<i64, _>(column)?)
}

/// Reads a decimal stored as text.
pub fn decimal(row: &AnyRow, column: &str) -> StoreResult<rust_decimal::Decimal> {
    let text = text(row, column)?;
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("{column} {text:?}: {e}")))
}

/// Reads a `YYYY-MM-DD` date column.
pub fn date(row: &AnyRow, column: &str) -> StoreResult<time::Date> {
    parse_date(&text(row, column)?)
}

/// Reads a nullable `YYYY-MM-DD` date column.
pub fn opt_date(row: &AnyRow, column: &str) -> StoreResult<Option<time::Date>> {
    opt_text(row, column)?
        .as_deref()
        .map(parse_date)
        .transpose()
}

fn parse_date(text: &str) -> StoreResult<time::Date> {
    let format = format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format).map_err(|e| StoreError::Corrupt(format!("date {text:?}: {e}")))
}

/// Writes a value as JSON text.
pub fn to_json<T: serde::Serialize>(value: &T, what: &str) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Reads a JSON text column.
pub fn json<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> StoreResult<T> {
    serde_json::from_str(&text(row, column)?)
        .map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn instants_round_trip_and_sort_as_text() {
        let early = datetime!(2026-01-02 03:04:05.000_007 +09:00);
        let late = datetime!(2026-01-02 03:04:05.5 UTC);
        assert_eq!(instant(early), "2026-01-01T18:04:05.000007Z");
        assert_eq!(parse_instant(&instant(early)).unwrap(), early);
        assert!(instant(early) < instant(late));
    }
}
