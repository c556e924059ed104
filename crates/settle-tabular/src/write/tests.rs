use rust_decimal::Decimal;
use time::macros::date;

use super::*;
use crate::read_table;

const HEADERS: [&str; 4] = ["Name", "Amount", "Date", "Note"];

fn sample_rows() -> Vec<[Cell<'static>; 4]> {
    vec![
        [
            Cell::Text("가나, \"주식회사\""),
            Cell::Decimal(Decimal::new(-123_450, 2)),
            Cell::Date(date!(2026 - 11 - 30)),
            Cell::Empty,
        ],
        [
            Cell::Text("plain"),
            Cell::Decimal(Decimal::new(1000, 0)),
            Cell::Empty,
            Cell::Text("line\nbreak"),
        ],
    ]
}

fn write_all(sink: &mut impl RowSink) {
    for row in sample_rows() {
        sink.row(&row).unwrap();
    }
}

#[test]
fn csv_starts_with_a_bom_and_reads_back_cell_for_cell() {
    let mut csv = CsvRows::new(Vec::new(), &HEADERS).unwrap();
    write_all(&mut csv);
    let bytes = csv.finish().unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()));
    let table = read_table(&bytes).unwrap();
    assert_eq!(table.headers, HEADERS);
    assert_eq!(
        table.rows[0].cells,
        ["가나, \"주식회사\"", "-1234.50", "2026-11-30", ""]
    );
    assert_eq!(table.rows[1].cells, ["plain", "1000", "", "line\nbreak"]);
}

#[test]
fn jsonl_has_an_object_per_row_with_decimals_as_strings() {
    let mut jsonl = JsonlRows::new(Vec::new(), &HEADERS);
    write_all(&mut jsonl);
    let text = String::from_utf8(jsonl.finish().unwrap()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0],
        serde_json::json!({"Name": "가나, \"주식회사\"", "Amount": "-1234.50",
            "Date": "2026-11-30", "Note": null})
    );
    assert_eq!(lines[1]["Note"], "line\nbreak");
    let keys: Vec<&String> = lines[0].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), HEADERS.len());
}

#[test]
fn xlsx_holds_numbers_and_dates_that_read_back_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.xlsx");
    let mut xlsx = XlsxRows::new(&HEADERS).unwrap();
    write_all(&mut xlsx);
    xlsx.save(&path).unwrap();
    let table = read_table(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(table.headers, HEADERS);
    assert_eq!(
        table.rows[0].cells,
        ["가나, \"주식회사\"", "-1234.5", "2026-11-30", ""]
    );
    assert_eq!(table.rows[1].cells[..2], ["plain", "1000"]);
}

#[test]
fn formats_are_named_for_clients() {
    assert_eq!(Format::parse("jsonl"), Some(Format::Jsonl));
    assert_eq!(Format::parse("xls"), None);
    assert!(Format::Csv.content_type().starts_with("text/csv"));
}

#[test]
fn xlsx_writes_dates_excel_cannot_hold_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.xlsx");
    let mut xlsx = XlsxRows::new(&["Date"]).unwrap();
    xlsx.row(&[Cell::Date(date!(0226 - 10 - 01))]).unwrap();
    xlsx.save(&path).unwrap();
    let table = read_table(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(table.rows[0].cells, ["0226-10-01"]);
}
