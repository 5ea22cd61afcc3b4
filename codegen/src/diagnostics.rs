//! Diagnostics pointing into schema files: file, line, column, the offending snippet, what is
//! wrong and how to fix it. Rendered with miette.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{LabeledSpan, MietteDiagnostic, NamedSource};

/// A schema file's name (as shown in diagnostics) and text.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as given by the user.
    pub name: String,
    /// Full text.
    pub text: String,
}

impl SourceFile {
    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }
}

/// One problem in a schema file.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// The file.
    pub file: Arc<SourceFile>,
    /// Byte range of the offending text.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// Short text under the snippet.
    pub label: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Other places that explain the problem (such as the first definition of a duplicate).
    pub related: Vec<(Range<usize>, String)>,
}

impl Diagnostic {
    /// `file:line:col`.
    pub fn location(&self) -> String {
        let (line, col) = self.file.line_col(self.span.start);
        format!("{}:{line}:{col}", self.file.name)
    }

    /// The diagnostic as text: a `error: file:line:col: message` line, then the snippet.
    pub fn render(&self, color: bool) -> String {
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(self.label.clone()),
            self.span.clone(),
        )];
        labels.extend(
            self.related
                .iter()
                .map(|(span, label)| LabeledSpan::new_with_span(Some(label.clone()), span.clone())),
        );
        let mut diagnostic = MietteDiagnostic::new(self.message.clone()).with_labels(labels);
        if let Some(help) = &self.help {
            diagnostic = diagnostic.with_help(help.clone());
        }
        let report = miette::Report::new(diagnostic).with_source_code(NamedSource::new(
            self.file.name.clone(),
            self.file.text.clone(),
        ));
        let snippet = snippet(report.as_ref(), color);
        format!("error: {}: {}\n{snippet}", self.location(), self.message)
    }
}

/// The message with the schema snippet drawn under it, colored or not.
#[cfg(feature = "fancy")]
fn snippet(report: &dyn miette::Diagnostic, color: bool) -> String {
    use miette::{GraphicalReportHandler, GraphicalTheme};
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut snippet = String::new();
    // Writing into a String cannot fail.
    let _ = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .render_report(&mut snippet, report);
    snippet
}

/// Without `fancy` (build.rs users): the snippet lines and labels as plain text, which needs no
/// terminal or text-wrapping crates.
#[cfg(not(feature = "fancy"))]
fn snippet(report: &dyn miette::Diagnostic, _color: bool) -> String {
    let mut snippet = String::new();
    // Writing into a String cannot fail.
    let _ = miette::NarratableReportHandler::new().render_report(&mut snippet, report);
    snippet
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// Collects diagnostics for one file during validation.
#[derive(Debug)]
pub struct Reporter {
    file: Arc<SourceFile>,
    diagnostics: Vec<Diagnostic>,
}

impl Reporter {
    /// A reporter for `file`.
    pub fn new(file: Arc<SourceFile>) -> Self {
        Reporter {
            file,
            diagnostics: Vec::new(),
        }
    }

    /// The file being reported on.
    pub fn file(&self) -> &Arc<SourceFile> {
        &self.file
    }

    /// Records an error at `span`; returns a builder to add help and related spans.
    pub fn error(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic {
            file: self.file.clone(),
            span,
            message: message.into(),
            label: label.into(),
            help: None,
            related: Vec::new(),
        });
        self.diagnostics.last_mut().expect("just pushed")
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        !self.diagnostics.is_empty()
    }

    /// The recorded diagnostics.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

impl Diagnostic {
    /// Adds how to fix it.
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    /// Adds another labelled place.
    pub fn related(&mut self, span: Range<usize>, label: impl Into<String>) -> &mut Self {
        self.related.push((span, label.into()));
        self
    }
}
