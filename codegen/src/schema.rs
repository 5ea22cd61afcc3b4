//! The schema language as parsed from TOML, before validation. Every value keeps its span so
//! validation can point at the exact text. See `docs/schema.md` for the reference.

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

/// A span-carrying string.
pub type SString = Spanned<String>;

/// One schema file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaFile {
    /// Defaults for every table and tracker in this file.
    #[serde(default)]
    pub defaults: Option<Defaults>,
    /// Tables by Rust type name.
    #[serde(default)]
    pub table: IndexMap<SString, Spanned<TableDef>>,
    /// Status trackers by Rust type name.
    #[serde(default)]
    pub tracker: IndexMap<SString, Spanned<TrackerDef>>,
}

/// `[defaults]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub region: Option<SString>,
    pub billing: Option<Spanned<OrShorthand<BillingDef>>>,
    pub s3: Option<Spanned<S3Def>>,
    /// Default key name for encrypted attributes.
    pub key: Option<SString>,
}

/// `billing = "pay_per_request"` or `billing = { mode = "provisioned", read = 5, write = 5 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillingDef {
    pub mode: SString,
    pub read: Option<Spanned<i64>>,
    pub write: Option<Spanned<i64>>,
}

/// `s3 = { bucket = "...", prefix = "..." }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Def {
    pub bucket: Option<SString>,
    pub prefix: Option<SString>,
}

/// `[table.Name]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDef {
    pub table_name: Option<SString>,
    pub doc: Option<SString>,
    pub hash_key: Option<SString>,
    pub range_key: Option<SString>,
    pub region: Option<SString>,
    pub billing: Option<Spanned<OrShorthand<BillingDef>>>,
    pub s3: Option<Spanned<S3Def>>,
    pub key: Option<SString>,
    #[serde(default)]
    pub attributes: IndexMap<SString, Spanned<OrShorthand<AttrDef>>>,
    #[serde(default)]
    pub indexes: IndexMap<SString, Spanned<IndexDef>>,
}

/// One attribute: `name = "string"` or `name = { type = "string", ... }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttrDef {
    #[serde(rename = "type")]
    pub ty: Option<SString>,
    /// Element type of lists, maps and number sets.
    pub of: Option<Box<Spanned<OrShorthand<AttrDef>>>>,
    /// Named Rust type of a `json` value.
    pub rust_type: Option<SString>,
    pub doc: Option<SString>,
    pub optional: Option<Spanned<bool>>,
    pub default: Option<Spanned<toml::Value>>,
    /// Rust field name when the attribute name is not a usable identifier.
    pub rust_name: Option<SString>,
    pub compress: Option<Spanned<bool>>,
    pub encrypt: Option<SString>,
    pub key: Option<SString>,
    pub offload: Option<Spanned<OrShorthand<OffloadDef>>>,
    /// `"shared"` or `"migrate"`: read (and, when shared, write) pynamodb_mate's format.
    pub pynamodb_mate: Option<SString>,
}

/// `offload = "s3"` or `offload = { bucket = "...", prefix = "...", threshold = 4096 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffloadDef {
    /// `"s3"` when written as a string (the only store), otherwise absent.
    #[serde(skip)]
    pub shorthand: Option<String>,
    pub bucket: Option<SString>,
    pub prefix: Option<SString>,
    pub threshold: Option<Spanned<i64>>,
}

/// `[table.T.indexes.name]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexDef {
    pub kind: Option<SString>,
    pub hash_key: Option<SString>,
    pub range_key: Option<SString>,
    pub projection: Option<Spanned<ProjectionDef>>,
    pub read: Option<Spanned<i64>>,
    pub write: Option<Spanned<i64>>,
}

/// `projection = "all" | "keys_only" | ["attr", ...]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ProjectionDef {
    Named(String),
    Include(Vec<String>),
}

/// `[tracker.Name]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackerDef {
    pub table_name: Option<SString>,
    pub doc: Option<SString>,
    pub use_case: Option<SString>,
    pub max_retry: Option<Spanned<i64>>,
    pub lease_seconds: Option<Spanned<i64>>,
    pub shards: Option<Spanned<i64>>,
    pub max_errors: Option<Spanned<i64>>,
    #[serde(default)]
    pub statuses: Vec<SString>,
    /// `"json"` or a named Rust type implementing serde.
    pub data: Option<SString>,
    pub billing: Option<Spanned<OrShorthand<BillingDef>>>,
}

/// Lets a struct also be written as a plain string shorthand.
pub trait Shorthand: Sized {
    fn from_shorthand(text: String) -> Self;
}

impl Shorthand for AttrDef {
    fn from_shorthand(text: String) -> Self {
        AttrDef {
            ty: Some(Spanned::new(0..0, text)),
            ..AttrDef::empty()
        }
    }
}

impl AttrDef {
    fn empty() -> Self {
        AttrDef {
            ty: None,
            of: None,
            rust_type: None,
            doc: None,
            optional: None,
            default: None,
            rust_name: None,
            compress: None,
            encrypt: None,
            key: None,
            offload: None,
            pynamodb_mate: None,
        }
    }
}

impl Shorthand for BillingDef {
    fn from_shorthand(text: String) -> Self {
        BillingDef {
            mode: Spanned::new(0..0, text),
            read: None,
            write: None,
        }
    }
}

impl Shorthand for OffloadDef {
    fn from_shorthand(text: String) -> Self {
        OffloadDef {
            shorthand: Some(text),
            bucket: None,
            prefix: None,
            threshold: None,
        }
    }
}

/// A struct that may also be written as a string shorthand (`x = "string"` for
/// `x = { type = "string" }`). A hand-written visitor instead of an untagged enum keeps the
/// struct's own `deny_unknown_fields` errors and their spans.
#[derive(Debug)]
pub struct OrShorthand<T>(pub T);

impl<T> std::ops::Deref for OrShorthand<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: Shorthand + Deserialize<'de>> Deserialize<'de> for OrShorthand<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: Shorthand + Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = OrShorthand<T>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a table")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(OrShorthand(T::from_shorthand(text.to_string())))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(OrShorthand)
            }
        }

        deserializer.deserialize_any(Visitor(std::marker::PhantomData))
    }
}
