//! Secondary indexes: their schema expressions and typed handles.

use serde_json::{Value, json};

use super::table::key_schema_expr;
use super::{V1, doc_attrs, literal};
use crate::model::{Index, IndexKind, Projection, Table};

/// The typed handle of a secondary index (`Order::BY_CUSTOMER`): its name and key codecs.
pub(super) fn index_handle_view(table: &Table, index: &Index) -> Value {
    let codec_of = |attr: &str| {
        table.fields.iter().find(|f| f.attr == attr).map_or_else(
            || "::dynamate::item::index::NoRange".to_string(),
            |f| {
                crate::types::wrap_optional(
                    f.optional,
                    f.ty.codec(),
                    "::dynamate::primitives::codec::Opt",
                )
            },
        )
    };
    let kind = match index.kind {
        IndexKind::Global => "global",
        IndexKind::Local => "local",
    };
    json!({
        "konst": index.konst,
        "name": literal(&index.name),
        "doc": doc_attrs(&format!("The {kind} secondary index `{}` of [`{}`], for typed queries and scans.", index.name, table.name)),
        "hash_codec": codec_of(&index.hash.0),
        "range_codec": index.range.as_ref().map_or_else(|| "::dynamate::item::index::NoRange".to_string(), |(name, _)| codec_of(name)),
    })
}

pub(super) fn index_expr(index: &Index) -> String {
    let kind = match index.kind {
        IndexKind::Global => "global",
        IndexKind::Local => "local",
    };
    let projection = match &index.projection {
        Projection::All => format!("{V1}::ALL"),
        Projection::KeysOnly => format!("{V1}::KEYS_ONLY"),
        Projection::Include(attrs) => format!(
            "{V1}::include(&[{}])",
            attrs
                .iter()
                .map(|a| literal(a))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let schema = format!(
        "{V1}::{kind}_index({}, {}, {projection})",
        literal(&index.name),
        key_schema_expr(
            (&index.hash.0, index.hash.1),
            index.range.as_ref().map(|(n, s)| (n.as_str(), *s))
        ),
    );
    match index.throughput {
        None => schema,
        Some((read, write)) => format!("{V1}::with_capacity({schema}, {read}, {write})"),
    }
}
