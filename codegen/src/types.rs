//! The schema's value types and what each becomes in Rust: the field type and the runtime codec.

use std::fmt;

/// Integer types by schema name and Rust name.
const INTEGERS: [(&str, &str); 9] = [
    ("int", "i64"),
    ("i8", "i8"),
    ("i16", "i16"),
    ("i32", "i32"),
    ("i64", "i64"),
    ("u8", "u8"),
    ("u16", "u16"),
    ("u32", "u32"),
    ("u64", "u64"),
];

/// Float types by schema name and Rust name.
const FLOATS: [(&str, &str); 3] = [("float", "f64"), ("f32", "f32"), ("f64", "f64")];

/// Every type name the schema accepts, for "did you mean" help.
pub const TYPE_NAMES: [&str; 27] = [
    "string",
    "bytes",
    "bool",
    "int",
    "i8",
    "i16",
    "i32",
    "i64",
    "u8",
    "u16",
    "u32",
    "u64",
    "float",
    "f32",
    "f64",
    "decimal",
    "datetime",
    "ttl",
    "version",
    "json",
    "list",
    "map",
    "string_set",
    "number_set",
    "binary_set",
    "integer",
    "boolean",
];

/// The absolute path of `Option`, which generated code uses so that a module's own `Option`
/// does not change its meaning.
pub const OPTION: &str = "::core::option::Option";

/// The JSON value type of `json` attributes without a `rust_type` (and of tracker data), by the
/// runtime's public re-export.
pub const JSON_VALUE: &str = "::dynamate::serde_json::Value";

/// A value type of the schema.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueType {
    /// UTF-8 string.
    String,
    /// Binary.
    Bytes,
    /// Boolean.
    Bool,
    /// An integer; the Rust type name.
    Int(&'static str),
    /// A float; the Rust type name.
    Float(&'static str),
    /// Exact decimal number.
    Decimal,
    /// UTC timestamp stored as text.
    DateTime,
    /// UTC timestamp stored as epoch seconds, the table's time-to-live attribute.
    Ttl,
    /// Optimistic-locking version counter.
    Version,
    /// JSON: `serde_json::Value`, or the named Rust type.
    Json(Option<String>),
    /// List of elements.
    List(Box<Element>),
    /// Map from string to elements.
    Map(Box<Element>),
    /// Set of strings.
    StringSet,
    /// Set of numbers; the element number type.
    NumberSet(Box<ValueType>),
    /// Set of binaries.
    BinarySet,
}

/// An element of a list or map.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    /// Element type.
    pub ty: ValueType,
    /// Whether elements may be null.
    pub optional: bool,
}

/// The scalar kinds a key attribute may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// `S`.
    S,
    /// `N`.
    N,
    /// `B`.
    B,
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scalar::S => "S",
            Scalar::N => "N",
            Scalar::B => "B",
        })
    }
}

/// How a type name with no further information resolves; container types need more.
pub enum Named {
    /// A complete type.
    Simple(ValueType),
    /// `list` or `map`: needs `of`.
    Container(fn(Box<Element>) -> ValueType),
    /// `number_set`: may take `of`, defaults to `int`.
    NumberSet,
    /// `json`: may take `rust_type`.
    Json,
}

/// Resolves a schema type name.
pub fn lookup(name: &str) -> Option<Named> {
    if let Some((_, rust)) = INTEGERS.iter().find(|(n, _)| *n == name) {
        return Some(Named::Simple(ValueType::Int(rust)));
    }
    if let Some((_, rust)) = FLOATS.iter().find(|(n, _)| *n == name) {
        return Some(Named::Simple(ValueType::Float(rust)));
    }
    Some(match name {
        "string" => Named::Simple(ValueType::String),
        "bytes" => Named::Simple(ValueType::Bytes),
        "bool" | "boolean" => Named::Simple(ValueType::Bool),
        "integer" => Named::Simple(ValueType::Int("i64")),
        "decimal" => Named::Simple(ValueType::Decimal),
        "datetime" => Named::Simple(ValueType::DateTime),
        "ttl" => Named::Simple(ValueType::Ttl),
        "version" => Named::Simple(ValueType::Version),
        "string_set" => Named::Simple(ValueType::StringSet),
        "binary_set" => Named::Simple(ValueType::BinarySet),
        "json" => Named::Json,
        "list" => Named::Container(ValueType::List),
        "map" => Named::Container(ValueType::Map),
        "number_set" => Named::NumberSet,
        _ => return None,
    })
}

/// The closest known type name, for "did you mean".
pub fn suggest(name: &str) -> Option<&'static str> {
    // Names users bring from other languages and libraries.
    const FAMILIAR: [(&str, &str); 8] = [
        ("timestamp", "datetime"),
        ("date", "datetime"),
        ("number", "int` or `decimal"),
        ("binary", "bytes"),
        ("str", "string"),
        ("text", "string"),
        ("dict", "map"),
        ("array", "list"),
    ];
    if let Some((_, known)) = FAMILIAR
        .iter()
        .find(|(familiar, _)| familiar.eq_ignore_ascii_case(name))
    {
        return Some(known);
    }
    crate::names::closest(name, TYPE_NAMES)
}

impl ValueType {
    /// The Rust type of a field holding this value.
    pub fn rust_type(&self) -> String {
        match self {
            ValueType::String => "::std::string::String".into(),
            ValueType::Bytes => "::std::vec::Vec<::core::primitive::u8>".into(),
            ValueType::Bool => "::core::primitive::bool".into(),
            ValueType::Int(rust) | ValueType::Float(rust) => format!("::core::primitive::{rust}"),
            ValueType::Decimal => "::dynamate::Decimal".into(),
            ValueType::DateTime | ValueType::Ttl => {
                "::dynamate::chrono::DateTime<::dynamate::chrono::Utc>".into()
            }
            ValueType::Version => "::core::primitive::u64".into(),
            ValueType::Json(None) => JSON_VALUE.into(),
            ValueType::Json(Some(named)) => named.clone(),
            ValueType::List(element) => format!("::std::vec::Vec<{}>", element.rust_type()),
            ValueType::Map(element) => format!(
                "::std::collections::BTreeMap<::std::string::String, {}>",
                element.rust_type()
            ),
            ValueType::StringSet => "::std::collections::BTreeSet<::std::string::String>".into(),
            ValueType::NumberSet(number) => {
                format!("::std::collections::BTreeSet<{}>", number.rust_type())
            }
            ValueType::BinarySet => {
                "::std::collections::BTreeSet<::std::vec::Vec<::core::primitive::u8>>".into()
            }
        }
    }

    /// The Rust type as a person writes it, without the absolute paths of generated code.
    pub fn readable_rust_type(&self) -> String {
        [
            "::core::primitive::",
            "::core::option::",
            "::std::string::",
            "::std::vec::",
            "::std::collections::",
            "::dynamate::",
        ]
        .iter()
        .fold(self.rust_type(), |text, path| text.replace(path, ""))
    }

    /// The runtime codec type that stores this value.
    pub fn codec(&self) -> String {
        match self {
            ValueType::String => "::dynamate::primitives::codec::Str".into(),
            ValueType::Bytes => "::dynamate::primitives::codec::Binary".into(),
            ValueType::Bool => "::dynamate::primitives::codec::Bool".into(),
            ValueType::DateTime => "::dynamate::primitives::codec::Timestamp".into(),
            ValueType::Ttl => "::dynamate::primitives::codec::Ttl".into(),
            ValueType::Int(_) | ValueType::Float(_) | ValueType::Decimal | ValueType::Version => {
                format!("::dynamate::primitives::codec::Num<{}>", self.rust_type())
            }
            ValueType::Json(_) => {
                format!("::dynamate::primitives::codec::Json<{}>", self.rust_type())
            }
            ValueType::List(element) => {
                format!("::dynamate::primitives::codec::List<{}>", element.codec())
            }
            ValueType::Map(element) => {
                format!("::dynamate::primitives::codec::Map<{}>", element.codec())
            }
            ValueType::StringSet => "::dynamate::primitives::codec::StringSet".into(),
            ValueType::NumberSet(number) => {
                format!(
                    "::dynamate::primitives::codec::NumberSet<{}>",
                    number.rust_type()
                )
            }
            ValueType::BinarySet => "::dynamate::primitives::codec::BinarySet".into(),
        }
    }

    /// The key scalar this type is stored as, if it may be a key.
    pub fn key_scalar(&self) -> Option<Scalar> {
        match self {
            ValueType::String | ValueType::DateTime => Some(Scalar::S),
            ValueType::Bytes => Some(Scalar::B),
            ValueType::Int(_) | ValueType::Decimal => Some(Scalar::N),
            _ => None,
        }
    }

    /// Whether the Rust type is `Copy` (so generated code copies instead of cloning).
    pub fn is_copy(&self) -> bool {
        matches!(
            self,
            ValueType::Bool
                | ValueType::Int(_)
                | ValueType::Float(_)
                | ValueType::DateTime
                | ValueType::Ttl
                | ValueType::Version
        )
    }

    /// Whether a missing attribute naturally reads as an empty value (sets).
    pub fn has_empty_value(&self) -> bool {
        matches!(
            self,
            ValueType::StringSet | ValueType::NumberSet(_) | ValueType::BinarySet
        )
    }

    /// Whether the type may be an element of a number set.
    pub fn is_set_number(&self) -> bool {
        matches!(self, ValueType::Int(_) | ValueType::Decimal)
    }
}

impl Element {
    fn rust_type(&self) -> String {
        wrap_optional(self.optional, self.ty.rust_type(), OPTION)
    }

    fn codec(&self) -> String {
        wrap_optional(
            self.optional,
            self.ty.codec(),
            "::dynamate::primitives::codec::Opt",
        )
    }
}

/// `inner` or `wrapper<inner>`.
pub fn wrap_optional(optional: bool, inner: String, wrapper: &str) -> String {
    if optional {
        format!("{wrapper}<{inner}>")
    } else {
        inner
    }
}
