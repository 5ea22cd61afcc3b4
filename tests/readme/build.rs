//! Extracts the quick start from the workspace's README.md: the schema of step 1 becomes
//! `$OUT_DIR/schemas/urls.toml`, compiled like a user's `build.rs` does, and the Rust of step 3
//! becomes `$OUT_DIR/quick_start.rs`: its leading items (`include_models!`, `use`) at module
//! level and its statements as the body of `async fn quick_start()`. So the crate stops
//! compiling when the README's schema or code stops compiling.
//!
//! Every ```` ```rust ```` block of `docs/*.md` becomes `$OUT_DIR/docs_examples.rs`: one module
//! per block, with the models of the repository's `schemas/` (`dynamate_tests`) in scope, the
//! block's leading `use` lines at module level and the rest as the body of an
//! `async fn example()`. They are compiled, not run (the end-to-end tests run the same calls).

use std::path::{Path, PathBuf};

/// The README's fenced code blocks, as (language, text).
fn code_blocks(readme: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String, usize)> = None;
    for line in readme.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match (&mut current, trimmed.strip_prefix("```")) {
            (None, Some(language)) => current = Some((language.to_string(), String::new(), indent)),
            (Some(_), Some("")) => {
                let (language, text, _) = current.take().expect("inside a block");
                blocks.push((language, text));
            }
            (Some((_, text, indent)), _) => {
                text.push_str(line.get(*indent..).unwrap_or(line.trim_start()));
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

/// The one block of `language` whose text contains `marker`.
fn block<'a>(blocks: &'a [(String, String)], language: &str, marker: &str) -> &'a str {
    let found: Vec<_> = blocks
        .iter()
        .filter(|(l, text)| l == language && text.contains(marker))
        .collect();
    assert!(
        found.len() == 1,
        "README.md must have exactly one ```{language} block containing `{marker}` (the quick \
         start that tests/readme compiles and runs); found {}",
        found.len()
    );
    &found[0].1
}

/// A Rust block split into its leading items (`use` lines, comments, blank lines) and the
/// statements after them.
fn split_items(code: &str) -> (String, String) {
    let lines: Vec<&str> = code.lines().collect();
    let split = lines
        .iter()
        .position(|l| {
            let l = l.trim_start();
            !(l.is_empty()
                || l.starts_with("use ")
                || l.starts_with("//")
                || l.starts_with("dynamate::include_models!"))
        })
        .unwrap_or(lines.len());
    (lines[..split].join("\n"), lines[split..].join("\n    "))
}

/// `docs/*.md`'s Rust blocks, one module each (see the crate docs).
fn docs_examples(docs: &Path) -> Result<String, Box<dyn std::error::Error>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(docs)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|path| path.extension().is_some_and(|ext| ext == "md"));
    files.sort();
    let mut out = String::new();
    for path in files {
        println!("cargo:rerun-if-changed={}", path.display());
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or("doc name")?;
        let text = std::fs::read_to_string(&path)?;
        let rust = code_blocks(&text)
            .into_iter()
            .filter(|(language, _)| language.split(',').next() == Some("rust"));
        for (n, (_, code)) in rust.enumerate() {
            let (items, body) = split_items(&code);
            // A block of whole items (`async fn ...`) stays as it is; statements become the
            // body of `example()`.
            let whole_items = body.starts_with("async fn ") || body.starts_with("fn ");
            let (items, example) = if whole_items {
                (code.clone(), String::new())
            } else {
                let example = format!(
                    "pub async fn example() -> Result<(), Box<dyn std::error::Error>> {{\n    \
                     {body}\n    Ok(())\n}}\n"
                );
                (items, example)
            };
            let module = format!("{}_{}", stem.replace('-', "_"), n + 1);
            out.push_str(&format!(
                "/// docs/{stem}.md, Rust block {}.\n\
                 #[allow(dead_code, unused_imports, unused_variables, unused_mut, clippy::all)]\n\
                 pub mod {module} {{\n\
                 use dynamate_tests::*;\n\
                 {items}\n\n{example}}}\n\n",
                n + 1
            ));
        }
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    println!("cargo:rerun-if-changed={}", docs.display());
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("docs_examples.rs"), docs_examples(&docs)?)?;

    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    println!("cargo:rerun-if-changed={}", readme_path.display());
    let readme = std::fs::read_to_string(&readme_path)?;
    let blocks = code_blocks(&readme);

    let schemas = out.join("schemas");
    std::fs::create_dir_all(&schemas)?;
    std::fs::write(
        schemas.join("urls.toml"),
        block(&blocks, "toml", "[table.Url]"),
    )?;
    dynamate_codegen::Builder::new()
        .schema(&schemas)
        .compile()?;

    let code = block(&blocks, "rust", "include_models!");
    let (items, body) = split_items(code);
    std::fs::write(
        out.join("quick_start.rs"),
        format!(
            "{items}\n\n/// The README's quick start, step 3.\n\
             pub async fn quick_start() -> Result<(), Box<dyn std::error::Error>> {{\n    \
             {body}\n    Ok(())\n}}\n"
        ),
    )?;
    Ok(())
}
