//! Partner import from CSV (UTF-8 or CP949) or XLSX: every valid row is stored, every bad
//! row is reported with its number and all its problems. The stored rows commit together.

use std::collections::HashMap;

use serde::Serialize;
use settle_core::access::Right;
use settle_core::partner::{Partner, PartnerData, PartnerInput};
use settle_core::validation::FieldError;
use settle_store::partners;
use settle_tabular::{Row, read_table};

use crate::auth::Principal;
use crate::partners::clash_error;
use crate::{App, AppError, audit};

/// The columns a partner file may have: the JSON field names, `contact` flattened.
pub const COLUMNS: [&str; 14] = [
    "brn",
    "sub_business_id",
    "name",
    "ceo_name",
    "address",
    "biz_type",
    "biz_item",
    "partner_type",
    "external_id",
    "contact_name",
    "contact_email",
    "contact_phone",
    "tags",
    "language",
];
/// Columns without which no row could be valid.
const REQUIRED: [&str; 4] = ["name", "address", "contact_name", "contact_email"];

/// The outcome of an import.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// How many partners were stored.
    pub created: usize,
    /// The rows that were not, with why.
    pub failed: Vec<FailedRow>,
}

/// A row that was not imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FailedRow {
    /// 1-based data row (the header is not counted).
    pub row: usize,
    /// Everything wrong with it; `field` is the column name.
    pub errors: Vec<FieldError>,
}

/// The data rows of a partner file, after checking it is a spreadsheet with the columns
/// no row can do without.
pub fn count_rows(file: &[u8]) -> Result<usize, AppError> {
    let table = read_table(file).map_err(|e| AppError::invalid(e.code(), "file", e.to_string()))?;
    map_columns(&table.headers, &COLUMNS, &REQUIRED)?;
    Ok(table.rows.len())
}

/// Imports the partners in `file`.
pub async fn import_partners(
    app: &App,
    by: &Principal,
    file: &[u8],
) -> Result<ImportReport, AppError> {
    by.require(Right::WritePartners)?;
    let table = read_table(file).map_err(|e| AppError::invalid(e.code(), "file", e.to_string()))?;
    let columns = map_columns(&table.headers, &COLUMNS, &REQUIRED)?;
    let now = app.now();
    let mut report = ImportReport::default();
    let mut seen = SeenKeys::default();
    // Index-aligned with `fresh`: the file row of each partner to store.
    let mut rows_of = Vec::with_capacity(table.rows.len());
    let mut fresh = Vec::with_capacity(table.rows.len());
    for mut row in table.rows {
        let outcome = row_input(&columns, &mut row)
            .validate()
            .and_then(|data| seen.admit(&data, row.number).map(|()| data));
        match outcome {
            Ok(data) => {
                rows_of.push(row.number);
                fresh.push(Partner::new(by.tenant_id.clone(), data, now));
            }
            Err(errors) => report.failed.push(FailedRow {
                row: row.number,
                errors: as_columns(errors),
            }),
        }
    }
    let mut tx = app.store.write().await?;
    let stored = partners::insert_many(&mut tx, &fresh).await?;
    for (partner, row) in fresh
        .iter()
        .zip(rows_of)
        .filter(|(p, _)| !stored.contains(&p.id))
    {
        let clash =
            partners::find_clash(&mut tx, &by.tenant_id, &partner.data, Some(&partner.id)).await?;
        let error = match clash {
            Some(clash) => clash_error(&clash),
            None => AppError::conflict(
                "partner.duplicate_brn",
                "a partner with this brn was added meanwhile",
            )
            .with_field("brn"),
        };
        let field = error.field.clone().unwrap_or_default();
        report.failed.push(FailedRow {
            row,
            errors: vec![FieldError::new(error.code, field, error.message)],
        });
    }
    report.created = stored.len();
    report.failed.sort_by_key(|f| f.row);
    let data = serde_json::json!({ "created": report.created, "failed": report.failed.len() });
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "partners.imported",
        ("tenant", by.tenant_id.as_str()),
        data,
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(report)
}

/// For each known column, its position in the file; unknown, repeated or missing required
/// columns are refused.
pub(crate) fn map_columns(
    headers: &[String],
    known_columns: &[&'static str],
    required: &[&str],
) -> Result<HashMap<&'static str, usize>, AppError> {
    let mut columns = HashMap::new();
    for (index, header) in headers.iter().enumerate() {
        let name = header.trim().to_ascii_lowercase();
        let Some(known) = known_columns.iter().find(|c| **c == name) else {
            return Err(AppError::invalid(
                "import.unknown_column",
                header,
                format!(
                    "unknown column {header:?}; the columns are {}",
                    known_columns.join(", ")
                ),
            ));
        };
        if columns.insert(*known, index).is_some() {
            return Err(AppError::invalid(
                "import.duplicate_column",
                header,
                format!("column {header:?} appears twice"),
            ));
        }
    }
    if let Some(missing) = required.iter().find(|c| !columns.contains_key(*c)) {
        return Err(AppError::invalid(
            "import.missing_column",
            missing,
            format!("the file has no {missing:?} column"),
        ));
    }
    Ok(columns)
}

fn row_input(columns: &HashMap<&'static str, usize>, row: &mut Row) -> PartnerInput {
    let mut cell = |name: &str| {
        columns
            .get(name)
            .and_then(|&i| row.cells.get_mut(i))
            .map(std::mem::take)
    };
    PartnerInput {
        brn: cell("brn"),
        sub_business_id: cell("sub_business_id"),
        name: cell("name"),
        ceo_name: cell("ceo_name"),
        address: cell("address"),
        biz_type: cell("biz_type"),
        biz_item: cell("biz_item"),
        partner_type: cell("partner_type"),
        external_id: cell("external_id"),
        contact_name: cell("contact_name"),
        contact_email: cell("contact_email"),
        contact_phone: cell("contact_phone"),
        // Several tags share one cell, separated by semicolons.
        tags: cell("tags").map(|text| text.split(';').map(str::to_owned).collect()),
        language: cell("language"),
    }
}

/// Names fields as the file's columns (`contact.email` → `contact_email`).
fn as_columns(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| FieldError {
            field: e.field.replace('.', "_"),
            ..e
        })
        .collect()
}

/// Uniqueness within the file itself, which the database cannot report per row.
#[derive(Default)]
struct SeenKeys {
    brns: HashMap<(String, String), usize>,
    external_ids: HashMap<String, usize>,
}

impl SeenKeys {
    fn admit(&mut self, data: &PartnerData, row: usize) -> Result<(), Vec<FieldError>> {
        let brn_key = data.brn.as_ref().map(|brn| {
            (
                brn.to_string(),
                data.sub_business_id.clone().unwrap_or_default(),
            )
        });
        if let Some(first) = brn_key.as_ref().and_then(|key| self.brns.get(key)) {
            return Err(vec![FieldError::new(
                "partner.duplicate_brn",
                "brn",
                format!("row {first} has the same brn"),
            )]);
        }
        if let Some(first) = data
            .external_id
            .as_ref()
            .and_then(|id| self.external_ids.get(id))
        {
            return Err(vec![FieldError::new(
                "partner.duplicate_external_id",
                "external_id",
                format!("row {first} has the same external_id"),
            )]);
        }
        if let Some(key) = brn_key {
            self.brns.insert(key, row);
        }
        if let Some(external_id) = &data.external_id {
            self.external_ids.insert(external_id.clone(), row);
        }
        Ok(())
    }
}
