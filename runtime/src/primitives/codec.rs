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
    ($($t:ty),*) => {$(
        impl Number for $t {
            const NAME: &'static str = stringify!($t);

            fn to_number_string(&self) -> Result<String, ValueError> {
                float_to_number_string(f64::from(*self), || self.to_string())
            }

            fn from_number_string(text: &str) -> Result<Self, ValueError> {
                text.parse::<$t>().map_err(|e| invalid(Self::NAME, format!("`{text}`: {e}")))
            }
        }
    )*};
}
float_number!(f32, f64);

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

pub mod canonical {
    //! Low-level (generated code and applications need nothing here; public for property tests
    //! and tools that inspect stored bytes): a compact, deterministic byte encoding of an [`AttributeValue`], used as the serialized
    //! form of non-string, non-binary values before compression or encryption, for the item key
    //! that randomized encryption binds to ([`crate::item::model::canonical_key_bytes`]) and for
    //! cursors.
    //!
    //! Layout: one tag byte, then the payload. Strings, numbers and binaries are a big-endian
    //! `u32` length and the bytes; `BOOL` and `NULL` one byte; lists and sets a `u32` count and
    //! the elements; maps a `u32` count and key/value pairs sorted by key (so equal maps encode
    //! equally, which deterministic encryption relies on).
    //!
    //! Numbers (`N` and the elements of `NS`) are written as the ASCII text of their DynamoDB
    //! normal form ([`crate::primitives::decimal::normalize`]), whatever text the attribute value holds:
    //! `1E+2`, `100.0` and `100` encode alike, so what DynamoDB returns (normalised) encodes
    //! like what was written. Text that is not a valid DynamoDB number (which DynamoDB would
    //! reject) is written as it is.
    //!
    //! | tag | type |
    //! |---|---|
    //! | 1 | S |
    //! | 2 | N |
    //! | 3 | B |
    //! | 4 | BOOL |
    //! | 5 | NULL |
    //! | 6 | L |
    //! | 7 | M |
    //! | 8 | SS |
    //! | 9 | NS |
    //! | 10 | BS |

    use std::borrow::Cow;

    use aws_sdk_dynamodb::primitives::Blob;
    use aws_sdk_dynamodb::types::AttributeValue;

    use super::ValueError;

    /// The bytes a number's text is encoded with: its normal form, or the text itself if it is
    /// not a DynamoDB number.
    fn number_bytes(text: &str) -> Cow<'_, [u8]> {
        match crate::primitives::decimal::normalize(text) {
            Ok(Cow::Owned(normal)) => Cow::Owned(normal.into_bytes()),
            Ok(Cow::Borrowed(normal)) => Cow::Borrowed(normal.as_bytes()),
            Err(_) => Cow::Borrowed(text.as_bytes()),
        }
    }

    /// Appends the encoding of a number whose text is taken as it is, not normalised: how
    /// dynamate 0.1 encoded numbers in item keys (see [`crate::item::model::key_bytes_as_written`]).
    pub fn write_number_as_written(text: &str, out: &mut Vec<u8>) {
        tagged(2, out, |out| put_bytes(text.as_bytes(), out));
    }

    fn put_bytes(bytes: &[u8], out: &mut Vec<u8>) {
        put_len(bytes.len(), out);
        out.extend_from_slice(bytes);
    }

    fn put_len(len: usize, out: &mut Vec<u8>) {
        // Item values are far below 4 GiB (DynamoDB items are at most 400 KB).
        out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
    }

    /// Appends the encoding of `value` to `out`.
    pub fn write(value: &AttributeValue, out: &mut Vec<u8>) {
        match value {
            AttributeValue::S(s) => tagged(1, out, |out| put_bytes(s.as_bytes(), out)),
            AttributeValue::N(n) => tagged(2, out, |out| put_bytes(&number_bytes(n), out)),
            AttributeValue::B(b) => tagged(3, out, |out| put_bytes(b.as_ref(), out)),
            AttributeValue::Bool(b) => tagged(4, out, |out| out.push(u8::from(*b))),
            AttributeValue::L(items) => tagged(6, out, |out| {
                put_len(items.len(), out);
                items.iter().for_each(|item| write(item, out));
            }),
            AttributeValue::M(entries) => tagged(7, out, |out| {
                let mut sorted: Vec<_> = entries.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(b.0));
                put_len(sorted.len(), out);
                for (key, item) in sorted {
                    put_bytes(key.as_bytes(), out);
                    write(item, out);
                }
            }),
            AttributeValue::Ss(items) => tagged(8, out, |out| {
                put_list(items.iter().map(String::as_bytes), items.len(), out)
            }),
            AttributeValue::Ns(items) => tagged(9, out, |out| {
                put_len(items.len(), out);
                items.iter().for_each(|n| put_bytes(&number_bytes(n), out));
            }),
            AttributeValue::Bs(items) => tagged(10, out, |out| {
                put_list(items.iter().map(Blob::as_ref), items.len(), out)
            }),
            // NULL and any type a future SDK adds (never produced by dynamate's codecs).
            _ => out.push(5),
        }
    }

    fn tagged(tag: u8, out: &mut Vec<u8>, body: impl FnOnce(&mut Vec<u8>)) {
        out.push(tag);
        body(out);
    }

    fn put_list<'a>(items: impl Iterator<Item = &'a [u8]>, len: usize, out: &mut Vec<u8>) {
        put_len(len, out);
        items.for_each(|item| put_bytes(item, out));
    }

    /// Decodes one value that must span all of `bytes`.
    pub fn read(bytes: &[u8]) -> Result<AttributeValue, ValueError> {
        let mut reader = Reader { bytes, depth: 0 };
        let value = reader.value()?;
        if reader.bytes.is_empty() {
            Ok(value)
        } else {
            Err(corrupt("trailing bytes after the value"))
        }
    }

    fn corrupt(reason: &str) -> ValueError {
        ValueError::Invalid {
            expected: "serialized attribute value",
            reason: reason.to_string(),
        }
    }

    /// DynamoDB nests documents at most 32 levels deep; deeper input is corrupt, and the bound
    /// keeps hostile input from overflowing the stack.
    const MAX_DEPTH: usize = 64;

    struct Reader<'a> {
        bytes: &'a [u8],
        depth: usize,
    }

    impl Reader<'_> {
        fn take(&mut self, n: usize) -> Result<&[u8], ValueError> {
            if self.bytes.len() < n {
                return Err(corrupt("truncated"));
            }
            let (head, tail) = self.bytes.split_at(n);
            self.bytes = tail;
            Ok(head)
        }

        fn len(&mut self) -> Result<usize, ValueError> {
            let raw = self.take(4)?;
            let len = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize;
            // Every element takes at least one byte, so a count beyond the input is corrupt;
            // checking here keeps allocations bounded by the input size.
            if len > self.bytes.len() {
                return Err(corrupt("length exceeds the input"));
            }
            Ok(len)
        }

        fn blob(&mut self) -> Result<Vec<u8>, ValueError> {
            let len = self.len()?;
            Ok(self.take(len)?.to_vec())
        }

        fn string(&mut self) -> Result<String, ValueError> {
            String::from_utf8(self.blob()?).map_err(|_| corrupt("invalid UTF-8"))
        }

        fn many<T>(
            &mut self,
            mut one: impl FnMut(&mut Self) -> Result<T, ValueError>,
        ) -> Result<Vec<T>, ValueError> {
            let count = self.len()?;
            (0..count).map(|_| one(self)).collect()
        }

        fn value(&mut self) -> Result<AttributeValue, ValueError> {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(corrupt("nested too deeply"));
            }
            let tag = self.take(1)?[0];
            let value = match tag {
                1 => AttributeValue::S(self.string()?),
                2 => AttributeValue::N(self.string()?),
                3 => AttributeValue::B(Blob::new(self.blob()?)),
                4 => AttributeValue::Bool(self.take(1)?[0] != 0),
                5 => AttributeValue::Null(true),
                6 => AttributeValue::L(self.many(Self::value)?),
                7 => AttributeValue::M(
                    self.many(|r| Ok((r.string()?, r.value()?)))?
                        .into_iter()
                        .collect(),
                ),
                8 => AttributeValue::Ss(self.many(Self::string)?),
                9 => AttributeValue::Ns(self.many(Self::string)?),
                10 => AttributeValue::Bs(self.many(|r| r.blob().map(Blob::new))?),
                other => return Err(corrupt(&format!("unknown type tag {other}"))),
            };
            self.depth -= 1;
            Ok(value)
        }
    }
}
