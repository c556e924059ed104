//! Whole numbers as JSON clients send them: many encoders write every number as a float, so
//! `10.0` reads as 10; `10.5` and numbers out of range are refused.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserializer, Error, Unexpected, Visitor};

/// Reads an optional whole number into `T` (`#[serde(deserialize_with = "…::option")]`).
pub fn option<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    deserializer.deserialize_option(OptionalWhole(PhantomData))
}

struct OptionalWhole<T>(PhantomData<T>);

impl<'de, T: TryFrom<i64>> Visitor<'de> for OptionalWhole<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let whole = deserializer.deserialize_any(Whole)?;
        T::try_from(whole)
            .map(Some)
            .map_err(|_| D::Error::invalid_value(Unexpected::Signed(whole), &"a smaller number"))
    }
}

struct Whole;

impl Visitor<'_> for Whole {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_i64<E: Error>(self, value: i64) -> Result<i64, E> {
        Ok(value)
    }

    fn visit_u64<E: Error>(self, value: u64) -> Result<i64, E> {
        i64::try_from(value).map_err(|_| E::invalid_value(Unexpected::Unsigned(value), &self))
    }

    fn visit_f64<E: Error>(self, value: f64) -> Result<i64, E> {
        // Exactly representable whole floats only; the bounds keep the cast exact.
        const LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53
        if value.fract() == 0.0 && value.abs() <= LIMIT {
            Ok(value as i64)
        } else {
            Err(E::invalid_value(Unexpected::Float(value), &self))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "super::option")]
        days: Option<u8>,
    }

    fn days(json: &str) -> Result<Option<u8>, serde_json::Error> {
        serde_json::from_str::<Body>(json).map(|b| b.days)
    }

    #[test]
    fn integers_and_integral_floats_are_read() {
        assert_eq!(days(r#"{"days": 10}"#).unwrap(), Some(10));
        assert_eq!(days(r#"{"days": 10.0}"#).unwrap(), Some(10));
        assert_eq!(days(r#"{"days": null}"#).unwrap(), None);
        assert_eq!(days("{}").unwrap(), None);
    }

    #[test]
    fn fractions_strings_and_out_of_range_numbers_are_refused() {
        assert!(days(r#"{"days": 10.5}"#).is_err());
        assert!(days(r#"{"days": "10"}"#).is_err());
        assert!(days(r#"{"days": 256}"#).is_err());
        assert!(days(r#"{"days": 1e300}"#).is_err());
    }
}
