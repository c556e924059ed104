//! CSV rows.

use std::io::Write;

use super::{Cell, RowSink, WriteError};

/// Writes CSV (RFC 4180) to `W`: a byte-order mark and the header first, then a record per
/// row ending in CRLF; a cell is quoted only when it holds a comma, a quote or a line break.
pub struct CsvRows<W: Write> {
    out: W,
    line: String,
    cell: String,
}

impl<W: Write> CsvRows<W> {
    /// Starts a file with the byte-order mark and the `headers`.
    pub fn new(mut out: W, headers: &[&str]) -> Result<Self, WriteError> {
        out.write_all("\u{feff}".as_bytes())?;
        let mut rows = CsvRows {
            out,
            line: String::new(),
            cell: String::new(),
        };
        let cells: Vec<Cell<'_>> = headers.iter().map(|h| Cell::Text(h)).collect();
        rows.row(&cells)?;
        Ok(rows)
    }

    /// The destination, e.g. to take what has been written so far.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Flushes and gives the destination back.
    pub fn finish(mut self) -> Result<W, WriteError> {
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> RowSink for CsvRows<W> {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), WriteError> {
        self.line.clear();
        for (index, cell) in cells.iter().enumerate() {
            if index > 0 {
                self.line.push(',');
            }
            self.cell.clear();
            cell.write_text(&mut self.cell);
            if self.cell.contains([',', '"', '\n', '\r']) {
                self.line.push('"');
                self.line.push_str(&self.cell.replace('"', "\"\""));
                self.line.push('"');
            } else {
                self.line.push_str(&self.cell);
            }
        }
        self.line.push_str("\r\n");
        self.out.write_all(self.line.as_bytes())?;
        Ok(())
    }
}
