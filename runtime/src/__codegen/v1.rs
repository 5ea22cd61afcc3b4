//! Interface version 1: the constructors generated code calls, by the schema's terms, with
//! every descriptor field it does not mention defaulted here.

use crate::io::tracker::TrackerConfig;
use crate::item::index::Index;
use crate::item::model::{
    Attr, Billing, Field, IndexKind, IndexSchema, Item, ItemReader, ItemWriter, KeyAttribute,
    KeySchema, Projection, ScalarType, TableSchema, Throughput,
};
use crate::item::transform::{
    Encrypt, EncryptMode, Offload, PynamodbMate, TransformContext, TransformSpec,
};

/// The handle of attribute `field` of model `M`, stored with codec `C`, in role `R`.
pub const fn attr<M, C, R>(field: Field) -> Attr<M, C, R> {
    Attr::from_field(field)
}

/// The handle of the secondary index `name` of model `M`.
pub const fn index<M, H, R>(name: &'static str) -> Index<M, H, R> {
    Index::from_name(name)
}

/// An attribute stored as-is.
pub const fn field(name: &'static str) -> Field {
    Field::plain(name)
}

/// An attribute with transforms: compressed or not, encrypted with `encrypt`, offloaded with
/// `offload`.
pub const fn transformed(
    name: &'static str,
    compress: bool,
    encrypt: Option<Encrypt>,
    offload: Option<Offload>,
) -> Field {
    Field {
        name,
        transform: TransformSpec {
            compress,
            encrypt,
            offload,
            pynamodb_mate: None,
        },
    }
}

/// `field` reading pynamodb_mate's formats too, and writing them if `mode` is [`SHARED`].
pub const fn pynamodb_mate(field: Field, mode: PynamodbMate) -> Field {
    Field {
        transform: TransformSpec {
            pynamodb_mate: Some(mode),
            ..field.transform
        },
        ..field
    }
}

/// `pynamodb_mate = "shared"`: read both formats, write pynamodb_mate's.
pub const SHARED: PynamodbMate = PynamodbMate::Shared;

/// `pynamodb_mate = "migrate"`: read both formats, write dynamate's.
pub const MIGRATE: PynamodbMate = PynamodbMate::Migrate;

/// Deterministic encryption with the keyring's key `key`.
pub const fn deterministic(key: &'static str) -> Option<Encrypt> {
    Some(Encrypt {
        mode: EncryptMode::Deterministic,
        key,
    })
}

/// Randomized encryption with the keyring's key `key`.
pub const fn randomized(key: &'static str) -> Option<Encrypt> {
    Some(Encrypt {
        mode: EncryptMode::Randomized,
        key,
    })
}

/// Offload to `s3://{bucket}/{prefix}/...` of stored values of at least `threshold` bytes.
pub const fn offload(
    bucket: &'static str,
    prefix: &'static str,
    threshold: u64,
) -> Option<Offload> {
    Some(Offload {
        bucket,
        prefix,
        threshold,
    })
}

/// A key attribute of scalar type `S` (string).
pub const fn string_key(name: &'static str) -> KeyAttribute {
    KeyAttribute {
        name,
        scalar: ScalarType::S,
    }
}

/// A key attribute of scalar type `N` (number).
pub const fn number_key(name: &'static str) -> KeyAttribute {
    KeyAttribute {
        name,
        scalar: ScalarType::N,
    }
}

/// A key attribute of scalar type `B` (binary).
pub const fn binary_key(name: &'static str) -> KeyAttribute {
    KeyAttribute {
        name,
        scalar: ScalarType::B,
    }
}

/// A key of a partition key alone.
pub const fn hash_key(hash: KeyAttribute) -> KeySchema {
    KeySchema { hash, range: None }
}

/// A key of a partition key and a sort key.
pub const fn hash_range_key(hash: KeyAttribute, range: KeyAttribute) -> KeySchema {
    KeySchema {
        hash,
        range: Some(range),
    }
}

/// Every attribute projected into an index.
pub const ALL: Projection = Projection::All;

/// Only the keys projected into an index.
pub const KEYS_ONLY: Projection = Projection::KeysOnly;

/// The keys and `attributes` projected into an index.
pub const fn include(attributes: &'static [&'static str]) -> Projection {
    Projection::Include(attributes)
}

/// A global secondary index, on a table billed on demand or with the table's capacity.
pub const fn global_index(
    name: &'static str,
    key: KeySchema,
    projection: Projection,
) -> IndexSchema {
    IndexSchema {
        name,
        kind: IndexKind::Global,
        key,
        projection,
        throughput: None,
    }
}

/// A local secondary index.
pub const fn local_index(
    name: &'static str,
    key: KeySchema,
    projection: Projection,
) -> IndexSchema {
    IndexSchema {
        name,
        kind: IndexKind::Local,
        key,
        projection,
        throughput: None,
    }
}

/// `index` with its own provisioned capacity.
pub const fn with_capacity(index: IndexSchema, read: i64, write: i64) -> IndexSchema {
    IndexSchema {
        throughput: Some(Throughput { read, write }),
        ..index
    }
}

/// On-demand billing.
pub const ON_DEMAND: Billing = Billing::PayPerRequest;

/// Provisioned billing with this capacity.
pub const fn provisioned(read: i64, write: i64) -> Billing {
    Billing::Provisioned(Throughput { read, write })
}

/// The schema of a model's table. `fields` lists every attribute, key attributes first.
#[allow(clippy::too_many_arguments)] // one argument per schema setting, named at the call
pub const fn table(
    type_name: &'static str,
    table_name: &'static str,
    region: &'static str,
    key: KeySchema,
    indexes: &'static [IndexSchema],
    billing: Billing,
    ttl_attribute: Option<&'static str>,
    version_attribute: Option<&'static str>,
    fields: &'static [Field],
) -> TableSchema {
    TableSchema {
        type_name,
        table_name,
        region,
        key,
        indexes,
        billing,
        ttl_attribute,
        version_attribute,
        fields,
    }
}

/// The settings of a tracker.
#[allow(clippy::too_many_arguments)] // one argument per schema setting, named at the call
pub const fn tracker(
    type_name: &'static str,
    table_name: &'static str,
    use_case: &'static str,
    max_retry: u32,
    lease_seconds: u32,
    shards: u32,
    max_errors: u32,
    billing: Billing,
) -> TrackerConfig {
    TrackerConfig {
        type_name,
        table_name,
        use_case,
        max_retry,
        lease_seconds,
        shards,
        max_errors,
        billing,
    }
}

/// A writer of the key attributes of a `schema` item (keys have no transforms).
pub fn key_writer(schema: &'static TableSchema) -> ItemWriter<'static> {
    ItemWriter::new(schema, TransformContext::none())
}

/// A reader of the key attributes of a `schema` item.
pub fn key_reader(schema: &'static TableSchema, item: &Item) -> ItemReader<'static> {
    ItemReader::for_key(schema, item)
}

/// Adds field `name` of a model to its `Debug` output; called by generated `Debug` impls.
///
/// The value of an encrypted attribute (deterministic or randomized, of any type) prints as
/// `<redacted>`, as [`RootKey`](crate::primitives::crypto::RootKey) does, so logging a model never discloses
/// what encryption protects; every other value prints with its own `Debug`. A raw identifier
/// (`r#type`) prints without its `r#`, as `#[derive(Debug)]` prints it.
pub fn debug_field(
    out: &mut std::fmt::DebugStruct<'_, '_>,
    name: &str,
    field: Field,
    value: &dyn std::fmt::Debug,
) {
    struct Redacted;
    impl std::fmt::Debug for Redacted {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("<redacted>")
        }
    }
    let name = name.strip_prefix("r#").unwrap_or(name);
    if field.transform.encrypt.is_some() {
        out.field(name, &Redacted);
    } else {
        out.field(name, value);
    }
}
