//! Schema files -> validated [`Schema`], with a diagnostic at the TOML span of every mistake.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use toml::Spanned;

use crate::diagnostics::{Diagnostic, Reporter, SourceFile};
use crate::model::{
    Billing, EncryptMode, Field, Index, IndexKind, Offload, Projection, Role, Schema, Table,
    Tracker, Transform,
};
use crate::names::{self, IdentError};
use crate::schema::{
    AttrDef, BillingDef, Defaults, IndexDef, OffloadDef, OrShorthand, ProjectionDef, S3Def,
    SString, SchemaFile, TableDef, TrackerDef,
};
use crate::types::{self, Element, Named, Scalar, ValueType};

/// DynamoDB allows at most this many global secondary indexes per table.
const MAX_GLOBAL_INDEXES: usize = 20;
/// DynamoDB allows at most this many local secondary indexes per table.
const MAX_LOCAL_INDEXES: usize = 5;
const DEFAULT_REGION: &str = "us-east-1";
const DEFAULT_S3_PREFIX: &str = "dynamate";
/// Deepest nesting of a json default; deeper ones are refused rather than generated as
/// expressions that compilers and parsers may refuse.
const MAX_DEFAULT_DEPTH: usize = 32;

/// Prelude names a model must not take: the generated items land in the user's module, where
/// a model named `Result` would shadow the prelude's for the user's own code. (Generated code
/// itself uses absolute paths and does not care.)
const RESERVED_TYPE_NAMES: [&str; 12] = [
    "Option", "Some", "None", "Result", "Ok", "Err", "String", "Vec", "Box", "Self", "Default",
    "From",
];

/// Parses and validates schema files given as (display name, text).
pub fn validate(files: Vec<(String, String)>) -> Result<Schema, Vec<Diagnostic>> {
    let mut schema = Schema::default();
    let mut diagnostics = Vec::new();
    let mut names = NameRegistry::default();
    for (name, text) in files {
        let file = Arc::new(SourceFile {
            name: name.clone(),
            text,
        });
        schema.sources.push(name);
        let mut reporter = Reporter::new(file.clone());
        match parse(&file) {
            Ok(parsed) => FileValidator::new(&mut reporter, &parsed).validate(
                &parsed,
                &mut schema,
                &mut names,
            ),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
        diagnostics.extend(reporter.into_diagnostics());
    }
    if diagnostics.is_empty() {
        Ok(schema)
    } else {
        Err(diagnostics)
    }
}

/// TOML syntax and shape (unknown keys, wrong value types).
fn parse(file: &Arc<SourceFile>) -> Result<SchemaFile, Diagnostic> {
    toml::from_str(&file.text).map_err(|error| {
        let span = error.span().unwrap_or(0..0);
        let message = error.message().trim().to_string();
        let help = if message.starts_with("unknown field") {
            "remove the key or fix its spelling; docs/schema.md lists every key"
        } else {
            "see docs/schema.md for the schema syntax"
        };
        let mut reporter = Reporter::new(file.clone());
        reporter.error(span, message, "here").help(help);
        reporter.into_diagnostics().remove(0)
    })
}

/// Names that must be unique across all files: Rust type names and DynamoDB table names.
#[derive(Default)]
struct NameRegistry {
    /// Generated type names (by [`names::ident_key`]) and what generated them.
    rust_types: HashMap<String, TypeOrigin>,
    model_tables: HashMap<String, String>,
    tracker_tables: HashMap<String, String>,
}

/// What generated a Rust type name: the file, the span of the definition and a description.
struct TypeOrigin {
    file: String,
    span: Range<usize>,
    what: String,
}

fn span_of<T>(value: &Spanned<T>) -> Range<usize> {
    value.span()
}

/// Validates one file.
struct FileValidator<'r> {
    reporter: &'r mut Reporter,
    defaults: ResolvedDefaults,
}

/// `[defaults]` with its values resolved.
#[derive(Default)]
struct ResolvedDefaults {
    region: Option<String>,
    billing: Option<Billing>,
    bucket: Option<String>,
    prefix: Option<String>,
    key: Option<String>,
}

impl<'r> FileValidator<'r> {
    fn new(reporter: &'r mut Reporter, parsed: &SchemaFile) -> Self {
        let mut validator = FileValidator {
            reporter,
            defaults: ResolvedDefaults::default(),
        };
        if let Some(defaults) = &parsed.defaults {
            validator.defaults = validator.resolve_defaults(defaults);
        }
        validator
    }

    fn resolve_defaults(&mut self, defaults: &Defaults) -> ResolvedDefaults {
        let (bucket, prefix) = self.s3(defaults.s3.as_ref());
        ResolvedDefaults {
            region: defaults.region.as_ref().map(|r| r.get_ref().clone()),
            billing: defaults.billing.as_ref().and_then(|b| self.billing(b)),
            bucket,
            prefix,
            key: defaults.key.as_ref().map(|k| k.get_ref().clone()),
        }
    }

    fn s3(&mut self, s3: Option<&Spanned<S3Def>>) -> (Option<String>, Option<String>) {
        let Some(s3) = s3 else { return (None, None) };
        let bucket = s3
            .get_ref()
            .bucket
            .as_ref()
            .and_then(|b| self.bucket_name(b));
        let prefix = s3
            .get_ref()
            .prefix
            .as_ref()
            .map(|p| p.get_ref().trim_matches('/').to_string());
        (bucket, prefix)
    }

    fn bucket_name(&mut self, bucket: &SString) -> Option<String> {
        let name = bucket.get_ref();
        let valid = (3..=63).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !valid {
            self.reporter
                .error(
                    span_of(bucket),
                    format!("`{name}` is not a valid S3 bucket name"),
                    "invalid bucket name",
                )
                .help(
                    "bucket names are 3 to 63 characters of lowercase letters, digits, `-` and `.`",
                );
            return None;
        }
        Some(name.clone())
    }

    fn billing(&mut self, billing: &Spanned<OrShorthand<BillingDef>>) -> Option<Billing> {
        let def: &BillingDef = billing.get_ref();
        let mode_span = non_empty(span_of(&def.mode), span_of(billing));
        match def.mode.get_ref().as_str() {
            "pay_per_request" | "on_demand" => {
                if let Some(read) = def.read.as_ref().or(def.write.as_ref()) {
                    self.reporter
                        .error(
                            span_of(read),
                            "capacity is only for provisioned billing",
                            "not used on demand",
                        )
                        .help("remove `read` and `write`, or set `mode = \"provisioned\"`");
                    return None;
                }
                Some(Billing::PayPerRequest)
            }
            "provisioned" => {
                let read = self.capacity(def.read.as_ref(), "read", span_of(billing))?;
                let write = self.capacity(def.write.as_ref(), "write", span_of(billing))?;
                Some(Billing::Provisioned { read, write })
            }
            other => {
                self.reporter
                    .error(mode_span, format!("unknown billing mode `{other}`"), "unknown billing mode")
                    .help("use \"pay_per_request\" (on demand) or { mode = \"provisioned\", read = 5, write = 5 }");
                None
            }
        }
    }

    fn capacity(
        &mut self,
        value: Option<&Spanned<i64>>,
        what: &str,
        whole: Range<usize>,
    ) -> Option<i64> {
        match value {
            Some(units) if *units.get_ref() >= 1 => Some(*units.get_ref()),
            Some(units) => {
                self.reporter.error(
                    span_of(units),
                    format!("{what} capacity must be at least 1"),
                    "must be >= 1",
                );
                None
            }
            None => {
                self.reporter
                    .error(
                        whole,
                        format!("provisioned billing needs `{what}` capacity"),
                        format!("`{what}` missing"),
                    )
                    .help("write { mode = \"provisioned\", read = 5, write = 5 }");
                None
            }
        }
    }

    fn validate(&mut self, parsed: &SchemaFile, schema: &mut Schema, names: &mut NameRegistry) {
        for (name, def) in &parsed.table {
            if let Some(table) = self.table(name, def) {
                let bare = names::bare(&table.name);
                self.register_type(names, name, &table.name, format!("table `{bare}`"));
                self.register_type(
                    names,
                    name,
                    &table.key_name,
                    format!("the key struct of table `{bare}`"),
                );
                self.register_table(
                    names,
                    &def.get_ref().table_name,
                    name,
                    &table.table_name,
                    false,
                );
                schema.tables.push(table);
            }
        }
        for (name, def) in &parsed.tracker {
            if let Some(tracker) = self.tracker(name, def) {
                let bare = names::bare(&tracker.name);
                self.register_type(names, name, &tracker.name, format!("tracker `{bare}`"));
                self.register_type(
                    names,
                    name,
                    &tracker.status_name,
                    format!("the status enum of tracker `{bare}`"),
                );
                self.register_table(
                    names,
                    &def.get_ref().table_name,
                    name,
                    &tracker.table_name,
                    true,
                );
                schema.trackers.push(tracker);
            }
        }
    }

    /// Records a generated type name; two definitions generating one name is an error naming both.
    fn register_type(&mut self, names: &mut NameRegistry, at: &SString, rust: &str, what: String) {
        let here = TypeOrigin {
            file: self.reporter.file().name.clone(),
            span: span_of(at),
            what,
        };
        let Some(first) = names.rust_types.get(&names::ident_key(rust)) else {
            names.rust_types.insert(names::ident_key(rust), here);
            return;
        };
        let rust = names::bare(rust);
        let same_file = first.file == here.file;
        let diagnostic = self
            .reporter
            .error(
                here.span,
                format!(
                    "the Rust type `{rust}` is generated twice: for {} and for {} ({})",
                    first.what, here.what, first.file
                ),
                format!("{} is `{rust}`", here.what),
            )
            .help(
                "every table and tracker needs its own name, and generated names (`Name`, `NameKey`, \
                 `NameStatus`) must not repeat one: rename one of them",
            );
        if same_file {
            diagnostic.related(first.span.clone(), format!("{} is `{rust}`", first.what));
        }
    }

    fn register_table(
        &mut self,
        names: &mut NameRegistry,
        table_name: &Option<SString>,
        type_span: &SString,
        dynamo: &str,
        tracker: bool,
    ) {
        let span = table_name
            .as_ref()
            .map_or_else(|| span_of(type_span), span_of);
        let here = format!("{} ({})", self.reporter.file().name, type_span.get_ref());
        // Trackers may share one task table; models may not share with anything.
        let clash = names
            .model_tables
            .get(dynamo)
            .or_else(|| {
                if tracker {
                    None
                } else {
                    names.tracker_tables.get(dynamo)
                }
            })
            .cloned();
        if let Some(first) = clash {
            self.reporter
                .error(
                    span,
                    format!("two definitions use the DynamoDB table `{dynamo}`"),
                    "table name used twice",
                )
                .help(format!(
                    "`{dynamo}` is already used by {first}; give each model its own `table_name`"
                ));
        }
        let registry = if tracker {
            &mut names.tracker_tables
        } else {
            &mut names.model_tables
        };
        registry.entry(dynamo.to_string()).or_insert(here);
    }

    fn type_name(&mut self, name: &SString, what: &str) -> Option<String> {
        let text = name.get_ref();
        let Ok(ident) = names::rust_ident(text) else {
            self.reporter
                .error(
                    span_of(name),
                    format!("`{text}` is not a valid Rust type name"),
                    "invalid type name",
                )
                .help(format!(
                    "name the {what} with a Rust identifier such as `{}`",
                    suggest_type_name(text)
                ));
            return None;
        };
        if RESERVED_TYPE_NAMES.contains(&text.as_str()) {
            self.reporter
                .error(
                    span_of(name),
                    format!("`{text}` is reserved"),
                    "would shadow a standard type",
                )
                .help(format!(
                    "a {what} named `{text}` would hide the prelude's `{text}` in the module that \
                     includes the models; rename the {what}, e.g. `{text}Item`"
                ));
            return None;
        }
        Some(ident)
    }

    fn table_name(&mut self, explicit: Option<&SString>, fallback: &SString) -> Option<String> {
        let (name, span) = match explicit {
            Some(name) => (name.get_ref().clone(), span_of(name)),
            None => (
                names::bare(fallback.get_ref()).to_snake_case(),
                span_of(fallback),
            ),
        };
        let valid_chars = name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
        if !(3..=255).contains(&name.len()) || !valid_chars {
            self.reporter
                .error(
                    span,
                    format!("`{name}` is not a valid DynamoDB table name"),
                    "invalid table name",
                )
                .help("table names are 3 to 255 characters of letters, digits, `_`, `-` and `.`");
            return None;
        }
        Some(name)
    }

    fn table(&mut self, name: &SString, def: &Spanned<TableDef>) -> Option<Table> {
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

    fn field(
        &mut self,
        name: &SString,
        def: &Spanned<OrShorthand<AttrDef>>,
        scope: &Scope,
    ) -> Option<Field> {
        let attr = name.get_ref();
        if attr.is_empty() || attr.len() > 255 {
            self.reporter.error(
                span_of(name),
                "attribute names are 1 to 255 bytes long",
                "invalid attribute name",
            );
            return None;
        }
        let attr_def: &AttrDef = def.get_ref();
        let (rust, konst) = self.rust_field_name(name, attr_def.rust_name.as_ref())?;
        let ty = self.value_type(def)?;
        let optional = attr_def.optional.as_ref().is_some_and(|o| *o.get_ref());
        let transform = self.transform(attr_def, scope, &span_of(def))?;
        let default = match &attr_def.default {
            Some(default) => Some(self.default_value(default, &ty, optional)?),
            // A version counter starts at zero; a missing one means "never saved".
            None if ty == ValueType::Version => Some("0".to_string()),
            None => None,
        };
        if matches!(ty, ValueType::Version) && (optional || transform != Transform::default()) {
            self.reporter
                .error(span_of(def), "a `version` attribute must be a plain, required number", "invalid version attribute")
                .help("remove `optional`, `compress`, `encrypt` and `offload` from the version attribute");
            return None;
        }
        if matches!(ty, ValueType::Ttl) && transform != Transform::default() {
            self.reporter
                .error(
                    span_of(def),
                    "a `ttl` attribute must be stored as a plain number: DynamoDB expires an item \
                     only when its TTL attribute is a Number, so a compressed, encrypted or \
                     offloaded one would never expire",
                    "transformed ttl attribute",
                )
                .help("remove `compress`, `encrypt` and `offload` from the ttl attribute");
            return None;
        }
        let role = if matches!(&transform.encrypt, Some((EncryptMode::Randomized, _))) {
            Role::Randomized
        } else if transform.offload.is_some() {
            Role::Offloaded
        } else {
            Role::Value
        };
        Some(Field {
            attr: attr.clone(),
            rust,
            konst,
            ty,
            optional,
            default,
            doc: attr_def.doc.as_ref().map(|d| d.get_ref().clone()),
            transform,
            role,
        })
    }

    /// The Rust field name (and associated constant name) of an attribute.
    fn rust_field_name(
        &mut self,
        name: &SString,
        rust_name: Option<&SString>,
    ) -> Option<(String, String)> {
        let (candidate, span) = match rust_name {
            Some(explicit) => (explicit.get_ref().clone(), span_of(explicit)),
            None => (default_field_name(name.get_ref()), span_of(name)),
        };
        let suggestion = suggest_field_name(name.get_ref());
        let rust = match names::rust_ident(&candidate) {
            Ok(rust) if !names::bare(&rust).starts_with("__") => rust,
            Err(IdentError::ReservedKeyword) => {
                self.reporter
                    .error(
                        span,
                        format!(
                            "`{candidate}` is a Rust keyword that cannot be a field name, not even as `r#{candidate}`"
                        ),
                        "reserved",
                    )
                    .help(format!(
                        "keep the attribute name and add `rust_name = \"{suggestion}\"`"
                    ));
                return None;
            }
            _ => {
                self.reporter
                    .error(
                        span,
                        format!(
                            "attribute `{}` has no valid Rust field name",
                            name.get_ref()
                        ),
                        "cannot be mapped to a Rust identifier",
                    )
                    .help(format!(
                        "add `rust_name = \"{suggestion}\"` to name the field in Rust"
                    ));
                return None;
            }
        };
        // SHOUTY_SNAKE_CASE drops leading underscores, so `_1` would become `1`.
        let shouty = names::bare(&rust).to_shouty_snake_case();
        let konst = [shouty.clone(), format!("ATTR_{shouty}")]
            .into_iter()
            .find(|k| names::rust_ident(k).as_ref() == Ok(k));
        let Some(konst) = konst else {
            self.reporter
                .error(
                    span,
                    format!("the field `{rust}` has no valid constant name (`{shouty}`)"),
                    "no constant name",
                )
                .help(format!(
                    "add `rust_name = \"{suggestion}\"` to name the field and its constant"
                ));
            return None;
        };
        Some((rust, konst))
    }

    fn value_type(&mut self, def: &Spanned<OrShorthand<AttrDef>>) -> Option<ValueType> {
        let attr: &AttrDef = def.get_ref();
        let Some(ty) = &attr.ty else {
            self.reporter
                .error(span_of(def), "the attribute has no `type`", "missing type")
                .help("add `type = \"string\"` (or another type from docs/schema.md)");
            return None;
        };
        let ty_span = non_empty(span_of(ty), span_of(def));
        let Some(named) = types::lookup(ty.get_ref()) else {
            let help = match types::suggest(ty.get_ref()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("known types: {}", types::TYPE_NAMES.join(", ")),
            };
            self.reporter
                .error(
                    ty_span,
                    format!("unknown type `{}`", ty.get_ref()),
                    "unknown type",
                )
                .help(help);
            return None;
        };
        let misplaced =
            |field: Option<Range<usize>>, key: &str| field.map(|span| (span, key.to_string()));
        let resolved = match named {
            Named::Simple(simple) => {
                if let Some((span, key)) = misplaced(attr.of.as_ref().map(|o| span_of(o)), "of")
                    .or_else(|| misplaced(attr.rust_type.as_ref().map(span_of), "rust_type"))
                {
                    self.reporter
                        .error(
                            span,
                            format!("`{key}` does not apply to type `{}`", ty.get_ref()),
                            "not used by this type",
                        )
                        .help("`of` is for list, map and number_set; `rust_type` is for json");
                    return None;
                }
                simple
            }
            Named::Json => {
                let rust_type = match &attr.rust_type {
                    Some(path) => Some(self.rust_type_path(path)?),
                    None => None,
                };
                ValueType::Json(rust_type)
            }
            Named::Container(make) => {
                let Some(of) = &attr.of else {
                    self.reporter
                        .error(
                            ty_span,
                            format!("`{}` needs an element type", ty.get_ref()),
                            "element type missing",
                        )
                        .help(format!(
                            "add `of = \"string\"` (or any type) to say what the {} holds",
                            ty.get_ref()
                        ));
                    return None;
                };
                make(Box::new(self.element(of)?))
            }
            Named::NumberSet => {
                let number = match &attr.of {
                    Some(of) => self.element(of)?,
                    None => Element {
                        ty: ValueType::Int("i64"),
                        optional: false,
                    },
                };
                if !number.ty.is_set_number() || number.optional {
                    let span = attr.of.as_ref().map_or(ty_span, |o| span_of(o));
                    self.reporter
                        .error(span, "number sets hold integers or decimals", "unsupported set element")
                        .help("use `of = \"int\"` (or another integer type) or `of = \"decimal\"`; floats are not exact");
                    return None;
                }
                ValueType::NumberSet(Box::new(number.ty))
            }
        };
        Some(resolved)
    }

    /// An element type (`of = ...`): only `type`, `of`, `rust_type` and `optional` apply.
    fn element(&mut self, of: &Spanned<OrShorthand<AttrDef>>) -> Option<Element> {
        let def: &AttrDef = of.get_ref();
        let extra = [
            def.doc.as_ref().map(span_of),
            def.default.as_ref().map(span_of),
            def.rust_name.as_ref().map(span_of),
            def.compress.as_ref().map(span_of),
            def.encrypt.as_ref().map(span_of),
            def.key.as_ref().map(span_of),
            def.offload.as_ref().map(span_of),
        ];
        if let Some(span) = extra.into_iter().flatten().next() {
            self.reporter
                .error(
                    span,
                    "this key does not apply to an element type",
                    "not allowed in `of`",
                )
                .help("an element type takes only `type`, `of`, `rust_type` and `optional`");
            return None;
        }
        Some(Element {
            ty: self.value_type(of)?,
            optional: def.optional.as_ref().is_some_and(|o| *o.get_ref()),
        })
    }

    fn rust_type_path(&mut self, path: &SString) -> Option<String> {
        match syn::parse_str::<syn::Type>(path.get_ref()) {
            Ok(ty) => match names::field_type_problem(&ty) {
                None => Some(path.get_ref().clone()),
                Some(problem) => {
                    self.reporter
                        .error(span_of(path), format!("`{}` cannot be the type of a model's field: {problem}", path.get_ref()), "unusable Rust type")
                        .help("name an owned type such as `crate::orders::OrderItems` or `Vec<String>`; it must implement serde's Serialize and Deserialize, Debug, Clone and PartialEq");
                    None
                }
            },
            Err(error) => {
                self.reporter
                    .error(span_of(path), format!("`{}` is not a Rust type: {error}", path.get_ref()), "invalid Rust type")
                    .help("write a type path such as `crate::orders::OrderItems`; it must implement serde's Serialize and Deserialize, Debug, Clone and PartialEq");
                None
            }
        }
    }

    fn transform(
        &mut self,
        def: &AttrDef,
        scope: &Scope,
        whole: &Range<usize>,
    ) -> Option<Transform> {
        let compress = def.compress.as_ref().is_some_and(|c| *c.get_ref());
        let encrypt = match &def.encrypt {
            None => {
                if let Some(key) = &def.key {
                    self.reporter
                        .error(span_of(key), "`key` is set but the attribute is not encrypted", "unused key")
                        .help("add `encrypt = \"deterministic\"` or `\"randomized\"`, or remove `key`");
                    return None;
                }
                None
            }
            Some(mode) => {
                let mode_value = match mode.get_ref().as_str() {
                    "deterministic" => EncryptMode::Deterministic,
                    "randomized" => EncryptMode::Randomized,
                    other => {
                        self.reporter
                            .error(span_of(mode), format!("unknown encryption mode `{other}`"), "unknown mode")
                            .help("use \"deterministic\" (equality queries work) or \"randomized\" (stronger, no queries)");
                        return None;
                    }
                };
                let key = def
                    .key
                    .as_ref()
                    .map(|k| k.get_ref().clone())
                    .or_else(|| scope.key.clone());
                let Some(key) = key.filter(|k| !k.is_empty()) else {
                    self.reporter
                        .error(span_of(mode), "encryption needs a key name", "no key name")
                        .help("add `key = \"<name>\"` to the attribute, the table or [defaults]; the key itself is loaded at run time into the keyring under that name");
                    return None;
                };
                Some((mode_value, key))
            }
        };
        let offload = match &def.offload {
            Some(offload) => Some(self.offload(offload, scope, whole)?),
            None => None,
        };
        Some(Transform {
            compress,
            encrypt,
            offload,
        })
    }

    fn offload(
        &mut self,
        offload: &Spanned<OrShorthand<OffloadDef>>,
        scope: &Scope,
        _whole: &Range<usize>,
    ) -> Option<Offload> {
        let def: &OffloadDef = offload.get_ref();
        if let Some(store) = def.shorthand.as_deref().filter(|s| *s != "s3") {
            self.reporter
                .error(span_of(offload), format!("unknown offload store `{store}`"), "unknown store")
                .help("write `offload = \"s3\"` or `offload = { bucket = \"...\", prefix = \"...\", threshold = 4096 }`");
            return None;
        }
        let bucket = match &def.bucket {
            Some(bucket) => Some(self.bucket_name(bucket)?),
            None => scope.bucket.clone(),
        };
        let Some(bucket) = bucket else {
            self.reporter
                .error(span_of(offload), "offload needs an S3 bucket and none is configured", "no bucket")
                .help("set `s3 = { bucket = \"my-bucket\" }` in [defaults] or on the table, or `bucket` in `offload`; it can still be overridden at run time");
            return None;
        };
        let threshold = match &def.threshold {
            Some(t) if *t.get_ref() < 0 => {
                self.reporter
                    .error(
                        span_of(t),
                        "the offload threshold cannot be negative",
                        "negative",
                    )
                    .help("give a size in bytes; 0 offloads every value");
                return None;
            }
            Some(t) => *t.get_ref() as u64,
            None => 0,
        };
        let prefix = def
            .prefix
            .as_ref()
            .map(|p| p.get_ref().trim_matches('/').to_string())
            .or_else(|| scope.prefix.clone())
            .unwrap_or_else(|| DEFAULT_S3_PREFIX.to_string());
        Some(Offload {
            bucket,
            prefix,
            threshold,
        })
    }

    fn default_value(
        &mut self,
        default: &Spanned<toml::Value>,
        ty: &ValueType,
        optional: bool,
    ) -> Option<String> {
        if optional {
            self.reporter
                .error(span_of(default), "an attribute cannot be both optional and have a default", "default of an optional")
                .help("an attribute with a default is never missing: remove `optional = true` or the `default`");
            return None;
        }
        let depth = toml_depth(default.get_ref());
        if ty == &ValueType::Json(None) && depth > MAX_DEFAULT_DEPTH {
            self.reporter
                .error(
                    span_of(default),
                    format!("this json default nests {depth} levels deep; at most {MAX_DEFAULT_DEPTH} are allowed"),
                    "nested too deep",
                )
                .help("flatten the default, or leave it out and fill the value in code");
            return None;
        }
        const EMPTY: &str = "::core::default::Default::default()";
        let expr = match (ty, default.get_ref()) {
            (ValueType::String, toml::Value::String(s)) => {
                Some(format!("::std::string::String::from({s:?})"))
            }
            (ValueType::Bool, toml::Value::Boolean(b)) => Some(b.to_string()),
            (ValueType::Int(rust), toml::Value::Integer(i)) => {
                integer_fits(rust, *i).then(|| format!("{i}_{rust}"))
            }
            // The literal is the shortest text that reads back as exactly the stored value.
            (ValueType::Float("f32"), toml::Value::Float(f)) => {
                let narrowed = *f as f32;
                narrowed.is_finite().then(|| format!("{narrowed:?}_f32"))
            }
            (ValueType::Float(rust), toml::Value::Float(f)) if f.is_finite() => {
                Some(format!("{f:?}_{rust}"))
            }
            (ValueType::Float(rust), toml::Value::Integer(i)) => Some(format!("{i}.0_{rust}")),
            (ValueType::Decimal, toml::Value::Integer(i)) => {
                Some(format!("::dynamate::Decimal::from({i}_i64)"))
            }
            (ValueType::Json(None), value) => serde_json::to_value(value)
                .ok()
                .map(|json| crate::render::json_expr(&json)),
            (set, toml::Value::Array(items)) if set.has_empty_value() && items.is_empty() => {
                Some(EMPTY.to_string())
            }
            (ValueType::List(_) | ValueType::Map(_), toml::Value::Array(items))
                if items.is_empty() =>
            {
                Some(EMPTY.to_string())
            }
            _ => None,
        };
        if expr.is_none() {
            self.reporter
                .error(span_of(default), format!("this default does not fit type `{}`", ty.readable_rust_type()), "wrong default")
                .help("defaults are literals of the attribute's type (strings, booleans, integers within the type's range, floats within the type's finite range, integer decimals, any TOML value for untyped json, `[]` for lists and sets)");
        }
        expr
    }

    fn indexes(&mut self, def: &Spanned<TableDef>, fields: &[Field]) -> Option<Vec<Index>> {
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
        let hash_scalar = self.index_key(&hash, fields)?;
        let range = match &index.range_key {
            Some(range) => Some((range.get_ref().clone(), self.index_key(range, fields)?)),
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
            Some(projection) => self.projection(projection, fields)?,
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
            konst: index_constant(index_name),
            kind,
            hash: (hash.get_ref().clone(), hash_scalar),
            range,
            projection,
            throughput,
        })
    }

    fn index_key(&mut self, key: &SString, fields: &[Field]) -> Option<Scalar> {
        let Some(field) = fields.iter().find(|f| f.attr == *key.get_ref()) else {
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
                    self.reporter
                        .error(span_of(projection), format!("projected attribute `{first}` is not an attribute of the table"), "unknown attribute")
                        .help("list attributes declared under `attributes`, or use \"all\" or \"keys_only\"");
                    return None;
                }
                Some(Projection::Include(attrs.clone()))
            }
        }
    }

    fn tracker(&mut self, name: &SString, def: &Spanned<TrackerDef>) -> Option<Tracker> {
        let tracker = def.get_ref();
        let type_name = self.type_name(name, "tracker");
        let table_name = self.table_name(tracker.table_name.as_ref(), name);
        let positive = |this: &mut Self,
                        value: &Option<Spanned<i64>>,
                        default: u32,
                        max: u32,
                        what: &str| match value {
            None => Some(default),
            Some(v) if (1..=i64::from(max)).contains(v.get_ref()) => Some(*v.get_ref() as u32),
            Some(v) => {
                this.reporter.error(
                    span_of(v),
                    format!("`{what}` must be between 1 and {max}"),
                    "out of range",
                );
                None
            }
        };
        let max_retry = positive(self, &tracker.max_retry, 3, 1000, "max_retry");
        let lease_seconds = positive(
            self,
            &tracker.lease_seconds,
            300,
            7 * 24 * 3600,
            "lease_seconds",
        );
        let shards = positive(self, &tracker.shards, 10, 100, "shards");
        let max_errors = positive(self, &tracker.max_errors, 10, 100, "max_errors");
        let custom_statuses = self.custom_statuses(&tracker.statuses);
        let use_case = self.use_case(tracker.use_case.as_ref());
        let data_type = match &tracker.data {
            None => Some(crate::types::JSON_VALUE.to_string()),
            Some(data) if data.get_ref() == "json" => Some(crate::types::JSON_VALUE.to_string()),
            Some(data) => self.rust_type_path(data),
        };
        let billing = match &tracker.billing {
            Some(billing) => self.billing(billing),
            None => Some(self.defaults.billing.unwrap_or(Billing::PayPerRequest)),
        };
        let type_name = type_name?;
        Some(Tracker {
            status_name: format!("{}Status", names::bare(&type_name)),
            use_case: use_case?.unwrap_or_else(|| names::bare(&type_name).to_snake_case()),
            name: type_name,
            table_name: table_name?,
            doc: tracker.doc.as_ref().map(|d| d.get_ref().clone()),
            max_retry: max_retry?,
            lease_seconds: lease_seconds?,
            shards: shards?,
            max_errors: max_errors?,
            custom_statuses: custom_statuses?,
            data_type: data_type?,
            billing: billing?,
        })
    }

    /// The explicit use case, if valid (`Some(None)` when the type name's default applies).
    fn use_case(&mut self, use_case: Option<&SString>) -> Option<Option<String>> {
        let Some(use_case) = use_case else {
            return Some(None);
        };
        let text = use_case.get_ref();
        let valid = text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
        if text.is_empty() || text.len() > 100 || !valid {
            self.reporter
                .error(span_of(use_case), format!("`{text}` cannot be a use case"), "invalid use case")
                .help("use cases are 1 to 100 characters of letters, digits, `_`, `-` and `.` (task keys join them to task ids with `#`)");
            return None;
        }
        Some(Some(text.clone()))
    }

    fn custom_statuses(&mut self, statuses: &[SString]) -> Option<Vec<(String, String)>> {
        const BUILT_IN: [&str; 5] = ["pending", "in_progress", "failed", "succeeded", "ignored"];
        let mut seen: HashMap<&str, Range<usize>> = HashMap::new();
        let mut result: Vec<(String, String)> = Vec::new();
        for status in statuses {
            let text = status.get_ref();
            let valid = is_identifier(text) && text.to_snake_case() == *text;
            if !valid || BUILT_IN.contains(&text.as_str()) {
                self.reporter
                    .error(span_of(status), format!("`{text}` cannot be a custom status"), "invalid status")
                    .help("custom statuses are snake_case names other than the built-in pending, in_progress, failed, succeeded and ignored");
                return None;
            }
            if let Some(first) = seen.insert(text, span_of(status)) {
                self.reporter
                    .error(
                        span_of(status),
                        format!("status `{text}` is listed twice"),
                        "duplicate status",
                    )
                    .related(first, "first listed here");
                return None;
            }
            let camel = text.to_upper_camel_case();
            let Ok(variant) = names::rust_ident(&camel) else {
                self.reporter
                    .error(
                        span_of(status),
                        format!("status `{text}` would be the enum variant `{camel}`, which Rust reserves"),
                        "not a variant name",
                    )
                    .help("choose another status name");
                return None;
            };
            let built_in = BUILT_IN
                .iter()
                .find(|b| names::same_ident(&b.to_upper_camel_case(), &variant));
            if let Some(built_in) = built_in {
                self.reporter
                    .error(
                        span_of(status),
                        format!("status `{text}` and the built-in status `{built_in}` both become the enum variant `{camel}`"),
                        format!("variant `{camel}`"),
                    )
                    .help("choose another status name");
                return None;
            }
            let twin = result
                .iter()
                .position(|(other, _)| names::same_ident(other, &variant));
            if let Some(position) = twin {
                let (other, other_span) = (&result[position].1, &statuses[position]);
                self.reporter
                    .error(
                        span_of(status),
                        format!("statuses `{other}` and `{text}` both become the enum variant `{camel}`"),
                        format!("variant `{camel}`"),
                    )
                    .related(span_of(other_span), format!("also variant `{camel}`"))
                    .help("statuses must differ in more than underscores and case: rename one of them");
                return None;
            }
            result.push((variant, text.clone()));
        }
        Some(result)
    }
}

/// Where transforms look for bucket, prefix and key name not set on the attribute.
struct Scope {
    bucket: Option<String>,
    prefix: Option<String>,
    key: Option<String>,
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

fn non_empty(span: Range<usize>, fallback: Range<usize>) -> Range<usize> {
    if span.is_empty() { fallback } else { span }
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && text != "_"
}

/// How deeply arrays and tables nest in `value` (a scalar is depth 0).
fn toml_depth(value: &toml::Value) -> usize {
    match value {
        toml::Value::Array(items) => 1 + items.iter().map(toml_depth).max().unwrap_or(0),
        toml::Value::Table(table) => 1 + table.values().map(toml_depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn integer_fits(rust: &str, value: i64) -> bool {
    let range = match rust {
        "i8" => i64::from(i8::MIN)..=i64::from(i8::MAX),
        "i16" => i64::from(i16::MIN)..=i64::from(i16::MAX),
        "i32" => i64::from(i32::MIN)..=i64::from(i32::MAX),
        "u8" => 0..=i64::from(u8::MAX),
        "u16" => 0..=i64::from(u16::MAX),
        "u32" => 0..=i64::from(u32::MAX),
        "u64" => 0..=i64::MAX,
        _ => i64::MIN..=i64::MAX,
    };
    range.contains(&value)
}

/// The field name of an attribute without `rust_name`: the attribute name itself when it is
/// already a lowercase identifier (so `_0` keeps its underscore), otherwise its snake_case.
fn default_field_name(attr: &str) -> String {
    let lowercase_ident = names::rust_ident(attr).is_ok() && attr.to_lowercase() == attr;
    if lowercase_ident {
        attr.to_string()
    } else {
        attr.to_snake_case()
    }
}

fn suggest_field_name(attr: &str) -> String {
    let cleaned: String = attr
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let snake = cleaned.to_snake_case();
    match snake.chars().next() {
        Some(c) if c.is_ascii_alphabetic() && names::rust_ident(&snake).as_ref() == Ok(&snake) => {
            snake
        }
        _ => format!("attr_{}", snake.trim_start_matches('_')),
    }
}

fn suggest_type_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let camel = cleaned.to_upper_camel_case();
    match camel.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => camel,
        _ => format!("Model{camel}"),
    }
}

/// The constant of an index's typed handle: its name in SHOUTY_SNAKE_CASE, prefixed with
/// `INDEX_` when that does not start with a letter.
fn index_constant(name: &str) -> String {
    let konst = name.to_shouty_snake_case();
    if konst.starts_with(|c: char| c.is_ascii_alphabetic()) {
        konst
    } else {
        format!("INDEX_{konst}")
    }
}
