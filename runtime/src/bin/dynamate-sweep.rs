//! `dynamate-sweep`: removes the S3 objects of offloaded attributes that no item of the table
//! references any more and that are older than a grace period. Dry-run unless `--delete`.
//!
//! ```text
//! dynamate-sweep --table prod-urls --bucket my-bucket --prefix dynamate \
//!     --attribute html --attribute content --grace 24h            # report only
//! dynamate-sweep ... --delete                                      # delete
//! ```
//!
//! Objects live under `{prefix}/{table}/{attribute}/` with the run-time table name (`prod-urls`),
//! so a sweep touches only that table's objects. Objects that earlier versions stored under the
//! declared name (`urls`, shared by every environment) are never swept.
//!
//! The AWS configuration (credentials, region, `AWS_ENDPOINT_URL`) comes from the environment.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use dynamate::io::sweep::{
    OffloadedAttribute, Progress, SweepEvent, SweepOptions, SweepTarget, sweep,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Removes S3 objects of offloaded attributes that no item references (dry run unless --delete).
#[derive(Debug, Parser)]
#[command(name = "dynamate-sweep", version)]
struct Args {
    /// DynamoDB table to scan for references, with any per-environment prefix or suffix; the
    /// objects swept are those under this name.
    #[arg(long)]
    table: String,
    /// Removed: object keys now use the run-time table name (--table). Kept only to explain
    /// that.
    #[arg(long, hide = true)]
    declared_table: Option<String>,
    /// Bucket holding the objects (after any run-time override).
    #[arg(long)]
    bucket: String,
    /// Key prefix from the schema's `s3.prefix` (may be empty).
    #[arg(long, default_value = "")]
    prefix: String,
    /// An offloaded attribute; repeat for each one.
    #[arg(long = "attribute", required = true)]
    attributes: Vec<String>,
    /// Keep unreferenced objects younger than this: a number with s, m, h or d.
    #[arg(long, default_value = "24h", value_parser = parse_duration)]
    grace: Duration,
    /// Delete the unreferenced objects (without it, only report them).
    #[arg(long)]
    delete: bool,
    /// Progress display on stderr.
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
    progress: ProgressArg,
    /// Send requests to this endpoint (a local server) instead of AWS.
    #[arg(long)]
    endpoint_url: Option<String>,
    /// AWS region (default: from the environment).
    #[arg(long)]
    region: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ProgressArg {
    /// A progress bar when stderr is a terminal, nothing otherwise.
    Auto,
    /// A progress bar on a terminal, plain progress lines otherwise (for logs).
    Always,
    /// Nothing.
    Never,
}

impl ProgressArg {
    /// The sweep's progress callback for this choice: a bar on a terminal, lines on stderr
    /// otherwise (with `always`), or nothing.
    fn progress(self) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        match self {
            ProgressArg::Auto | ProgressArg::Always if terminal => {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
                    .with_style(ProgressStyle::default_spinner());
                bar.enable_steady_tick(Duration::from_millis(200));
                Progress::new(move |event| show_on_bar(&bar, event))
            }
            ProgressArg::Always => Progress::new(print_line),
            ProgressArg::Auto | ProgressArg::Never => Progress::none(),
        }
    }
}

fn show_on_bar(bar: &ProgressBar, event: SweepEvent) {
    match event {
        SweepEvent::Deleting { total } => {
            bar.set_length(total);
            bar.set_position(0);
            bar.set_style(
                ProgressStyle::with_template("deleting {wide_bar} {pos}/{len} ({eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
        SweepEvent::Checked { done, .. } => bar.set_position(done),
        SweepEvent::Finished => bar.finish_and_clear(),
        other => {
            if let Some(message) = describe(other) {
                bar.set_message(message);
            }
        }
    }
}

/// Deletions between two progress lines.
const LINE_EVERY: u64 = 1000;

fn print_line(event: SweepEvent) {
    let line = match event {
        SweepEvent::Checked { done, .. } if done.is_multiple_of(LINE_EVERY) => {
            Some(format!("{done} objects checked for deletion"))
        }
        other => describe(other),
    };
    if let Some(line) = line {
        eprintln!("sweep: {line}");
    }
}

/// The message for a step of the sweep (`None` for the events a bar shows as its position).
fn describe(event: SweepEvent) -> Option<String> {
    match event {
        SweepEvent::Listed { objects } => Some(format!("listed {objects} objects")),
        SweepEvent::Scanned { items } => Some(format!("scanned {items} items")),
        SweepEvent::Planned { candidates } => Some(format!("{candidates} unreferenced objects")),
        SweepEvent::Deleting { total } => Some(format!("deleting up to {total} objects")),
        _ => None,
    }
}

/// `90s`, `30m`, `24h`, `7d` (or `0`).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let value: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 90s, 30m, 24h or 7d"))?;
    let seconds = match unit {
        "" if value == 0 => 0,
        "s" => value,
        "m" => value * 60,
        "h" => value * 3600,
        "d" => value * 86_400,
        _ => {
            return Err(format!(
                "`{text}`: give the unit: s, m, h or d (such as 24h)"
            ));
        }
    };
    Ok(Duration::from_secs(seconds))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(declared) = &args.declared_table {
        eprintln!(
            "dynamate-sweep: --declared-table {declared} is no longer accepted: objects are \
             stored under the run-time table name given with --table, and the sweep touches \
             only those. Objects that earlier versions stored under the declared name are \
             shared by every table of that schema and are never swept; drop --declared-table"
        );
        return ExitCode::from(2);
    }
    let mut builder = dynamate::Client::builder();
    if let Some(url) = &args.endpoint_url {
        builder = builder.endpoint_url(url);
    }
    if let Some(region) = &args.region {
        builder = builder.region(region);
    }
    let client = builder.build().await;
    let target = SweepTarget {
        table: args.table,
        attributes: args
            .attributes
            .into_iter()
            .map(|name| OffloadedAttribute {
                name,
                bucket: args.bucket.clone(),
                prefix: args.prefix.clone(),
            })
            .collect(),
    };
    let options = SweepOptions {
        grace: args.grace,
        dry_run: !args.delete,
        progress: args.progress.progress(),
    };
    match sweep(&client, &target, options).await {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("dynamate-sweep: {}", dynamate::Report(&error));
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("3w").is_err());
    }

    #[test]
    fn arguments() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }
}
