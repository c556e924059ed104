//! Reads uploaded spreadsheets into a header and rows of text cells (and, in [`write`],
//! writes tables as CSV, JSON Lines and XLSX): CSV in UTF-8 (with or
//! without a byte-order mark) or CP949 (what Korean Excel writes), tab-separated text, and
//! the first sheet of an XLSX workbook. The format is recognised from the bytes, not from a
//! file name. Callers turn the text into typed values with their own validation.

mod text;
pub mod write;
mod xlsx;

/// A spreadsheet read into text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// The header row, trimmed.
    pub headers: Vec<String>,
    /// The data rows that are not entirely blank.
    pub rows: Vec<Row>,
}

/// One data row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// 1-based position among the data rows (the header is not counted), as a person
    /// counting rows below the header would number it.
    pub number: usize,
    /// Cell texts, one per header (missing cells are empty, extra cells are kept).
    pub cells: Vec<String>,
}

/// Why a file could not be read as a table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TabularError {
    /// Neither CSV/TSV text nor an XLSX workbook.
    #[error("{0}")]
    UnsupportedFormat(String),
    /// Recognised, but broken.
    #[error("{0}")]
    Malformed(String),
    /// No header row.
    #[error("the file has no header row")]
    Empty,
}

impl TabularError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            TabularError::UnsupportedFormat(_) => "import.unsupported_format",
            TabularError::Malformed(_) => "import.malformed",
            TabularError::Empty => "import.empty",
        }
    }
}

/// Reads `bytes` as XLSX when they are a ZIP archive, as delimited text otherwise.
pub fn read_table(bytes: &[u8]) -> Result<Table, TabularError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return xlsx::read(bytes);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(TabularError::UnsupportedFormat(
            "legacy .xls workbooks are not supported; save the sheet as .xlsx or CSV".into(),
        ));
    }
    text::read(bytes)
}

/// Builds a table from raw records (header first), numbering data rows and dropping blank
/// ones.
fn assemble(mut records: impl Iterator<Item = Vec<String>>) -> Result<Table, TabularError> {
    let headers: Vec<String> = records
        .next()
        .ok_or(TabularError::Empty)?
        .into_iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(TabularError::Empty);
    }
    let rows = records
        .enumerate()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .map(|(index, mut cells)| {
            if cells.len() < headers.len() {
                cells.resize(headers.len(), String::new());
            }
            Row {
                number: index + 1,
                cells,
            }
        })
        .collect();
    Ok(Table { headers, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(table: &Table) -> Vec<Vec<&str>> {
        table
            .rows
            .iter()
            .map(|r| r.cells.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn utf8_csv_with_bom_and_quotes() {
        let table =
            read_table("\u{feff}name,brn\n\"가나, 주식회사\",2208162517\n".as_bytes()).unwrap();
        assert_eq!(table.headers, ["name", "brn"]);
        assert_eq!(cells(&table), [["가나, 주식회사", "2208162517"]]);
    }

    #[test]
    fn cp949_csv_is_decoded() {
        let (bytes, _, lossy) = encoding_rs::EUC_KR.encode("name,ceo_name\n주식회사 가나,홍길동\n");
        assert!(!lossy);
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "the sample must not be UTF-8"
        );
        let table = read_table(&bytes).unwrap();
        assert_eq!(cells(&table), [["주식회사 가나", "홍길동"]]);
    }

    #[test]
    fn blank_rows_are_skipped_but_numbering_follows_the_file() {
        let table = read_table(b"a,b\n1,2\n,\n\n3\n").unwrap();
        let numbers: Vec<usize> = table.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 3]);
        assert_eq!(cells(&table)[1], ["3", ""]);
    }

    #[test]
    fn tab_separated_text_is_read() {
        let table = read_table(b"a\tb\nx\ty\n").unwrap();
        assert_eq!(cells(&table), [["x", "y"]]);
    }

    #[test]
    fn xlsx_first_sheet_with_numbers_and_dates() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "brn").unwrap();
        sheet.write_string(0, 1, "name").unwrap();
        sheet.write_string(0, 2, "date").unwrap();
        sheet.write_number(1, 0, 2208162517.0).unwrap();
        sheet.write_string(1, 1, "주식회사 가나").unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 10, 31).unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        sheet
            .write_datetime_with_format(1, 2, &date, &format)
            .unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let table = read_table(&bytes).unwrap();
        assert_eq!(table.headers, ["brn", "name", "date"]);
        assert_eq!(
            cells(&table),
            [["2208162517", "주식회사 가나", "2026-10-31"]]
        );
    }

    #[test]
    fn binary_files_and_foreign_zips_are_refused() {
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe";
        assert_eq!(
            read_table(png).unwrap_err().code(),
            "import.unsupported_format"
        );
        let zip = b"PK\x03\x04 not really a workbook";
        assert_eq!(
            read_table(zip).unwrap_err().code(),
            "import.unsupported_format"
        );
        let xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
        assert_eq!(
            read_table(xls).unwrap_err().code(),
            "import.unsupported_format"
        );
        assert_eq!(read_table(b"").unwrap_err(), TabularError::Empty);
    }
}
