//! Conversions between Rust values and DynamoDB [`AttributeValue`]s.
//!
//! Each schema value type has a zero-sized *codec* type implementing [`Codec`]; composite types
//! compose codecs (`List<Opt<Str>>` is a list of optional strings). Generated code names the codec
//! of every field, so the mapping from schema type to storage is decided here, once.
//!
//! | schema type | Rust type | codec | stored as |
//! |---|---|---|---|
//! | `string` | `String` | [`Str`] | `S` |
//! | `bytes` | `Vec<u8>` | [`Binary`] | `B` |
//! | `bool` | `bool` | [`Bool`] | `BOOL` |
//! | integers, floats | `i8`..`u64`, `f32`, `f64` | [`Num`] | `N` |
//! | `decimal` | [`Decimal`] | [`Num`] | `N` |
//! | `datetime` | `DateTime<Utc>` | [`Timestamp`] | `S`, `2024-01-02T03:04:05.123456+0000` |
//! | `ttl` | `DateTime<Utc>` | [`Ttl`] | `N`, whole seconds since the Unix epoch |
//! | `version` | `u64` | [`Num`] | `N` |
//! | `json` | `serde_json::Value` or a serde type | [`Json`] | `S`, JSON text |
//! | `list` | `Vec<T>` | [`List`] | `L` |
//! | `map` | `BTreeMap<String, T>` | [`Map`] | `M` |
//! | `string_set`, `number_set`, `binary_set` | `BTreeSet<T>` | [`StringSet`], [`NumberSet`], [`BinarySet`] | `SS`, `NS`, `BS`; an empty set is not stored |
//!
//! Every number (`N`, and each element of `NS`) is written in DynamoDB's normal form
//! ([`crate::primitives::decimal::normalize`]): the text DynamoDB itself would store and return.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::marker::PhantomData;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Utc;

use crate::primitives::decimal::Decimal;
use crate::primitives::pynamodb_mate::{
    JsonNumber, parse_json_number, python_f32_repr, python_float_repr, to_python_json,
};

/// What is wrong with one attribute value, independent of where it was found and of any
/// transform (the item layer's [`CodecError`](crate::item::error::CodecError) adds those).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// The item has no value for a required attribute.
    #[error(
        "the attribute is missing; declare it `optional = true` or give it a `default` in the schema if old items may lack it"
    )]
    Missing,
    /// The stored value has another DynamoDB type than the schema declares.
    #[error("expected a DynamoDB {expected} value, found {found}")]
    WrongType {
        /// DynamoDB type the schema declares, such as `S` or `L`.
        expected: &'static str,
        /// DynamoDB type that was found.
        found: &'static str,
    },
    /// The stored value has the right DynamoDB type but its content does not parse.
    #[error("invalid {expected} value: {reason}")]
    Invalid {
        /// What was expected, such as `i32` or `datetime`.
        expected: &'static str,
        /// Why the value does not parse.
        reason: String,
    },
    /// The value cannot be represented in DynamoDB (such as a NaN float).
    #[error("cannot store this value: {reason}")]
    Unrepresentable {
        /// Why DynamoDB cannot hold the value.
        reason: String,
    },
}

/// How one Rust value type is stored in DynamoDB.
pub trait Codec {
    /// The Rust type of the field.
    type Value;
    /// DynamoDB type the value is stored as (`S`, `N`, `B`, `BOOL`, `L`, `M`, `SS`, `NS`, `BS`).
    const DYNAMO_TYPE: &'static str;

    /// Converts a value to its attribute value; `None` means "do not store the attribute"
    /// (an absent optional or an empty set, which DynamoDB cannot hold).
    fn encode(value: &Self::Value) -> Result<Option<AttributeValue>, ValueError>;

    /// Converts a stored attribute value back.
    fn decode(value: AttributeValue) -> Result<Self::Value, ValueError>;

    /// The value of an attribute the item does not have: an error unless the type has a
    /// natural empty value (optionals and sets).
    fn missing() -> Result<Self::Value, ValueError> {
        Err(ValueError::Missing)
    }

    /// Whether [`Codec::encode`] would store nothing for this value.
    fn is_absent(_value: &Self::Value) -> bool {
        false
    }

    /// Serializes the value to bytes, the first step of a transform (compression, encryption,
    /// offload). The default is the [`canonical`] encoding of the attribute value.
    fn to_bytes(value: &Self::Value) -> Result<Vec<u8>, ValueError> {
        let mut out = Vec::new();
        if let Some(value) = Self::encode(value)? {
            canonical::write(&value, &mut out);
        }
        Ok(out)
    }

    /// Inverse of [`Codec::to_bytes`].
    fn from_bytes(bytes: &[u8]) -> Result<Self::Value, ValueError> {
        Self::decode(canonical::read(bytes)?)
    }

    /// Serializes the value as pynamodb_mate's attribute class of this type does before
    /// compressing or encrypting it (attributes declared `pynamodb_mate = "shared"`): UTF-8
    /// text, the bytes, or Python's `json.dumps` text of a number, bool or JSON value. The
    /// default is an error: pynamodb_mate has no such attribute for the type (the schema
    /// validator refuses those).
    fn to_pynamodb_mate_bytes(_value: &Self::Value) -> Result<Vec<u8>, ValueError> {
        Err(no_pynamodb_mate_class::<Self>())
    }

    /// Inverse of [`Codec::to_pynamodb_mate_bytes`], accepting what Python's `json.loads` reads
    /// for numbers and JSON values.
    fn from_pynamodb_mate_bytes(_bytes: &[u8]) -> Result<Self::Value, ValueError> {
        Err(no_pynamodb_mate_class::<Self>())
    }
}

fn no_pynamodb_mate_class<C: Codec + ?Sized>() -> ValueError {
    ValueError::Unrepresentable {
        reason: format!(
            "pynamodb_mate has no compressed or encrypted attribute for DynamoDB type {}",
            C::DYNAMO_TYPE
        ),
    }
}

/// The DynamoDB type code of an attribute value, for error messages.
pub(crate) fn type_name(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "S",
        AttributeValue::N(_) => "N",
        AttributeValue::B(_) => "B",
        AttributeValue::Bool(_) => "BOOL",
        AttributeValue::Null(_) => "NULL",
        AttributeValue::L(_) => "L",
        AttributeValue::M(_) => "M",
        AttributeValue::Ss(_) => "SS",
        AttributeValue::Ns(_) => "NS",
        AttributeValue::Bs(_) => "BS",
        _ => "an unknown type",
    }
}

fn wrong_type<C: Codec + ?Sized>(found: &AttributeValue) -> ValueError {
    ValueError::WrongType {
        expected: C::DYNAMO_TYPE,
        found: type_name(found),
    }
}

/// `string` stored as `S`.
pub struct Str;

impl Codec for Str {
    type Value = String;
    const DYNAMO_TYPE: &'static str = "S";

    fn encode(value: &String) -> Result<Option<AttributeValue>, ValueError> {
        Ok(Some(AttributeValue::S(value.clone())))
    }

    fn decode(value: AttributeValue) -> Result<String, ValueError> {
        match value {
            AttributeValue::S(s) => Ok(s),
            other => Err(wrong_type::<Self>(&other)),
        }
    }

    fn to_bytes(value: &String) -> Result<Vec<u8>, ValueError> {
        Ok(value.as_bytes().to_vec())
    }

    fn from_bytes(bytes: &[u8]) -> Result<String, ValueError> {
        String::from_utf8(bytes.to_vec()).map_err(|e| invalid("UTF-8 string", e))
    }

    fn to_pynamodb_mate_bytes(value: &String) -> Result<Vec<u8>, ValueError> {
        Self::to_bytes(value)
    }

    fn from_pynamodb_mate_bytes(bytes: &[u8]) -> Result<String, ValueError> {
        Self::from_bytes(bytes)
    }
}

/// `bytes` stored as `B`. (Named for what DynamoDB calls the type, so it does not shadow
/// `bytes::Bytes`.)
pub struct Binary;

impl Codec for Binary {
    type Value = Vec<u8>;
    const DYNAMO_TYPE: &'static str = "B";

    fn encode(value: &Vec<u8>) -> Result<Option<AttributeValue>, ValueError> {
        Ok(Some(AttributeValue::B(Blob::new(value.clone()))))
    }

    fn decode(value: AttributeValue) -> Result<Vec<u8>, ValueError> {
        match value {
            AttributeValue::B(b) => Ok(b.into_inner()),
            other => Err(wrong_type::<Self>(&other)),
        }
    }

    fn to_bytes(value: &Vec<u8>) -> Result<Vec<u8>, ValueError> {
        Ok(value.clone())
    }

    fn from_bytes(bytes: &[u8]) -> Result<Vec<u8>, ValueError> {
        Ok(bytes.to_vec())
    }

    fn to_pynamodb_mate_bytes(value: &Vec<u8>) -> Result<Vec<u8>, ValueError> {
        Ok(value.clone())
    }

    fn from_pynamodb_mate_bytes(bytes: &[u8]) -> Result<Vec<u8>, ValueError> {
        Ok(bytes.to_vec())
    }
}

/// `bool` stored as `BOOL`.
pub struct Bool;

impl Codec for Bool {
    type Value = bool;
    const DYNAMO_TYPE: &'static str = "BOOL";

    fn encode(value: &bool) -> Result<Option<AttributeValue>, ValueError> {
        Ok(Some(AttributeValue::Bool(*value)))
    }

    fn decode(value: AttributeValue) -> Result<bool, ValueError> {
        match value {
            AttributeValue::Bool(b) => Ok(b),
            other => Err(wrong_type::<Self>(&other)),
        }
    }

    fn to_pynamodb_mate_bytes(value: &bool) -> Result<Vec<u8>, ValueError> {
        Ok(if *value {
            b"true".to_vec()
        } else {
            b"false".to_vec()
        })
    }

    fn from_pynamodb_mate_bytes(bytes: &[u8]) -> Result<bool, ValueError> {
        match parse_json_number(bytes).map_err(|e| invalid("bool", e))? {
            JsonNumber::Bool(b) => Ok(b),
            _ => Err(invalid(
                "bool",
                "a number where `true` or `false` was expected",
            )),
        }
    }
}

/// A Rust number type that DynamoDB stores as `N`.
pub trait Number: Sized {
    /// Name used in error messages, such as `i32`.
    const NAME: &'static str;
    /// The DynamoDB number text of the value, in DynamoDB's normal form
    /// ([`crate::primitives::decimal::normalize`]); fails for values DynamoDB cannot store.
    fn to_number_string(&self) -> Result<String, ValueError>;
    /// Parses DynamoDB number text.
    fn from_number_string(text: &str) -> Result<Self, ValueError>;
    /// Python's `json.dumps` text of the value, as pynamodb_mate's number attribute encrypts
    /// it: integer digits, float `repr` (`1e+16`, `1.0`, `NaN`), decimal text.
    fn to_python_json(&self) -> Result<String, ValueError>;
    /// Reads pynamodb_mate's number plaintext (what `json.loads` takes) into this type.
    fn from_python_json(number: JsonNumber<'_>) -> Result<Self, ValueError>;
}

/// The Python type of a number plaintext, for error messages.
fn python_kind(number: &JsonNumber<'_>) -> &'static str {
    match number {
        JsonNumber::Int(_) => "an int",
        JsonNumber::Float(_) => "a float",
        JsonNumber::NonFinite(_) => "NaN or an infinity",
        JsonNumber::Bool(_) => "a bool",
    }
}

fn invalid(expected: &'static str, reason: impl std::fmt::Display) -> ValueError {
    ValueError::Invalid {
        expected,
        reason: reason.to_string(),
    }
}

macro_rules! integer_number {
    ($($t:ty),*) => {$(
        impl Number for $t {
            const NAME: &'static str = stringify!($t);

            fn to_number_string(&self) -> Result<String, ValueError> {
                // Integer text is in normal form; only 128-bit values can exceed 38 digits.
                let text = self.to_string();
                if text.len() > crate::primitives::decimal::MAX_DIGITS {
                    check_significant_digits(&text)?;
                }
                Ok(text)
            }

            fn from_number_string(text: &str) -> Result<Self, ValueError> {
                text.parse::<$t>().or_else(|_| {
                    // Other writers may store an integer as `1E+2` or `100.0`.
                    let canonical = Decimal::parse(text).map_err(|e| invalid(Self::NAME, e))?;
                    canonical
                        .to_integer_string()
                        .and_then(|s| s.parse::<$t>().ok())
                        .ok_or_else(|| invalid(Self::NAME, format!("`{text}` is not a {} integer", Self::NAME)))
                })
            }

            fn to_python_json(&self) -> Result<String, ValueError> {
                Ok(self.to_string())
            }

            fn from_python_json(number: JsonNumber<'_>) -> Result<Self, ValueError> {
                match number {
                    JsonNumber::Int(text) | JsonNumber::Float(text) => Self::from_number_string(text),
                    other => Err(invalid(Self::NAME, format!("pynamodb_mate stored {}", python_kind(&other)))),
                }
            }
        }
    )*};
}
integer_number!(i8, i16, i32, i64, i128, u8, u16, u32, u64, u128);

/// Rejects integer text with more significant digits than DynamoDB keeps.
fn check_significant_digits(text: &str) -> Result<(), ValueError> {
    Decimal::parse(text)
        .map(drop)
        .map_err(|e| ValueError::Unrepresentable {
            reason: format!("{e}; store such integers as strings"),
        })
}

macro_rules! float_number {
    ($($t:ty => $repr:path),*) => {$(
        impl Number for $t {
            const NAME: &'static str = stringify!($t);

            fn to_number_string(&self) -> Result<String, ValueError> {
                float_to_number_string(f64::from(*self), || self.to_string())
            }

            fn from_number_string(text: &str) -> Result<Self, ValueError> {
                text.parse::<$t>().map_err(|e| invalid(Self::NAME, format!("`{text}`: {e}")))
            }

            fn to_python_json(&self) -> Result<String, ValueError> {
                Ok($repr(*self))
            }

            fn from_python_json(number: JsonNumber<'_>) -> Result<Self, ValueError> {
                match number {
                    JsonNumber::Int(text) | JsonNumber::Float(text) => Self::from_number_string(text),
                    // `as` keeps NaN and the infinities.
                    JsonNumber::NonFinite(value) => Ok(value as $t),
                    other => Err(invalid(Self::NAME, format!("pynamodb_mate stored {}", python_kind(&other)))),
                }
            }
        }
    )*};
}
float_number!(f32 => python_f32_repr, f64 => python_float_repr);

/// Rejects what DynamoDB cannot store and writes a float in DynamoDB's normal form.
///
/// Rust's `Display` of a float is the shortest text that reads back as the same float, in plain
/// notation (no exponent, no leading or trailing zeros), at most 17 significant digits: the
/// normal form, except `-0`, which is written `0`.
fn float_to_number_string(
    value: f64,
    plain: impl FnOnce() -> String,
) -> Result<String, ValueError> {
    if !value.is_finite() {
        return Err(ValueError::Unrepresentable {
            reason: format!(
                "{value} is not a finite number; DynamoDB numbers cannot be NaN or infinite"
            ),
        });
    }
    let magnitude = value.abs();
    if magnitude == 0.0 {
        return Ok("0".to_string());
    }
    if !(1e-130..1e126).contains(&magnitude) {
        return Err(ValueError::Unrepresentable {
            reason: format!(
                "{value:e} is outside DynamoDB's number range (1E-130 to 9.99E+125); \
                 scale the value or store it as a string"
            ),
        });
    }
    Ok(plain())
}

impl Number for Decimal {
    const NAME: &'static str = "decimal";

    fn to_number_string(&self) -> Result<String, ValueError> {
        Ok(self.to_string())
    }

    fn from_number_string(text: &str) -> Result<Self, ValueError> {
        Decimal::parse(text).map_err(|e| invalid(Self::NAME, e))
    }

    fn to_python_json(&self) -> Result<String, ValueError> {
        Ok(self.to_string())
    }

    fn from_python_json(number: JsonNumber<'_>) -> Result<Self, ValueError> {
        match number {
            JsonNumber::Int(text) | JsonNumber::Float(text) => Self::from_number_string(text),
            other => Err(invalid(
                Self::NAME,
                format!("pynamodb_mate stored {}", python_kind(&other)),
            )),
        }
    }
}

/// Numbers (integers, floats, [`Decimal`], version counters) stored as `N`.
pub struct Num<T>(PhantomData<T>);

impl<T: Number> Codec for Num<T> {
    type Value = T;
    const DYNAMO_TYPE: &'static str = "N";

    fn encode(value: &T) -> Result<Option<AttributeValue>, ValueError> {
        Ok(Some(AttributeValue::N(value.to_number_string()?)))
    }

    fn decode(value: AttributeValue) -> Result<T, ValueError> {
        match value {
            AttributeValue::N(n) => T::from_number_string(&n),
            other => Err(wrong_type::<Self>(&other)),
        }
    }

    fn to_pynamodb_mate_bytes(value: &T) -> Result<Vec<u8>, ValueError> {
        value.to_python_json().map(String::into_bytes)
    }

    fn from_pynamodb_mate_bytes(bytes: &[u8]) -> Result<T, ValueError> {
        T::from_python_json(parse_json_number(bytes).map_err(|e| invalid(T::NAME, e))?)
    }
}

/// `datetime`: a UTC timestamp stored as `S` in the format pynamodb's `UTCDateTimeAttribute`
/// uses (`%Y-%m-%dT%H:%M:%S.%f+0000`), so stored values sort by time. Timestamps with
/// sub-microsecond precision are written with nine fractional digits, which keeps them exact and
/// still sorting correctly. (Not `DateTime`, which would shadow `chrono::DateTime`.)
pub struct Timestamp;

impl Codec for Timestamp {
    type Value = chrono::DateTime<Utc>;
    const DYNAMO_TYPE: &'static str = "S";

    fn encode(value: &Self::Value) -> Result<Option<AttributeValue>, ValueError> {
        let format = if value.timestamp_subsec_nanos() % 1_000 == 0 {
            "%Y-%m-%dT%H:%M:%S%.6f+0000"
        } else {
            "%Y-%m-%dT%H:%M:%S%.9f+0000"
        };
        Ok(Some(AttributeValue::S(value.format(format).to_string())))
    }

    fn decode(value: AttributeValue) -> Result<Self::Value, ValueError> {
        let text = Str::decode(value).map_err(|_| ValueError::WrongType {
            expected: "S",
            found: "another type",
        })?;
        chrono::DateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f%z")
            .or_else(|_| chrono::DateTime::parse_from_rfc3339(&text))
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| invalid("datetime", format!("`{text}`: {e}")))
    }
}

/// `ttl`: a UTC timestamp stored as `N`, whole seconds since the Unix epoch, as DynamoDB's
/// time-to-live requires. Sub-second precision is dropped on write.
pub struct Ttl;

impl Codec for Ttl {
    type Value = chrono::DateTime<Utc>;
    const DYNAMO_TYPE: &'static str = "N";

    fn encode(value: &Self::Value) -> Result<Option<AttributeValue>, ValueError> {
        Ok(Some(AttributeValue::N(value.timestamp().to_string())))
    }

    fn decode(value: AttributeValue) -> Result<Self::Value, ValueError> {
        let seconds = Num::<i64>::decode(value)?;
        chrono::DateTime::from_timestamp(seconds, 0)
            .ok_or_else(|| invalid("ttl", format!("{seconds} seconds is out of range")))
    }
}

/// `json`: any serde value (by default `serde_json::Value`) stored as `S` holding JSON text.
pub struct Json<T = serde_json::Value>(PhantomData<T>);

impl<T: serde::Serialize + serde::de::DeserializeOwned> Codec for Json<T> {
    type Value = T;
    const DYNAMO_TYPE: &'static str = "S";

    fn encode(value: &T) -> Result<Option<AttributeValue>, ValueError> {
        serde_json::to_string(value)
            .map(|text| Some(AttributeValue::S(text)))
            .map_err(|e| ValueError::Unrepresentable {
                reason: format!("not serializable as JSON: {e}"),
            })
    }

    fn decode(value: AttributeValue) -> Result<T, ValueError> {
        let text = Str::decode(value)?;
        serde_json::from_str(&text).map_err(|e| invalid("json", e))
    }

    fn to_bytes(value: &T) -> Result<Vec<u8>, ValueError> {
        serde_json::to_vec(value).map_err(|e| ValueError::Unrepresentable {
            reason: format!("not serializable as JSON: {e}"),
        })
    }

    fn from_bytes(bytes: &[u8]) -> Result<T, ValueError> {
        serde_json::from_slice(bytes).map_err(|e| invalid("json", e))
    }

    fn to_pynamodb_mate_bytes(value: &T) -> Result<Vec<u8>, ValueError> {
        to_python_json(value).map_err(|e| ValueError::Unrepresentable {
            reason: format!("not serializable as JSON: {e}"),
        })
    }

    fn from_pynamodb_mate_bytes(bytes: &[u8]) -> Result<T, ValueError> {
        serde_json::from_slice(bytes).map_err(|e| {
            let hint = if e.is_syntax() && has_python_constant(bytes) {
                " (Python wrote NaN or Infinity, which JSON values in Rust cannot hold)"
            } else {
                ""
            };
            invalid("json", format!("{e}{hint}"))
        })
    }
}

/// Whether JSON text holds `NaN` or `Infinity` outside strings (Python's extension of JSON).
fn has_python_constant(text: &[u8]) -> bool {
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in text.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if text[i..].starts_with(b"NaN") || text[i..].starts_with(b"Infinity") {
            return true;
        }
    }
    false
}

/// An optional value: `None` is not stored, and a missing or `NULL` attribute reads as `None`.
pub struct Opt<C>(PhantomData<C>);

impl<C: Codec> Codec for Opt<C> {
    type Value = Option<C::Value>;
    const DYNAMO_TYPE: &'static str = C::DYNAMO_TYPE;

    fn encode(value: &Self::Value) -> Result<Option<AttributeValue>, ValueError> {
        match value {
            Some(inner) => C::encode(inner),
            None => Ok(None),
        }
    }

    fn decode(value: AttributeValue) -> Result<Self::Value, ValueError> {
        match value {
            AttributeValue::Null(_) => Ok(None),
            other => C::decode(other).map(Some),
        }
    }

    fn missing() -> Result<Self::Value, ValueError> {
        Ok(None)
    }

    fn is_absent(value: &Self::Value) -> bool {
        value.as_ref().is_none_or(C::is_absent)
    }

    fn to_bytes(value: &Self::Value) -> Result<Vec<u8>, ValueError> {
        match value {
            Some(inner) => C::to_bytes(inner),
            None => Ok(Vec::new()),
        }
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self::Value, ValueError> {
        C::from_bytes(bytes).map(Some)
    }

    fn to_pynamodb_mate_bytes(value: &Self::Value) -> Result<Vec<u8>, ValueError> {
        match value {
            Some(inner) => C::to_pynamodb_mate_bytes(inner),
            None => Ok(Vec::new()),
        }
    }

    fn from_pynamodb_mate_bytes(bytes: &[u8]) -> Result<Self::Value, ValueError> {
        C::from_pynamodb_mate_bytes(bytes).map(Some)
    }
}

/// Collects fallible elements into a vector allocated once (collecting into `Result<Vec<_>, _>`
/// cannot pre-size it).
fn collect_sized<T>(
    len: usize,
    elements: impl Iterator<Item = Result<T, ValueError>>,
) -> Result<Vec<T>, ValueError> {
    let mut out = Vec::with_capacity(len);
    for element in elements {
        out.push(element?);
    }
    Ok(out)
}

/// Encodes one element of a list or map, where "absent" is stored as `NULL`.
fn encode_element<C: Codec>(value: &C::Value) -> Result<AttributeValue, ValueError> {
    Ok(C::encode(value)?.unwrap_or(AttributeValue::Null(true)))
}

fn decode_element<C: Codec>(value: AttributeValue) -> Result<C::Value, ValueError> {
    match value {
        AttributeValue::Null(_) => C::missing(),
        other => C::decode(other),
    }
}

/// `list` of elements of one type, stored as `L`.
pub struct List<C>(PhantomData<C>);

impl<C: Codec> Codec for List<C> {
    type Value = Vec<C::Value>;
    const DYNAMO_TYPE: &'static str = "L";

    fn encode(value: &Self::Value) -> Result<Option<AttributeValue>, ValueError> {
        let elements = collect_sized(value.len(), value.iter().map(encode_element::<C>))?;
        Ok(Some(AttributeValue::L(elements)))
    }

    fn decode(value: AttributeValue) -> Result<Self::Value, ValueError> {
        match value {
            AttributeValue::L(elements) => elements.into_iter().map(decode_element::<C>).collect(),
            other => Err(wrong_type::<Self>(&other)),
        }
    }
}

/// `map` from string keys to values of one type, stored as `M`.
pub struct Map<C>(PhantomData<C>);

impl<C: Codec> Codec for Map<C> {
    type Value = BTreeMap<String, C::Value>;
    const DYNAMO_TYPE: &'static str = "M";

    fn encode(value: &Self::Value) -> Result<Option<AttributeValue>, ValueError> {
        let mut entries = HashMap::with_capacity(value.len());
        for (k, v) in value {
            entries.insert(k.clone(), encode_element::<C>(v)?);
        }
        Ok(Some(AttributeValue::M(entries)))
    }

    fn decode(value: AttributeValue) -> Result<Self::Value, ValueError> {
        match value {
            AttributeValue::M(entries) => entries
                .into_iter()
                .map(|(k, v)| Ok((k, decode_element::<C>(v)?)))
                .collect(),
            other => Err(wrong_type::<Self>(&other)),
        }
    }
}

/// Implements a set codec: an empty set is not stored (DynamoDB rejects empty sets) and a
/// missing attribute reads as the empty set.
macro_rules! set_codec {
    ($(#[$doc:meta])* $name:ident<$($g:ident: $bound:path)?>, $elem:ty, $dynamo:literal, $variant:ident,
     |$e:ident| $to:expr, |$s:ident| $from:expr) => {
        $(#[$doc])*
        pub struct $name$(<$g>(PhantomData<$g>))?;

        impl$(<$g: $bound + Ord>)? Codec for $name$(<$g>)? {
            type Value = BTreeSet<$elem>;
            const DYNAMO_TYPE: &'static str = $dynamo;

            fn encode(value: &Self::Value) -> Result<Option<AttributeValue>, ValueError> {
                if value.is_empty() {
                    return Ok(None);
                }
                let elements = collect_sized(value.len(), value.iter().map(|$e| $to))?;
                Ok(Some(AttributeValue::$variant(elements)))
            }

            fn decode(value: AttributeValue) -> Result<Self::Value, ValueError> {
                match value {
                    AttributeValue::$variant(elements) => {
                        elements.into_iter().map(|$s| $from).collect()
                    }
                    other => Err(wrong_type::<Self>(&other)),
                }
            }

            fn missing() -> Result<Self::Value, ValueError> {
                Ok(BTreeSet::new())
            }

            fn is_absent(value: &Self::Value) -> bool {
                value.is_empty()
            }
        }
    };
}

set_codec!(
    /// `string_set` stored as `SS`.
    StringSet<>, String, "SS", Ss, |e| Ok(e.clone()), |s| Ok(s)
);
set_codec!(
    /// `number_set` of integers or decimals stored as `NS`.
    NumberSet<T: Number>, T, "NS", Ns, |e| e.to_number_string(), |s| T::from_number_string(&s)
);
set_codec!(
    /// `binary_set` stored as `BS`.
    BinarySet<>, Vec<u8>, "BS", Bs, |e| Ok(Blob::new(e.clone())), |s| Ok(s.into_inner())
);

pub mod canonical;
