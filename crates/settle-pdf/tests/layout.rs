//! The templates lay out long documents over several pages: page numbers, repeated table
//! headers, the tax invoice's continuation sheets. Checked with poppler's pdftotext.

use std::path::PathBuf;
use std::process::Command;

use settle_core::billing::Template;
use settle_core::language::Language;
use settle_pdf::{InvoiceSource, TaxInvoiceSource, samples};

/// Writes `pdf` under the target folder (kept for a look) and returns its text per page.
fn pages_of(name: &str, pdf: &[u8]) -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pdf-layout");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success(), "pdftotext failed on {name}");
    String::from_utf8(out.stdout)
        .unwrap()
        .split('\u{c}')
        .filter(|page| !page.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_long_invoice_numbers_its_pages_and_repeats_the_line_header() {
    let (document, lines) = samples::invoice(2000, Template::Lrd);
    let issuer = samples::issuer();
    let pdf = settle_pdf::invoice(&InvoiceSource {
        document: &document,
        lines: &lines,
        notes: &[],
        issuer: &issuer,
        template: Template::Lrd,
        language: Language::En,
    })
    .unwrap();
    let pages = pages_of("invoice-2000-lines", &pdf);
    let count = pages.len();
    assert!(count > 20, "2,000 lines take many pages, not {count}");
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("Page {} of {count}", i + 1)),
            "page {} is numbered: {page}",
            i + 1
        );
    }
    for page in &pages[1..] {
        assert!(
            page.contains("Unit price"),
            "the line header repeats: {page}"
        );
    }
    let last = lines.last().unwrap();
    assert!(pages.iter().any(|p| p.contains(&last.item.order_id)));
}

#[test]
fn a_99_line_tax_invoice_continues_after_the_four_form_rows() {
    let record = samples::tax_invoice(99);
    let pdf = settle_pdf::tax_invoice(&TaxInvoiceSource { record: &record }).unwrap();
    let pages = pages_of("tax-invoice-99-lines", &pdf);
    let count = pages.len();
    assert!(
        count >= 3,
        "99 rows take the form and continuation sheets: {count}"
    );
    assert!(pages[0].contains("판매 정산 4"));
    assert!(
        !pages[0].contains("판매 정산 5 "),
        "the form holds four rows"
    );
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("{} / {count} 페이지", i + 1)),
            "{page}"
        );
        assert!(page.contains("품목"), "the item header is on every page");
    }
    assert!(pages[count - 1].contains("판매 정산 99"));
    assert!(pages[0].contains("합계금액"));
}

#[test]
fn a_short_invoice_fits_on_one_page_in_either_template_and_language() {
    let issuer = samples::issuer();
    for template in [Template::Lrd, Template::NonLrd] {
        for language in [Language::Ko, Language::En] {
            let (document, lines) = samples::invoice(5, template);
            let pdf = settle_pdf::invoice(&InvoiceSource {
                document: &document,
                lines: &lines,
                notes: &[],
                issuer: &issuer,
                template,
                language,
            })
            .unwrap();
            let name = format!("invoice-5-lines-{template}-{}", language.as_str());
            let pages = pages_of(&name, &pdf);
            assert_eq!(pages.len(), 1, "{name}");
            assert!(pages[0].contains("G000000001"), "{name}");
        }
    }
}

#[test]
fn text_that_looks_like_markup_prints_as_written() {
    let issuer = samples::issuer();
    let (document, mut lines) = samples::invoice(2, Template::Lrd);
    let tricky = r#"#panic("x") *bold* $x^2$ [link] \ <label> @ref `raw` // not a comment"#;
    lines[0].item.product_name = tricky.to_owned();
    lines[1].item.product_name = "가".repeat(200);
    let pdf = settle_pdf::invoice(&InvoiceSource {
        document: &document,
        lines: &lines,
        notes: &[],
        issuer: &issuer,
        template: Template::Lrd,
        language: Language::En,
    })
    .unwrap();
    let text: String = pages_of("invoice-markup-text", &pdf).concat();
    for piece in [
        r#"#panic("x")"#,
        "*bold*",
        "$x^2$",
        "[link]",
        "<label>",
        "@ref",
        "`raw`",
        "// not a comment",
    ] {
        assert!(text.contains(piece), "{piece} in {text}");
    }
}
