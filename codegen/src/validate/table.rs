//! A table: its type and table names, its attributes in key order, and the key checks.

use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;

use super::{DEFAULT_REGION, FileValidator, Scope, span_of};
use crate::model::{Billing, Field, Role, Table};
use crate::names;
use crate::schema::{AttrDef, OrShorthand, SString, TableDef};
use crate::types::ValueType;

impl FileValidator<'_> {
    pub(super) fn table(&mut self, name: &SString, def: &Spanned<TableDef>) -> Option<Table> {
        let type_name = self.type_name(name, "table");
        let table_def = def.get_ref();
        let table_name = self.table_name(table_def.table_name.as_ref(), name);
        let billing = match &table_def.billing {
            Some(billing) => self.billing(billing),
            None => Some(self.defaults.billing.unwrap_or(Billing::PayPerRequest)),
        };
        let (bucket, prefix) = self.s3(table_def.s3.as_ref());
        let scope = Scope {
            bucket: bucket.or_else(|| self.defaults.bucket.clone()),
            prefix: prefix.or_else(|| self.defaults.prefix.clone()),
            key: table_def
                .key
                .as_ref()
                .map(|k| k.get_ref().clone())
                .or_else(|| self.defaults.key.clone()),
        };
        let fields = self.fields(name, def, &scope)?;
        let indexes = self.indexes(def, &fields);
        // Once anything is wrong nothing is rendered; later tables are still checked.
        if self.reporter.has_errors() {
            return None;
        }
        let type_name = type_name?;
        Some(Table {
            key_name: format!("{}Key", names::bare(&type_name)),
            name: type_name,
            table_name: table_name?,
            doc: table_def.doc.as_ref().map(|d| d.get_ref().clone()),
            region: table_def
                .region
                .as_ref()
                .map(|r| r.get_ref().clone())
                .or_else(|| self.defaults.region.clone())
                .unwrap_or_else(|| DEFAULT_REGION.to_string()),
            billing: billing?,
            has_range_key: table_def.range_key.is_some(),
            fields,
            indexes: indexes?,
        })
    }

    /// The attributes, ordered hash key, range key, then declaration order.
    fn fields(
        &mut self,
        type_name: &SString,
        def: &Spanned<TableDef>,
        scope: &Scope,
    ) -> Option<Vec<Field>> {
        let table = def.get_ref();
        let mut fields = Vec::new();
        // Generated names (by `names::ident_key`) and the attribute that generated each.
        let mut rust_names: HashMap<String, (Range<usize>, String)> = HashMap::new();
        let mut const_names: HashMap<String, (Range<usize>, String)> = HashMap::new();
        for (attr_name, attr_def) in &table.attributes {
            let Some(field) = self.field(attr_name, attr_def, scope) else {
                continue;
            };
            for (registry, generated, what) in [
                (&mut rust_names, &field.rust, "field"),
                (&mut const_names, &field.konst, "constant"),
            ] {
                let here = (span_of(attr_name), field.attr.clone());
                let Some((first_span, first_attr)) =
                    registry.get(&names::ident_key(generated)).cloned()
                else {
                    registry.insert(names::ident_key(generated), here);
                    continue;
                };
                let shown = match what {
                    "field" => format!("`{}`", names::bare(generated)),
                    _ => format!("`{}::{generated}`", names::bare(type_name.get_ref())),
                };
                self.reporter
                    .error(
                        span_of(attr_name),
                        format!(
                            "attributes `{first_attr}` and `{}` both map to the Rust {what} {shown}",
                            field.attr
                        ),
                        format!("{what} {shown}"),
                    )
                    .related(first_span, format!("also {what} {shown}"))
                    .help("give one of them a different `rust_name`");
            }
            fields.push(field);
        }
        if table.attributes.is_empty() {
            self.reporter
                .error(
                    span_of(type_name),
                    format!("table `{}` declares no attributes", type_name.get_ref()),
                    "no attributes",
                )
                .help(format!(
                    "add a `[table.{}.attributes]` section with at least the hash key",
                    type_name.get_ref()
                ));
            return None;
        }
        self.check_single_special(table, &fields, ValueType::Ttl, "ttl");
        self.check_single_special(table, &fields, ValueType::Version, "version");
        let Some(hash) = &table.hash_key else {
            self.reporter
                .error(
                    span_of(type_name),
                    format!("table `{}` has no `hash_key`", type_name.get_ref()),
                    "missing hash_key",
                )
                .help("add `hash_key = \"<attribute>\"` naming the partition key attribute");
            return None;
        };
        let mut ordered = Vec::with_capacity(fields.len());
        ordered.push(self.take_key(&mut fields, hash, Role::HashKey, &table.attributes)?);
        if let Some(range) = &table.range_key {
            if range.get_ref() == hash.get_ref() {
                self.reporter
                    .error(span_of(range), "the range key is the hash key", "same attribute as hash_key")
                    .help("a sort key must be a different attribute; remove `range_key` for a hash-only table");
                return None;
            }
            ordered.push(self.take_key(&mut fields, range, Role::RangeKey, &table.attributes)?);
        }
        ordered.extend(fields);
        Some(ordered)
    }

    fn check_single_special(
        &mut self,
        table: &TableDef,
        fields: &[Field],
        ty: ValueType,
        what: &str,
    ) {
        let mut spans = table
            .attributes
            .iter()
            .filter(|(name, _)| {
                fields
                    .iter()
                    .any(|f| f.attr == *name.get_ref() && f.ty == ty)
            })
            .map(|(name, _)| span_of(name));
        if let (Some(first), Some(second)) = (spans.next(), spans.next()) {
            self.reporter
                .error(
                    second,
                    format!("a table has at most one `{what}` attribute"),
                    format!("second `{what}` attribute"),
                )
                .related(first, "first one");
        }
    }

    /// Moves the key attribute out of `fields`, checking it can be a key.
    fn take_key(
        &mut self,
        fields: &mut Vec<Field>,
        key: &SString,
        role: Role,
        defs: &indexmap::IndexMap<SString, Spanned<OrShorthand<AttrDef>>>,
    ) -> Option<Field> {
        let which = if role == Role::HashKey {
            "hash_key"
        } else {
            "range_key"
        };
        let Some(position) = fields.iter().position(|f| f.attr == *key.get_ref()) else {
            if defs.contains_key(key.get_ref().as_str()) {
                // Declared but rejected: that attribute's own diagnostic says why.
                return None;
            }
            let declared = defs
                .keys()
                .map(|k| format!("`{}`", k.get_ref()))
                .collect::<Vec<_>>()
                .join(", ");
            self.reporter
                .error(
                    span_of(key),
                    format!(
                        "{which} `{}` is not an attribute of the table",
                        key.get_ref()
                    ),
                    "unknown attribute",
                )
                .help(format!(
                    "declare it under `attributes` or use one of: {declared}"
                ));
            return None;
        };
        let mut field = fields.remove(position);
        let def_span = defs
            .iter()
            .find(|(name, _)| name.get_ref() == &field.attr)
            .map_or_else(|| span_of(key), |(name, _)| span_of(name));
        let problem = key_problem(&field);
        if let Some((problem, help)) = problem {
            self.reporter
                .error(
                    def_span,
                    format!("key attribute `{}` {problem}", field.attr),
                    format!("used as {which}"),
                )
                .related(span_of(key), "declared as key here")
                .help(help);
            return None;
        }
        field.role = role;
        Some(field)
    }
}

/// Why a field cannot be a primary key, with help.
fn key_problem(field: &Field) -> Option<(&'static str, String)> {
    if field.optional || field.default.is_some() && field.ty != ValueType::Version {
        return Some((
            "is optional or has a default",
            "every item has its key: remove `optional` and `default`".into(),
        ));
    }
    if field.transform.compress
        || field.transform.offload.is_some()
        || field.transform.encrypt.is_some()
    {
        return Some((
            "is compressed, encrypted or offloaded",
            "keys are stored as plain values; move the secret or large data to a non-key attribute"
                .into(),
        ));
    }
    match field.ty {
        ValueType::Float(_) => Some(("is a float", "floats are inexact keys: use `decimal` or an integer type".into())),
        ValueType::Version => Some(("is a version counter", "a version counter changes on every write; use another key".into())),
        _ if field.ty.key_scalar().is_none() => Some((
            "has a type that cannot be a key",
            "DynamoDB keys are strings, numbers or bytes: use `string`, an integer type, `decimal` or `bytes`".into(),
        )),
        _ => None,
    }
}
