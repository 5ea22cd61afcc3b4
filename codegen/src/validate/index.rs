//! Secondary indexes: names, kinds, keys, projections, capacity and handle constants.

use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;

use super::{FileValidator, MAX_GLOBAL_INDEXES, MAX_LOCAL_INDEXES, span_of};
use crate::model::{Field, Index, IndexKind, Projection, Transform};
use crate::names;
use crate::schema::{IndexDef, ProjectionDef, SString, TableDef};
use crate::types::Scalar;

impl FileValidator<'_> {
    pub(super) fn indexes(
        &mut self,
        def: &Spanned<TableDef>,
        fields: &[Field],
    ) -> Option<Vec<Index>> {
        let table = def.get_ref();
        let mut indexes = Vec::new();
        let mut ok = true;
        let mut handles: HashMap<String, (Range<usize>, String)> = HashMap::new();
        for (name, index) in &table.indexes {
            match self.index(name, index, table, fields) {
                Some(index) => {
                    ok &= self.check_index_constant(name, &index, fields, &mut handles);
                    indexes.push(index);
                }
                None => ok = false,
            }
        }
        for (kind, limit, label) in [
            (IndexKind::Global, MAX_GLOBAL_INDEXES, "global"),
            (IndexKind::Local, MAX_LOCAL_INDEXES, "local"),
        ] {
            let count = indexes.iter().filter(|i| i.kind == kind).count();
            if count > limit {
                let span = table
                    .indexes
                    .keys()
                    .map(span_of)
                    .nth(limit)
                    .unwrap_or_else(|| span_of(def));
                self.reporter
                    .error(
                        span,
                        format!(
                            "{count} {label} secondary indexes; DynamoDB allows at most {limit}"
                        ),
                        "one index too many",
                    )
                    .help("remove indexes, or model the access pattern with an overloaded index");
                ok = false;
            }
        }
        ok.then_some(indexes)
    }

    /// The index's handle constant must not clash with an attribute constant or another index's.
    fn check_index_constant(
        &mut self,
        name: &SString,
        index: &Index,
        fields: &[Field],
        handles: &mut HashMap<String, (Range<usize>, String)>,
    ) -> bool {
        if let Some((first_span, first)) = handles.get(&index.konst).cloned() {
            self.reporter
                .error(
                    span_of(name),
                    format!(
                        "indexes `{first}` and `{}` both map to the constant `{}`",
                        index.name, index.konst
                    ),
                    format!("constant `{}`", index.konst),
                )
                .related(first_span, format!("also constant `{}`", index.konst))
                .help("rename one of the indexes");
            return false;
        }
        handles.insert(index.konst.clone(), (span_of(name), index.name.clone()));
        let Some(field) = fields.iter().find(|f| f.konst == index.konst) else {
            return true;
        };
        self.reporter
            .error(
                span_of(name),
                format!(
                    "index `{}` and attribute `{}` both map to the constant `{}`",
                    index.name, field.attr, index.konst
                ),
                "clashes",
            )
            .help("rename the index, or give the attribute a different `rust_name`");
        false
    }

    fn index(
        &mut self,
        name: &SString,
        def: &Spanned<IndexDef>,
        table: &TableDef,
        fields: &[Field],
    ) -> Option<Index> {
        let index = def.get_ref();
        let index_name = name.get_ref();
        let valid_chars = index_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
        if !(3..=255).contains(&index_name.len()) || !valid_chars {
            self.reporter
                .error(
                    span_of(name),
                    format!("`{index_name}` is not a valid index name"),
                    "invalid index name",
                )
                .help("index names are 3 to 255 characters of letters, digits, `_`, `-` and `.`");
            return None;
        }
        let kind = match index
            .kind
            .as_ref()
            .map(|k| (k.get_ref().as_str(), span_of(k)))
        {
            None | Some(("global", _)) => IndexKind::Global,
            Some(("local", _)) => IndexKind::Local,
            Some((other, span)) => {
                self.reporter
                    .error(
                        span,
                        format!("unknown index kind `{other}`"),
                        "unknown kind",
                    )
                    .help("use \"global\" or \"local\"");
                return None;
            }
        };
        let table_hash = table.hash_key.as_ref()?;
        let hash = match (&index.hash_key, kind) {
            (Some(hash), IndexKind::Local) if hash.get_ref() != table_hash.get_ref() => {
                self.reporter
                    .error(
                        span_of(hash),
                        "a local index must use the table's hash key",
                        "differs from the table's hash key",
                    )
                    .related(span_of(table_hash), "the table's hash key")
                    .help(format!(
                        "remove `hash_key` (it defaults to `{}`) or make the index global",
                        table_hash.get_ref()
                    ));
                return None;
            }
            (Some(hash), _) => hash.clone(),
            (None, IndexKind::Local) => table_hash.clone(),
            (None, IndexKind::Global) => {
                self.reporter
                    .error(
                        span_of(name),
                        format!("global index `{index_name}` has no `hash_key`"),
                        "missing hash_key",
                    )
                    .help("add `hash_key = \"<attribute>\"`");
                return None;
            }
        };
        if kind == IndexKind::Local && table.range_key.is_none() {
            self.reporter
                .error(
                    span_of(name),
                    "local indexes need a table with a range key",
                    "table has no range key",
                )
                .help("add a `range_key` to the table or make the index global");
            return None;
        }
        let hash_scalar = self.index_key(&hash, table, fields)?;
        let range = match &index.range_key {
            Some(range) => Some((
                range.get_ref().clone(),
                self.index_key(range, table, fields)?,
            )),
            None if kind == IndexKind::Local => {
                self.reporter
                    .error(span_of(name), "a local index needs a `range_key`", "missing range_key")
                    .help("add `range_key = \"<attribute>\"`: a local index is another sort order of the same partition");
                return None;
            }
            None => None,
        };
        let projection = match &index.projection {
            None => Projection::All,
            Some(projection) => self.projection(projection, table, fields)?,
        };
        let throughput = match (&index.read, &index.write) {
            (None, None) => None,
            (read, write) => Some((
                self.capacity(read.as_ref(), "read", span_of(def))?,
                self.capacity(write.as_ref(), "write", span_of(def))?,
            )),
        };
        Some(Index {
            name: index_name.clone(),
            konst: names::index_constant(index_name),
            kind,
            hash: (hash.get_ref().clone(), hash_scalar),
            range,
            projection,
            throughput,
        })
    }

    fn index_key(&mut self, key: &SString, table: &TableDef, fields: &[Field]) -> Option<Scalar> {
        let Some(field) = fields.iter().find(|f| f.attr == *key.get_ref()) else {
            if super::is_declared(table, key.get_ref()) {
                // Declared but rejected: that attribute's own diagnostic says why.
                return None;
            }
            self.reporter
                .error(
                    span_of(key),
                    format!(
                        "index key `{}` is not an attribute of the table",
                        key.get_ref()
                    ),
                    "unknown attribute",
                )
                .help("declare the attribute under `attributes` first");
            return None;
        };
        let scalar = field
            .ty
            .key_scalar()
            .filter(|_| field.transform == Transform::default());
        if scalar.is_none() {
            self.reporter
                .error(
                    span_of(key),
                    format!("`{}` cannot be an index key", key.get_ref()),
                    "invalid index key",
                )
                .help("index keys are untransformed string, integer, decimal or bytes attributes");
        }
        scalar
    }

    fn projection(
        &mut self,
        projection: &Spanned<ProjectionDef>,
        table: &TableDef,
        fields: &[Field],
    ) -> Option<Projection> {
        match projection.get_ref() {
            ProjectionDef::Named(name) if name == "all" => Some(Projection::All),
            ProjectionDef::Named(name) if name == "keys_only" => Some(Projection::KeysOnly),
            ProjectionDef::Named(other) => {
                self.reporter
                    .error(
                        span_of(projection),
                        format!("unknown projection `{other}`"),
                        "unknown projection",
                    )
                    .help("use \"all\", \"keys_only\" or a list of attribute names");
                None
            }
            ProjectionDef::Include(attrs) => {
                let unknown: Vec<&String> = attrs
                    .iter()
                    .filter(|a| !fields.iter().any(|f| f.attr == **a))
                    .collect();
                if let Some(first) = unknown.first() {
                    if unknown.iter().all(|a| super::is_declared(table, a)) {
                        // Declared but rejected: that attribute's own diagnostic says why.
                        return None;
                    }
                    self.reporter
                        .error(span_of(projection), format!("projected attribute `{first}` is not an attribute of the table"), "unknown attribute")
                        .help("list attributes declared under `attributes`, or use \"all\" or \"keys_only\"");
                    return None;
                }
                Some(Projection::Include(attrs.clone()))
            }
        }
    }
}
