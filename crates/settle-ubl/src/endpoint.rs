//! Electronic addresses (BT-34 seller, BT-49 buyer): an identifier and the scheme it
//! belongs to, from the Peppol "Electronic Address Scheme" code list.

use settle_core::brn::Brn;

use crate::UblError;

/// The schemes Peppol BIS Billing 3.0 accepts for an `EndpointID` (release 2026.5,
/// PEPPOL-EN16931-CL008).
pub const PEPPOL_EAS: &[&str] = &[
    "0002", "0007", "0009", "0060", "0088", "0096", "0097", "0106", "0130", "0135", "0142", "0151",
    "0183", "0184", "0188", "0190", "0191", "0192", "0195", "0196", "0198", "0199", "0200", "0201",
    "0204", "0208", "0209", "0210", "0211", "0216", "0218", "0221", "0225", "0230", "0235", "0240",
    "0242", "0244", "0245", "0246", "0248", "9910", "9913", "9914", "9915", "9918", "9919", "9920",
    "9922", "9923", "9924", "9925", "9926", "9927", "9928", "9929", "9930", "9931", "9932", "9933",
    "9934", "9935", "9936", "9937", "9938", "9939", "9940", "9941", "9942", "9943", "9944", "9945",
    "9946", "9947", "9948", "9949", "9950", "9951", "9952", "9953", "9957", "9959",
];

/// The scheme settle writes for a party whose Peppol address it does not know.
///
/// Korea has no scheme of its own in the code list (neither for the business registration
/// number nor for a VAT number), and settle records no Peppol participant identifiers yet.
/// An `EndpointID` is mandatory (PEPPOL-EN16931-R010, R020), so a party without a given
/// address is written with its own identifier — the tenant's BRN, the partner's BRN or,
/// without one, settle's partner id — under D-U-N-S (0060), the global scheme of the list
/// that no format rule restricts. These identifiers keep the parties apart and stable
/// across documents, but they are not routable Peppol addresses: a document meant for the
/// Peppol network needs [`Endpoint::new`] with the party's registered address.
pub const FALLBACK_SCHEME: &str = "0060";

/// An electronic address: scheme and identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    scheme: &'static str,
    id: String,
}

impl Endpoint {
    /// An address under a scheme of the Peppol code list; the identifier is trimmed and
    /// must not be empty.
    pub fn new(scheme: &str, id: &str) -> Result<Self, UblError> {
        let scheme = scheme.trim();
        let known = PEPPOL_EAS
            .iter()
            .find(|code| **code == scheme)
            .ok_or_else(|| UblError::InvalidEndpoint(scheme.to_owned()))?;
        let id = id.trim();
        if id.is_empty() {
            return Err(UblError::InvalidEndpoint(format!("{scheme}:")));
        }
        Ok(Self {
            scheme: known,
            id: id.to_owned(),
        })
    }

    /// The address settle writes for a party known only by a BRN or an id of its own
    /// (see [`FALLBACK_SCHEME`]).
    pub fn fallback(brn: Option<&Brn>, own_id: &str) -> Self {
        Self {
            scheme: FALLBACK_SCHEME,
            id: brn.map_or_else(|| own_id.to_owned(), |b| b.digits().to_owned()),
        }
    }

    /// The scheme code.
    pub fn scheme(&self) -> &str {
        self.scheme
    }

    /// The identifier.
    pub fn id(&self) -> &str {
        &self.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_schemes_of_the_code_list_are_accepted() {
        assert_eq!(
            Endpoint::new(" 0088 ", "7300010000001").unwrap().scheme(),
            "0088"
        );
        assert!(matches!(
            Endpoint::new("EM", "a@b.example"),
            Err(UblError::InvalidEndpoint(_))
        ));
        assert!(Endpoint::new("0088", "  ").is_err());
        let brn = Brn::parse("2208162517").unwrap();
        assert_eq!(Endpoint::fallback(Some(&brn), "par_1").id(), "2208162517");
        assert_eq!(Endpoint::fallback(None, "par_1").id(), "par_1");
    }
}
