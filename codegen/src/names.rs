//! Rust identifiers as rustc reads them: which names can be written plainly, which need the raw
//! form `r#name`, which cannot be identifiers at all, and when two names are the same identifier.
//!
//! The rules come from the parsers rather than from a list kept here: `syn` decides what is an
//! identifier (Unicode XID via `unicode-ident`) and which words are keywords, `proc-macro2`'s
//! lexer decides which keywords cannot be raw (`self`, `Self`, `super`, `crate`, `_`). The only
//! addition is [`NEWER_KEYWORDS`]: keywords of editions newer than `syn`'s list.

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use unicode_normalization::UnicodeNormalization;

/// Keywords of editions newer than the list `syn` checks (2015 to 2021): `gen` is reserved in
/// edition 2024. Generated code must compile in every edition, so these are written raw.
pub const NEWER_KEYWORDS: [&str; 1] = ["gen"];

/// Why a name cannot be a Rust identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentError {
    /// Not an identifier at all (empty, starts with a digit, has a space or punctuation, ...).
    NotAnIdentifier,
    /// A keyword that not even the raw form `r#...` can use: `self`, `Self`, `super`, `crate`, `_`.
    ReservedKeyword,
}

/// The name as it is written in Rust source: `name` itself, or `r#name` for a keyword of any
/// edition. A leading `r#` in `name` is accepted and kept only where it is needed.
pub fn rust_ident(name: &str) -> Result<String, IdentError> {
    let bare = name.strip_prefix("r#").unwrap_or(name);
    let plain = syn::parse_str::<syn::Ident>(bare).is_ok_and(|ident| ident == bare);
    if plain && !NEWER_KEYWORDS.contains(&bare) {
        return Ok(bare.to_string());
    }
    let raw = format!("r#{bare}");
    if is_single_ident(&raw) {
        return Ok(raw);
    }
    // A keyword that cannot be raw still lexes as a (non-raw) identifier token.
    let is_word = is_single_ident(bare);
    Err(if is_word {
        IdentError::ReservedKeyword
    } else {
        IdentError::NotAnIdentifier
    })
}

/// Whether `text` lexes as exactly one identifier token, spelled as `text` (proc-macro2's lexer
/// refuses `r#` before the keywords that cannot be raw).
fn is_single_ident(text: &str) -> bool {
    syn::parse_str::<proc_macro2::TokenStream>(text).is_ok_and(|tokens| {
        let mut tokens = tokens.into_iter();
        matches!(
            (tokens.next(), tokens.next()),
            (Some(proc_macro2::TokenTree::Ident(ident)), None) if ident == text
        )
    })
}

/// The identifier without its raw prefix: what string literals and messages show.
pub fn bare(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// What rustc compares when it decides that two identifiers are the same: the name without
/// `r#`, normalised to Unicode NFC.
pub fn ident_key(ident: &str) -> String {
    bare(ident).nfc().collect()
}

/// Whether two identifiers are the same to rustc.
pub fn same_ident(a: &str, b: &str) -> bool {
    ident_key(a) == ident_key(b)
}

/// Why `ty` cannot be the type of a field of a generated model, if it cannot. Only what the
/// type's text shows can be checked here; the traits it must implement are checked by rustc.
pub fn field_type_problem(ty: &syn::Type) -> Option<String> {
    use syn::Type;
    let problem = match ty {
        Type::Path(path) => {
            if !path.attrs.is_empty() {
                return Some("attributes are not allowed in a field type".into());
            }
            let qself = path.qself.as_ref().and_then(|q| field_type_problem(&q.ty));
            return qself.or_else(|| path_problem(&path.path));
        }
        Type::Array(array) => return field_type_problem(&array.elem),
        Type::Tuple(tuple) => return tuple.elems.iter().find_map(field_type_problem),
        Type::Paren(paren) => return field_type_problem(&paren.elem),
        Type::Group(group) => return field_type_problem(&group.elem),
        Type::Reference(_) => {
            "a model owns its data, so a reference cannot be a field: use an owned type (`String` for `&str`)"
        }
        Type::ImplTrait(_) => "`impl Trait` cannot be the type of a struct field",
        Type::Infer(_) => "`_` cannot be the type of a struct field",
        Type::Never(_) => "`!` cannot be stored",
        Type::Slice(_) | Type::TraitObject(_) => {
            "the type has no size known at compile time: use `Vec<T>` or a named type"
        }
        Type::Macro(_) => "macros are not expanded in schemas: write the type out",
        Type::FnPtr(_) | Type::Ptr(_) => "function pointers and raw pointers cannot be stored",
        _ => "this kind of type cannot be stored",
    };
    Some(problem.into())
}

fn path_problem(path: &syn::Path) -> Option<String> {
    for segment in &path.segments {
        let name = segment.ident.to_string();
        if name == "Self" {
            return Some("`Self` would make the model contain itself".into());
        }
        if NEWER_KEYWORDS.contains(&name.as_str()) {
            return Some(format!(
                "`{name}` is a keyword in newer editions: write `r#{name}`"
            ));
        }
        match &segment.arguments {
            syn::PathArguments::None => {}
            syn::PathArguments::AngleBracketed(arguments) => {
                for argument in &arguments.args {
                    let problem = match argument {
                        syn::GenericArgument::Type(ty) => field_type_problem(ty),
                        syn::GenericArgument::Lifetime(_) => Some(
                            "a model owns its data, so its field types take no lifetimes".into(),
                        ),
                        _ => None,
                    };
                    if problem.is_some() {
                        return problem;
                    }
                }
            }
            syn::PathArguments::Parenthesized(_) => {
                return Some("`Fn(...)` types cannot be stored".into());
            }
        }
    }
    None
}

/// Whether `text` is an ASCII identifier (`snake_case` statuses are checked with it).
pub(crate) fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && text != "_"
}

/// The field name of an attribute without `rust_name`: the attribute name itself when it is
/// already a lowercase identifier (so `_0` keeps its underscore), otherwise its snake_case.
pub(crate) fn default_field_name(attr: &str) -> String {
    let lowercase_ident = rust_ident(attr).is_ok() && attr.to_lowercase() == attr;
    if lowercase_ident {
        attr.to_string()
    } else {
        attr.to_snake_case()
    }
}

/// A field name to suggest for an attribute whose name cannot be one (`attr_...` when needed).
pub(crate) fn suggest_field_name(attr: &str) -> String {
    let cleaned: String = attr
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let snake = cleaned.to_snake_case();
    match snake.chars().next() {
        Some(c) if c.is_ascii_alphabetic() && rust_ident(&snake).as_ref() == Ok(&snake) => snake,
        _ => format!("attr_{}", snake.trim_start_matches('_')),
    }
}

/// A type name to suggest for a table or tracker whose name cannot be one.
pub(crate) fn suggest_type_name(name: &str) -> String {
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
pub(crate) fn index_constant(name: &str) -> String {
    let konst = name.to_shouty_snake_case();
    if konst.starts_with(|c: char| c.is_ascii_alphabetic()) {
        konst
    } else {
        format!("INDEX_{konst}")
    }
}

/// The associated constant of a field (`ORDER_ID` for `order_id`), or `ATTR_...` when the
/// SHOUTY_SNAKE_CASE form alone is not an identifier (it drops leading underscores, so `_1`
/// would become `1`). `Err` holds the SHOUTY_SNAKE_CASE form when neither works.
pub(crate) fn field_constant(rust: &str) -> Result<String, String> {
    let shouty = bare(rust).to_shouty_snake_case();
    [shouty.clone(), format!("ATTR_{shouty}")]
        .into_iter()
        .find(|k| rust_ident(k).as_ref() == Ok(k))
        .ok_or(shouty)
}

/// The candidate closest to a misspelt `name` (at most two edits away), for "did you mean".
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::levenshtein(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every keyword of the Rust Reference (strict and reserved, editions 2015 to 2024).
    const KEYWORDS: [&str; 52] = [
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
        "return", "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe",
        "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
        "gen",
    ];

    #[test]
    fn every_keyword_is_raw_or_rejected() {
        for keyword in KEYWORDS {
            let expected = if ["self", "Self", "super", "crate"].contains(&keyword) {
                Err(IdentError::ReservedKeyword)
            } else {
                Ok(format!("r#{keyword}"))
            };
            assert_eq!(rust_ident(keyword), expected, "{keyword}");
        }
        assert_eq!(rust_ident("_"), Err(IdentError::ReservedKeyword));
    }

    #[test]
    fn identifiers_follow_unicode_xid() {
        for plain in [
            "a",
            "_a",
            "café",
            "名前",
            "x1",
            "union",
            "macro_rules",
            "raw",
            "Ünïcödé",
        ] {
            assert_eq!(rust_ident(plain).as_deref(), Ok(plain));
        }
        for bad in [
            "",
            "1a",
            "a b",
            "a-b",
            "a // b",
            "🦀",
            "a\u{301}b c",
            "r#",
            "r#1",
        ] {
            assert_eq!(rust_ident(bad), Err(IdentError::NotAnIdentifier), "{bad:?}");
        }
        assert_eq!(rust_ident("r#type").as_deref(), Ok("r#type"));
        assert_eq!(rust_ident("r#name").as_deref(), Ok("name"));
    }

    #[test]
    fn field_types_must_be_owned_and_sized() {
        let problem = |text: &str| field_type_problem(&syn::parse_str(text).unwrap());
        for fine in [
            "crate::orders::Items",
            "::std::vec::Vec<::std::string::String>",
            "std::collections::HashMap<String, (u8, [i64; 3])>",
            "<Foo as Bar>::Out",
            "crate::r#gen::X",
        ] {
            assert_eq!(problem(fine), None, "{fine}");
        }
        for bad in [
            "&str",
            "Vec<&'static str>",
            "impl Clone",
            "_",
            "!",
            "[u8]",
            "dyn Fn()",
            "Box<dyn Fn()>",
            "fn()",
            "Self",
            "crate::gen::X",
            "Cow<'static, str>",
            "m!()",
        ] {
            assert!(problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn identifiers_compare_after_nfc() {
        assert!(same_ident("caf\u{e9}", "cafe\u{301}"));
        assert!(same_ident("r#type", "type"));
        assert!(!same_ident("a", "A"));
    }

    #[test]
    fn field_names_default_to_snake_case_unless_already_lowercase() {
        assert_eq!(default_field_name("orderId"), "order_id");
        assert_eq!(default_field_name("_0"), "_0");
        assert_eq!(default_field_name("type"), "type");
        assert_eq!(default_field_name("OrderID"), "order_id");
    }

    #[test]
    fn suggestions_are_identifiers() {
        assert_eq!(suggest_field_name("order-id"), "order_id");
        assert_eq!(suggest_field_name("1st"), "attr_1st");
        assert_eq!(suggest_field_name("self"), "attr_self");
        assert_eq!(suggest_type_name("my table"), "MyTable");
        assert_eq!(suggest_type_name("9lives"), "Model9lives");
        for suggested in [suggest_field_name("a b c"), suggest_type_name("-x-")] {
            assert_eq!(rust_ident(&suggested).as_deref(), Ok(suggested.as_str()));
        }
    }

    #[test]
    fn constants_are_shouty_and_start_with_a_letter() {
        assert_eq!(field_constant("order_id").as_deref(), Ok("ORDER_ID"));
        assert_eq!(field_constant("r#type").as_deref(), Ok("TYPE"));
        assert_eq!(field_constant("_1").as_deref(), Ok("ATTR_1"));
        assert_eq!(index_constant("by-customer"), "BY_CUSTOMER");
        assert_eq!(index_constant("123"), "INDEX_123");
    }

    #[test]
    fn status_identifiers_are_ascii() {
        assert!(is_identifier("retry_later"));
        assert!(is_identifier("_x"));
        assert!(!is_identifier("_"));
        assert!(!is_identifier("1x"));
        assert!(!is_identifier("café"));
    }

    #[test]
    fn closest_takes_the_nearest_within_two_edits() {
        let keys = ["hash_key", "range_key", "table_name"];
        assert_eq!(closest("hash_ky", keys), Some("hash_key"));
        assert_eq!(closest("rnge_key", keys), Some("range_key"));
        assert_eq!(closest("zzz", keys), None);
    }
}
