//! Billing periods: calendar months, written `YYYY-MM`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// A calendar month that charges are billed for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    year: i32,
    month: Month,
}

impl Period {
    /// The month `date` falls in.
    pub fn of(date: Date) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    /// Parses `YYYY-MM` (years 2000–9999).
    pub fn parse(text: &str) -> Option<Self> {
        let (year, month) = text.trim().split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        let year: i32 = year.parse().ok()?;
        let month: u8 = month.parse().ok()?;
        if !(2000..=9999).contains(&year) {
            return None;
        }
        Some(Self {
            year,
            month: Month::try_from(month).ok()?,
        })
    }

    /// The first day of the month.
    pub fn start(&self) -> Date {
        Date::from_calendar_date(self.year, self.month, 1).unwrap_or(Date::MIN)
    }

    /// The last day of the month.
    pub fn end(&self) -> Date {
        let days = self.month.length(self.year);
        Date::from_calendar_date(self.year, self.month, days).unwrap_or(Date::MAX)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, u8::from(self.month))
    }
}

impl FromStr for Period {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Period::parse(text).ok_or_else(|| format!("{text:?} is not a period YYYY-MM"))
    }
}

impl TryFrom<String> for Period {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<Period> for String {
    fn from(period: Period) -> String {
        period.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn months_parse_print_and_span_their_days() {
        let feb = Period::parse("2028-02").unwrap();
        assert_eq!(feb.to_string(), "2028-02");
        assert_eq!(feb.start(), date!(2028 - 02 - 01));
        assert_eq!(feb.end(), date!(2028 - 02 - 29));
        assert_eq!(Period::of(date!(2026 - 10 - 31)).to_string(), "2026-10");
        for bad in ["2026-13", "2026-1", "26-10", "2026/10", "", "1999-12"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
    }
}
