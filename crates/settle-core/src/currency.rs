//! ISO 4217 currencies and the number of decimals settle keeps for each.
//!
//! settle deliberately does not use ISO's minor units. Its rule is simpler and
//! matches how invoices are actually issued: JPY, KRW and TWD carry 0 decimals,
//! every other currency carries 2. So BHD, KWD or JOD (3 in ISO) are kept to
//! 2 decimals here, and CLP, ISK or VND (0 in ISO) get 2.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Active ISO 4217 alphabetic codes, sorted so lookups can binary-search.
///
/// Fund codes (BOV, CHE, CLF, ...), precious metals (XAU, ...), bond units and
/// the test codes XTS/XXX are left out: no invoice is denominated in them.
/// ANG, SLL and ZWL stay alongside their recent replacements (XCG, SLE, ZWG)
/// because documents in those codes are still in circulation.
const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL",
    "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU",
    "UZS", "VED", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR",
    "ZMW", "ZWG", "ZWL",
];

/// Currencies settle keeps without decimals; all others keep two.
const ZERO_DECIMAL: [[u8; 3]; 3] = [*b"JPY", *b"KRW", *b"TWD"];

/// A currency from the ISO 4217 table, with settle's decimal rule applied.
///
/// Only [`Currency::parse`] and the constants build one, so every value is a
/// known code and comparing two currencies is comparing their codes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    /// Uppercase ASCII letters, always an entry of [`ISO_4217`].
    code: [u8; 3],
    decimals: u32,
}

/// Why a currency code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurrencyError {
    /// The text is not an active ISO 4217 code settle accepts.
    #[error("unknown currency code {0:?}")]
    Unknown(String),
}

impl CurrencyError {
    /// Stable machine-readable code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unknown(_) => "currency.unknown",
        }
    }
}

impl Currency {
    /// Every code [`Currency::parse`] accepts, uppercase and sorted.
    pub fn codes() -> &'static [&'static str] {
        ISO_4217
    }

    /// South Korean won (0 decimals).
    pub const KRW: Currency = Currency::known(*b"KRW");
    /// US dollar (2 decimals).
    pub const USD: Currency = Currency::known(*b"USD");
    /// Euro (2 decimals).
    pub const EUR: Currency = Currency::known(*b"EUR");
    /// Japanese yen (0 decimals).
    pub const JPY: Currency = Currency::known(*b"JPY");

    /// Builds a currency from a code the caller knows is in the table.
    const fn known(code: [u8; 3]) -> Currency {
        let mut i = 0;
        let mut decimals = 2;
        while i < ZERO_DECIMAL.len() {
            let z = ZERO_DECIMAL[i];
            if z[0] == code[0] && z[1] == code[1] && z[2] == code[2] {
                decimals = 0;
            }
            i += 1;
        }
        Currency { code, decimals }
    }

    /// Parses a code such as `"KRW"` or `" usd "`: trimmed, case-insensitive.
    pub fn parse(s: &str) -> Result<Currency, CurrencyError> {
        let unknown = || CurrencyError::Unknown(s.to_owned());
        let code: [u8; 3] = s.trim().as_bytes().try_into().map_err(|_| unknown())?;
        let code = code.map(|b| b.to_ascii_uppercase());
        ISO_4217
            .binary_search_by(|entry| entry.as_bytes().cmp(&code[..]))
            .map(|_| Currency::known(code))
            .map_err(|_| unknown())
    }

    /// The three-letter uppercase code, e.g. `"KRW"`.
    pub fn code(&self) -> &str {
        // The bytes always come from the ASCII table, so this never falls back.
        std::str::from_utf8(&self.code).unwrap_or_default()
    }

    /// Decimals settle keeps for this currency: 0 for JPY, KRW and TWD, else 2.
    pub fn decimals(&self) -> u32 {
        self.decimals
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

impl FromStr for Currency {
    type Err = CurrencyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimals(code: &str) -> u32 {
        Currency::parse(code).unwrap().decimals()
    }

    #[test]
    fn table_is_sorted_unique_uppercase() {
        assert!(ISO_4217.len() > 150);
        assert!(ISO_4217.windows(2).all(|w| w[0] < w[1]));
        assert!(
            ISO_4217
                .iter()
                .all(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
        );
    }

    #[test]
    fn zero_decimal_currencies() {
        assert_eq!(decimals("KRW"), 0);
        assert_eq!(decimals("JPY"), 0);
        assert_eq!(decimals("TWD"), 0);
        assert_eq!(Currency::KRW.decimals(), 0);
        assert_eq!(Currency::JPY.decimals(), 0);
    }

    #[test]
    fn every_other_currency_has_two() {
        for code in [
            "USD", "EUR", "BHD", "KWD", "JOD", "CLP", "ISK", "VND", "UGX",
        ] {
            assert_eq!(decimals(code), 2, "{code}");
        }
        assert_eq!(Currency::USD.decimals(), 2);
        assert_eq!(Currency::EUR.decimals(), 2);
    }

    #[test]
    fn parse_is_trimmed_and_case_insensitive() {
        assert_eq!(Currency::parse("krw").unwrap(), Currency::KRW);
        assert_eq!(Currency::parse(" Usd\n").unwrap(), Currency::USD);
        assert_eq!("eur".parse::<Currency>().unwrap().code(), "EUR");
        assert_eq!(Currency::parse("GBP").unwrap().to_string(), "GBP");
    }

    #[test]
    fn unknown_codes_fail() {
        for bad in ["XYZ", "", "KRWW", "KR", "XXX", "한국원", "K W"] {
            assert_eq!(
                Currency::parse(bad),
                Err(CurrencyError::Unknown(bad.to_owned())),
                "{bad:?}"
            );
        }
        assert_eq!(
            Currency::parse("XYZ").unwrap_err().code(),
            "currency.unknown"
        );
    }

    #[test]
    fn serde_round_trip_validates() {
        assert_eq!(serde_json::to_string(&Currency::KRW).unwrap(), "\"KRW\"");
        let usd: Currency = serde_json::from_str("\"usd\"").unwrap();
        assert_eq!(usd, Currency::USD);
        assert!(serde_json::from_str::<Currency>("\"XYZ\"").is_err());
        assert!(serde_json::from_str::<Currency>("840").is_err());
    }

    #[test]
    fn debug_shows_code() {
        assert_eq!(format!("{:?}", Currency::JPY), "Currency(JPY)");
    }
}
