//! NTS approval numbers (승인번호): 24 digits, `yyyyMMdd` of issue + the issuer's 8-digit
//! code + an 8-digit serial.

use std::fmt;
use std::str::FromStr;

use time::{Date, OffsetDateTime, PrimitiveDateTime};

pub use settle_core::KST;

/// `at` as Korean local time: NTS dates and timestamps are local.
pub fn korean_local(at: OffsetDateTime) -> PrimitiveDateTime {
    let local = at.to_offset(KST);
    PrimitiveDateTime::new(local.date(), local.time())
}

/// Most serials per issuer and day.
pub const MAX_SERIAL: u32 = 99_999_999;

/// The 8-digit code that identifies the issuing system.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IssuerCode(String);

/// Text that is not a valid issuer code or approval number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    /// Not 8 digits.
    #[error("the NTS issuer code must be 8 digits, got {0:?}")]
    IssuerCode(String),
    /// Not 24 digits, or not starting with a date.
    #[error("an NTS approval number is 24 digits starting with the date, got {0:?}")]
    Number(String),
    /// The day's serials are used up.
    #[error("no approval serials left for the day (at most {MAX_SERIAL})")]
    Exhausted,
}

impl ApprovalError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            ApprovalError::IssuerCode(_) => "nts.invalid_issuer_code",
            ApprovalError::Number(_) => "nts.invalid_approval_number",
            ApprovalError::Exhausted => "nts.approval_serials_exhausted",
        }
    }
}

impl FromStr for IssuerCode {
    type Err = ApprovalError;

    fn from_str(text: &str) -> Result<Self, ApprovalError> {
        if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(IssuerCode(text.to_owned()))
        } else {
            Err(ApprovalError::IssuerCode(text.to_owned()))
        }
    }
}

impl Default for IssuerCode {
    /// `90000001`, settle's default until an operator configures the assigned code.
    fn default() -> Self {
        IssuerCode("90000001".to_owned())
    }
}

impl fmt::Display for IssuerCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A well-formed approval number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApprovalNumber(String);

impl ApprovalNumber {
    /// The number for `serial` (1 to [`MAX_SERIAL`]) issued on `date` by `issuer`.
    pub fn new(date: Date, issuer: &IssuerCode, serial: u32) -> Result<Self, ApprovalError> {
        if serial == 0 || serial > MAX_SERIAL {
            return Err(ApprovalError::Exhausted);
        }
        Ok(ApprovalNumber(format!(
            "{:04}{:02}{:02}{issuer}{serial:08}",
            date.year(),
            u8::from(date.month()),
            date.day()
        )))
    }

    /// The 24 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The issue date encoded in the first eight digits.
    pub fn date(&self) -> Option<Date> {
        let year = self.0[..4].parse().ok()?;
        let month = self.0[4..6].parse::<u8>().ok()?.try_into().ok()?;
        let day = self.0[6..8].parse().ok()?;
        Date::from_calendar_date(year, month, day).ok()
    }
}

impl FromStr for ApprovalNumber {
    type Err = ApprovalError;

    fn from_str(text: &str) -> Result<Self, ApprovalError> {
        let number = ApprovalNumber(text.to_owned());
        if settle_core::tax_invoice::is_approval_number(text) && number.date().is_some() {
            Ok(number)
        } else {
            Err(ApprovalError::Number(text.chars().take(40).collect()))
        }
    }
}

impl fmt::Display for ApprovalNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn formats_and_parses() {
        let issuer: IssuerCode = "41000001".parse().unwrap();
        let number = ApprovalNumber::new(date!(2026 - 11 - 21), &issuer, 42).unwrap();
        assert_eq!(number.as_str(), "202611214100000100000042");
        assert_eq!(number.as_str().parse::<ApprovalNumber>().unwrap(), number);
        assert_eq!(number.date(), Some(date!(2026 - 11 - 21)));
        assert!("2026112141000001000000".parse::<ApprovalNumber>().is_err());
        assert!(
            "202613214100000100000042"
                .parse::<ApprovalNumber>()
                .is_err()
        );
        assert!("4100000".parse::<IssuerCode>().is_err());
        assert!(ApprovalNumber::new(date!(2026 - 11 - 21), &issuer, 100_000_000).is_err());
    }
}
