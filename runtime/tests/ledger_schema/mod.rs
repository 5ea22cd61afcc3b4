//! The `Ledger` table of schemas/ledger.toml written out by hand (number hash and range keys, a
//! randomized `memo`), for runtime tests that need a schema without the code generator.
#![allow(dead_code)] // each test file uses a subset

use dynamate::Field;
use dynamate::item::model::{
    Attr, Billing, KeyAttribute, KeySchema, ScalarType, TableSchema, role,
};
use dynamate::item::transform::{Encrypt, EncryptMode, TransformSpec};
use dynamate::primitives::codec::Str;

pub const MEMO: Field = Field {
    name: "memo",
    transform: TransformSpec {
        compress: false,
        encrypt: Some(Encrypt {
            mode: EncryptMode::Randomized,
            key: "archive",
        }),
        offload: None,
    },
};

pub static SCHEMA: TableSchema = TableSchema {
    type_name: "Ledger",
    table_name: "ledger",
    region: "us-east-1",
    key: KeySchema {
        hash: KeyAttribute {
            name: "account",
            scalar: ScalarType::N,
        },
        range: Some(KeyAttribute {
            name: "seq",
            scalar: ScalarType::N,
        }),
    },
    indexes: &[],
    billing: Billing::PayPerRequest,
    ttl_attribute: None,
    version_attribute: None,
    fields: &[Field::plain("account"), Field::plain("seq"), MEMO],
};

pub const MEMO_ATTR: Attr<(), Str, role::Randomized> = Attr::new(MEMO);
