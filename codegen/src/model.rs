//! The validated model: what the schema means, with every name resolved and every rule checked.
//! Rendering reads only this.

use crate::types::{Scalar, ValueType};

/// All schema files of one generation run.
#[derive(Debug, Default)]
pub struct Schema {
    /// File names, for the generated header.
    pub sources: Vec<String>,
    /// Tables in file order, then declaration order.
    pub tables: Vec<Table>,
    /// Status trackers.
    pub trackers: Vec<Tracker>,
}

/// How a table is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Billing {
    /// On demand.
    PayPerRequest,
    /// Provisioned read and write capacity.
    Provisioned {
        /// Read capacity units.
        read: i64,
        /// Write capacity units.
        write: i64,
    },
}

/// A table and its model type.
#[derive(Debug)]
pub struct Table {
    /// Rust type name of the model.
    pub name: String,
    /// Rust type name of the key struct.
    pub key_name: String,
    /// DynamoDB table name.
    pub table_name: String,
    /// Rustdoc of the model.
    pub doc: Option<String>,
    /// AWS region, for console URLs.
    pub region: String,
    /// Billing mode.
    pub billing: Billing,
    /// Attributes, key attributes first.
    pub fields: Vec<Field>,
    /// The partition key is `fields[0]`; the sort key, if any, is `fields[1]`.
    pub has_range_key: bool,
    /// Secondary indexes.
    pub indexes: Vec<Index>,
}

impl Table {
    /// The key attributes.
    pub fn key_fields(&self) -> &[Field] {
        &self.fields[..1 + usize::from(self.has_range_key)]
    }
}

/// What an attribute is to the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Partition key.
    HashKey,
    /// Sort key.
    RangeKey,
    /// Comparable value.
    Value,
    /// Encrypted in randomized mode: its stored form cannot be compared.
    Randomized,
    /// Offloaded to S3 (not randomized): its stored form cannot be compared.
    Offloaded,
}

/// Encryption mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncryptMode {
    /// AES-SIV without nonce.
    Deterministic,
    /// AES-SIV with a random nonce.
    Randomized,
}

/// S3 offload of one attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offload {
    /// Bucket.
    pub bucket: String,
    /// Key prefix.
    pub prefix: String,
    /// Minimum stored size to offload; 0 = always.
    pub threshold: u64,
}

/// How an attribute uses pynamodb_mate's stored formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PynamodbMate {
    /// Reads both formats, writes pynamodb_mate's.
    Shared,
    /// Reads both formats, writes dynamate's.
    Migrate,
}

/// Transforms of one attribute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transform {
    /// Snappy compression.
    pub compress: bool,
    /// Encryption mode and key name.
    pub encrypt: Option<(EncryptMode, String)>,
    /// S3 offload.
    pub offload: Option<Offload>,
    /// pynamodb_mate's formats.
    pub pynamodb_mate: Option<PynamodbMate>,
}

/// One attribute.
#[derive(Debug)]
pub struct Field {
    /// DynamoDB attribute name.
    pub attr: String,
    /// Rust field name (may be a raw identifier such as `r#type`).
    pub rust: String,
    /// Associated constant name.
    pub konst: String,
    /// Value type.
    pub ty: ValueType,
    /// Whether the field is an `Option`.
    pub optional: bool,
    /// Rust expression of the default value.
    pub default: Option<String>,
    /// Rustdoc.
    pub doc: Option<String>,
    /// Transforms.
    pub transform: Transform,
    /// Role in the table.
    pub role: Role,
}

/// Global or local index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// Global secondary index.
    Global,
    /// Local secondary index.
    Local,
}

/// Attributes projected into an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Projection {
    /// All attributes.
    All,
    /// Keys only.
    KeysOnly,
    /// Keys and the listed attributes.
    Include(Vec<String>),
}

/// A secondary index.
#[derive(Debug)]
pub struct Index {
    /// Index name.
    pub name: String,
    /// Name of the index's typed handle constant (`BY_CUSTOMER`).
    pub konst: String,
    /// Global or local.
    pub kind: IndexKind,
    /// Partition key attribute and scalar.
    pub hash: (String, Scalar),
    /// Sort key attribute and scalar.
    pub range: Option<(String, Scalar)>,
    /// Projection.
    pub projection: Projection,
    /// Provisioned capacity of a global index.
    pub throughput: Option<(i64, i64)>,
}

/// A status tracker.
#[derive(Debug)]
pub struct Tracker {
    /// Rust type name.
    pub name: String,
    /// Rust name of the status enum.
    pub status_name: String,
    /// DynamoDB table name (trackers may share a table).
    pub table_name: String,
    /// Rustdoc.
    pub doc: Option<String>,
    /// Use case stored with each task; separates trackers sharing a table.
    pub use_case: String,
    /// Failures after which a task is ignored.
    pub max_retry: u32,
    /// Lease length.
    pub lease_seconds: u32,
    /// Shards of the status index.
    pub shards: u32,
    /// Error history entries kept per task.
    pub max_errors: u32,
    /// Custom statuses: (Rust variant, stored name).
    pub custom_statuses: Vec<(String, String)>,
    /// Rust type of task data.
    pub data_type: String,
    /// Billing of the task table.
    pub billing: Billing,
}
