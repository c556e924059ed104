//! JSON Lines rows.

use std::io::Write;

use super::{Cell, RowSink, WriteError};

/// Writes one JSON object per row, keyed by the column names in column order. Decimals are
/// strings, so no reader turns them into binary floating point; empty cells are `null`.
pub struct JsonlRows<W: Write> {
    out: W,
    keys: Vec<String>,
    line: String,
}

impl<W: Write> JsonlRows<W> {
    /// Starts a file whose objects have the `headers` as keys.
    pub fn new(out: W, headers: &[&str]) -> Self {
        let keys = headers.iter().map(|h| json_string(h)).collect();
        JsonlRows {
            out,
            keys,
            line: String::new(),
        }
    }

    /// The destination.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Gives the destination back.
    pub fn finish(mut self) -> Result<W, WriteError> {
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> RowSink for JsonlRows<W> {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), WriteError> {
        let line = &mut self.line;
        line.clear();
        line.push('{');
        let mut text = String::new();
        for (index, (key, cell)) in self.keys.iter().zip(cells).enumerate() {
            if index > 0 {
                line.push(',');
            }
            line.push_str(key);
            line.push(':');
            match cell {
                Cell::Empty => line.push_str("null"),
                Cell::Text(value) => line.push_str(&json_string(value)),
                other => {
                    text.clear();
                    other.write_text(&mut text);
                    line.push('"');
                    line.push_str(&text);
                    line.push('"');
                }
            }
        }
        line.push_str("}\n");
        self.out.write_all(line.as_bytes())?;
        Ok(())
    }
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}
