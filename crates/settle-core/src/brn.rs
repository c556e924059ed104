//! Korean business registration numbers (사업자등록번호).
//!
//! Ten digits, written `123-45-67890`: a tax office code (3), a business type
//! code (2), a serial number (4) and a check digit. Validating the structure
//! and the check digit catches typos before the number reaches the NTS.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Weights applied to the first nine digits.
const WEIGHTS: [u32; 9] = [1, 3, 7, 1, 3, 7, 1, 3, 5];

/// A structurally valid business registration number with a correct check
/// digit. Cheap to copy; only [`Brn::parse`] and [`Brn::from_prefix`] make one.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Brn([u8; 10]);

/// The structural rule a number breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrnRule {
    /// The tax office code (digits 1–3) must be at least 101.
    OfficeCode,
    /// The business type code (digits 4–5) must not be 00.
    TypeCode,
    /// The serial number (digits 6–9) must not be 0000.
    SerialNumber,
}

impl fmt::Display for BrnRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::OfficeCode => "the tax office code (digits 1-3) must be at least 101",
            Self::TypeCode => "the business type code (digits 4-5) must not be 00",
            Self::SerialNumber => "the serial number (digits 6-9) must not be 0000",
        })
    }
}

/// Why a business registration number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BrnError {
    /// Not 10 digits, or hyphenated other than `123-45-67890`.
    #[error("a business registration number is 10 digits, optionally written 123-45-67890")]
    Format,
    /// The digits break a structural rule.
    #[error("invalid business registration number: {0}")]
    Structure(BrnRule),
    /// The last digit does not match the check digit of the first nine.
    #[error("business registration number check digit does not match")]
    Checksum,
}

impl BrnError {
    /// Stable machine-readable code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Format => "brn.invalid_format",
            Self::Structure(_) => "brn.invalid_structure",
            Self::Checksum => "brn.invalid_checksum",
        }
    }
}

/// The check digit for the first nine digits (values 0–9, not ASCII).
///
/// Sum of each digit times its weight (1,3,7,1,3,7,1,3,5), plus the tens of
/// the ninth digit times 5; the check digit brings that sum to a multiple of 10.
pub fn check_digit(first9: &[u8; 9]) -> u8 {
    let weighted: u32 = first9
        .iter()
        .zip(WEIGHTS)
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    let sum = weighted + u32::from(first9[8]) * 5 / 10;
    // `% 10` keeps the value below 10, so the cast cannot truncate.
    ((10 - sum % 10) % 10) as u8
}

/// Checks the structural rules on digit values (not ASCII).
fn check_structure(d: &[u8; 10]) -> Result<(), BrnError> {
    let office = u32::from(d[0]) * 100 + u32::from(d[1]) * 10 + u32::from(d[2]);
    if office < 101 {
        return Err(BrnError::Structure(BrnRule::OfficeCode));
    }
    if d[3..5] == [0, 0] {
        return Err(BrnError::Structure(BrnRule::TypeCode));
    }
    if d[5..9] == [0, 0, 0, 0] {
        return Err(BrnError::Structure(BrnRule::SerialNumber));
    }
    Ok(())
}

impl Brn {
    /// Parses `"1234567890"` or `"123-45-67890"` (surrounding whitespace is
    /// ignored), then checks structure and check digit.
    pub fn parse(s: &str) -> Result<Brn, BrnError> {
        let s = s.trim().as_bytes();
        let digits: Vec<u8> = match s.len() {
            10 => s.to_vec(),
            12 if s[3] == b'-' && s[6] == b'-' => [&s[..3], &s[4..6], &s[7..]].concat(),
            _ => return Err(BrnError::Format),
        };
        let ascii: [u8; 10] = digits.try_into().map_err(|_| BrnError::Format)?;
        if !ascii.iter().all(u8::is_ascii_digit) {
            return Err(BrnError::Format);
        }
        let values = ascii.map(|b| b - b'0');
        check_structure(&values)?;
        let (first9, last) = values.split_at(9);
        let first9: &[u8; 9] = first9.try_into().map_err(|_| BrnError::Format)?;
        if last != [check_digit(first9)] {
            return Err(BrnError::Checksum);
        }
        Ok(Brn(ascii))
    }

    /// Completes a nine-digit prefix (e.g. `220_81_6251`) with its check digit;
    /// `None` if the prefix has more than nine digits or breaks a structural
    /// rule. Meant for generating test data.
    pub fn from_prefix(first9: u32) -> Option<Brn> {
        if first9 > 999_999_999 {
            return None;
        }
        let mut values = [0u8; 10];
        let mut rest = first9;
        for slot in values[..9].iter_mut().rev() {
            // `% 10` keeps the value below 10, so the cast cannot truncate.
            *slot = (rest % 10) as u8;
            rest /= 10;
        }
        check_structure(&values).ok()?;
        let first9: &[u8; 9] = values[..9].try_into().ok()?;
        values[9] = check_digit(first9);
        Some(Brn(values.map(|d| d + b'0')))
    }

    /// The ten digits without hyphens, e.g. `"2208162517"`.
    pub fn digits(&self) -> &str {
        // Only ASCII digits are ever stored, so this never falls back.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The usual written form, e.g. `"220-81-62517"`.
    pub fn formatted(&self) -> String {
        let mut out = String::with_capacity(12);
        for (i, digit) in self.digits().chars().enumerate() {
            if i == 3 || i == 5 {
                out.push('-');
            }
            out.push(digit);
        }
        out
    }
}

impl fmt::Display for Brn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.digits())
    }
}

impl fmt::Debug for Brn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Brn({})", self.digits())
    }
}

impl FromStr for Brn {
    type Err = BrnError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Brn::parse(s)
    }
}

impl Serialize for Brn {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.digits())
    }
}

impl<'de> Deserialize<'de> for Brn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Brn::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
// Prefixes are grouped like the written form: 220_81_6251 is 220-81-6251.
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;

    #[test]
    fn check_digit_by_hand() {
        // 2·1 + 2·3 + 0·7 + 8·1 + 1·3 + 6·7 + 2·1 + 5·3 + 1·5 = 83, + ⌊1·5/10⌋ = 83 → 7
        assert_eq!(check_digit(&[2, 2, 0, 8, 1, 6, 2, 5, 1]), 7);
        // 1 + 6 + 0 + 8 + 3 + 28 + 7 + 15 + 10 = 78, + ⌊2·5/10⌋ = 79 → 1
        assert_eq!(check_digit(&[1, 2, 0, 8, 1, 4, 7, 5, 2]), 1);
        // 1 + 0 + 28 + 8 + 3 + 0 + 0 + 27 + 45 = 112, + ⌊9·5/10⌋ = 116 → 4
        assert_eq!(check_digit(&[1, 0, 4, 8, 1, 0, 0, 9, 9]), 4);
    }

    #[test]
    fn valid_numbers() {
        let brn = Brn::parse("220-81-62517").unwrap();
        assert_eq!(brn.digits(), "2208162517");
        assert_eq!(brn.to_string(), "2208162517");
        assert_eq!(brn.formatted(), "220-81-62517");
        assert_eq!(Brn::parse(" 2208162517\n").unwrap(), brn);
        assert_eq!(
            "1208147521".parse::<Brn>().unwrap().formatted(),
            "120-81-47521"
        );
        assert_eq!(Brn::parse("1048100994").unwrap().digits(), "1048100994");
    }

    #[test]
    fn from_prefix_builds_valid_numbers() {
        assert_eq!(
            Brn::from_prefix(220_81_6251).unwrap().digits(),
            "2208162517"
        );
        assert_eq!(
            Brn::from_prefix(120_81_4752).unwrap().digits(),
            "1208147521"
        );
        for prefix in (101_01_0001..=999_99_9999).step_by(7_777_777) {
            if let Some(brn) = Brn::from_prefix(prefix) {
                assert_eq!(Brn::parse(brn.digits()), Ok(brn));
            }
        }
        assert_eq!(Brn::from_prefix(100_81_6251), None);
        assert_eq!(Brn::from_prefix(220_00_6251), None);
        assert_eq!(Brn::from_prefix(220_81_0000), None);
        assert_eq!(Brn::from_prefix(1_000_000_000), None);
    }

    #[test]
    fn wrong_check_digit() {
        for bad in ["220-81-62518", "1208147520", "1048100999"] {
            let err = Brn::parse(bad).unwrap_err();
            assert_eq!(err, BrnError::Checksum, "{bad}");
            assert_eq!(err.code(), "brn.invalid_checksum");
        }
    }

    #[test]
    fn structure_rules() {
        let rule = |s| match Brn::parse(s) {
            Err(BrnError::Structure(rule)) => Some(rule),
            _ => None,
        };
        assert_eq!(rule("000-00-00000"), Some(BrnRule::OfficeCode));
        assert_eq!(rule("100-81-62517"), Some(BrnRule::OfficeCode));
        assert_eq!(rule("101-00-12345"), Some(BrnRule::TypeCode));
        assert_eq!(rule("101-81-00001"), Some(BrnRule::SerialNumber));
        assert_eq!(
            Brn::parse("101-00-12345").unwrap_err().code(),
            "brn.invalid_structure"
        );
    }

    #[test]
    fn bad_format() {
        for bad in [
            "123-4567890",
            "12-345-67890",
            "220-81-6251",
            "220816251",
            "22081625170",
            "220 81 62517",
            "22O8162517",
            "abcdefghij",
            "220-81-6251a",
            "２２０８１６２５１７",
            "",
        ] {
            let err = Brn::parse(bad).unwrap_err();
            assert_eq!(err, BrnError::Format, "{bad:?}");
            assert_eq!(err.code(), "brn.invalid_format");
        }
    }

    #[test]
    fn serde_as_digit_string() {
        let brn = Brn::parse("220-81-62517").unwrap();
        assert_eq!(serde_json::to_string(&brn).unwrap(), "\"2208162517\"");
        let back: Brn = serde_json::from_str("\"220-81-62517\"").unwrap();
        assert_eq!(back, brn);
        assert!(serde_json::from_str::<Brn>("\"2208162518\"").is_err());
        assert!(serde_json::from_str::<Brn>("2208162517").is_err());
    }
}
