//! XLSX rows.

use std::path::Path;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use time::Date;

use super::{Cell, RowSink, WriteError};

/// Rows in a sheet, header included (Excel's limit).
const SHEET_ROWS: u32 = 1_048_576;

/// Writes a workbook whose sheets stream to temporary files as rows arrive (rust_xlsxwriter's
/// constant-memory mode), so memory stays flat however long the table is. A table longer
/// than a sheet continues on the next one under the same header.
///
/// Decimals become numbers so people can sum them: an Excel cell holds a binary double,
/// which keeps about 15 significant digits, more than any amount, price or rate settle
/// stores; the exact values are in the CSV and JSON Lines forms. Dates become dates.
pub struct XlsxRows {
    workbook: Workbook,
    headers: Vec<String>,
    sheets: usize,
    next_row: u32,
    header_format: Format,
    date_format: Format,
}

impl XlsxRows {
    /// Starts a workbook with the `headers` on its first sheet.
    pub fn new(headers: &[&str]) -> Result<Self, WriteError> {
        let mut rows = XlsxRows {
            workbook: Workbook::new(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            sheets: 0,
            next_row: 0,
            header_format: Format::new().set_bold(),
            date_format: Format::new().set_num_format("yyyy-mm-dd"),
        };
        rows.start_sheet()?;
        Ok(rows)
    }

    fn start_sheet(&mut self) -> Result<(), WriteError> {
        let sheet = self.workbook.add_worksheet_with_constant_memory();
        for (col, header) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(0, column(col), header, &self.header_format)?;
        }
        self.sheets += 1;
        self.next_row = 1;
        Ok(())
    }

    /// Saves the workbook to `path`.
    pub fn save(mut self, path: &Path) -> Result<(), WriteError> {
        self.workbook.save(path)?;
        Ok(())
    }
}

impl RowSink for XlsxRows {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), WriteError> {
        if self.next_row == SHEET_ROWS {
            self.start_sheet()?;
        }
        let row = self.next_row;
        let sheet = self.workbook.worksheet_from_index(self.sheets - 1)?;
        for (col, cell) in cells.iter().enumerate() {
            let col = column(col);
            match cell {
                Cell::Empty => {}
                Cell::Text(text) => {
                    sheet.write_string(row, col, *text)?;
                }
                Cell::Decimal(value) => {
                    sheet.write_number(row, col, number(*value))?;
                }
                Cell::Date(date) => match excel_date(*date) {
                    Some(day) => {
                        sheet.write_datetime_with_format(row, col, day, &self.date_format)?;
                    }
                    // Excel has no dates before 1900 or after 9999: the text form then.
                    None => {
                        let mut text = String::new();
                        cell.write_text(&mut text);
                        sheet.write_string(row, col, text)?;
                    }
                },
            }
        }
        self.next_row += 1;
        Ok(())
    }
}

fn column(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}

/// The nearest double, which is what an Excel number cell holds.
fn number(value: Decimal) -> f64 {
    value.to_f64().unwrap_or_default()
}

fn excel_date(date: Date) -> Option<ExcelDateTime> {
    let year = u16::try_from(date.year()).ok()?;
    ExcelDateTime::from_ymd(year, u8::from(date.month()), date.day()).ok()
}
