//! Pieces every partner document prints: labelled fields, addresses, the issuer, dates.

use serde::Serialize;
use settle_core::billing::Address;
use settle_core::tenant::Tenant;
use time::Date;

/// A labelled value in a document's header.
#[derive(Debug, Serialize)]
pub(crate) struct Field {
    pub label: &'static str,
    pub value: String,
}

/// A labelled address block (sold to, bill to, …).
#[derive(Debug, Serialize)]
pub(crate) struct Party {
    label: &'static str,
    lines: Vec<String>,
}

impl Party {
    pub(crate) fn new(label: &'static str, lines: Vec<String>) -> Self {
        Party { label, lines }
    }
}

/// The platform that issues the document.
#[derive(Debug, Serialize)]
pub(crate) struct Issuer {
    name: String,
    brn: String,
    address: Option<String>,
}

impl Issuer {
    pub(crate) fn of(tenant: &Tenant) -> Self {
        Issuer {
            name: tenant.name.clone(),
            brn: tenant.brn.formatted(),
            address: tenant.profile.address.clone(),
        }
    }
}

/// An address as printed lines: name, street, then state, postal code and country.
pub(crate) fn address_lines(address: &Address) -> Vec<String> {
    let mut lines = vec![address.name.clone(), address.address.clone()];
    let region: Vec<&str> = [&address.state, &address.postal_code, &address.country]
        .into_iter()
        .filter_map(|part| part.as_deref())
        .filter(|part| !part.is_empty())
        .collect();
    if !region.is_empty() {
        lines.push(region.join(" "));
    }
    lines
}

/// `2026-10-31`: one invariant date format in every language.
pub(crate) fn day(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// `2026-10-01 – 2026-10-31`.
pub(crate) fn range(first: Date, last: Date) -> String {
    format!("{} – {}", day(first), day(last))
}
