//! Python's `json.dumps` text (default options), which pynamodb_mate encrypts for number and
//! JSON attributes and compresses for JSON ones. Deterministic (ECB) values only match in
//! equality conditions if the text is byte for byte what Python writes, so this is exact:
//! separators `", "` and `": "`, `ensure_ascii` (`\uXXXX`, lowercase, surrogate pairs, DEL
//! escaped too), float `repr`, `NaN`/`Infinity`/`-Infinity`.

use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;

use super::PynamodbMateError;

/// Python's `repr` of a float, as `json.dumps` writes it (`NaN`, `Infinity` and `-Infinity`
/// for the non-finite values): the shortest text that reads back as the same float, written
/// with an exponent when the decimal exponent is below -4 or at least 16 (`1e+16`, `1e-07`: a
/// sign and at least two digits), else positional with `.0` on integral values.
///
/// ```
/// use dynamate::primitives::pynamodb_mate::python_float_repr;
/// assert_eq!(python_float_repr(1e16), "1e+16");
/// assert_eq!(python_float_repr(1e15), "1000000000000000.0");
/// assert_eq!(python_float_repr(1e-7), "1e-07");
/// assert_eq!(python_float_repr(-0.0), "-0.0");
/// assert_eq!(python_float_repr(f64::NAN), "NaN");
/// ```
pub fn python_float_repr(value: f64) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    layout(&format!("{value:e}"), &format!("{value}"))
}

/// [`python_float_repr`] for an `f32`, with the shortest digits of the `f32` (`0.1f32` is
/// `0.1`, not the `0.10000000149011612` of its widened `f64`), so it matches what a Python
/// service writes for the number the field holds.
pub fn python_f32_repr(value: f32) -> String {
    if !value.is_finite() {
        return python_float_repr(f64::from(value));
    }
    layout(&format!("{value:e}"), &format!("{value}"))
}

/// Python's layout of shortest digits: `scientific` is Rust's `{:e}` (`-1.5e-7`), `positional`
/// Rust's `{}` (`-0.00000015`) of the same float; both carry the same shortest digits.
fn layout(scientific: &str, positional: &str) -> String {
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` of a finite float has an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` exponent is an integer");
    if (-4..16).contains(&exponent) {
        if positional.contains('.') {
            positional.to_string()
        } else {
            format!("{positional}.0")
        }
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    }
}

/// `serde_json` formatting with Python's separators, float repr and `ensure_ascii` escaping.
struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(python_float_repr(value).as_bytes())
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        writer.write_all(python_f32_repr(value).as_bytes())
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        separator(writer, first)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        separator(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    /// Everything outside printable ASCII (so non-ASCII and DEL) as `\uXXXX`; serde_json has
    /// already split off `"`, `\` and the control characters, which it escapes as Python does.
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if (' '..='~').contains(&c) {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// The text Python's `json.dumps(value)` gives for the same value, as UTF-8 bytes (all ASCII).
///
/// Objects keep the order in which `value` serializes its members: a struct's field order, and
/// for `serde_json::Value` the sorted key order of its map. A Python writer that inserts keys in
/// another order writes other text for an equal value (it matters only for equality conditions
/// on deterministically encrypted attributes). A non-finite float nested in a value is written
/// `null` (serde's rule), where Python would write `NaN`.
///
/// ```
/// use dynamate::primitives::pynamodb_mate::to_python_json;
/// let value = serde_json::json!({"b": [1, 2.5, "é😀", null, true], "a": 1e16});
/// assert_eq!(
///     to_python_json(&value)?,
///     br#"{"a": 1e+16, "b": [1, 2.5, "\u00e9\ud83d\ude00", null, true]}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// # Errors
///
/// What `value`'s `Serialize` implementation reports (such as a map with non-string keys).
pub fn to_python_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::new();
    value.serialize(&mut serde_json::Serializer::with_formatter(
        &mut out,
        PythonFormatter,
    ))?;
    Ok(out)
}

/// A JSON number text as Python's `json.loads` reads it, by the Python type it gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JsonNumber<'a> {
    /// An `int`: the digits, with their sign (any length).
    Int(&'a str),
    /// A finite `float` literal (a fraction or an exponent), as written.
    Float(&'a str),
    /// `NaN`, `Infinity` or `-Infinity`.
    NonFinite(f64),
    /// `true` or `false` (a `bool`, which Python's number attribute round-trips).
    Bool(bool),
}

/// Classifies the plaintext of a pynamodb_mate number attribute as `json.loads` would: the JSON
/// number grammar, Python's `NaN`/`Infinity`/`-Infinity`, and `true`/`false`, with JSON
/// whitespace around it.
///
/// ```
/// use dynamate::primitives::pynamodb_mate::{JsonNumber, parse_json_number};
/// assert_eq!(parse_json_number(b"1234")?, JsonNumber::Int("1234"));
/// assert_eq!(parse_json_number(b"1e+16")?, JsonNumber::Float("1e+16"));
/// assert_eq!(parse_json_number(b" true\n")?, JsonNumber::Bool(true));
/// assert!(parse_json_number(b"01").is_err());
/// # Ok::<(), dynamate::primitives::pynamodb_mate::PynamodbMateError>(())
/// ```
///
/// # Errors
///
/// [`PynamodbMateError::Number`] for anything else (strings, objects, malformed numbers).
pub fn parse_json_number(plaintext: &[u8]) -> Result<JsonNumber<'_>, PynamodbMateError> {
    let bad = |reason: &str| PynamodbMateError::Number {
        reason: reason.to_string(),
    };
    let text = std::str::from_utf8(plaintext).map_err(|_| bad("not ASCII text"))?;
    let text = text.trim_matches([' ', '\t', '\n', '\r']);
    match text {
        "NaN" => return Ok(JsonNumber::NonFinite(f64::NAN)),
        "Infinity" => return Ok(JsonNumber::NonFinite(f64::INFINITY)),
        "-Infinity" => return Ok(JsonNumber::NonFinite(f64::NEG_INFINITY)),
        "true" => return Ok(JsonNumber::Bool(true)),
        "false" => return Ok(JsonNumber::Bool(false)),
        _ => {}
    }
    let b = text.as_bytes();
    let digits = |from: usize| from + b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let int_end = digits(i);
    if int_end == i || (b[i] == b'0' && int_end > i + 1) {
        return Err(bad("not a JSON number, NaN, Infinity, true or false"));
    }
    i = int_end;
    let mut float = false;
    if b.get(i) == Some(&b'.') {
        let end = digits(i + 1);
        if end == i + 1 {
            return Err(bad("a fraction needs digits after the point"));
        }
        (i, float) = (end, true);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        let end = digits(i + 1 + sign);
        if end == i + 1 + sign {
            return Err(bad("an exponent needs digits"));
        }
        (i, float) = (end, true);
    }
    if i != b.len() {
        return Err(bad("trailing characters after the number"));
    }
    Ok(if float {
        JsonNumber::Float(text)
    } else {
        JsonNumber::Int(text)
    })
}

/// Whether `stored` looks like pynamodb_mate's CTR form (a JSON object naming a `nonce`), to
/// tell a user who reads it with dynamate's own format what it is.
pub fn is_ctr_json(stored: &[u8]) -> bool {
    let trimmed = stored.trim_ascii_start();
    trimmed.starts_with(b"{") && stored.windows(7).any(|w| w == b"\"nonce\"")
}

/// `json.dumps`'s item separator, `", "`, before every element but the first.
fn separator<W: ?Sized + io::Write>(writer: &mut W, first: bool) -> io::Result<()> {
    if first {
        Ok(())
    } else {
        writer.write_all(b", ")
    }
}
