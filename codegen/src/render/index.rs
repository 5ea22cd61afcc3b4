//! Secondary indexes: their schema expressions and typed handles.

use serde_json::{Value, json};

use super::table::key_schema_expr;
use super::{NONE, SOME, doc_attrs, literal, throughput_expr};
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
        IndexKind::Global => "Global",
        IndexKind::Local => "Local",
    };
    let projection = match &index.projection {
        Projection::All => "::dynamate::item::model::Projection::All".to_string(),
        Projection::KeysOnly => "::dynamate::item::model::Projection::KeysOnly".to_string(),
        Projection::Include(attrs) => format!(
            "::dynamate::item::model::Projection::Include(&[{}])",
            attrs
                .iter()
                .map(|a| literal(a))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let throughput = index.throughput.map_or_else(
        || NONE.to_string(),
        |(read, write)| format!("{SOME}({})", throughput_expr(read, write)),
    );
    format!(
        "::dynamate::IndexSchema {{ name: {}, kind: ::dynamate::item::model::IndexKind::{kind}, key: {}, projection: {projection}, throughput: {throughput} }}",
        literal(&index.name),
        key_schema_expr(
            (&index.hash.0, index.hash.1),
            index.range.as_ref().map(|(n, s)| (n.as_str(), *s))
        ),
    )
}
