//! Schema files -> validated [`Schema`], with a diagnostic at the TOML span of every mistake.
//!
//! Split by what is checked: [`table`] (a table and its keys), [`field`] (one attribute: names,
//! types, transforms, defaults), [`index`] (secondary indexes) and [`tracker`] (status
//! trackers). This module holds the entry point, the settings shared by all of them
//! (`[defaults]`, billing, S3) and the cross-file name registry.

mod field;
mod index;
mod table;
mod tracker;

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use heck::ToSnakeCase;
use toml::Spanned;

use crate::diagnostics::{Diagnostic, Reporter, SourceFile};
use crate::model::{Billing, Schema};
use crate::names;
use crate::schema::{BillingDef, Defaults, OrShorthand, S3Def, SString, SchemaFile, TableDef};

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
            unknown_key_help(&message)
        } else {
            "see docs/schema.md for the schema syntax".to_string()
        };
        let mut reporter = Reporter::new(file.clone());
        reporter.error(span, message, "here").help(help);
        reporter.into_diagnostics().remove(0)
    })
}

/// "Did you mean" for serde's "unknown field `x`, expected one of `a`, `b`": the key names are
/// the backquoted words, the first being the unknown one.
fn unknown_key_help(message: &str) -> String {
    let mut quoted = message.split('`').skip(1).step_by(2);
    let suggestion = quoted
        .next()
        .and_then(|unknown| names::closest(unknown, quoted));
    match suggestion {
        Some(known) => format!("did you mean `{known}`?"),
        None => "remove the key or fix its spelling; docs/schema.md lists every key".to_string(),
    }
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
                    names::suggest_type_name(text)
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
}

/// Where transforms look for bucket, prefix and key name not set on the attribute.
struct Scope {
    bucket: Option<String>,
    prefix: Option<String>,
    key: Option<String>,
}

/// Whether the table declares `attr`, accepted or not: a key or index naming a declared
/// attribute that was rejected gets no second diagnostic ("one mistake, one diagnostic").
fn is_declared(table: &TableDef, attr: &str) -> bool {
    table.attributes.keys().any(|name| name.get_ref() == attr)
}

fn non_empty(span: Range<usize>, fallback: Range<usize>) -> Range<usize> {
    if span.is_empty() { fallback } else { span }
}

#[cfg(test)]
mod tests {
    use super::validate;

    /// The messages of every diagnostic for one schema file.
    fn messages(text: &str) -> Vec<String> {
        match validate(vec![("t.toml".into(), text.into())]) {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(diagnostics) => diagnostics.into_iter().map(|d| d.message).collect(),
        }
    }

    #[test]
    fn a_rejected_key_attribute_is_reported_once() {
        let bad_type = "[table.Url]\nhash_key = \"url\"\n[table.Url.attributes]\nurl = \"strin\"\n";
        assert_eq!(messages(bad_type), ["unknown type `strin`"]);
        let bad_transform = "[table.Url]\nhash_key = \"url\"\nrange_key = \"at\"\n[table.Url.attributes]\nurl = \"string\"\nat = { type = \"string\", encrypt = \"sometimes\", key = \"k\" }\n";
        assert_eq!(
            messages(bad_transform),
            ["unknown encryption mode `sometimes`"]
        );
    }

    #[test]
    fn a_rejected_index_attribute_is_reported_once() {
        let schema = "[table.Order]\nhash_key = \"id\"\n[table.Order.attributes]\nid = \"string\"\ncustomer = \"strng\"\nnote = { type = \"string\", offload = \"ftp\" }\n[table.Order.indexes.by_customer]\nhash_key = \"customer\"\nprojection = [\"note\"]\n";
        assert_eq!(
            messages(schema),
            ["unknown type `strng`", "unknown offload store `ftp`"]
        );
    }
}
