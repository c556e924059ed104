//! Writes tables for people and programs to read back, one row at a time so a table of any
//! length takes constant memory: CSV in UTF-8 with a byte-order mark (so Excel reads Korean
//! text), JSON Lines, and XLSX. Decimals and dates have one invariant form everywhere:
//! plain digits with a `.` and no grouping (`1234.50`, `-0.975`), and `YYYY-MM-DD`.

mod csv_rows;
mod jsonl_rows;
mod xlsx_rows;

use std::fmt::Write as _;

use rust_decimal::Decimal;
use time::Date;

pub use csv_rows::CsvRows;
pub use jsonl_rows::JsonlRows;
pub use xlsx_rows::XlsxRows;

/// One cell of a row to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell<'a> {
    /// Nothing (JSON `null`).
    Empty,
    /// Text, written as given.
    Text(&'a str),
    /// An exact decimal, with its scale (`10.00` stays `10.00`).
    Decimal(Decimal),
    /// A calendar date.
    Date(Date),
}

impl<'a> Cell<'a> {
    /// Text, or [`Cell::Empty`] when there is none.
    pub fn text(value: Option<&'a str>) -> Self {
        value.map_or(Cell::Empty, Cell::Text)
    }

    /// The decimal, or [`Cell::Empty`].
    pub fn decimal(value: Option<Decimal>) -> Self {
        value.map_or(Cell::Empty, Cell::Decimal)
    }

    /// The date, or [`Cell::Empty`].
    pub fn date(value: Option<Date>) -> Self {
        value.map_or(Cell::Empty, Cell::Date)
    }

    /// Appends the invariant text form of the cell to `out` (nothing for an empty cell).
    pub fn write_text(&self, out: &mut String) {
        match self {
            Cell::Empty => {}
            Cell::Text(text) => out.push_str(text),
            Cell::Decimal(value) => {
                let _ = write!(out, "{value}");
            }
            Cell::Date(date) => {
                let _ = write!(
                    out,
                    "{:04}-{:02}-{:02}",
                    date.year(),
                    u8::from(date.month()),
                    date.day()
                );
            }
        }
    }
}

/// A file format for tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values, UTF-8 with a byte-order mark.
    Csv,
    /// An Excel workbook.
    Xlsx,
    /// One JSON object per line, keyed by the column names.
    Jsonl,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 3] = [Format::Csv, Format::Xlsx, Format::Jsonl];

    /// The format's name as clients give it (`csv`, `xlsx`, `jsonl`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Jsonl => "jsonl",
        }
    }

    /// The format named `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// Its media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Jsonl => "application/jsonl",
        }
    }

    /// The file-name extension, without the dot (same as the name).
    pub fn extension(self) -> &'static str {
        self.as_str()
    }
}

/// Why a table could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The destination failed.
    #[error("writing the table failed: {0}")]
    Io(#[from] std::io::Error),
    /// The workbook could not be made.
    #[error("writing the workbook failed: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// Something that takes rows of a table with fixed columns.
pub trait RowSink {
    /// Writes one row, a cell per column.
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), WriteError>;
}

#[cfg(test)]
mod tests;
