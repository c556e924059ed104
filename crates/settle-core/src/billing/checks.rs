//! Reconciliation checks: whether the stored documents still agree with their lines and
//! with each other. Each finding names the documents and the amounts that disagree; the
//! totals are recomputed by [`totals`], the same rule finalization used.

use rust_decimal::Decimal;
use serde::Serialize;

use super::{Document, DocumentKind, DocumentLine, Totals, totals};
use crate::named_enum;

named_enum!(
    /// What a finding is about.
    FindingCode {
        /// A line's amounts do not add up (amount ≠ gross − discount, or total ≠ amount + tax).
        LineInconsistent = "line_inconsistent",
        /// An invoice's stored totals differ from the sums of its lines.
        TotalsMismatch = "totals_mismatch",
        /// A credit note differs from the negative lines of its orders and products, or
        /// credits a line of another order or product.
        CreditNoteMismatch = "credit_note_mismatch",
        /// The credit notes of an invoice line take back more than the line charged.
        CreditExceedsLine = "credit_exceeds_line",
        /// A void note is not the exact negative of the invoice it voids.
        VoidNoteNotNegation = "void_note_not_negation",
        /// A Korean won document whose profile asks for a tax invoice has none (an
        /// amended one, for a note).
        TaxInvoiceMissing = "tax_invoice_missing",
        /// A document's Korean tax invoice states another supply amount or tax.
        TaxInvoiceMismatch = "tax_invoice_mismatch",
    }
);

/// One disagreement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind.
    pub code: FindingCode,
    /// The documents involved, by number (the one checked first).
    pub documents: Vec<String>,
    /// The amount the rule expects.
    pub expected: Decimal,
    /// The amount stored.
    pub found: Decimal,
    /// What disagrees, in a sentence.
    pub message: String,
}

fn number(document: &Document) -> String {
    document
        .number
        .clone()
        .unwrap_or_else(|| document.id.to_string())
}

/// Checks a document against its own lines: each line adds up, and the stored totals are
/// what the lines sum to.
pub fn check_document(document: &Document, lines: &[DocumentLine]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let name = number(document);
    for line in lines {
        let p = &line.priced;
        let (amount, total) = (p.gross - p.discount, p.amount + p.tax);
        if p.amount != amount || p.total != total {
            let (expected, found) = if p.total != total {
                (total, p.total)
            } else {
                (amount, p.amount)
            };
            findings.push(Finding {
                code: FindingCode::LineInconsistent,
                documents: vec![name.clone()],
                expected,
                found,
                message: format!(
                    "line {} of {name} does not add up: {found} stored, {expected} from its parts",
                    line.line_no
                ),
            });
        }
    }
    let recomputed = totals(
        document.series,
        lines.iter().map(DocumentLine::amounts),
        document.currency,
    );
    let Ok(recomputed) = recomputed else {
        return findings;
    };
    if let Some((field, expected, found)) = first_difference(&recomputed, &document.totals) {
        let (code, message) = match (document.kind, &document.original_number) {
            (DocumentKind::CreditNote, Some(original)) => (
                FindingCode::CreditNoteMismatch,
                format!(
                    "credit note {name} (of {original}) has {field} {found}; the negative \
                     lines of its orders and products sum to {expected}"
                ),
            ),
            _ => (
                FindingCode::TotalsMismatch,
                format!("{name} has {field} {found}; its lines sum to {expected}"),
            ),
        };
        let mut documents = vec![name];
        documents.extend(document.original_number.clone());
        findings.push(Finding {
            code,
            documents,
            expected,
            found,
            message,
        });
    }
    findings
}

/// The first of total, subtotal and tax where `stored` differs from `recomputed`.
fn first_difference(
    recomputed: &Totals,
    stored: &Totals,
) -> Option<(&'static str, Decimal, Decimal)> {
    [
        ("total", recomputed.total, stored.total),
        ("subtotal", recomputed.subtotal, stored.subtotal),
        ("tax", recomputed.tax, stored.tax),
    ]
    .into_iter()
    .find(|(_, expected, found)| expected != found)
}

/// Checks the credit notes of `original` (with `original_lines`): each credit line takes
/// back a line of the same order and product, and no line is credited beyond what it
/// charged. `notes` are every credit note of the original with its lines.
pub fn check_credits(
    original: &Document,
    original_lines: &[DocumentLine],
    notes: &[(&Document, &[DocumentLine])],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let original_name = number(original);
    for line in original_lines {
        let mut credited = Decimal::ZERO;
        for (note, note_lines) in notes {
            for credit in note_lines
                .iter()
                .filter(|c| c.credits_line_id.as_ref() == Some(&line.id))
            {
                credited -= credit.priced.amount;
                let same = credit.item.order_id == line.item.order_id
                    && credit.item.product_id == line.item.product_id;
                if !same {
                    findings.push(Finding {
                        code: FindingCode::CreditNoteMismatch,
                        documents: vec![number(note), original_name.clone()],
                        expected: line.priced.amount,
                        found: credit.priced.amount,
                        message: format!(
                            "credit note {} takes back line {} of {original_name} (order {}, \
                             product {}) as order {}, product {}",
                            number(note),
                            line.line_no,
                            line.item.order_id,
                            line.item.product_id,
                            credit.item.order_id,
                            credit.item.product_id
                        ),
                    });
                }
            }
        }
        if line.priced.amount > Decimal::ZERO && credited > line.priced.amount {
            let mut documents = vec![original_name.clone()];
            documents.extend(notes.iter().map(|(n, _)| number(n)));
            findings.push(Finding {
                code: FindingCode::CreditExceedsLine,
                documents,
                expected: line.priced.amount,
                found: credited,
                message: format!(
                    "line {} of {original_name} charged {}; its credit notes take back {credited}",
                    line.line_no, line.priced.amount
                ),
            });
        }
    }
    findings
}

/// Checks the Korean tax invoice of a document that wants one: it exists (`issued` holds
/// its document key, supply total and tax total) and states the document's supply amount
/// (subtotal) and tax.
pub fn check_tax_invoice(
    document: &Document,
    issued: Option<(&str, Decimal, Decimal)>,
) -> Option<Finding> {
    let name = number(document);
    let (supply, tax) = (document.totals.subtotal, document.totals.tax);
    let mut documents = vec![name.clone()];
    documents.extend(document.original_number.clone());
    match issued {
        None => Some(Finding {
            code: FindingCode::TaxInvoiceMissing,
            documents,
            expected: supply + tax,
            found: Decimal::ZERO,
            message: format!(
                "{name} ({supply} supply, {tax} tax) has no Korean tax invoice{}",
                if document.kind.is_note() {
                    " amending its invoice's"
                } else {
                    ""
                }
            ),
        }),
        Some((key, s, t)) if (s, t) != (supply, tax) => {
            documents.push(key.to_owned());
            Some(Finding {
                code: FindingCode::TaxInvoiceMismatch,
                documents,
                expected: supply + tax,
                found: s + t,
                message: format!(
                    "{name} is {supply} supply and {tax} tax; its tax invoice {key} states {s} and {t}"
                ),
            })
        }
        Some(_) => None,
    }
}

/// Checks that `void` is the exact negative of `original`, line by line and in total.
pub fn check_void(
    void: &Document,
    void_lines: &[DocumentLine],
    original: &Document,
    original_lines: &[DocumentLine],
) -> Vec<Finding> {
    let documents = vec![number(void), number(original)];
    let finding = |expected: Decimal, found: Decimal, message: String| Finding {
        code: FindingCode::VoidNoteNotNegation,
        documents: documents.clone(),
        expected,
        found,
        message,
    };
    let mut findings = Vec::new();
    let expected = -original.totals.total;
    if void.totals.total != expected {
        findings.push(finding(
            expected,
            void.totals.total,
            format!(
                "void note {} totals {}, but {} totals {}",
                documents[0], void.totals.total, documents[1], original.totals.total
            ),
        ));
    }
    for line in original_lines {
        let negated = line.priced.negated();
        let matching = void_lines
            .iter()
            .find(|v| v.credits_line_id.as_ref() == Some(&line.id));
        match matching {
            Some(v) if v.priced == negated => {}
            Some(v) => findings.push(finding(
                negated.total,
                v.priced.total,
                format!(
                    "line {} of void note {} is {}, not the negative of line {} of {} ({})",
                    v.line_no,
                    documents[0],
                    v.priced.total,
                    line.line_no,
                    documents[1],
                    line.priced.total
                ),
            )),
            None => findings.push(finding(
                negated.total,
                Decimal::ZERO,
                format!(
                    "void note {} has no line taking back line {} of {}",
                    documents[0], line.line_no, documents[1]
                ),
            )),
        }
    }
    findings
}

#[cfg(test)]
mod tests;
