//! Rust identifiers as rustc reads them: which names can be written plainly, which need the raw
//! form `r#name`, which cannot be identifiers at all, and when two names are the same identifier.
//!
//! The rules come from the parsers rather than from a list kept here: `syn` decides what is an
//! identifier (Unicode XID via `unicode-ident`) and which words are keywords, `proc-macro2`'s
//! lexer decides which keywords cannot be raw (`self`, `Self`, `super`, `crate`, `_`). The only
//! addition is [`NEWER_KEYWORDS`]: keywords of editions newer than `syn`'s list.

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
}
