//! `search`: a party's documents written in a period, narrowed by Popbill state codes
//! (`3**`-style wildcards), a page at a time.

use settle_core::tax_invoice::{Direction, TaxInvoiceFilter, TaxInvoiceRecord};

use super::documents::{KeyType, popbill_error, principal};
use super::wire::iso_date;
use super::{Caller, Member, PopbillError};
use crate::App;
use crate::pagination::PageRequest;
use crate::tax_invoices;

/// Largest page.
pub const MAX_PER_PAGE: usize = 1000;

/// What to look for.
#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    /// `SDate`, `yyyyMMdd`.
    pub from: Option<String>,
    /// `EDate`, `yyyyMMdd`.
    pub to: Option<String>,
    /// `State`: codes, `*` matching any digit after the first.
    pub states: Vec<String>,
    /// 1-based page.
    pub page: usize,
    /// Documents per page.
    pub per_page: usize,
    /// `Order`: `A` oldest first, else newest first.
    pub ascending: bool,
}

/// One page of what matched, and how many matched in all.
#[derive(Clone, Debug)]
pub struct SearchResult {
    /// The page.
    pub list: Vec<TaxInvoiceRecord>,
    /// All that matched.
    pub total: usize,
}

fn state_matches(patterns: &[String], code: u16) -> bool {
    let code = code.to_string();
    patterns.is_empty()
        || patterns.iter().any(|p| {
            p.len() == code.len()
                && p.bytes()
                    .zip(code.bytes())
                    .enumerate()
                    .all(|(i, (want, got))| want == got || (i > 0 && want == b'*'))
        })
}

/// Searches the caller's documents (the platform's with `BUY`, a partner's own with `SELL`).
pub async fn search(
    app: &App,
    caller: &Caller,
    kind: KeyType,
    query: SearchQuery,
) -> Result<SearchResult, PopbillError> {
    let partner = match (&caller.member, kind) {
        (Member::Platform, KeyType::Buy) => None,
        (Member::Partner(id), KeyType::Sell) => Some(id.clone()),
        _ => {
            return Ok(SearchResult {
                list: Vec::new(),
                total: 0,
            });
        }
    };
    let filter = TaxInvoiceFilter {
        partner_id: partner,
        from: query.from.as_deref().map(iso_date),
        to: query.to.as_deref().map(iso_date),
        direction: Some(Direction::Reverse),
        ..TaxInvoiceFilter::default()
    };
    let by = principal(caller);
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = PageRequest::parse(Some(1000), cursor.as_deref()).map_err(popbill_error)?;
        let found = tax_invoices::list(app, &by, &filter, &page)
            .await
            .map_err(popbill_error)?;
        all.extend(
            found
                .data
                .into_iter()
                .filter(|r| state_matches(&query.states, r.state.popbill_code())),
        );
        match found.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    if !query.ascending {
        all.reverse();
    }
    let total = all.len();
    let per_page = query.per_page.clamp(1, MAX_PER_PAGE);
    let skip = query.page.max(1).saturating_sub(1).saturating_mul(per_page);
    let list = all.into_iter().skip(skip).take(per_page).collect();
    Ok(SearchResult { list, total })
}

#[cfg(test)]
mod tests {
    use super::state_matches;

    #[test]
    fn wildcards_match_any_digit_after_the_first() {
        let patterns = vec!["3**".to_owned(), "200".to_owned()];
        assert!(state_matches(&patterns, 304));
        assert!(state_matches(&patterns, 200));
        assert!(!state_matches(&patterns, 400));
        assert!(
            !state_matches(&["*00".to_owned()], 200),
            "the first digit is literal"
        );
        assert!(state_matches(&[], 600), "no codes: every state");
    }
}
