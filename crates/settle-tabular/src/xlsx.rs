//! The first sheet of an XLSX workbook.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::{Table, TabularError, assemble};

pub(crate) fn read(bytes: &[u8]) -> Result<Table, TabularError> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        TabularError::UnsupportedFormat(format!("the ZIP file is not an XLSX workbook: {e}"))
    })?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or(TabularError::Empty)?
        .map_err(|e| TabularError::Malformed(format!("the first sheet cannot be read: {e}")))?;
    assemble(range.rows().map(|row| row.iter().map(cell_text).collect()))
}

/// A cell as the text a person sees. Numbers typed into Excel arrive as binary floating
/// point; their shortest round-trip text ("2208162517", "0.1") is exactly what was typed.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) => text.clone(),
        // Dates typed into Excel are serial numbers with a date format: give them back as
        // ISO dates (and date-times), the way the API spells them.
        Data::DateTime(value) => match value.as_datetime() {
            Some(datetime) => {
                let text = datetime.to_string();
                match text.strip_suffix(" 00:00:00") {
                    Some(date) => date.to_owned(),
                    None => text,
                }
            }
            None => value.to_string(),
        },
        other => other.to_string(),
    }
}
