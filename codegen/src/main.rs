//! The `dynamate-codegen` command: `generate`, `check` and `diff` for dynamate schemas.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dynamate_codegen::{Error, OUTPUT_FILE};

/// Compile dynamate TOML table schemas into typed Rust models for DynamoDB.
#[derive(Parser)]
#[command(name = "dynamate-codegen", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate the schemas and write `dynamate_models.rs` into the output directory.
    Generate {
        /// Schema files, or directories searched recursively for *.toml.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Directory to write `dynamate_models.rs` into.
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Validate the schemas only: exit 0 when clean, 1 with diagnostics otherwise.
    Check {
        /// Schema files, or directories searched recursively for *.toml.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Fail (exit 1) when the committed output in `--out` is not what `generate` would write.
    Diff {
        /// Schema files, or directories searched recursively for *.toml.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Directory holding the committed `dynamate_models.rs`.
        #[arg(long, short)]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{}", describe(&error));
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<String, Error> {
    match command {
        Command::Generate { paths, out } => {
            let (count, code) = generate(&paths)?;
            let target = out.join(OUTPUT_FILE);
            std::fs::create_dir_all(&out).map_err(|source| Error::Io {
                path: out.clone(),
                source,
            })?;
            std::fs::write(&target, code).map_err(|source| Error::Io {
                path: target.clone(),
                source,
            })?;
            Ok(format!(
                "generated {} from {count} schema file(s)",
                target.display()
            ))
        }
        Command::Check { paths } => {
            let files = dynamate_codegen::find_schema_files(&paths)?;
            let schema = dynamate_codegen::check(dynamate_codegen::load(&files)?)?;
            Ok(format!(
                "ok: {} table(s) and {} tracker(s) in {} schema file(s)",
                schema.tables.len(),
                schema.trackers.len(),
                files.len()
            ))
        }
        Command::Diff { paths, out } => {
            let (_, expected) = generate(&paths)?;
            let target = out.join(OUTPUT_FILE);
            let committed = std::fs::read_to_string(&target).unwrap_or_default();
            if committed == expected {
                return Ok(format!("{} is up to date", target.display()));
            }
            Err(Error::Io {
                path: target,
                source: std::io::Error::other(stale_report(&committed, &expected)),
            })
        }
    }
}

fn generate(paths: &[PathBuf]) -> Result<(usize, String), Error> {
    let files = dynamate_codegen::find_schema_files(paths)?;
    let code = dynamate_codegen::generate(dynamate_codegen::load(&files)?)?;
    Ok((files.len(), code))
}

/// Where committed output first differs from fresh output.
fn stale_report(committed: &str, expected: &str) -> String {
    if committed.is_empty() {
        return "missing or empty; run `dynamate-codegen generate` with the same arguments"
            .to_string();
    }
    let first_difference = committed
        .lines()
        .zip(expected.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| committed.lines().count().min(expected.lines().count()));
    let line = first_difference + 1;
    format!(
        "stale: differs from freshly generated code at line {line}\n  committed: {}\n  generated: {}\nrun `dynamate-codegen generate` with the same arguments and commit the result",
        committed
            .lines()
            .nth(first_difference)
            .unwrap_or("<end of file>"),
        expected
            .lines()
            .nth(first_difference)
            .unwrap_or("<end of file>"),
    )
}

/// The error text, with colored diagnostics on a terminal (unless NO_COLOR is set).
fn describe(error: &Error) -> String {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    match error {
        Error::Schema(diagnostics) if color => {
            let rendered: Vec<String> = diagnostics.iter().map(|d| d.render(true)).collect();
            format!(
                "{}\n{} error(s) in schema files",
                rendered.join("\n"),
                diagnostics.len()
            )
        }
        Error::Schema(_) => error.to_string(),
        other => format!("error: {other}"),
    }
}
