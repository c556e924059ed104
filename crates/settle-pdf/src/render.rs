//! Compiling a template with its data and exporting the pages as PDF.

use serde::Serialize;
use typst_layout::PagedDocument;
use typst_pdf::PdfOptions;

use crate::world::{DocumentWorld, Template};

/// Why a document could not be rendered; each is a defect of settle, not of the input.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The view could not be written as JSON.
    #[error("the document's data could not be serialized: {0}")]
    Data(#[from] serde_json::Error),
    /// The template failed on the data.
    #[error("the document could not be laid out: {0}")]
    Layout(String),
    /// The pages could not be written as PDF.
    #[error("the PDF could not be written: {0}")]
    Export(String),
}

/// How many compilations a cached layout result survives unused. Templates are few and
/// shared, so their parsed and evaluated parts stay warm; one-off data ages out.
const CACHE_AGE: usize = 8;

/// `template` filled with `view`, as PDF bytes.
pub(crate) fn render(template: &Template, view: &impl Serialize) -> Result<Vec<u8>, PdfError> {
    let world = DocumentWorld::new(template, serde_json::to_vec(view)?);
    let compiled = typst::compile::<PagedDocument>(&world).output;
    let result = compiled
        .map_err(|errors| PdfError::Layout(messages(&errors)))
        .and_then(|document| {
            typst_pdf::pdf(&document, &PdfOptions::default())
                .map_err(|errors| PdfError::Export(messages(&errors)))
        });
    typst::comemo::evict(CACHE_AGE);
    result
}

fn messages(errors: &[typst::diag::SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}
