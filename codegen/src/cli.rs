//! The `dynamate-codegen` command (feature `cli`): `generate`, `check` and `diff` for dynamate
//! schemas. It lives in the library, hidden, so it shares the [`Builder`]'s code paths (one
//! write-if-changed) and renders diagnostics in color without widening the public API.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::error::ErrorKind;
use crate::{Builder, Error};
use clap::{Parser, Subcommand};

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

/// Runs the command line; `src/main.rs` calls only this.
pub fn main() -> ExitCode {
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

fn builder(paths: Vec<PathBuf>) -> Builder {
    paths
        .into_iter()
        .fold(Builder::new().emit_rerun_if_changed(false), Builder::schema)
}

fn run(command: Command) -> Result<String, Error> {
    match command {
        Command::Generate { paths, out } => {
            let (target, written) = builder(paths).out_dir(out).write()?;
            Ok(if written {
                format!("generated {}", target.display())
            } else {
                format!("{} is unchanged", target.display())
            })
        }
        Command::Check { paths } => {
            let summary = builder(paths).check()?;
            Ok(format!(
                "ok: {} table(s) and {} tracker(s) in {} schema file(s)",
                summary.tables.len(),
                summary.trackers.len(),
                summary.files.len()
            ))
        }
        Command::Diff { paths, out } => {
            let builder = builder(paths).out_dir(out);
            let expected = builder.generate()?;
            let target = builder.target()?;
            let committed = std::fs::read_to_string(&target).unwrap_or_default();
            if committed == expected {
                return Ok(format!("{} is up to date", target.display()));
            }
            Err(Error::io(
                target,
                std::io::Error::other(stale_report(&committed, &expected)),
            ))
        }
    }
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
    match error.kind() {
        ErrorKind::Schema(diagnostics) => crate::error::render_diagnostics(diagnostics, color),
        _ => format!("error: {error}"),
    }
}
