//! A small XML writer: elements in the order they are written, two-space indentation,
//! every text and attribute value escaped. Element names are `'static` literals of this
//! crate, never data. Peppol refuses empty elements (PEPPOL-EN16931-R008), so a leaf whose
//! text is blank is left out, and containers are opened only when they get content.

/// The document being written.
pub(crate) struct Xml {
    out: String,
    open: Vec<&'static str>,
}

impl Xml {
    /// A document with the XML declaration written.
    pub(crate) fn new() -> Self {
        Self {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            open: Vec::new(),
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
    }

    fn start_tag(&mut self, name: &'static str, attributes: &[(&'static str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attributes {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value);
            self.out.push('"');
        }
        self.out.push('>');
    }

    /// Opens `name`; [`Xml::close`] ends it.
    pub(crate) fn open(&mut self, name: &'static str) {
        self.open_with(name, &[]);
    }

    /// Opens `name` with `attributes`.
    pub(crate) fn open_with(&mut self, name: &'static str, attributes: &[(&'static str, &str)]) {
        self.start_tag(name, attributes);
        self.out.push('\n');
        self.open.push(name);
    }

    /// Closes the element opened last.
    pub(crate) fn close(&mut self) {
        if let Some(name) = self.open.pop() {
            self.indent();
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push_str(">\n");
        }
    }

    /// `<name>text</name>`, left out when `text` is blank.
    pub(crate) fn leaf(&mut self, name: &'static str, text: &str) {
        self.leaf_with(name, &[], text);
    }

    /// `<name>text</name>` when there is a text that is not blank.
    pub(crate) fn leaf_opt(&mut self, name: &'static str, text: Option<&str>) {
        if let Some(text) = text {
            self.leaf(name, text);
        }
    }

    /// `<name attributes>text</name>`, left out when `text` is blank.
    pub(crate) fn leaf_with(
        &mut self,
        name: &'static str,
        attributes: &[(&'static str, &str)],
        text: &str,
    ) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        self.start_tag(name, attributes);
        escape_into(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// The document, with every element closed.
    pub(crate) fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }
}

/// Whether XML 1.0 allows `c` in a document at all.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Appends `text` escaped for element content and attribute values alike: `&`, `<`, `>`,
/// both quotes, and tabs and line breaks as character references (so attribute
/// normalization keeps them); characters XML cannot carry are dropped.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if allowed(c) => out.push(c),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped_and_blank_leaves_left_out() {
        let mut xml = Xml::new();
        xml.open_with("a", &[("k", "\"x\" & <y>")]);
        xml.leaf("b", "Tom & Jerry's <\"best\">");
        xml.leaf("c", "  ");
        xml.leaf_opt("d", None);
        xml.leaf("e", "nul\u{0}bell\u{7}ok\u{FFFF}");
        let text = xml.finish();
        assert_eq!(
            text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <a k=\"&quot;x&quot; &amp; &lt;y&gt;\">\n\
             \x20\x20<b>Tom &amp; Jerry&apos;s &lt;&quot;best&quot;&gt;</b>\n\
             \x20\x20<e>nulbellok</e>\n\
             </a>\n"
        );
    }
}
