//! The view of one attribute: its Rust type, codec, docs and transform expression.

use serde_json::{Value, json};

use super::{NONE, V1, doc_attrs, literal};
use crate::model::{EncryptMode, Field, PynamodbMate, Role, Table, Transform};

pub(super) fn field_view(table: &Table, field: &Field) -> Value {
    let rust_type =
        crate::types::wrap_optional(field.optional, field.ty.rust_type(), crate::types::OPTION);
    let codec = crate::types::wrap_optional(
        field.optional,
        field.ty.codec(),
        "::dynamate::primitives::codec::Opt",
    );
    let default_doc = format!("Attribute `{}`.", field.attr);
    let role = match field.role {
        Role::HashKey => "HashKey",
        Role::RangeKey => "RangeKey",
        Role::Value => "Value",
        Role::Randomized => "Randomized",
        Role::Offloaded => "Offloaded",
    };
    json!({
        "rust": field.rust,
        "debug_name": literal(crate::names::bare(&field.rust)),
        "konst": field.konst,
        "rust_type": rust_type,
        "codec": codec,
        "role": role,
        "doc": doc_attrs(field.doc.as_deref().unwrap_or(&default_doc)),
        "const_doc": doc_attrs(&const_doc(table, field)),
        "field": field_expr(field),
        "copy_expr": if field.ty.is_copy() { format!("self.{}", field.rust) } else { format!("self.{}.clone()", field.rust) },
        "default": field.default,
    })
}

/// Rustdoc of an attribute constant: the name and how it is stored.
fn const_doc(table: &Table, field: &Field) -> String {
    let mut notes = Vec::new();
    match field.role {
        Role::HashKey => notes.push("partition key".to_string()),
        Role::RangeKey => notes.push("sort key".to_string()),
        _ => {}
    }
    if field.transform.compress {
        notes.push("compressed".into());
    }
    if let Some((mode, key)) = &field.transform.encrypt {
        let mode = if *mode == EncryptMode::Deterministic {
            "deterministic"
        } else {
            "randomized"
        };
        notes.push(format!("encrypted ({mode}) with key `{key}`"));
    }
    if let Some(offload) = &field.transform.offload {
        notes.push(format!(
            "offloaded to `s3://{}/{}`",
            offload.bucket, offload.prefix
        ));
    }
    match field.transform.pynamodb_mate {
        Some(PynamodbMate::Shared) => notes.push("in pynamodb_mate's format (shared)".into()),
        Some(PynamodbMate::Migrate) => {
            notes.push("reading pynamodb_mate's format too (migrate)".into())
        }
        None => {}
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(": {}", notes.join(", "))
    };
    format!("Attribute `{}` of [`{}`]{notes}.", field.attr, table.name)
}

fn field_expr(field: &Field) -> String {
    let name = literal(&field.attr);
    let transform = &field.transform;
    if *transform == Transform::default() {
        return format!("{V1}::field({name})");
    }
    let encrypt = match &transform.encrypt {
        None => NONE.to_string(),
        Some((EncryptMode::Deterministic, key)) => format!("{V1}::deterministic({})", literal(key)),
        Some((_, key)) => format!("{V1}::randomized({})", literal(key)),
    };
    let offload = match &transform.offload {
        None => NONE.to_string(),
        Some(o) => format!(
            "{V1}::offload({}, {}, {})",
            literal(&o.bucket),
            literal(&o.prefix),
            o.threshold
        ),
    };
    let transformed = format!(
        "{V1}::transformed({name}, {}, {encrypt}, {offload})",
        transform.compress
    );
    match transform.pynamodb_mate {
        None => transformed,
        Some(PynamodbMate::Shared) => format!("{V1}::pynamodb_mate({transformed}, {V1}::SHARED)"),
        Some(PynamodbMate::Migrate) => format!("{V1}::pynamodb_mate({transformed}, {V1}::MIGRATE)"),
    }
}
