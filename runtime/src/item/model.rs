//! What every generated model is: the [`Model`] trait, its static [`TableSchema`], typed
//! attribute handles ([`Attr`]), and the item reader/writer generated conversions call.

use std::collections::HashMap;
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::item::error::{CodecError, DecodeError, EncodeError, ValueError};
use crate::item::transform::{
    Encoded, EncryptMode, PendingUpload, TransformContext, TransformSpec,
};
use crate::primitives::codec::Codec;

/// A DynamoDB item: attribute name to value, as the AWS SDK uses it.
pub type Item = HashMap<String, AttributeValue>;

/// One attribute of a table: its DynamoDB name and the transforms declared for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// DynamoDB attribute name.
    pub name: &'static str,
    /// Compression, encryption and offload, if any.
    pub transform: TransformSpec,
}

impl Field {
    /// A field stored without transforms.
    pub const fn plain(name: &'static str) -> Self {
        Field {
            name,
            transform: TransformSpec::NONE,
        }
    }
}

/// Marker types telling what an [`Attr`] may be used for in expressions.
pub mod role {
    /// The table's partition key: used in key conditions, never in filters.
    #[derive(Debug, Clone, Copy)]
    pub struct HashKey;
    /// The table's sort key: used in key conditions, never in filters.
    #[derive(Debug, Clone, Copy)]
    pub struct RangeKey;
    /// An ordinary attribute whose stored value can be compared (plain, compressed or
    /// deterministically encrypted).
    #[derive(Debug, Clone, Copy)]
    pub struct Value;
    /// An attribute encrypted in randomized mode: equal plaintexts have different
    /// ciphertexts, so its stored value cannot be compared; only existence checks and
    /// whole-value updates apply.
    #[derive(Debug, Clone, Copy)]
    pub struct Randomized;
    /// An attribute offloaded to S3 (and not encrypted in randomized mode): the item holds a
    /// pointer, not the value, so its stored value cannot be compared; only existence checks
    /// and whole-value updates apply.
    #[derive(Debug, Clone, Copy)]
    pub struct Offloaded;
}

/// A typed handle to one attribute of model `M`, stored with codec `C`, usable as role `R`.
///
/// Generated models expose one per attribute as an associated constant (`Url::HTML`).
pub struct Attr<M, C, R = role::Value> {
    field: Field,
    _marker: Marker<M, C, R>,
}

/// Ties the type parameters to an [`Attr`] without owning values of them (and without making
/// `Attr` un-`Send` or un-`Sync`).
type Marker<M, C, R> = PhantomData<fn() -> (M, C, R)>;

impl<M, C, R> Attr<M, C, R> {
    /// Wraps a field description, for the interface of generated code (`__codegen::v1::attr`):
    /// not public, so the codec and role of a handle come from the schema.
    pub(crate) const fn from_field(field: Field) -> Self {
        Attr {
            field,
            _marker: PhantomData,
        }
    }

    /// DynamoDB attribute name.
    pub const fn name(&self) -> &'static str {
        self.field.name
    }

    /// Name and transforms.
    pub const fn field(&self) -> Field {
        self.field
    }
}

impl<M, C, R> Clone for Attr<M, C, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, C, R> Copy for Attr<M, C, R> {}

impl<M, C, R> std::fmt::Debug for Attr<M, C, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Attr").field(&self.field.name).finish()
    }
}

/// DynamoDB scalar type of a key attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarType {
    /// String.
    S,
    /// Number.
    N,
    /// Binary.
    B,
}

/// A key attribute: name and scalar type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyAttribute {
    /// DynamoDB attribute name.
    pub name: &'static str,
    /// DynamoDB scalar type.
    pub scalar: ScalarType,
}

/// Partition key and optional sort key of a table or index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySchema {
    /// Partition (hash) key.
    pub hash: KeyAttribute,
    /// Sort (range) key.
    pub range: Option<KeyAttribute>,
}

/// Global or local secondary index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// Global secondary index: any partition key.
    Global,
    /// Local secondary index: the table's partition key, another sort key.
    Local,
}

/// Which attributes an index holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// Every attribute.
    All,
    /// Table and index keys only.
    KeysOnly,
    /// Keys and these attributes.
    Include(&'static [&'static str]),
}

/// Capacity for provisioned billing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throughput {
    /// Read capacity units.
    pub read: i64,
    /// Write capacity units.
    pub write: i64,
}

/// A secondary index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexSchema {
    /// Index name.
    pub name: &'static str,
    /// Global or local.
    pub kind: IndexKind,
    /// The index's key.
    pub key: KeySchema,
    /// Attributes the index holds.
    pub projection: Projection,
    /// Capacity of a global index on a provisioned table.
    pub throughput: Option<Throughput>,
}

/// How the table is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Billing {
    /// On demand (`PAY_PER_REQUEST`).
    PayPerRequest,
    /// Provisioned capacity.
    Provisioned(Throughput),
}

/// Everything the runtime needs to know about a table, generated from the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSchema {
    /// Rust type name of the model.
    pub type_name: &'static str,
    /// DynamoDB table name (before any run-time prefix or suffix).
    pub table_name: &'static str,
    /// AWS region from the schema (used when the client has none configured).
    pub region: &'static str,
    /// Primary key.
    pub key: KeySchema,
    /// Secondary indexes.
    pub indexes: &'static [IndexSchema],
    /// Billing mode.
    pub billing: Billing,
    /// Attribute holding the item's expiry time, if the table uses TTL.
    pub ttl_attribute: Option<&'static str>,
    /// Attribute holding the optimistic-locking version counter, if any.
    pub version_attribute: Option<&'static str>,
    /// Every attribute, key attributes first.
    pub fields: &'static [Field],
}

impl TableSchema {
    /// Whether some attribute is encrypted in randomized mode, which binds it to the primary key.
    pub fn binds_item_key(&self) -> bool {
        self.fields.iter().any(|f| {
            f.transform
                .encrypt
                .is_some_and(|e| e.mode == EncryptMode::Randomized)
        })
    }
}

/// A generated model: one item type of one table.
///
/// `AsRef<Self>` (generated too) lets batch writes take models owned or borrowed alike.
pub trait Model: AsRef<Self> + Sized + Send + Sync + 'static {
    /// The primary key type.
    type Key: ModelKey<Model = Self>;

    /// The table's schema.
    const SCHEMA: &'static TableSchema;

    /// This item's primary key.
    fn key(&self) -> Self::Key;

    /// The optimistic-locking version this copy holds, for models with a `version` attribute
    /// (generated); `None` otherwise.
    fn version(&self) -> Option<u64> {
        None
    }

    /// Sets the optimistic-locking version after a successful write (generated for models with
    /// a `version` attribute; does nothing otherwise).
    fn set_version(&mut self, _version: u64) {}

    /// Writes every attribute into `item` (generated).
    fn write_item(&self, item: &mut ItemWriter<'_>) -> Result<(), EncodeError>;

    /// Reads every attribute from `item` (generated).
    fn read_item(item: &mut ItemReader<'_>) -> Result<Self, DecodeError>;

    /// Converts to a DynamoDB item, applying attribute transforms with `transforms`.
    ///
    /// Fails for a value that must be offloaded to S3: only [`crate::Client`] can upload it
    /// before the item is written.
    fn to_item_with(&self, transforms: &TransformContext) -> Result<Item, EncodeError> {
        let mut writer = ItemWriter::new(Self::SCHEMA, transforms);
        self.write_item(&mut writer)?;
        writer.finish()
    }

    /// Converts from a DynamoDB item, reversing attribute transforms with `transforms`.
    fn from_item_with(item: Item, transforms: &TransformContext) -> Result<Self, DecodeError> {
        Self::read_item(&mut ItemReader::new(Self::SCHEMA, item, transforms))
    }

    /// Converts to a DynamoDB item (models without encrypted or offloaded attributes).
    fn to_item(&self) -> Result<Item, EncodeError> {
        self.to_item_with(TransformContext::none())
    }

    /// Converts from a DynamoDB item (models without encrypted or offloaded attributes).
    fn from_item(item: Item) -> Result<Self, DecodeError> {
        Self::from_item_with(item, TransformContext::none())
    }
}

/// The primary key of a model, as its own type.
pub trait ModelKey: Sized + Clone + Send + Sync + 'static {
    /// The model this is the key of.
    type Model: Model<Key = Self>;

    /// The key attributes as a DynamoDB key map.
    fn to_item(&self) -> Result<Item, EncodeError>;

    /// Reads the key attributes of an item (other attributes are ignored).
    fn from_item(item: &Item) -> Result<Self, DecodeError>;
}

/// Builds an item attribute by attribute; used by generated `to_item_with`.
#[derive(Debug)]
pub struct ItemWriter<'a> {
    schema: &'static TableSchema,
    transforms: &'a TransformContext,
    item: Item,
    uploads: Vec<PendingUpload>,
}

impl<'a> ItemWriter<'a> {
    /// An empty item of the table `schema`.
    pub fn new(schema: &'static TableSchema, transforms: &'a TransformContext) -> Self {
        ItemWriter {
            schema,
            transforms,
            item: HashMap::with_capacity(schema.fields.len()),
            uploads: Vec::new(),
        }
    }

    /// Writes one attribute; absent optionals and empty sets are left out.
    #[inline]
    pub fn put<M, C: Codec, R>(
        &mut self,
        attr: &Attr<M, C, R>,
        value: &C::Value,
    ) -> Result<(), EncodeError> {
        let field = &attr.field;
        // The plain path stays free of the (large) `Encoded` values of the transform pipeline:
        // it is the hot path of every item conversion.
        if field.transform.is_none() {
            return match C::encode(value) {
                Ok(Some(stored)) => {
                    self.item.insert(field.name.to_owned(), stored);
                    Ok(())
                }
                Ok(None) => Ok(()),
                Err(cause) => Err(self.error(field, cause.into())),
            };
        }
        self.put_transformed::<C>(*field, value)
    }

    /// The transform pipeline's path of [`ItemWriter::put`], kept out of line so the plain path
    /// inlines into generated code.
    #[inline(never)]
    fn put_transformed<C: Codec>(
        &mut self,
        field: Field,
        value: &C::Value,
    ) -> Result<(), EncodeError> {
        if C::is_absent(value) {
            return Ok(());
        }
        let item_key = self.item_key(&field);
        let encoded = self
            .transforms
            .encode::<C>(
                self.schema.table_name,
                field.name,
                &field.transform,
                item_key.as_deref(),
                value,
            )
            .map_err(|cause| self.error(&field, cause))?;
        match encoded {
            Encoded::Inline(stored) => {
                self.item.insert(field.name.to_string(), stored);
            }
            Encoded::Offloaded { pointer, upload } => {
                self.item.insert(field.name.to_string(), pointer);
                self.uploads.push(upload);
            }
        }
        Ok(())
    }

    fn error(&self, field: &Field, cause: CodecError) -> EncodeError {
        EncodeError {
            table: self.schema.table_name,
            attribute: field.name.to_string(),
            cause,
        }
    }

    /// The canonical primary-key bytes randomized encryption binds to; key attributes are
    /// written first, so they are in the item by now.
    fn item_key(&self, field: &Field) -> Option<Vec<u8>> {
        let randomized = field
            .transform
            .encrypt
            .is_some_and(|e| e.mode == EncryptMode::Randomized);
        randomized.then(|| canonical_key_bytes(self.schema, &self.item))
    }

    /// The finished item. Fails if an attribute must be offloaded to S3, which only
    /// [`crate::Client`] can do (it uploads first, then writes the item).
    pub fn finish(self) -> Result<Item, EncodeError> {
        match self.uploads.first() {
            None => Ok(self.item),
            Some(upload) => Err(EncodeError {
                table: self.schema.table_name,
                attribute: upload.attribute.to_string(),
                cause: crate::item::transform::TransformError::NeedsClient.into(),
            }),
        }
    }

    /// The item and the S3 uploads that must succeed before it is written.
    pub fn into_parts(self) -> (Item, Vec<PendingUpload>) {
        (self.item, self.uploads)
    }
}

/// The primary key of an item as canonical bytes: the associated data randomized encryption
/// binds a value to, and how batches match keys.
///
/// For the hash key, then the range key (if the table has one): the attribute's
/// [`crate::primitives::codec::canonical`] encoding (one tag byte, `1` string, `2` number, `3` binary, then
/// a `u32` big-endian length and the bytes), or a single `0` byte if the item lacks it. Numbers
/// are encoded in DynamoDB's normal form ([`crate::primitives::decimal::normalize`]), so `1E+40` and the
/// `1` followed by forty zeros that DynamoDB returns for it give the same bytes.
/// `docs/storage-formats.md` has a worked example.
pub fn canonical_key_bytes(schema: &TableSchema, item: &Item) -> Vec<u8> {
    key_bytes(schema, item, |_| None)
}

/// The key bytes of [`canonical_key_bytes`], but with each number encoded in the text `item`
/// holds, not normalised: how dynamate 0.1 bound randomized values to their item key.
///
/// For recovering values that 0.1 wrote under a key whose text DynamoDB then normalised (and
/// that was not the text 0.1's own `Decimal` printed, which [`ItemReader`] tries by itself):
/// put the original key text into the item and pass it to [`ItemReader::with_original_key`].
pub fn key_bytes_as_written(schema: &TableSchema, item: &Item) -> Vec<u8> {
    key_bytes(schema, item, |text| Some(text.to_owned()))
}

/// The key bytes, with the number texts `spell` returns written as they are (and numbers it
/// returns `None` for normalised).
fn key_bytes(schema: &TableSchema, item: &Item, spell: impl Fn(&str) -> Option<String>) -> Vec<u8> {
    let mut out = Vec::new();
    for name in key_names(schema) {
        match item.get(name) {
            Some(AttributeValue::N(text)) => match spell(text) {
                Some(spelled) => {
                    crate::primitives::codec::canonical::write_number_as_written(&spelled, &mut out)
                }
                None => crate::primitives::codec::canonical::write(
                    &AttributeValue::N(text.clone()),
                    &mut out,
                ),
            },
            Some(value) => crate::primitives::codec::canonical::write(value, &mut out),
            None => out.push(0),
        }
    }
    out
}

fn key_names(schema: &TableSchema) -> impl Iterator<Item = &'static str> {
    std::iter::once(schema.key.hash.name).chain(schema.key.range.map(|r| r.name))
}

/// Key bytes other than the canonical ones that randomized values of this item may have been
/// bound to by dynamate 0.1: the number texts as stored (a server that keeps the text, like
/// moto), and the texts 0.1's `Decimal` printed (which DynamoDB normalised away). Empty for keys
/// without numbers.
fn legacy_key_bytes(schema: &TableSchema, item: &Item, canonical: &[u8]) -> Vec<Vec<u8>> {
    let numeric =
        key_names(schema).any(|name| matches!(item.get(name), Some(AttributeValue::N(_))));
    if !numeric {
        return Vec::new();
    }
    let mut candidates = vec![
        key_bytes_as_written(schema, item),
        key_bytes(schema, item, |text| {
            crate::primitives::decimal::Decimal::parse(text)
                .ok()
                .map(|d| d.legacy_text())
        }),
    ];
    candidates.dedup();
    candidates.retain(|bytes| bytes != canonical);
    candidates
}

/// Takes attributes out of an item; used by generated `from_item_with`.
///
/// Randomized-encrypted values are bound to the item's [`canonical_key_bytes`]. A value that
/// does not authenticate under them is tried under the key bytes dynamate 0.1 may have bound it
/// to (its key numbers as stored, and as 0.1 printed them), and under any original key given
/// with [`ItemReader::with_original_key`].
#[derive(Debug)]
pub struct ItemReader<'a> {
    schema: &'static TableSchema,
    transforms: &'a TransformContext,
    item: Item,
    /// Computed before any attribute is taken out, when randomized encryption needs it.
    item_key: Option<Vec<u8>>,
    /// Other item keys randomized values may be bound to (see the type's docs).
    legacy_keys: Vec<Vec<u8>>,
    /// Whether some value authenticated only under one of `legacy_keys`.
    used_legacy_key: bool,
}

impl<'a> ItemReader<'a> {
    /// Reads `item` of the table `schema`.
    pub fn new(schema: &'static TableSchema, item: Item, transforms: &'a TransformContext) -> Self {
        let item_key = schema
            .binds_item_key()
            .then(|| canonical_key_bytes(schema, &item));
        let legacy_keys = item_key
            .as_deref()
            .map(|canonical| legacy_key_bytes(schema, &item, canonical))
            .unwrap_or_default();
        ItemReader {
            schema,
            transforms,
            item,
            item_key,
            legacy_keys,
            used_legacy_key: false,
        }
    }

    /// Also tries the item key `original` (its key attributes with the number text the item
    /// was first written with) for randomized values: the recovery path for values dynamate 0.1
    /// bound to key text that DynamoDB normalised and that 0.1's own `Decimal` did not print
    /// (a key written through another client, say). Saving the model read this way binds its
    /// values to the canonical key again.
    ///
    /// ```ignore
    /// // `stored`: the raw item (GetItem) of a `Ledger` whose `account` was written `10E+39`.
    /// let mut original = stored.clone();
    /// original.insert("account".into(), AttributeValue::N("10E+39".into()));
    /// let mut reader = ItemReader::new(Ledger::SCHEMA, stored, client.transforms())
    ///     .with_original_key(&original);
    /// let mut entry = Ledger::read_item(&mut reader)?;
    /// entry.save(&client).await?; // binds the memo to the canonical key again
    /// ```
    pub fn with_original_key(mut self, original: &Item) -> Self {
        if self.item_key.is_some() {
            let bytes = key_bytes_as_written(self.schema, original);
            if !self.legacy_keys.contains(&bytes) && self.item_key.as_ref() != Some(&bytes) {
                self.legacy_keys.push(bytes);
            }
        }
        self
    }

    /// Whether some randomized value read so far authenticated only under a key other than the
    /// canonical one (dynamate 0.1's key text or [`ItemReader::with_original_key`]); writing
    /// the model back binds it to the canonical key.
    pub fn used_legacy_key(&self) -> bool {
        self.used_legacy_key
    }

    /// Whether the item's key has other spellings its randomized values may be bound to, so
    /// reading it may find values to rebind.
    pub(crate) fn has_legacy_keys(&self) -> bool {
        !self.legacy_keys.is_empty()
    }

    /// Reads the key attributes of `item` without consuming it.
    pub fn for_key(schema: &'static TableSchema, item: &Item) -> Self {
        let key_item = key_names(schema)
            .filter_map(|name| item.get(name).map(|v| (name.to_string(), v.clone())))
            .collect();
        Self::new(schema, key_item, TransformContext::none())
    }

    /// Reads a required attribute (or the natural empty value of optionals and sets).
    pub fn get<M, C: Codec, R>(&mut self, attr: &Attr<M, C, R>) -> Result<C::Value, DecodeError> {
        self.get_or_else(attr, C::missing)
    }

    /// Reads an attribute, using `default` when the item does not have it.
    pub fn get_or<M, C: Codec, R>(
        &mut self,
        attr: &Attr<M, C, R>,
        default: impl FnOnce() -> C::Value,
    ) -> Result<C::Value, DecodeError> {
        self.get_or_else(attr, || Ok(default()))
    }

    fn get_or_else<M, C: Codec, R>(
        &mut self,
        attr: &Attr<M, C, R>,
        missing: impl FnOnce() -> Result<C::Value, ValueError>,
    ) -> Result<C::Value, DecodeError> {
        let field = &attr.field;
        let result = match self.item.remove(field.name) {
            None => missing().map_err(CodecError::from),
            Some(stored) if field.transform.is_none() => {
                C::decode(stored).map_err(CodecError::from)
            }
            Some(stored) => self.decode_transformed::<C>(field, stored),
        };
        result.map_err(|cause| DecodeError {
            table: self.schema.table_name,
            attribute: field.name.to_string(),
            cause,
        })
    }

    /// Reverses the transforms of a stored value, trying the legacy item keys when a randomized
    /// value does not authenticate under the canonical one.
    fn decode_transformed<C: Codec>(
        &mut self,
        field: &Field,
        stored: AttributeValue,
    ) -> Result<C::Value, CodecError> {
        let randomized = field
            .transform
            .encrypt
            .is_some_and(|e| e.mode == EncryptMode::Randomized);
        let (schema, transforms) = (self.schema, self.transforms);
        let decode = |key: Option<&[u8]>, stored| {
            transforms.decode::<C>(schema.table_name, field.name, &field.transform, key, stored)
        };
        if !randomized || self.legacy_keys.is_empty() {
            return decode(self.item_key.as_deref(), stored);
        }
        let first = decode(self.item_key.as_deref(), stored.clone());
        if !is_authentication_failure(&first) {
            return first;
        }
        for key in &self.legacy_keys {
            let result = decode(Some(key), stored.clone());
            if !is_authentication_failure(&result) {
                self.used_legacy_key |= result.is_ok();
                return result;
            }
        }
        first
    }
}

fn is_authentication_failure<T>(result: &Result<T, CodecError>) -> bool {
    matches!(
        result,
        Err(CodecError::Transform(error)) if matches!(
            **error,
            crate::item::transform::TransformError::Crypto(
                crate::primitives::crypto::CryptoError::AuthenticationFailed { .. }
            )
        )
    )
}
