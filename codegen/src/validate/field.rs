//! One attribute: its Rust names, value type, transforms and default.

use std::ops::Range;

use toml::Spanned;

use super::{DEFAULT_S3_PREFIX, FileValidator, MAX_DEFAULT_DEPTH, Scope, non_empty, span_of};
use crate::model::{EncryptMode, Field, Offload, PynamodbMate, Role, Transform};
use crate::names::{self, IdentError};
use crate::schema::{AttrDef, OffloadDef, OrShorthand, SString};
use crate::types::{self, Element, Named, ValueType};

impl FileValidator<'_> {
    pub(super) fn field(
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
        if let Some(mode) = &attr_def.pynamodb_mate {
            self.check_pynamodb_mate(mode, &ty, &transform)?;
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
            None => (names::default_field_name(name.get_ref()), span_of(name)),
        };
        let suggestion = names::suggest_field_name(name.get_ref());
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
        let konst = match names::field_constant(&rust) {
            Ok(konst) => konst,
            Err(shouty) => {
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
            }
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
            def.pynamodb_mate.as_ref().map(span_of),
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

    pub(super) fn rust_type_path(&mut self, path: &SString) -> Option<String> {
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
        let pynamodb_mate = match def.pynamodb_mate.as_ref() {
            None => None,
            Some(mode) => match mode.get_ref().as_str() {
                "shared" => Some(PynamodbMate::Shared),
                "migrate" => Some(PynamodbMate::Migrate),
                other => {
                    self.reporter
                        .error(span_of(mode), format!("unknown pynamodb_mate mode `{other}`"), "unknown mode")
                        .help("use \"shared\" (read and write pynamodb_mate's format, for a table shared with a Python service) or \"migrate\" (read both formats, write dynamate's)");
                    return None;
                }
            },
        };
        Some(Transform {
            compress,
            encrypt,
            offload,
            pynamodb_mate,
        })
    }

    /// pynamodb_mate has one attribute class per transform: compressed (text, bytes, JSON) or
    /// encrypted (text, bytes, number, JSON), never both, and no S3 offload that dynamate reads.
    fn check_pynamodb_mate(
        &mut self,
        mode: &SString,
        ty: &ValueType,
        transform: &Transform,
    ) -> Option<()> {
        let problem = if transform.offload.is_some() {
            Some((
                "dynamate does not read or write pynamodb_mate's large-attribute pattern (S3) yet",
                "remove `offload` or `pynamodb_mate` from this attribute",
            ))
        } else if transform.compress && transform.encrypt.is_some() {
            Some((
                "pynamodb_mate has no attribute that is both compressed and encrypted",
                "keep either `compress` or `encrypt` on an attribute shared with pynamodb_mate",
            ))
        } else if !transform.compress && transform.encrypt.is_none() {
            Some((
                "`pynamodb_mate` applies to compressed or encrypted attributes only; plain ones already share pynamodb's format",
                "add `compress = true` or `encrypt = ..`, or remove `pynamodb_mate`",
            ))
        } else {
            let fits = match ty {
                ValueType::String | ValueType::Bytes | ValueType::Json(_) => true,
                ValueType::Int(_) | ValueType::Float(_) | ValueType::Decimal | ValueType::Bool => {
                    transform.encrypt.is_some()
                }
                _ => false,
            };
            (!fits).then_some((
                "pynamodb_mate has no attribute class for this type with this transform",
                "pynamodb_mate compresses string, bytes and json values, and encrypts string, bytes, number (integers, floats, decimal, bool) and json values",
            ))
        };
        match problem {
            Some((message, help)) => {
                self.reporter
                    .error(span_of(mode), message, "not a pynamodb_mate format")
                    .help(help);
                None
            }
            None => Some(()),
        }
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
