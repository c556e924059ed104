//! The constraints the server enforces on values that recur across the API, stated once by
//! name and written into every query parameter and body property of that name: cursors,
//! typed ids, currency codes, BRNs, dates and billing periods. (Constraints particular to
//! one body stay on its type.)

use serde_json::{Value, json};
use settle_core::access::Role;
use settle_core::billing::{ChargeCategory, ChargeType, DocumentKind, DocumentStatus, Series};
use settle_core::currency::Currency;
use settle_core::rounding::RoundingMode;
use settle_core::tax_invoice::ALL_STATES;

/// A typed id: its prefix and a lowercase ULID.
fn id_pattern(prefix: &str) -> Value {
    json!({ "pattern": format!("^{prefix}_[0-7][0-9a-hjkmnp-tv-z]{{25}}$") })
}

/// The schema additions for a value named `name`, if it is one of the recurring kinds.
fn rule(name: &str) -> Option<Value> {
    let prefix = match name {
        "partner_id" => Some("par"),
        "invoice_id" | "original_id" => Some("inv"),
        "line_id" | "credits_line_id" => Some("lin"),
        "run_id" | "billing_run_id" => Some("run"),
        "profile_id" => Some("bpr"),
        "charge_id" => Some("chg"),
        "payment_id" => Some("pay"),
        _ => None,
    };
    if let Some(prefix) = prefix {
        return Some(id_pattern(prefix));
    }
    Some(match name {
        "cursor" => json!({ "pattern": settle_app::pagination::CURSOR_PATTERN }),
        "currency" | "billing_currency" | "pricing_currency" => {
            json!({ "enum": Currency::codes() })
        }
        // Ten digits, hyphens allowed; `format: brn` also says the check digit must hold.
        "brn" => json!({ "pattern": "^[0-9]{3}-?[0-9]{2}-?[0-9]{5}$", "format": "brn" }),
        "as_of" | "from" | "to" | "paid_on" | "order_date" | "charge_start" | "charge_end"
        | "exchange_rate_date" | "write_date" | "effective_from" | "occurred_on" | "through"
        | "payout_date" => json!({ "format": "date" }),
        // Years 2000-9999.
        "period" => json!({ "pattern": "^([2-9][0-9]{3})-(0[1-9]|1[0-2])$" }),
        "email" | "contact_email" => json!({ "format": "email" }),
        // Decimal strings: exact, never floats.
        "amount" | "discount" | "exchange_rate" | "quantity" | "supply_amount" | "supply_total"
        | "tax_amount" | "tax_rate" | "tax_total" | "total" | "unit_price" => {
            json!({ "pattern": "^-?[0-9]{1,15}(\\.[0-9]{1,6})?$" })
        }
        "tax_rounding" | "billing_rounding" => json!({ "enum": RoundingMode::ACCEPTED_NAMES }),
        "charge_type" => json!({ "enum": ChargeType::NAMES }),
        "category" => json!({ "enum": ChargeCategory::NAMES }),
        "series" => json!({ "enum": Series::NAMES }),
        _ => return None,
    })
}

/// The additions for a query parameter named `name`: the recurring ones, and the filters
/// whose names mean something else in bodies (`state`, `status`, `kind`, `format`).
fn query_rule(name: &str) -> Option<Value> {
    Some(match name {
        "nts_link" => json!({ "enum": ["linked", "unlinked"] }),
        "state" => json!({ "enum": ALL_STATES.map(|s| s.as_str()) }),
        "status" => json!({ "enum": DocumentStatus::NAMES }),
        "kind" => json!({ "enum": DocumentKind::NAMES }),
        "format" => json!({ "enum": ["json"] }),
        // Visible ASCII, no blank at either end (HTTP trims those), 1 to 255 characters.
        "Idempotency-Key" => json!({ "pattern": "^[!-~](?:[\\t -~]{0,253}[!-~])?$" }),
        _ => return rule(name),
    })
}

/// The additions for the items of an array property named `name`.
fn items_rule(name: &str) -> Option<Value> {
    match name {
        "roles" => Some(json!({ "enum": Role::ALL.map(Role::as_str) })),
        _ => None,
    }
}

/// Writes the recurring constraints into `doc` (an OpenAPI document as JSON).
pub fn document(doc: &mut Value) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for operation in item
                .as_object_mut()
                .into_iter()
                .flat_map(|o| o.values_mut())
            {
                let parameters = operation
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut);
                for parameter in parameters.into_iter().flatten() {
                    let name = parameter["name"].as_str().unwrap_or_default().to_owned();
                    let add = query_rule(&name);
                    if let (Some(add), Some(schema)) = (add, parameter.get_mut("schema")) {
                        merge(schema, &add);
                    }
                }
                walk(operation);
            }
        }
    }
    if let Some(schemas) = doc.pointer_mut("/components/schemas") {
        walk(schemas);
    }
    let mut schemas = doc
        .pointer_mut("/components/schemas")
        .map(Value::take)
        .unwrap_or_default();
    let mut paths = doc.get_mut("paths").map(Value::take).unwrap_or_default();
    if let (Value::Object(schemas), Value::Object(paths)) = (&mut schemas, &mut paths) {
        crate::body_schemas::document(schemas, paths);
    }
    doc["components"]["schemas"] = schemas;
    doc["paths"] = paths;
    mark_optional_bodies(doc);
}

/// An empty JSON body reads as `{}`, so a JSON body is required only when its schema
/// requires a field.
fn mark_optional_bodies(doc: &mut Value) {
    let schemas = doc
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or_default();
    let requires_fields = |schema: &Value| {
        let schema = match schema["$ref"].as_str() {
            Some(reference) => {
                let name = reference.rsplit('/').next().unwrap_or_default();
                &schemas[name]
            }
            None => schema,
        };
        schema["required"].as_array().is_some_and(|r| !r.is_empty())
    };
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        for operation in item
            .as_object_mut()
            .into_iter()
            .flat_map(|o| o.values_mut())
        {
            let Some(body) = operation.get_mut("requestBody") else {
                continue;
            };
            if let Some(schema) = body.pointer("/content/application~1json/schema") {
                let required = requires_fields(schema);
                body["required"] = Value::Bool(required);
            }
        }
    }
}

/// Applies the rules to every `properties` map under `value`.
fn walk(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                for (name, schema) in properties.iter_mut() {
                    if let Some(add) = rule(name) {
                        merge(schema, &add);
                    }
                    if let (Some(add), Some(items)) = (items_rule(name), schema.get_mut("items")) {
                        merge(items, &add);
                    }
                }
            }
            for child in map.values_mut() {
                walk(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(walk),
        _ => {}
    }
}

/// Adds `add` to a string schema (or to the string branch of a nullable one).
fn merge(schema: &mut Value, add: &Value) {
    let Some(target) = schema.as_object_mut() else {
        return;
    };
    let is_string = match target.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    if !is_string {
        return;
    }
    let nullable = matches!(target.get("type"), Some(Value::Array(types)) if types.iter().any(|t| t == "null"));
    for (key, value) in add.as_object().into_iter().flatten() {
        let mut value = value.clone();
        // An enum lists every value admitted: null too, when the property may be null.
        if let (true, "enum", Value::Array(values)) = (nullable, key.as_str(), &mut value) {
            values.push(Value::Null);
        }
        target.entry(key.clone()).or_insert(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recurring_names_get_their_constraints() {
        let mut doc = json!({
            "paths": {"/x": {"get": {"parameters": [
                {"name": "cursor", "in": "query", "schema": {"type": ["string", "null"]}},
                {"name": "other", "in": "query", "schema": {"type": "string"}}
            ]}}},
            "components": {"schemas": {"Body": {"properties": {
                "partner_id": {"type": "string"},
                "currency": {"type": ["string", "null"]},
                "count": {"type": "integer"}
            }}}}
        });
        document(&mut doc);
        let parameters = &doc["paths"]["/x"]["get"]["parameters"];
        assert!(parameters[0]["schema"]["pattern"].is_string());
        assert!(parameters[1]["schema"].get("pattern").is_none());
        let body = &doc["components"]["schemas"]["Body"]["properties"];
        assert!(
            body["partner_id"]["pattern"]
                .as_str()
                .unwrap()
                .starts_with("^par_")
        );
        assert!(body["currency"]["enum"].as_array().unwrap().len() > 100);
        assert!(body["count"].get("enum").is_none());
    }
}
