//! The [`Builder`](crate::Builder)'s output options, applied to the rendered code: the runtime
//! crate's path and doc comments on the token stream (so macro bodies and every template are
//! covered alike), extra type and field attributes on the parsed items. With the defaults the
//! code is left exactly as the templates wrote it.

use std::str::FromStr;

use proc_macro2::{Delimiter, Group, Spacing, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::Parser;

use crate::error::{Error, ErrorKind};

/// The path generated code names the runtime by, as the templates write it.
pub(crate) const DEFAULT_RUNTIME_PATH: &str = "::dynamate";

/// How the generated code is shaped beyond what the schemas say.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) runtime_path: String,
    pub(crate) doc_comments: bool,
    /// (path, attribute) pairs; see [`crate::Builder::type_attribute`].
    pub(crate) type_attributes: Vec<(String, String)>,
    /// (path, attribute) pairs; see [`crate::Builder::field_attribute`].
    pub(crate) field_attributes: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            runtime_path: DEFAULT_RUNTIME_PATH.to_string(),
            doc_comments: true,
            type_attributes: Vec::new(),
            field_attributes: Vec::new(),
        }
    }
}

fn option_error(option: &'static str, value: &str, reason: impl Into<String>) -> Error {
    ErrorKind::Option {
        option,
        value: value.to_string(),
        reason: reason.into(),
    }
    .into()
}

/// Applies the token-level options to the templates' output, then parses it as a file.
pub(crate) fn parse(source: &str, options: &Options) -> Result<syn::File, Error> {
    let internal = |e: &dyn std::fmt::Display| {
        super::internal(
            "the generated file",
            format!("generated code does not parse: {e}"),
        )
    };
    let mut tokens = TokenStream::from_str(source).map_err(|e| internal(&e))?;
    if !options.doc_comments {
        tokens = without_docs(tokens);
    }
    if options.runtime_path != DEFAULT_RUNTIME_PATH {
        let invalid = |e: &dyn std::fmt::Display| {
            option_error(
                "runtime_path",
                &options.runtime_path,
                format!("not a Rust path: {e}"),
            )
        };
        syn::parse_str::<syn::Path>(&options.runtime_path).map_err(|e| invalid(&e))?;
        let path = TokenStream::from_str(&options.runtime_path).map_err(|e| invalid(&e))?;
        tokens = with_runtime_path(tokens, &path);
    }
    syn::parse2(tokens).map_err(|e| internal(&e))
}

/// Drops every `#[doc = ...]` attribute.
fn without_docs(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(token) = iter.next() {
        if matches!(&token, TokenTree::Punct(p) if p.as_char() == '#')
            && matches!(iter.peek(), Some(TokenTree::Group(g)) if is_doc_attribute(g))
        {
            iter.next();
            continue;
        }
        out.push(map_group(token, without_docs));
    }
    out.into_iter().collect()
}

fn is_doc_attribute(group: &Group) -> bool {
    group.delimiter() == Delimiter::Bracket
        && matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i == "doc")
}

/// Rewrites each absolute `::dynamate::` path prefix to `runtime::`. A `dynamate` segment after
/// another segment (`crate::dynamate::X` in a user's `rust_type`) is not the runtime and stays.
fn with_runtime_path(tokens: TokenStream, runtime: &TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out: Vec<TokenTree> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let starts_absolute = is_path_sep(&tokens, i)
            && matches!(tokens.get(i + 2), Some(TokenTree::Ident(id)) if id == "dynamate")
            && is_path_sep(&tokens, i + 3)
            && !ends_path_segment(&out);
        if starts_absolute {
            out.extend(runtime.clone());
            i += 3;
            continue;
        }
        out.push(map_group(tokens[i].clone(), |inner| {
            with_runtime_path(inner, runtime)
        }));
        i += 1;
    }
    out.into_iter().collect()
}

/// Whether `token` can be the path segment before a `::` (`crate`, `x`, `Vec<T>`'s `>`), so the
/// `::` continues that path; keywords such as `impl`, `as`, `mut` or `'static` start a new one.
fn ends_path_segment(before: &[TokenTree]) -> bool {
    let arrow = matches!(
        before.iter().rev().nth(1),
        Some(TokenTree::Punct(p)) if "-=".contains(p.as_char()) && p.spacing() == Spacing::Joint
    );
    match before.last() {
        Some(TokenTree::Ident(ident)) => {
            let text = ident.to_string();
            ["crate", "self", "super", "Self"].contains(&text.as_str())
                || syn::parse_str::<syn::Ident>(&text).is_ok()
        }
        Some(TokenTree::Punct(p)) => p.as_char() == '>' && !arrow,
        _ => false,
    }
}

/// Whether `tokens[i..]` starts with `::`.
fn is_path_sep(tokens: &[TokenTree], i: usize) -> bool {
    matches!(
        (tokens.get(i), tokens.get(i + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':'
    )
}

fn map_group(token: TokenTree, f: impl Fn(TokenStream) -> TokenStream) -> TokenTree {
    match token {
        TokenTree::Group(group) => {
            let mut mapped = Group::new(group.delimiter(), f(group.stream()));
            mapped.set_span(group.span());
            TokenTree::Group(mapped)
        }
        other => other,
    }
}

/// A matching rule of [`crate::Builder::type_attribute`] and [`crate::Builder::field_attribute`].
struct Rule {
    path: String,
    /// Checked to parse as outer attributes; parsed again for each item it is added to (syn's
    /// `Attribute` is not `Clone` without a feature this crate does not need).
    attribute: String,
    matched: bool,
}

fn outer_attributes(text: &str) -> Option<Vec<syn::Attribute>> {
    syn::Attribute::parse_outer
        .parse_str(text)
        .ok()
        .filter(|attrs| !attrs.is_empty())
}

fn rules(pairs: &[(String, String)], option: &'static str) -> Result<Vec<Rule>, Error> {
    pairs
        .iter()
        .map(|(path, attribute)| {
            outer_attributes(attribute).ok_or_else(|| {
                option_error(
                    option,
                    attribute,
                    "not an outer attribute such as `#[derive(serde::Serialize)]`",
                )
            })?;
            Ok(Rule {
                path: path.trim().to_string(),
                attribute: attribute.clone(),
                matched: false,
            })
        })
        .collect()
}

/// Whether a rule's path names the type `ty` (`.` names every type).
fn names_type(path: &str, ty: &str) -> bool {
    path == "." || path == ty
}

/// Whether a rule's path names the member `member` of `ty`: `.`, `Type` (every member of the
/// type), `Type.member` or `.member` (that member of every type).
fn names_member(path: &str, ty: &str, member: &str) -> bool {
    match path.split_once('.') {
        None => path == ty,
        Some(("", "")) => true,
        Some(("", m)) => m == member,
        Some((t, m)) => t == ty && m == member,
    }
}

/// Adds the configured attributes to the generated structs, enums, fields and variants; a rule
/// that matches nothing is an error, so a misspelt path does not go unnoticed.
pub(crate) fn add_attributes(file: &mut syn::File, options: &Options) -> Result<(), Error> {
    if options.type_attributes.is_empty() && options.field_attributes.is_empty() {
        return Ok(());
    }
    let mut types = rules(&options.type_attributes, "type_attribute")?;
    let mut fields = rules(&options.field_attributes, "field_attribute")?;
    for item in &mut file.items {
        let (ident, attrs, mut members): (String, _, Vec<(String, &mut Vec<syn::Attribute>)>) =
            match item {
                syn::Item::Struct(s) => (
                    s.ident.unraw().to_string(),
                    &mut s.attrs,
                    s.fields
                        .iter_mut()
                        .filter_map(|f| {
                            let name = f.ident.as_ref()?.unraw().to_string();
                            Some((name, &mut f.attrs))
                        })
                        .collect(),
                ),
                syn::Item::Enum(e) => (
                    e.ident.unraw().to_string(),
                    &mut e.attrs,
                    e.variants
                        .iter_mut()
                        .map(|v| (v.ident.unraw().to_string(), &mut v.attrs))
                        .collect(),
                ),
                _ => continue,
            };
        for rule in types.iter_mut().filter(|r| names_type(&r.path, &ident)) {
            rule.matched = true;
            attrs.extend(outer_attributes(&rule.attribute).unwrap_or_default());
        }
        for (member, attrs) in &mut members {
            for rule in fields
                .iter_mut()
                .filter(|r| names_member(&r.path, &ident, member))
            {
                rule.matched = true;
                attrs.extend(outer_attributes(&rule.attribute).unwrap_or_default());
            }
        }
    }
    let unmatched = types
        .iter()
        .map(|r| ("type_attribute", r))
        .chain(fields.iter().map(|r| ("field_attribute", r)))
        .find(|(_, r)| !r.matched);
    match unmatched {
        Some((option, rule)) => Err(option_error(
            option,
            &rule.path,
            "matches no generated type or field; paths are `.`, `Type`, `Type.field` or `.field` \
             with Rust names (`Url`, `UrlKey`, `JobStatus`, `Url.url`)",
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_paths() {
        assert!(names_member(".", "Url", "url"));
        assert!(names_member("Url", "Url", "url"));
        assert!(names_member("Url.url", "Url", "url"));
        assert!(names_member(".url", "UrlKey", "url"));
        assert!(!names_member("Url.url", "UrlKey", "url"));
        assert!(!names_member("Url", "UrlKey", "url"));
        assert!(!names_member("Url.uri", "Url", "url"));
        assert!(names_type(".", "Url") && names_type("Url", "Url") && !names_type("Url", "UrlKey"));
    }

    #[test]
    fn runtime_path_rewrites_only_absolute_runtime_paths() {
        let source = "impl ::dynamate::M for T { fn f(x: &'static ::dynamate::Item, y: crate::dynamate::Item, z: <T as ::dynamate::M>::X) -> ::dynamate::R { m!(::dynamate::y) } }";
        let tokens = TokenStream::from_str(source).unwrap();
        let runtime = TokenStream::from_str("crate::rt").unwrap();
        let out = with_runtime_path(tokens, &runtime)
            .to_string()
            .replace(' ', "");
        assert_eq!(
            out,
            "implcrate::rt::MforT{fnf(x:&'staticcrate::rt::Item,y:crate::dynamate::Item,z:<Tascrate::rt::M>::X)->crate::rt::R{m!(crate::rt::y)}}"
        );
    }

    #[test]
    fn docs_off_drops_doc_attributes_only() {
        let tokens = TokenStream::from_str(
            "#[doc = \" a\"] #[derive(Debug)] struct S { #[doc = \" b\"] x: u8 }",
        )
        .unwrap();
        assert_eq!(
            without_docs(tokens).to_string(),
            "# [derive (Debug)] struct S { x : u8 }"
        );
    }
}
