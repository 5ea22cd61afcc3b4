//! [`Decimal`]: an exact decimal number with DynamoDB's precision (38 significant digits,
//! magnitudes from 1E-130 to 9.99..E+125), for money and other values a float would round.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// An exact decimal number that DynamoDB can store.
///
/// Values are normalized, so `1.50`, `1.5` and `15E-1` are equal and print as `1.5`.
///
/// ```
/// use dynamate::Decimal;
/// let price: Decimal = "19.990".parse()?;
/// assert_eq!(price.to_string(), "19.99");
/// assert!(price < Decimal::from(20));
/// # Ok::<(), dynamate::decimal::DecimalError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Decimal {
    negative: bool,
    /// Significant digits without leading or trailing zeros; empty for zero.
    digits: String,
    /// The value is `digits * 10^exponent`.
    exponent: i32,
}

/// Why a text is not a DynamoDB number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a DynamoDB number: {reason}")]
pub struct DecimalError {
    text: String,
    reason: &'static str,
}

/// DynamoDB keeps up to 38 significant digits.
pub const MAX_DIGITS: usize = 38;

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal {
        negative: false,
        digits: String::new(),
        exponent: 0,
    };

    /// Parses plain (`-12.5`) or scientific (`1.25E+1`) notation.
    pub fn parse(text: &str) -> Result<Self, DecimalError> {
        let fail = |reason| DecimalError {
            text: text.to_string(),
            reason,
        };
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => {
                let exp = rest[at + 1..]
                    .parse::<i32>()
                    .map_err(|_| fail("bad exponent"))?;
                (&rest[..at], exp)
            }
            None => (rest, 0),
        };
        let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int_part.is_empty() && frac_part.is_empty()
            || !all_digits(int_part)
            || !all_digits(frac_part)
        {
            return Err(fail(
                "expected digits with an optional `.`, sign and exponent",
            ));
        }
        let frac_len = i32::try_from(frac_part.len()).map_err(|_| fail("too long"))?;
        let raw = format!("{int_part}{frac_part}");
        let trimmed_front = raw.trim_start_matches('0');
        let digits = trimmed_front.trim_end_matches('0');
        if digits.is_empty() {
            return Ok(Self::ZERO);
        }
        let trailing =
            i32::try_from(trimmed_front.len() - digits.len()).map_err(|_| fail("too long"))?;
        if digits.len() > MAX_DIGITS {
            return Err(fail("more than 38 significant digits"));
        }
        let value = Decimal {
            negative,
            digits: digits.to_string(),
            exponent: exponent
                .checked_sub(frac_len)
                .and_then(|e| e.checked_add(trailing))
                .ok_or_else(|| fail("exponent out of range"))?,
        };
        match value.adjusted_exponent() {
            -130..=125 => Ok(value),
            _ => Err(fail("magnitude outside 1E-130 to 9.99E+125")),
        }
    }

    /// The power of ten of the leading digit (`123.4` -> 2).
    fn adjusted_exponent(&self) -> i64 {
        i64::from(self.exponent) + self.digits.len() as i64 - 1
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// The value as integer text (`"-1200"`), or `None` if it has a fractional part.
    pub fn to_integer_string(&self) -> Option<String> {
        if self.is_zero() {
            return Some("0".to_string());
        }
        let zeros = usize::try_from(self.exponent).ok()?;
        let sign = if self.negative { "-" } else { "" };
        Some(format!("{sign}{}{}", self.digits, "0".repeat(zeros)))
    }

    fn cmp_magnitude(&self, other: &Self) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            // Same leading power of ten: digit strings compare like the numbers they start.
            (false, false) => self
                .adjusted_exponent()
                .cmp(&other.adjusted_exponent())
                .then_with(|| self.digits.cmp(&other.digits)),
        }
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        if self.negative {
            f.write_str("-")?;
        }
        let len = self.digits.len() as i64;
        let exponent = i64::from(self.exponent);
        let adjusted = self.adjusted_exponent();
        if exponent >= 0 && adjusted < 40 {
            write!(f, "{}{}", self.digits, "0".repeat(exponent as usize))
        } else if exponent < 0 && adjusted >= 0 {
            let point = (len + exponent) as usize;
            write!(f, "{}.{}", &self.digits[..point], &self.digits[point..])
        } else if exponent < 0 && adjusted >= -20 {
            write!(
                f,
                "0.{}{}",
                "0".repeat((-adjusted - 1) as usize),
                self.digits
            )
        } else {
            let (head, tail) = self.digits.split_at(1);
            let point = if tail.is_empty() { "" } else { "." };
            write!(f, "{head}{point}{tail}E{adjusted:+}")
        }
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({self})")
    }
}

impl FromStr for Decimal {
    type Err = DecimalError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl Default for Decimal {
    fn default() -> Self {
        Self::ZERO
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for Decimal {
            fn from(value: $t) -> Self {
                // An integer of these widths always has at most 39 digits and fits the range;
                // only u128/i128 above 38 digits could fail, and those are not converted here.
                Self::parse(&value.to_string()).unwrap_or(Self::ZERO)
            }
        }
    )*};
}
from_integer!(i8, i16, i32, i64, u8, u16, u32, u64);

impl serde::Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Decimal {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    #[test]
    fn normalizes_equal_values() {
        assert_eq!(d("1.50"), d("15E-1"));
        assert_eq!(d("-0"), Decimal::ZERO);
        assert_eq!(d("001200").to_string(), "1200");
        assert_eq!(d("0.000125").to_string(), "0.000125");
        assert_eq!(d("1.25E+60").to_string(), "1.25E+60");
        assert_eq!(d("-3.5E-40").to_string(), "-3.5E-40");
    }

    #[test]
    fn keeps_38_digits_exactly() {
        let text = "12345678901234567890.123456789012345678";
        assert_eq!(d(text).to_string(), text);
        assert!(Decimal::parse("123456789012345678901234567890123456789").is_err());
    }

    #[test]
    fn rejects_out_of_range_and_garbage() {
        for bad in [
            "", "-", "1e", "1.2.3", "abc", "1E126", "1E-131", "0x10", "1 2",
        ] {
            assert!(Decimal::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(Decimal::parse("9.99E+125").is_ok());
        assert!(Decimal::parse("1E-130").is_ok());
    }

    #[test]
    fn orders_numerically() {
        let mut values: Vec<Decimal> = ["10", "-2.5", "0", "9.99", "-10", "1E+3", "0.001"]
            .map(d)
            .to_vec();
        values.sort();
        let printed: Vec<String> = values.iter().map(ToString::to_string).collect();
        assert_eq!(printed, ["-10", "-2.5", "0", "0.001", "9.99", "10", "1000"]);
    }

    #[test]
    fn integer_text() {
        assert_eq!(d("1.2E+3").to_integer_string().as_deref(), Some("1200"));
        assert_eq!(d("1.5").to_integer_string(), None);
    }

    proptest::proptest! {
        #[test]
        fn display_parses_back(negative: bool, digits in "[1-9][0-9]{0,37}", exponent in -100i32..80) {
            let text = format!("{}{}E{}", if negative { "-" } else { "" }, digits, exponent);
            if let Ok(value) = Decimal::parse(&text) {
                proptest::prop_assert_eq!(Decimal::parse(&value.to_string()).unwrap(), value);
            }
        }
    }
}
