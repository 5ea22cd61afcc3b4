//! The view of a table: its model, key struct and key schema.

use serde_json::{Value, json};

use super::field::field_view;
use super::index::{index_expr, index_handle_view};
use super::{V1, billing_expr, doc_attrs, literal, option_literal};
use crate::model::{Field, Table};
use crate::types::Scalar;

pub(super) fn table_view(table: &Table) -> Value {
    let fields: Vec<Value> = table.fields.iter().map(|f| field_view(table, f)).collect();
    let key_fields = fields[..table.key_fields().len()].to_vec();
    let default_doc = format!("An item of the DynamoDB table `{}`.", table.table_name);
    json!({
        "name": table.name,
        "name_literal": literal(crate::names::bare(&table.name)),
        "key_name": table.key_name,
        "doc": doc_attrs(table.doc.as_deref().unwrap_or(&default_doc)),
        "table_name": literal(&table.table_name),
        "region": literal(&table.region),
        "key_schema": key_schema(table),
        "indexes": table.indexes.iter().map(index_expr).collect::<Vec<_>>(),
        "billing": billing_expr(table.billing),
        "ttl_attribute": option_literal(special_attr(table, crate::types::ValueType::Ttl)),
        "version_attribute": option_literal(special_attr(table, crate::types::ValueType::Version)),
        "fields": fields,
        "key_fields": key_fields,
        "index_handles": table.indexes.iter().map(|i| index_handle_view(table, i)).collect::<Vec<_>>(),
        "version_fields": table.fields.iter().filter(|f| f.ty == crate::types::ValueType::Version).map(|f| json!({ "rust": f.rust })).collect::<Vec<_>>(),
    })
}

fn special_attr(table: &Table, ty: crate::types::ValueType) -> Option<&str> {
    table
        .fields
        .iter()
        .find(|f| f.ty == ty)
        .map(|f| f.attr.as_str())
}

fn key_attribute(name: &str, scalar: Scalar) -> String {
    let kind = match scalar {
        Scalar::S => "string",
        Scalar::N => "number",
        Scalar::B => "binary",
    };
    format!("{V1}::{kind}_key({})", literal(name))
}

pub(super) fn key_schema_expr(hash: (&str, Scalar), range: Option<(&str, Scalar)>) -> String {
    let hash = key_attribute(hash.0, hash.1);
    match range {
        None => format!("{V1}::hash_key({hash})"),
        Some((n, s)) => format!("{V1}::hash_range_key({hash}, {})", key_attribute(n, s)),
    }
}

fn key_schema(table: &Table) -> String {
    fn scalar_of(f: &Field) -> (&str, Scalar) {
        (f.attr.as_str(), f.ty.key_scalar().unwrap_or(Scalar::S))
    }
    let keys = table.key_fields();
    key_schema_expr(scalar_of(&keys[0]), keys.get(1).map(scalar_of))
}
