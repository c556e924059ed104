//! The item rows of the tax-invoice forms (drafting, amending): four rows as on the
//! standard form, each cell named `items[i].field` like the API's field paths, so the
//! use case's errors land on their cell.

use std::collections::HashMap;

use super::WorkspaceTexts;
use super::forms::{FieldErrors, Input, filled};
use crate::pages::i18n::Texts;

/// Item rows on a form: the standard form has four.
pub const FORM_LINES: usize = 4;

/// The columns of an item row: the API's field names.
const LINE_FIELDS: [&str; 7] = [
    "date",
    "name",
    "spec",
    "quantity",
    "unit_price",
    "supply_amount",
    "tax_amount",
];

fn cell(cells: &HashMap<String, String>, index: usize, field: &str) -> String {
    cells
        .get(&format!("items[{index}].{field}"))
        .cloned()
        .unwrap_or_default()
}

/// The rows that hold anything, as the API's JSON items.
pub fn items(cells: &HashMap<String, String>) -> Vec<serde_json::Value> {
    (0..FORM_LINES)
        .filter(|i| {
            LINE_FIELDS
                .iter()
                .any(|f| !cell(cells, *i, f).trim().is_empty())
        })
        .map(|i| {
            let item: serde_json::Map<String, serde_json::Value> = LINE_FIELDS
                .iter()
                .filter_map(|f| filled(&cell(cells, i, f)).map(|v| ((*f).to_owned(), v.into())))
                .collect();
            serde_json::Value::Object(item)
        })
        .collect()
}

/// The rows' inputs with what was typed, and the errors that belong to them placed
/// (the rest stay in the returned errors).
pub fn rows(
    t: &'static Texts,
    w: &'static WorkspaceTexts,
    cells: &HashMap<String, String>,
    errors: FieldErrors,
) -> (Vec<Vec<Input>>, FieldErrors) {
    let labels = [
        w.item_date,
        t.item,
        t.spec,
        t.quantity,
        t.unit_price,
        t.supply_amount,
        t.tax_amount,
    ];
    let mut inputs: Vec<Input> = (0..FORM_LINES)
        .flat_map(|i| {
            LINE_FIELDS
                .iter()
                .zip(labels)
                .map(move |(field, label)| (i, *field, label))
        })
        .map(|(i, field, label)| {
            Input::text(format!("items[{i}].{field}"), label, cell(cells, i, field))
        })
        .collect();
    let errors = errors.place(&mut inputs);
    let mut inputs = inputs.into_iter();
    let rows = (0..FORM_LINES)
        .map(|_| inputs.by_ref().take(LINE_FIELDS.len()).collect())
        .collect();
    (rows, errors)
}
