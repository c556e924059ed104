//! Canonical XML 1.0 without comments (W3C REC-xml-c14n-20010315) over a document subset,
//! as XML-DSig computes it after a Reference's transforms.
//!
//! The subset is described by a [`NodeSet`]. Following the recommendation to the letter
//! (and libxml2, which xmlsec1 uses): when an element is outside the subset but its
//! namespace or attribute nodes are inside, those nodes are still written (without the
//! element's tag). The NTS XPath filter produces exactly this for the `TaxInvoice` root.

use roxmltree::{Node, NodeType};

use crate::xml::escape_text;

/// The XML-DSig namespace.
pub const DSIG_NAMESPACE: &str = "http://www.w3.org/2000/09/xmldsig#";
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// Which nodes of an element are in the subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Membership {
    /// The element node itself.
    pub element: bool,
    /// Its namespace and attribute nodes.
    pub axis: bool,
    /// Whether everything below it (text and descendants) is outside.
    pub below_excluded: bool,
}

/// A document subset.
pub(crate) trait NodeSet {
    /// Membership of `element` (whose raw tag name is `qname`); `excluded_above` tells
    /// whether an ancestor excluded its whole subtree.
    fn membership(&self, element: Node, qname: &str, excluded_above: bool) -> Membership;
}

/// Everything in and below one element (the apex of a same-document subtree, such as
/// `SignedInfo`).
pub(crate) struct Subtree;

impl NodeSet for Subtree {
    fn membership(&self, _: Node, _: &str, excluded_above: bool) -> Membership {
        Membership {
            element: !excluded_above,
            axis: !excluded_above,
            below_excluded: excluded_above,
        }
    }
}

/// The NTS XPath filter: `not(self::*[name()='TaxInvoice'] |
/// ancestor-or-self::*[name()='ExchangedDocument'] | ancestor-or-self::ds:Signature)`.
pub(crate) struct NtsFilter;

impl NodeSet for NtsFilter {
    fn membership(&self, element: Node, qname: &str, excluded_above: bool) -> Membership {
        let below_excluded = excluded_above
            || qname == "ExchangedDocument"
            || element.has_tag_name((DSIG_NAMESPACE, "Signature"));
        Membership {
            element: !below_excluded && qname != "TaxInvoice",
            axis: !below_excluded,
            below_excluded,
        }
    }
}

/// The enveloped-signature transform: everything but one `Signature` element's subtree.
pub(crate) struct Enveloped<'a, 'input>(pub Node<'a, 'input>);

impl NodeSet for Enveloped<'_, '_> {
    fn membership(&self, element: Node, _: &str, excluded_above: bool) -> Membership {
        let below_excluded = excluded_above || element == self.0;
        Membership {
            element: !below_excluded,
            axis: !below_excluded,
            below_excluded,
        }
    }
}

/// Canonical form of the whole document filtered by `set`.
pub(crate) fn document<'a>(root: Node<'a, '_>, set: &impl NodeSet) -> String {
    let mut writer = Writer::new(root.document().input_text(), set);
    let mut after_root = false;
    for child in root.children() {
        match child.node_type() {
            NodeType::Element => {
                writer.element(child, &[], false, true);
                after_root = true;
            }
            NodeType::PI => {
                if after_root {
                    writer.out.push('\n');
                }
                writer.pi(child);
                if !after_root {
                    writer.out.push('\n');
                }
            }
            _ => {}
        }
    }
    writer.out
}

/// Canonical form of the subtree rooted at `apex`.
pub(crate) fn subtree<'a>(apex: Node<'a, '_>) -> String {
    let mut writer = Writer::new(apex.document().input_text(), &Subtree);
    // The apex's parent, if any, is outside the subset.
    writer.element(apex, &[], false, apex.parent_element().is_none());
    writer.out
}

type Namespaces<'a> = Vec<(&'a str, &'a str)>;

struct Writer<'s, S> {
    input: &'s str,
    set: &'s S,
    out: String,
}

impl<'s, S: NodeSet> Writer<'s, S> {
    fn new(input: &'s str, set: &'s S) -> Self {
        Writer {
            input,
            set,
            out: String::with_capacity(input.len()),
        }
    }

    /// The tag name as written in the document, prefix included.
    fn qname(&self, element: Node) -> &'s str {
        let raw = &self.input[element.range().start + 1..];
        let end = raw
            .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
            .unwrap_or(raw.len());
        &raw[..end]
    }

    /// `rendered`: the namespace nodes of the nearest ancestor element in the subset.
    fn element(
        &mut self,
        element: Node<'s, '_>,
        rendered: &[(&'s str, &'s str)],
        excluded_above: bool,
        parent_in_set: bool,
    ) {
        let qname = self.qname(element);
        let member = self.set.membership(element, qname, excluded_above);
        let in_scope: Namespaces<'s> = if member.axis {
            let mut list: Namespaces<'s> = element
                .namespaces()
                .filter(|ns| ns.uri() != XML_NAMESPACE)
                .map(|ns| (ns.name().unwrap_or(""), ns.uri()))
                .collect();
            list.sort_unstable();
            list
        } else {
            Vec::new()
        };

        if member.element {
            self.out.push('<');
            self.out.push_str(qname);
            let has_default = in_scope.iter().any(|(prefix, _)| prefix.is_empty());
            let inherited_default = rendered
                .iter()
                .find(|(prefix, _)| prefix.is_empty())
                .is_some_and(|(_, uri)| !uri.is_empty());
            if !has_default && inherited_default {
                self.out.push_str(" xmlns=\"\"");
            }
        }
        for &(prefix, uri) in &in_scope {
            if !rendered.contains(&(prefix, uri)) {
                self.namespace(prefix, uri);
            }
        }
        if member.axis {
            self.attributes(element, member.element && !parent_in_set);
        }
        if member.element {
            self.out.push('>');
        }

        let child_rendered: &[(&'s str, &'s str)] =
            if member.element { &in_scope } else { rendered };
        for child in element.children() {
            match child.node_type() {
                NodeType::Element => {
                    self.element(child, child_rendered, member.below_excluded, member.element)
                }
                NodeType::Text if !member.below_excluded => {
                    escape_text(&mut self.out, child.text().unwrap_or_default());
                }
                NodeType::PI if !member.below_excluded => self.pi(child),
                _ => {}
            }
        }

        if member.element {
            self.out.push_str("</");
            self.out.push_str(qname);
            self.out.push('>');
        }
    }

    fn namespace(&mut self, prefix: &str, uri: &str) {
        if prefix.is_empty() {
            self.out.push_str(" xmlns=\"");
        } else {
            self.out.push_str(" xmlns:");
            self.out.push_str(prefix);
            self.out.push_str("=\"");
        }
        escape_attribute(&mut self.out, uri);
        self.out.push('"');
    }

    /// Attributes in canonical order (namespace URI, then local name; unqualified first).
    /// With `inherit_xml_attributes` (the element is in the subset, its parent is not) the
    /// nearest ancestors' `xml:*` attributes are added. The caller knows the parent's
    /// membership, so nothing is recomputed per element.
    fn attributes(&mut self, element: Node<'s, '_>, inherit_xml_attributes: bool) {
        let mut list: Vec<(&str, &str, &'s str, &str)> = element
            .attributes()
            .map(|a| {
                let qname = &self.input[a.range_qname()];
                (a.namespace().unwrap_or(""), a.name(), qname, a.value())
            })
            .collect();
        if inherit_xml_attributes {
            for ancestor in element.ancestors().skip(1).filter(Node::is_element) {
                for attribute in ancestor.attributes() {
                    if attribute.namespace() == Some(XML_NAMESPACE)
                        && !list.iter().any(|(ns, name, _, _)| {
                            *ns == XML_NAMESPACE && *name == attribute.name()
                        })
                    {
                        let qname = &self.input[attribute.range_qname()];
                        list.push((XML_NAMESPACE, attribute.name(), qname, attribute.value()));
                    }
                }
            }
        }
        list.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for (_, _, qname, value) in list {
            self.out.push(' ');
            self.out.push_str(qname);
            self.out.push_str("=\"");
            escape_attribute(&mut self.out, value);
            self.out.push('"');
        }
    }

    fn pi(&mut self, node: Node) {
        if let Some(pi) = node.pi() {
            self.out.push_str("<?");
            self.out.push_str(pi.target);
            if let Some(value) = pi.value {
                self.out.push(' ');
                self.out.push_str(value);
            }
            self.out.push_str("?>");
        }
    }
}

fn escape_attribute(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(xml: &str) -> String {
        let doc = roxmltree::Document::parse(xml).unwrap();
        document(doc.root(), &Subtree)
    }

    #[test]
    fn canonicalizes_per_the_recommendation() {
        // Examples in the spirit of C14N §3: empty elements, attribute order, escaping,
        // redundant namespace declarations, character references.
        let xml = "<?xml version=\"1.0\"?>\n<!-- c -->\n<doc xmlns=\"urn:a\" xmlns:b=\"urn:b\">\
                   <e1   /><e2 b:z='1' a=\"2&amp;&lt;&quot;&#x9;\"/>\
                   <e3 xmlns=\"urn:a\" xmlns:b=\"urn:b\">t &amp; &lt; &gt; &#xD;</e3>\
                   <e4 xmlns=\"\"/><!-- skipped --></doc>";
        assert_eq!(
            canonical(xml),
            "<doc xmlns=\"urn:a\" xmlns:b=\"urn:b\"><e1></e1>\
             <e2 a=\"2&amp;&lt;&quot;&#x9;\" b:z=\"1\"></e2>\
             <e3>t &amp; &lt; &gt; &#xD;</e3><e4 xmlns=\"\"></e4></doc>"
        );
    }

    #[test]
    fn subtree_carries_inherited_namespaces() {
        let xml = "<r xmlns=\"urn:a\" xmlns:ds=\"urn:d\"><ds:s><ds:t/></ds:s></r>";
        let doc = roxmltree::Document::parse(xml).unwrap();
        let apex = doc
            .descendants()
            .find(|n| n.has_tag_name(("urn:d", "s")))
            .unwrap();
        assert_eq!(
            subtree(apex),
            "<ds:s xmlns=\"urn:a\" xmlns:ds=\"urn:d\"><ds:t></ds:t></ds:s>"
        );
    }

    #[test]
    fn nts_filter_writes_the_root_axis_without_its_tag() {
        let xml = "<TaxInvoice xmlns=\"urn:t\" a=\"1\">\n <ExchangedDocument>x</ExchangedDocument>\n \
                   <ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">s</ds:Signature>\n \
                   <TaxInvoiceDocument><ID>1</ID></TaxInvoiceDocument>\n</TaxInvoice>";
        let doc = roxmltree::Document::parse(xml).unwrap();
        assert_eq!(
            document(doc.root(), &NtsFilter),
            " xmlns=\"urn:t\" a=\"1\"\n \n \n <TaxInvoiceDocument xmlns=\"urn:t\"><ID>1</ID></TaxInvoiceDocument>\n"
        );
    }
}
