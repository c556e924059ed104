//! The typst world a document is compiled in: one template, one JSON file of data, the
//! embedded fonts and nothing else — no file system, no packages, no network.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// Nanum Gothic (SIL Open Font License 1.1, see `fonts/OFL.txt`): Hangul, Latin and digits
/// in one family, regular and bold.
static FONT_FILES: [&[u8]; 2] = [
    include_bytes!("../fonts/NanumGothic.ttf"),
    include_bytes!("../fonts/NanumGothicBold.ttf"),
];

/// What every compilation shares, built once: the standard library, the fonts and their
/// book, and the path of the data file.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    common: (FileId, Source),
    data: FileId,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let fonts: Vec<Font> = FONT_FILES
        .iter()
        .flat_map(|file| Font::iter(Bytes::new(*file)))
        .collect();
    let common = file_id("/common.typ");
    Shared {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
        common: (
            common,
            Source::new(common, include_str!("../templates/common.typ").to_owned()),
        ),
        data: file_id("/data.json"),
    }
});

/// The id of a file at `path` in the project root (a fixed, valid path).
fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| unreachable!("{path} is a valid path"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// A template, parsed once and kept for every later compilation.
pub(crate) struct Template {
    source: Source,
}

impl Template {
    /// The template at `path` (e.g. `/invoice.typ`) with its text.
    pub(crate) fn new(path: &str, text: &str) -> Self {
        Template {
            source: Source::new(file_id(path), text.to_owned()),
        }
    }
}

/// One compilation: a template and its data.
pub(crate) struct DocumentWorld<'a> {
    template: &'a Template,
    data: Bytes,
}

impl<'a> DocumentWorld<'a> {
    /// `template` to be filled with `data` (JSON, read by the template as `/data.json`).
    pub(crate) fn new(template: &'a Template, data: Vec<u8>) -> Self {
        DocumentWorld {
            template,
            data: Bytes::new(data),
        }
    }
}

impl World for DocumentWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &SHARED.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &SHARED.book
    }

    fn main(&self) -> FileId {
        self.template.source.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.template.source.id() {
            Ok(self.template.source.clone())
        } else if id == SHARED.common.0 {
            Ok(SHARED.common.1.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == SHARED.data {
            Ok(self.data.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        SHARED.fonts.get(index).cloned()
    }

    /// Documents carry their own dates; `datetime.today()` is not used.
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}
