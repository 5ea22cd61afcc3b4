//! Extracts the quick start from the workspace's README.md: the schema of step 1 becomes
//! `$OUT_DIR/schemas/urls.toml`, compiled like a user's `build.rs` does, and the Rust of step 3
//! becomes `$OUT_DIR/quick_start.rs`: its leading items (`include_models!`, `use`) at module
//! level and its statements as the body of `async fn quick_start()`. So the crate stops
//! compiling when the README's schema or code stops compiling.

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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    println!("cargo:rerun-if-changed={}", readme_path.display());
    let readme = std::fs::read_to_string(&readme_path)?;
    let blocks = code_blocks(&readme);
    let out = PathBuf::from(std::env::var("OUT_DIR")?);

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
    let split = code
        .lines()
        .position(|l| l.starts_with("let "))
        .expect("the quick start's Rust block has statements (`let ...`)");
    let lines: Vec<&str> = code.lines().collect();
    let items = lines[..split].join("\n");
    let body = lines[split..].join("\n    ");
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
