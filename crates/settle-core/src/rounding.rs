//! Rounding modes and tax arithmetic.
//!
//! Tax is rounded per line and the rounded line taxes are summed; the sum is
//! never rounded again. This is what e-tax invoices print, and rounding the
//! unrounded total instead can differ by a unit in the last place.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::money::MoneyError;

/// How a value is brought to a currency's decimals.
///
/// There is no `Default`: the right mode is a business decision (Korean VAT is
/// usually truncated, many foreign partners round half away from zero), so
/// every caller has to choose one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Ties go away from zero: 2.5 → 3, -2.5 → -3. Also accepted as `half_up`.
    #[serde(alias = "half_up")]
    HalfAwayFromZero,
    /// Truncation: drop the extra digits. Also accepted as `truncate`.
    #[serde(alias = "truncate")]
    TowardZero,
    /// Toward +infinity: 1.01 → 2, -1.99 → -1.
    Ceiling,
}

impl RoundingMode {
    /// Every name a request may use: the canonical ones and their aliases.
    pub const ACCEPTED_NAMES: [&'static str; 5] = [
        "half_away_from_zero",
        "half_up",
        "toward_zero",
        "truncate",
        "ceiling",
    ];

    /// The canonical snake_case name, as used in JSON and configuration.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::HalfAwayFromZero => "half_away_from_zero",
            Self::TowardZero => "toward_zero",
            Self::Ceiling => "ceiling",
        }
    }

    fn strategy(self) -> RoundingStrategy {
        match self {
            Self::HalfAwayFromZero => RoundingStrategy::MidpointAwayFromZero,
            Self::TowardZero => RoundingStrategy::ToZero,
            Self::Ceiling => RoundingStrategy::ToPositiveInfinity,
        }
    }
}

/// A rounding mode name that is neither canonical nor a known alias.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rounding mode {0:?}: expected half_away_from_zero, toward_zero or ceiling")]
pub struct UnknownRoundingMode(pub String);

impl fmt::Display for RoundingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RoundingMode {
    type Err = UnknownRoundingMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "half_away_from_zero" | "half_up" => Ok(Self::HalfAwayFromZero),
            "toward_zero" | "truncate" => Ok(Self::TowardZero),
            "ceiling" => Ok(Self::Ceiling),
            _ => Err(UnknownRoundingMode(s.to_owned())),
        }
    }
}

/// Rounds `value` to `decimals` places, padding so the scale is exactly
/// `decimals` (1 → `1.00` for 2 places).
///
/// Only a value too large to carry that many places (close to 7.9e28), or
/// `decimals` above 28, ends with a smaller scale; [`try_round`] reports that.
pub fn round(value: Decimal, decimals: u32, mode: RoundingMode) -> Decimal {
    let mut rounded = value.round_dp_with_strategy(decimals, mode.strategy());
    rounded.rescale(decimals);
    if rounded.is_zero() {
        // Truncating -0.001 leaves a negative zero; money never shows "-0.00".
        rounded.set_sign_positive(true);
    }
    rounded
}

/// Like [`round`], but fails with [`MoneyError::Overflow`] when the result
/// cannot have exactly `decimals` places.
pub fn try_round(value: Decimal, decimals: u32, mode: RoundingMode) -> Result<Decimal, MoneyError> {
    let rounded = round(value, decimals, mode);
    if rounded.scale() == decimals {
        Ok(rounded)
    } else {
        Err(MoneyError::Overflow)
    }
}

/// Tax of one line: `supply × rate`, rounded to `decimals` with `mode`.
pub fn line_tax(
    supply: Decimal,
    rate: Decimal,
    decimals: u32,
    mode: RoundingMode,
) -> Result<Decimal, MoneyError> {
    let tax = supply.checked_mul(rate).ok_or(MoneyError::Overflow)?;
    try_round(tax, decimals, mode)
}

/// Total tax of `(supply, rate)` lines: each line's tax is rounded, then the
/// rounded taxes are summed. An empty list gives zero at `decimals` places.
pub fn total_tax(
    lines: impl IntoIterator<Item = (Decimal, Decimal)>,
    decimals: u32,
    mode: RoundingMode,
) -> Result<Decimal, MoneyError> {
    let zero = try_round(Decimal::ZERO, decimals, mode)?;
    lines.into_iter().try_fold(zero, |sum, (supply, rate)| {
        let tax = line_tax(supply, rate, decimals, mode)?;
        let sum = sum.checked_add(tax).ok_or(MoneyError::Overflow)?;
        // A sum too large for its scale gets silently rounded by Decimal.
        if sum.scale() == decimals {
            Ok(sum)
        } else {
            Err(MoneyError::Overflow)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use RoundingMode::{Ceiling, HalfAwayFromZero, TowardZero};
    use rust_decimal_macros::dec;

    #[test]
    fn every_accepted_name_reads() {
        for name in RoundingMode::ACCEPTED_NAMES {
            let mode: RoundingMode = serde_json::from_value(serde_json::json!(name)).unwrap();
            assert!(
                RoundingMode::ACCEPTED_NAMES.contains(&mode.as_str()),
                "{name}"
            );
        }
    }

    #[test]
    fn per_line_rounding_then_sum() {
        let lines = [(dec!(9.75), dec!(0.10)), (dec!(10.25), dec!(0.10))];
        assert_eq!(
            line_tax(dec!(9.75), dec!(0.10), 2, HalfAwayFromZero).unwrap(),
            dec!(0.98)
        );
        assert_eq!(
            line_tax(dec!(10.25), dec!(0.10), 2, HalfAwayFromZero).unwrap(),
            dec!(1.03)
        );
        let total = total_tax(lines, 2, HalfAwayFromZero).unwrap();
        assert_eq!(total.to_string(), "2.01");
        // Rounding the unrounded sum (0.975 + 1.025 = 2.000) would lose a cent.
        let unrounded: Decimal = lines.iter().map(|(s, r)| s * r).sum();
        assert_eq!(round(unrounded, 2, HalfAwayFromZero).to_string(), "2.00");
    }

    #[test]
    fn korean_vat_modes() {
        let tax = |mode| line_tax(dec!(9999), dec!(0.10), 0, mode).unwrap();
        assert_eq!(tax(TowardZero).to_string(), "999");
        assert_eq!(tax(Ceiling).to_string(), "1000");
        assert_eq!(tax(HalfAwayFromZero).to_string(), "1000");
    }

    #[test]
    fn negative_values() {
        let tax = |mode| line_tax(dec!(-9.75), dec!(0.10), 2, mode).unwrap();
        assert_eq!(tax(HalfAwayFromZero), dec!(-0.98));
        assert_eq!(tax(TowardZero), dec!(-0.97));
        assert_eq!(tax(Ceiling), dec!(-0.97));
    }

    #[test]
    fn ties_go_away_from_zero() {
        assert_eq!(round(dec!(2.5), 0, HalfAwayFromZero), dec!(3));
        assert_eq!(round(dec!(-2.5), 0, HalfAwayFromZero), dec!(-3));
    }

    #[test]
    fn result_has_exact_scale_and_no_negative_zero() {
        assert_eq!(round(dec!(1), 2, TowardZero).to_string(), "1.00");
        assert_eq!(round(dec!(-0.001), 2, TowardZero).to_string(), "0.00");
        assert_eq!(round(dec!(-0.001), 2, Ceiling).to_string(), "0.00");
        assert_eq!(
            total_tax(Vec::new(), 2, HalfAwayFromZero)
                .unwrap()
                .to_string(),
            "0.00"
        );
    }

    #[test]
    fn overflow_is_an_error() {
        assert_eq!(
            line_tax(Decimal::MAX, dec!(2), 0, Ceiling),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            try_round(Decimal::MAX, 2, Ceiling),
            Err(MoneyError::Overflow)
        );
        let lines = [(Decimal::MAX, dec!(1)), (Decimal::MAX, dec!(1))];
        assert_eq!(total_tax(lines, 0, TowardZero), Err(MoneyError::Overflow));
    }

    #[test]
    fn names_and_aliases() {
        for mode in [HalfAwayFromZero, TowardZero, Ceiling] {
            assert_eq!(mode.to_string().parse::<RoundingMode>(), Ok(mode));
            let json = serde_json::to_string(&mode).unwrap();
            assert_eq!(json, format!("\"{mode}\""));
            assert_eq!(serde_json::from_str::<RoundingMode>(&json).unwrap(), mode);
        }
        assert_eq!("truncate".parse(), Ok(TowardZero));
        assert_eq!("half_up".parse(), Ok(HalfAwayFromZero));
        assert_eq!(
            serde_json::from_str::<RoundingMode>("\"truncate\"").unwrap(),
            TowardZero
        );
        assert!("bankers".parse::<RoundingMode>().is_err());
        assert!(serde_json::from_str::<RoundingMode>("\"Ceiling\"").is_err());
    }
}
