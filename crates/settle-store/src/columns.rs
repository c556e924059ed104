//! Where the two engines' schemas differ, and how rows are read.
//!
//! Every column has a [`Kind`]. PostgreSQL stores each kind natively (`numeric`,
//! `timestamptz`, `date`, `jsonb`), so sums, range checks and indexes work on the type;
//! SQLite keeps text, which sorts and compares correctly for the fixed formats the store
//! writes. sqlx's `Any` driver carries these values as text, so:
//!
//! - reads cast typed columns to text (`CAST(c AS TEXT)`, the same SQL on both engines);
//! - writes bind text and cast it on PostgreSQL. Queries are written with PostgreSQL's
//!   `$1::numeric` casts, and [`for_engine`] drops every `::type` for SQLite.
//!
//! A record's row is declared once with [`table_row!`](crate::table_row): the declaration
//! gives its select list, its decoding and the column kinds the schema test checks on both
//! engines.

use std::borrow::Cow;
use std::marker::PhantomData;

use rust_decimal::Decimal;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use time::{Date, OffsetDateTime};

use crate::codec::{parse_date, parse_instant};
use crate::{StoreError, StoreResult};

/// How a column is stored on each engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// A 64-bit integer.
    Int,
    /// An exact decimal (money, quantities, rates).
    Decimal,
    /// An instant.
    Instant,
    /// A calendar date.
    Date,
    /// A JSON document.
    Json,
}

impl Kind {
    /// The type PostgreSQL reports in `information_schema.columns.data_type`.
    pub fn postgres_type(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Int => "bigint",
            Kind::Decimal => "numeric",
            Kind::Instant => "timestamp with time zone",
            Kind::Date => "date",
            Kind::Json => "jsonb",
        }
    }

    /// The type SQLite declares (`pragma_table_info.type`).
    pub fn sqlite_type(self) -> &'static str {
        match self {
            Kind::Int => "INTEGER",
            _ => "TEXT",
        }
    }

    /// The cast a bound text value needs on PostgreSQL (dropped on SQLite).
    pub fn cast(self) -> &'static str {
        match self {
            Kind::Decimal => "::numeric",
            Kind::Instant => "::timestamptz",
            Kind::Date => "::date",
            Kind::Json => "::jsonb",
            Kind::Text | Kind::Int => "",
        }
    }

    /// Whether reading it through the `Any` driver needs a cast to text.
    fn read_as_text(self) -> bool {
        !matches!(self, Kind::Text | Kind::Int)
    }
}

/// The SQL for the engine behind `conn`: as written (PostgreSQL), or with every `::type`
/// cast removed (SQLite).
pub fn for_engine<'a>(conn: &AnyConnection, sql: &'a str) -> Cow<'a, str> {
    if conn.backend_name() == "SQLite" && sql.contains("::") {
        Cow::Owned(strip_casts(sql))
    } else {
        Cow::Borrowed(sql)
    }
}

/// Removes every `::name` from `sql`.
fn strip_casts(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find("::") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// A column a table declares: its name, kind and whether it may be NULL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The column's name.
    pub name: &'static str,
    /// How it is stored.
    pub kind: Kind,
    /// Whether it may be NULL.
    pub nullable: bool,
}

/// The columns a row type reads from a table.
#[derive(Clone, Copy, Debug)]
pub struct TableSpec {
    /// The table.
    pub name: &'static str,
    /// The columns read, in order.
    pub columns: &'static [ColumnSpec],
}

impl TableSpec {
    /// What an `INSERT INTO` of these columns names: `table (col, …)`.
    pub fn target(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|c| c.name).collect();
        format!("{} ({})", self.name, names.join(", "))
    }

    /// The column kinds, in order (for [`crate::bulk`]'s placeholders).
    pub fn kinds(&self) -> Vec<Kind> {
        self.columns.iter().map(|c| c.kind).collect()
    }

    /// The select list of these columns, each qualified by `prefix` (`""` or `"t."`), typed
    /// columns cast to text and named as the column.
    pub fn select_list(&self, prefix: &str) -> String {
        let items: Vec<String> = self
            .columns
            .iter()
            .map(|c| {
                if c.kind.read_as_text() {
                    format!("CAST({prefix}{name} AS TEXT) AS {name}", name = c.name)
                } else {
                    format!("{prefix}{}", c.name)
                }
            })
            .collect();
        items.join(", ")
    }
}

/// A value type a column holds, read from a row by name.
pub trait Column {
    /// What it decodes to.
    type Value;
    /// How it is stored.
    const KIND: Kind;
    /// The value, or `None` for NULL.
    fn get(row: &AnyRow, name: &str) -> StoreResult<Option<Self::Value>>;
}

/// A field of a declared row: a [`Column`] that must hold a value, or a [`Null`] one.
pub trait Field {
    /// What it decodes to.
    type Value;
    /// How it is stored.
    const KIND: Kind;
    /// Whether it may be NULL.
    const NULLABLE: bool;
    /// Reads it from `row`.
    fn read(row: &AnyRow, name: &str) -> StoreResult<Self::Value>;
}

impl<C: Column> Field for C {
    type Value = C::Value;
    const KIND: Kind = C::KIND;
    const NULLABLE: bool = false;
    fn read(row: &AnyRow, name: &str) -> StoreResult<C::Value> {
        C::get(row, name)?.ok_or_else(|| StoreError::Corrupt(format!("{name} is NULL")))
    }
}

/// A column that may be NULL.
pub struct Null<C>(PhantomData<C>);

impl<C: Column> Field for Null<C> {
    type Value = Option<C::Value>;
    const KIND: Kind = C::KIND;
    const NULLABLE: bool = true;
    fn read(row: &AnyRow, name: &str) -> StoreResult<Option<C::Value>> {
        C::get(row, name)
    }
}

fn get_text(row: &AnyRow, name: &str) -> StoreResult<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(name)?)
}

/// Text.
pub struct Text;
impl Column for Text {
    type Value = String;
    const KIND: Kind = Kind::Text;
    fn get(row: &AnyRow, name: &str) -> StoreResult<Option<String>> {
        get_text(row, name)
    }
}

/// A 64-bit integer.
pub struct Int;
impl Column for Int {
    type Value = i64;
    const KIND: Kind = Kind::Int;
    fn get(row: &AnyRow, name: &str) -> StoreResult<Option<i64>> {
        Ok(row.try_get::<Option<i64>, _>(name)?)
    }
}

/// An exact decimal.
pub struct Dec;
impl Column for Dec {
    type Value = Decimal;
    const KIND: Kind = Kind::Decimal;
    fn get(row: &AnyRow, name: &str) -> StoreResult<Option<Decimal>> {
        get_text(row, name)?
            .map(|text| {
                text.parse()
                    .map_err(|e| StoreError::Corrupt(format!("{name} {text:?}: {e}")))
            })
            .transpose()
    }
}

/// An instant.
pub struct Instant;
impl Column for Instant {
    type Value = OffsetDateTime;
    const KIND: Kind = Kind::Instant;
    fn get(row: &AnyRow, name: &str) -> StoreResult<Option<OffsetDateTime>> {
        get_text(row, name)?
            .as_deref()
            .map(parse_instant)
            .transpose()
    }
}

/// A calendar date.
pub struct Day;
impl Column for Day {
    type Value = Date;
    const KIND: Kind = Kind::Date;
    fn get(row: &AnyRow, name: &str) -> StoreResult<Option<Date>> {
        get_text(row, name)?.as_deref().map(parse_date).transpose()
    }
}

/// A currency, stored as its ISO 4217 code.
pub struct CurrencyCode;
impl Column for CurrencyCode {
    type Value = settle_core::currency::Currency;
    const KIND: Kind = Kind::Text;
    fn get(row: &AnyRow, name: &str) -> StoreResult<Option<Self::Value>> {
        get_text(row, name)?
            .map(|code| {
                settle_core::currency::Currency::parse(&code)
                    .map_err(|e| StoreError::Corrupt(format!("{name} {code:?}: {e}")))
            })
            .transpose()
    }
}

/// A JSON document decoded as `T`.
pub struct Json<T>(PhantomData<T>);
impl<T: serde::de::DeserializeOwned> Column for Json<T> {
    type Value = T;
    const KIND: Kind = Kind::Json;
    fn get(row: &AnyRow, name: &str) -> StoreResult<Option<T>> {
        get_text(row, name)?
            .map(|text| {
                serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{name}: {e}")))
            })
            .transpose()
    }
}

/// Declares the row a record type is read from: a struct with one field per column (named as
/// the column, typed by a [`Field`]), its [`TableSpec`], its select list and its decoding.
///
/// ```ignore
/// table_row! {
///     /// A row of `payments`.
///     pub struct PaymentRow in "payments" { id: Text, amount: Dec, paid_on: Day }
/// }
/// ```
#[macro_export]
macro_rules! table_row {
    ($(#[$meta:meta])* $vis:vis struct $name:ident in $table:literal {
        $($column:ident: $field:ty),* $(,)?
    }) => {
        $(#[$meta])*
        $vis struct $name {
            $(
                #[doc = concat!("The `", stringify!($column), "` column.")]
                pub $column: <$field as $crate::columns::Field>::Value,
            )*
        }

        impl $name {
            /// The table and the columns this row reads.
            #[allow(dead_code)]
            pub const TABLE: $crate::columns::TableSpec = $crate::columns::TableSpec {
                name: $table,
                columns: &[$($crate::columns::ColumnSpec {
                    name: stringify!($column),
                    kind: <$field as $crate::columns::Field>::KIND,
                    nullable: <$field as $crate::columns::Field>::NULLABLE,
                }),*],
            };

            /// The select list of this row's columns.
            #[allow(dead_code)]
            pub fn columns() -> &'static str {
                static LIST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                LIST.get_or_init(|| Self::TABLE.select_list(""))
            }

            /// Decodes one row selected with [`Self::columns`].
            pub fn read(row: &sqlx::any::AnyRow) -> $crate::StoreResult<Self> {
                Ok(Self {
                    $($column: <$field as $crate::columns::Field>::read(row, stringify!($column))?,)*
                })
            }
        }
    };
}

/// Every row the store declares, for the test that checks them against both engines.
pub fn declared_rows() -> Vec<TableSpec> {
    use crate::{
        api_keys, billing, certificates, events, jobs, partners, settlement, supplier, tenants,
        uploads, users,
    };
    vec![
        api_keys::KeyRow::TABLE,
        billing::charges::ChargeRow::TABLE,
        billing::documents::DocumentRow::TABLE,
        billing::lines::LineRow::TABLE,
        billing::payments::AllocationRow::TABLE,
        billing::payments::PaymentRow::TABLE,
        billing::profiles::ProfileRow::TABLE,
        billing::rebills::RebillRow::TABLE,
        billing::runs::RunRow::TABLE,
        certificates::CertificateRow::TABLE,
        events::EventRow::TABLE,
        jobs::JobRow::TABLE,
        partners::PartnerRow::TABLE,
        settlement::ContractRow::TABLE,
        settlement::TransferRow::TABLE,
        settlement::closing::SettlementRow::TABLE,
        settlement::bank::BankAccountRow::TABLE,
        crate::popbill::PopbillKeyRow::TABLE,
        crate::popbill::PopbillTokenRow::TABLE,
        supplier::LinkRow::TABLE,
        supplier::SessionRow::TABLE,
        crate::tax_invoices::HistoryRow::TABLE,
        crate::tax_invoices::TaxInvoiceRow::TABLE,
        tenants::TenantRow::TABLE,
        uploads::UploadRow::TABLE,
        users::UserRow::TABLE,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_sql_loses_every_cast() {
        assert_eq!(
            strip_casts("INSERT INTO t VALUES ($1::numeric, $2::timestamptz, $3)"),
            "INSERT INTO t VALUES ($1, $2, $3)"
        );
        assert_eq!(strip_casts("a::jsonb"), "a");
        assert_eq!(strip_casts("no casts"), "no casts");
    }

    #[test]
    fn typed_columns_are_read_as_text() {
        const SPEC: TableSpec = TableSpec {
            name: "t",
            columns: &[
                ColumnSpec {
                    name: "id",
                    kind: Kind::Text,
                    nullable: false,
                },
                ColumnSpec {
                    name: "total",
                    kind: Kind::Decimal,
                    nullable: false,
                },
            ],
        };
        assert_eq!(
            SPEC.select_list("t."),
            "t.id, CAST(t.total AS TEXT) AS total"
        );
    }
}
