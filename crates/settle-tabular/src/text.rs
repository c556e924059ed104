//! Delimited text: UTF-8 first, CP949 when the bytes are not UTF-8.

use encoding_rs::EUC_KR;

use crate::{Table, TabularError, assemble};

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub(crate) fn read(bytes: &[u8]) -> Result<Table, TabularError> {
    let text = decode(bytes)?;
    if text.contains('\0') {
        return Err(not_text());
    }
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| TabularError::Malformed(format!("CSV line {}: {e}", index + 1)))?;
        records.push(record.iter().map(str::to_owned).collect::<Vec<_>>());
    }
    assemble(records.into_iter())
}

fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, TabularError> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.into());
    }
    // encoding_rs's EUC-KR is the WHATWG one, i.e. Windows code page 949 (Unified Hangul).
    EUC_KR
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or_else(not_text)
}

fn not_text() -> TabularError {
    TabularError::UnsupportedFormat(
        "the file is neither CSV text (UTF-8 or CP949) nor an XLSX workbook".into(),
    )
}
