//! [`Error`]: the one error type of the crate.

use std::fmt;
use std::path::PathBuf;

use crate::diagnostics::Diagnostic;

/// Why generation or checking failed: unreadable files, no schema files, mistakes in the schemas
/// (each shown at its file, line and column with a snippet and how to fix it), an invalid
/// [`Builder`](crate::Builder) option, or a bug in the generator.
///
/// `Display` shows everything (all diagnostics, then their count), so `fn main() -> Result<(),
/// dynamate_codegen::Error>` in `build.rs` prints the mistakes readably. It also implements
/// [`miette::Diagnostic`], with a `code` per kind of failure, for applications reporting with
/// miette.
pub struct Error {
    kind: ErrorKind,
}

#[derive(Debug)]
pub(crate) enum ErrorKind {
    /// A schema file or directory could not be read, or output could not be written.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// No schema files were found in these paths.
    NoSchemas(String),
    /// The schemas have mistakes.
    Schema(Vec<Diagnostic>),
    /// A [`Builder`](crate::Builder) option was given a value it cannot use.
    Option {
        option: &'static str,
        value: String,
        reason: String,
    },
    /// A bug in the generator (validation catches user errors before rendering).
    Internal(String),
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error { kind }
    }
}

impl Error {
    #[cfg(feature = "cli")]
    pub(crate) fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ErrorKind::Io {
            path: path.into(),
            source,
        }
        .into()
    }
}

/// All diagnostics, then how many there are.
pub(crate) fn render_diagnostics(diagnostics: &[Diagnostic], color: bool) -> String {
    let rendered: Vec<String> = diagnostics.iter().map(|d| d.render(color)).collect();
    format!(
        "{}\n{} error{} in schema files",
        rendered.join("\n"),
        diagnostics.len(),
        if diagnostics.len() == 1 { "" } else { "s" }
    )
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Io { path, source } => write!(f, "{}: {source}", path.display()),
            ErrorKind::NoSchemas(paths) => write!(f, "no schema files (*.toml) found in {paths}"),
            ErrorKind::Schema(diagnostics) => f.write_str(&render_diagnostics(diagnostics, false)),
            ErrorKind::Option {
                option,
                value,
                reason,
            } => write!(f, "Builder::{option}: `{value}` {reason}"),
            ErrorKind::Internal(reason) => write!(
                f,
                "internal error in dynamate-codegen: {reason}; please report this with the schema"
            ),
        }
    }
}

// `fn main() -> Result<(), Error>` prints `Error: {:?}`. Diagnostics start with `error:`, so a
// heading goes first instead of `Error: error: ...`; other kinds read well as they are.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let ErrorKind::Schema(_) = self.kind {
            f.write_str("the schemas have mistakes\n\n")?;
        }
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl miette::Diagnostic for Error {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let code = match self.kind {
            ErrorKind::Io { .. } => "dynamate_codegen::io",
            ErrorKind::NoSchemas(_) => "dynamate_codegen::no_schemas",
            ErrorKind::Schema(_) => "dynamate_codegen::schema",
            ErrorKind::Option { .. } => "dynamate_codegen::option",
            ErrorKind::Internal(_) => "dynamate_codegen::internal",
        };
        Some(Box::new(code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let help = match self.kind {
            ErrorKind::NoSchemas(_) => "pass schema files, or directories holding *.toml files",
            ErrorKind::Option { .. } => "see the documentation of dynamate_codegen::Builder",
            // Each schema diagnostic carries its own help in the message.
            _ => return None,
        };
        Some(Box::new(help))
    }
}
