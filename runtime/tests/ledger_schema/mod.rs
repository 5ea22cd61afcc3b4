//! The `Ledger` table of schemas/ledger.toml written out by hand (number hash and range keys, a
//! randomized `memo`), for runtime tests that need a schema without the code generator. Written
//! as generated code writes it, through the codegen interface.
#![allow(dead_code)] // each test file uses a subset

use dynamate::__codegen::v1;
use dynamate::Field;
use dynamate::item::model::{Attr, TableSchema, role};
use dynamate::primitives::codec::Str;

pub const MEMO: Field = v1::transformed("memo", false, v1::randomized("archive"), None);

pub static SCHEMA: TableSchema = v1::table(
    "Ledger",
    "ledger",
    "us-east-1",
    v1::hash_range_key(v1::number_key("account"), v1::number_key("seq")),
    &[],
    v1::ON_DEMAND,
    None,
    None,
    &[v1::field("account"), v1::field("seq"), MEMO],
);

pub const MEMO_ATTR: Attr<(), Str, role::Randomized> = v1::attr(MEMO);
