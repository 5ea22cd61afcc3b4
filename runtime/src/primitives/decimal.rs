//! [`Decimal`]: an exact decimal number with DynamoDB's precision (38 significant digits,
//! magnitudes from 1E-130 to 9.99..E+125), for money and other values a float would round, and
//! [`normalize`], DynamoDB's *normal form* of number text.
//!
//! # Normal form
//!
//! DynamoDB accepts number text in plain or scientific notation but stores and returns it
//! normalised, so `1E+2`, `100`, `100.0` and `1.00e2` all come back as `100`. The normal form:
//!
//! - plain notation, never an exponent (`1E+40` is `1` followed by forty zeros);
//! - no leading zeros (`007` is `7`; a value below one starts with `0.`: `0.25`);
//! - no trailing zeros after the point, and no point without a fraction (`1.50` is `1.5`, `2.0`
//!   is `2`);
//! - no `+` sign; `-` only for negative values, so `-0` is `0`;
//! - at most 38 significant digits, and a magnitude of zero or 1E-130 up to
//!   9.9999999999999999999999999999999999999E+125. Text outside these limits is rejected, as
//!   DynamoDB rejects it.
//!
//! dynamate writes every number in this form, and wherever a number is bound into something
//! (the item key of randomized encryption, cursors, batch leftovers) it uses this form, so the
//! text a number was written with never matters.

use std::borrow::Cow;
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
/// # Ok::<(), dynamate::primitives::decimal::DecimalError>(())
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

/// DynamoDB's normal form of number `text` (see the [module docs](self)): the text itself when
/// it is in normal form already (no allocation), or the normalised text.
///
/// Fails, like DynamoDB, on text that is not a number, has more than 38 significant digits or
/// lies outside DynamoDB's range.
///
/// ```
/// use dynamate::primitives::decimal::normalize;
/// assert_eq!(normalize("1.00e2")?, "100");
/// assert_eq!(normalize("-0.0")?, "0");
/// assert_eq!(normalize("2.5E-3")?, "0.0025");
/// assert!(normalize("1E+126").is_err());
/// # Ok::<(), dynamate::primitives::decimal::DecimalError>(())
/// ```
pub fn normalize(text: &str) -> Result<Cow<'_, str>, DecimalError> {
    if is_short_normal_form(text) {
        Ok(Cow::Borrowed(text))
    } else {
        Decimal::parse(text).map(|value| Cow::Owned(value.to_string()))
    }
}

/// Whether `text` is in normal form and short enough (at most 38 characters) that its digit count
/// and magnitude are within DynamoDB's limits: the common case, checked without parsing.
fn is_short_normal_form(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match unsigned.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let int_ok = int == "0" || (digits(int) && !int.starts_with('0'));
    let frac_ok = match frac {
        None => int != "0" || unsigned.len() == text.len(),
        Some(frac) => digits(frac) && !frac.ends_with('0'),
    };
    text.len() <= MAX_DIGITS && int_ok && frac_ok
}

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
                "expected digits with an optional sign, `.` and exponent, such as `-12.5` or \
                 `1.25E+3`",
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
            return Err(fail(
                "more than 38 significant digits; DynamoDB keeps at most 38, so round the value",
            ));
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
            _ => Err(fail(
                "magnitude outside DynamoDB's range of 1E-130 to \
                 9.9999999999999999999999999999999999999E+125",
            )),
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

    /// The text dynamate 0.1 wrote for this value: scientific notation (`1E+40`, `2.5E-30`) when
    /// the leading digit's power of ten is 40 or more, or below -20; otherwise the normal form.
    /// Randomized values that 0.1 bound to such a key text are still read with it.
    pub(crate) fn legacy_text(&self) -> String {
        struct Legacy<'a>(&'a Decimal);
        impl fmt::Display for Legacy<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.write_text(f, true)
            }
        }
        Legacy(self).to_string()
    }

    /// Writes the normal form, or with `legacy` the notation of [`Decimal::legacy_text`].
    fn write_text(&self, f: &mut fmt::Formatter<'_>, legacy: bool) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        if self.negative {
            f.write_str("-")?;
        }
        let exponent = i64::from(self.exponent);
        let adjusted = self.adjusted_exponent();
        if legacy && !(-20..40).contains(&adjusted) {
            let (head, tail) = self.digits.split_at(1);
            let point = if tail.is_empty() { "" } else { "." };
            write!(f, "{head}{point}{tail}E{adjusted:+}")
        } else if exponent >= 0 {
            write!(f, "{}{}", self.digits, "0".repeat(exponent as usize))
        } else if adjusted >= 0 {
            let (int, frac) = self.digits.split_at(adjusted as usize + 1);
            write!(f, "{int}.{frac}")
        } else {
            let zeros = "0".repeat((-adjusted - 1) as usize);
            write!(f, "0.{zeros}{}", self.digits)
        }
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
    /// DynamoDB's normal form (see [`normalize`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_text(f, false)
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
    fn text_already_in_normal_form_is_returned_without_copying() {
        for text in ["0", "5", "-5", "12.5", "-0.001", "100"] {
            assert!(
                matches!(normalize(text), Ok(Cow::Borrowed(t)) if t == text),
                "{text}"
            );
        }
        for text in ["-0", "1E+2", "05", "1.50", "+1"] {
            assert!(matches!(normalize(text), Ok(Cow::Owned(_))), "{text}");
        }
    }

    #[test]
    fn debug_and_serde_use_the_normal_form() {
        assert_eq!(format!("{:?}", d("1.50E+1")), "Decimal(15)");
        assert_eq!(serde_json::to_string(&d("-2.50")).unwrap(), "\"-2.5\"");
        let parsed: Decimal = serde_json::from_str("\"1.25E+2\"").unwrap();
        assert_eq!(parsed, d("125"));
        assert!(serde_json::from_str::<Decimal>("\"twelve\"").is_err());
    }

    #[test]
    fn normalizes_equal_values() {
        assert_eq!(d("1.50"), d("15E-1"));
        assert_eq!(d("-0"), Decimal::ZERO);
        assert_eq!(d("001200").to_string(), "1200");
        assert_eq!(d("0.000125").to_string(), "0.000125");
        // DynamoDB's normal form: plain notation, whatever the magnitude.
        assert_eq!(d("1.25E+60").to_string(), format!("125{}", "0".repeat(58)));
        assert_eq!(
            d("-3.5E-40").to_string(),
            format!("-0.{}35", "0".repeat(39))
        );
        assert_eq!(d("1E+40").to_string(), format!("1{}", "0".repeat(40)));
    }

    #[test]
    fn legacy_text_is_what_dynamate_0_1_wrote() {
        assert_eq!(d("1E+40").legacy_text(), "1E+40");
        assert_eq!(d("1.25E+60").legacy_text(), "1.25E+60");
        assert_eq!(d("-3.5E-40").legacy_text(), "-3.5E-40");
        assert_eq!(d("2.5E-30").legacy_text(), "2.5E-30");
        assert_eq!(d("1E+39").legacy_text(), format!("1{}", "0".repeat(39)));
        assert_eq!(d("1E-20").legacy_text(), format!("0.{}1", "0".repeat(19)));
        assert_eq!(d("1E-21").legacy_text(), "1E-21");
        assert_eq!(d("-12.5").legacy_text(), "-12.5");
    }

    #[test]
    fn normalizes_like_dynamodb() {
        // Expected texts are what dynalite 4.0.0 (big.js `toFixed`) stores for each input.
        for (text, normal) in [
            ("-0", "0"),
            ("-0.0", "0"),
            ("0e5", "0"),
            ("00012", "12"),
            ("1.50", "1.5"),
            ("1.", "1"),
            (".5", "0.5"),
            ("+7", "7"),
            ("0.000001", "0.000001"),
            ("-1.2e-7", "-0.00000012"),
            ("1.00e2", "100"),
        ] {
            assert_eq!(normalize(text).unwrap(), normal, "{text}");
        }
        assert_eq!(
            normalize("1e-130").unwrap(),
            format!("0.{}1", "0".repeat(129))
        );
        assert_eq!(
            normalize("9.9999999999999999999999999999999999999E+125").unwrap(),
            format!("{}{}", "9".repeat(38), "0".repeat(88))
        );
        assert!(matches!(normalize("12.5").unwrap(), Cow::Borrowed("12.5")));
        for bad in [
            "1E+126",
            "1E-131",
            "123456789012345678901234567890123456789",
            "NaN",
            "1e",
        ] {
            let error = normalize(bad).unwrap_err().to_string();
            assert!(error.contains(bad), "{error}");
        }
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

    use proptest::prelude::*;

    /// A value as (negative, significant digits, exponent): `-digits * 10^exponent`.
    fn parts() -> impl Strategy<Value = (bool, String, i32)> {
        (any::<bool>(), "[1-9]([0-9]{0,36}[1-9])?", -120i32..80)
            .prop_filter("within DynamoDB's range", |(_, digits, exponent)| {
                (-130..=125).contains(&(exponent + digits.len() as i32 - 1))
            })
    }

    /// Ways to write the same number: scientific with padded mantissa, plain, leading zeros,
    /// a `+` exponent sign, lower-case `e`, a trailing point.
    fn spellings(negative: bool, digits: &str, exponent: i32, pad: usize) -> Vec<String> {
        let sign = if negative { "-" } else { "" };
        let zeros = "0".repeat(pad);
        let padded_exponent = exponent - pad as i32;
        let plain = if exponent >= 0 {
            format!("{digits}{}", "0".repeat(exponent as usize))
        } else if (-exponent) as usize >= digits.len() {
            format!(
                "0.{}{digits}",
                "0".repeat((-exponent) as usize - digits.len())
            )
        } else {
            let point = digits.len() - (-exponent) as usize;
            format!("{}.{}", &digits[..point], &digits[point..])
        };
        let (head, tail) = digits.split_at(1);
        let adjusted = exponent + digits.len() as i32 - 1;
        vec![
            format!("{sign}{digits}{zeros}E{padded_exponent}"),
            format!("{sign}{digits}e{exponent:+}"),
            format!("{sign}00{plain}"),
            format!("{sign}{plain}"),
            format!("{sign}{head}.{tail}{zeros}E{adjusted:+}"),
            format!(
                "{sign}{plain}{}",
                if plain.contains('.') {
                    zeros
                } else {
                    ".".to_string() + &zeros
                }
            ),
        ]
    }

    /// An exact comparison of `a * 10^ea` with `b * 10^eb` for small values, independent of
    /// `Decimal`: scale both to the smaller exponent as 128-bit integers.
    fn oracle_cmp(a: (i64, i32), b: (i64, i32)) -> Ordering {
        let low = a.1.min(b.1);
        let scale = |(m, e): (i64, i32)| i128::from(m) * 10i128.pow((e - low) as u32);
        scale(a).cmp(&scale(b))
    }

    proptest::proptest! {
        #[test]
        fn normal_form_is_idempotent_and_spelling_free(
            (negative, digits, exponent) in parts(),
            pad in 0usize..3,
        ) {
            let all = spellings(negative, &digits, exponent, pad);
            let normal = normalize(&all[0]).unwrap().into_owned();
            prop_assert_eq!(normalize(&normal).unwrap(), Cow::Borrowed(normal.as_str()));
            for text in &all {
                prop_assert_eq!(normalize(text).unwrap(), normal.as_str(), "{}", text);
                prop_assert_eq!(Decimal::parse(text).unwrap().to_string(), normal.as_str());
            }
            // The legacy spelling denotes the same number.
            let value = Decimal::parse(&normal).unwrap();
            prop_assert_eq!(Decimal::parse(&value.legacy_text()).unwrap(), value);
        }

        #[test]
        fn normal_form_keeps_order_and_equality(
            a in (-99_999i64..99_999, -6i32..6),
            b in (-99_999i64..99_999, -6i32..6),
            pad in 0usize..3,
        ) {
            let text = |(m, e): (i64, i32)| format!("{m}{}E{}", "0".repeat(pad), i64::from(e) - pad as i64);
            let (da, db) = (Decimal::parse(&text(a)).unwrap(), Decimal::parse(&text(b)).unwrap());
            let (ta, tb) = (text(a), text(b));
            let (na, nb) = (normalize(&ta).unwrap(), normalize(&tb).unwrap());
            let expected = oracle_cmp(a, b);
            prop_assert_eq!(da.cmp(&db), expected);
            prop_assert_eq!(Decimal::parse(&na).unwrap().cmp(&Decimal::parse(&nb).unwrap()), expected);
            prop_assert_eq!(na == nb, expected == Ordering::Equal);
        }

        #[test]
        fn display_parses_back(negative: bool, digits in "[1-9][0-9]{0,37}", exponent in -100i32..80) {
            let text = format!("{}{}E{}", if negative { "-" } else { "" }, digits, exponent);
            if let Ok(value) = Decimal::parse(&text) {
                proptest::prop_assert_eq!(Decimal::parse(&value.to_string()).unwrap(), value);
            }
        }
    }
}
