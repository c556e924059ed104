//! Transfers from a CSV (UTF-8 or CP949) or XLSX file: the columns are the API's fields,
//! and the file is recorded like one API call (all or nothing, at most 10,000 rows), each
//! problem named `rows[N].field` with N the 1-based data row.

use settle_core::money::DecimalInput;
use settle_core::settlement::TransferInput;
use settle_core::validation::FieldError;
use settle_tabular::read_table;

use super::{TransferReport, record_labelled};
use crate::auth::Principal;
use crate::import::map_columns;
use crate::{App, AppError};

/// The columns a transfer file may have.
pub const TRANSFER_COLUMNS: [&str; 9] = [
    "external_id",
    "partner_id",
    "kind",
    "occurred_on",
    "order_id",
    "product_id",
    "category",
    "amount",
    "discount",
];
const REQUIRED: [&str; 5] = ["external_id", "partner_id", "kind", "occurred_on", "amount"];

/// Records the transfers of `file`.
pub async fn import_transfers(
    app: &App,
    by: &Principal,
    file: &[u8],
) -> Result<TransferReport, AppError> {
    let table = read_table(file).map_err(|e| AppError::invalid(e.code(), "file", e.to_string()))?;
    let columns = map_columns(&table.headers, &TRANSFER_COLUMNS, &REQUIRED)?;
    let mut inputs = Vec::with_capacity(table.rows.len());
    let mut errors = Vec::new();
    for row in table.rows {
        let label = format!("rows[{}]", row.number);
        let cell = |name: &str| {
            columns
                .get(name)
                .and_then(|&i| row.cells.get(i))
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
        };
        let mut decimal = |name: &str| -> Option<DecimalInput> {
            let text = cell(name)?;
            match text.replace(',', "").parse() {
                Ok(value) => Some(DecimalInput(value)),
                Err(_) => {
                    errors.push(FieldError::new(
                        "transfer.invalid_amount",
                        format!("{label}.{name}"),
                        format!("{name} {text:?} is not a decimal number"),
                    ));
                    None
                }
            }
        };
        let amount = decimal("amount");
        let discount = decimal("discount");
        let input = TransferInput {
            external_id: cell("external_id"),
            partner_id: cell("partner_id"),
            kind: cell("kind"),
            occurred_on: cell("occurred_on"),
            order_id: cell("order_id"),
            product_id: cell("product_id"),
            category: cell("category"),
            amount,
            discount,
        };
        inputs.push((label, input));
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    record_labelled(app, by, inputs).await
}
