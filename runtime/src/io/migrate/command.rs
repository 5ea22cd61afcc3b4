//! The migration as a command with a progress bar (feature `cli`): the typed part (the model,
//! the client with its keyring) is the application's, the rest (flags, progress, summary) is
//! here, so a migration command is a three-line `main`:
//!
//! ```no_run
//! use dynamate::{Client, Model};
//! use dynamate::primitives::crypto::Keyring;
//!
//! /// The `main` of a migration command for model `M` (`#[tokio::main]` around it).
//! async fn migrate<M: Model>(keyring: Keyring) -> std::process::ExitCode {
//!     let client = Client::builder().keyring(keyring).build().await;
//!     dynamate::io::migrate::command::<M>(&client, std::env::args_os())
//!         .await
//!         .map_or_else(|error| error.exit_code(), |_| std::process::ExitCode::SUCCESS)
//! }
//! ```
//!
//! ```text
//! migrate --dry-run                 # count what would be rewritten
//! migrate --page-size 100           # rewrite everything, a bar on a terminal
//! migrate --max-pages 50            # stop after 50 pages; prints the cursor to resume from
//! migrate --start CURSOR            # resume
//! ```

use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{MigrationOptions, MigrationReport};
use crate::io::client::Client;
use crate::io::error::{Error, Report};
use crate::io::ops::Cursor;
use crate::item::model::Model;

/// Rewrites a table's pynamodb_mate values into dynamate's formats.
#[derive(Debug, Parser)]
struct Args {
    /// Count what would be rewritten; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Items read per scan page (default: DynamoDB's 1 MB pages).
    #[arg(long)]
    page_size: Option<i32>,
    /// Stop after this many pages and print the cursor to resume from.
    #[arg(long)]
    max_pages: Option<u32>,
    /// Resume from the cursor an earlier run printed.
    #[arg(long)]
    start: Option<String>,
    /// Progress display on stderr.
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
    progress: ProgressArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ProgressArg {
    /// A progress bar when stderr is a terminal, nothing otherwise.
    Auto,
    /// A progress bar on a terminal, one line per page otherwise (for logs).
    Always,
    /// Nothing.
    Never,
}

/// Why [`command`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// Bad flags, or `--help`/`--version` (clap prints those and exits 0).
    #[error(transparent)]
    Usage(#[from] clap::Error),
    /// The migration failed; what was migrated before stays migrated.
    #[error("the migration stopped: {}", Report(.0))]
    Migration(#[from] Error),
}

impl CommandError {
    /// Prints the error (or the help) and returns the exit code to end the process with.
    pub fn exit_code(self) -> ExitCode {
        match self {
            CommandError::Usage(usage) => {
                let _ = usage.print();
                ExitCode::from(u8::try_from(usage.exit_code()).unwrap_or(2))
            }
            CommandError::Migration(_) => {
                eprintln!("migrate: {self}");
                ExitCode::FAILURE
            }
        }
    }
}

/// Runs the migration of model `M` with `client` as the command line `args` (program name
/// first) asks, showing progress on stderr and printing the summary (and the cursor to
/// resume from, if the run stopped early) on stdout.
pub async fn command<M: Model>(
    client: &Client,
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
) -> Result<MigrationReport, CommandError> {
    let args = Args::try_parse_from(args)?;
    let options = MigrationOptions {
        dry_run: args.dry_run,
        start: args.start.map(Cursor::new),
        max_pages: args.max_pages,
        page_size: args.page_size,
    };
    let progress = Progress::new(args.progress);
    let report = client
        .migrate_pynamodb_mate_reporting::<M>(&options, |report| progress.page(report))
        .await;
    progress.finish();
    let report = report?;
    println!("{}", summary(&report, options.dry_run));
    if let Some(next) = &report.next {
        println!("resume with: --start {}", next.as_str());
    }
    Ok(report)
}

/// The summary line of a run.
fn summary(report: &MigrationReport, dry_run: bool) -> String {
    let verb = if dry_run { "would migrate" } else { "migrated" };
    format!(
        "scanned {} items: {verb} {} ({} values), {} already in dynamate's format, {} changed concurrently (left as written)",
        report.scanned,
        report.migrated,
        report.values,
        report.up_to_date,
        report.changed_concurrently
    )
}

/// Where progress goes: a spinner with the running totals, lines, or nowhere.
enum Progress {
    Bar(ProgressBar),
    Lines,
    Off,
}

impl Progress {
    fn new(choice: ProgressArg) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        match choice {
            ProgressArg::Auto | ProgressArg::Always if terminal => {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
                    .with_style(ProgressStyle::default_spinner());
                bar.enable_steady_tick(Duration::from_millis(200));
                Progress::Bar(bar)
            }
            ProgressArg::Always => Progress::Lines,
            ProgressArg::Auto | ProgressArg::Never => Progress::Off,
        }
    }

    fn page(&self, report: &MigrationReport) {
        let line = format!(
            "scanned {}, migrated {}, changed concurrently {}",
            report.scanned, report.migrated, report.changed_concurrently
        );
        match self {
            Progress::Bar(bar) => {
                bar.set_position(report.scanned);
                bar.set_message(line);
            }
            Progress::Lines => eprintln!("migrate: {line}"),
            Progress::Off => {}
        }
    }

    fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
