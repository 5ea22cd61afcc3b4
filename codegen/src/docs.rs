//! Doc text from schemas, made safe to put in the user's crate as rustdoc.
//!
//! Text of any content stays documentation: it must compile as doc comments (no bare carriage
//! returns, no text-direction control characters, which rustc rejects) and it must never become
//! a doctest of the user's crate, so every code block is shown as ```` ```text ````.
//!
//! Lines are rewritten first (fences get the `text` info string, indentation that would start an
//! indented code block is capped). The result is then parsed with `pulldown-cmark`, the Markdown
//! parser rustdoc uses; if any code block that could be a doctest remains (in some nesting the
//! rewrite does not understand), the whole text is shown verbatim in one `text` block instead.

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag};

/// Lines of rustdoc for `text`, each to be emitted as one `#[doc = " <line>"]` attribute.
pub fn doc_lines(text: &str) -> Vec<String> {
    let text = visible(&normalise_newlines(text));
    let rewritten = rewrite_code_blocks(&text);
    let joined = rewritten.join("\n");
    if only_text_blocks(&joined) {
        rewritten
    } else {
        verbatim(&text)
    }
}

/// `\r\n` and lone `\r` become `\n`: rustc rejects a bare CR in a doc comment.
fn normalise_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Characters rustc rejects or warns about in comments (text-direction controls) and other
/// control characters, written as `\u{...}` so the reader still sees that they are there.
fn visible(text: &str) -> String {
    text.chars()
        .map(|c| {
            let direction = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
            if direction || (c.is_control() && c != '\n' && c != '\t') {
                format!("\\u{{{:04X}}}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A fence line: `(indent, fence run)` if `line` opens or closes a fenced code block.
fn fence(line: &str) -> Option<(&str, &str)> {
    let trimmed = line.trim_start_matches(' ');
    let indent = &line[..line.len() - trimmed.len()];
    if indent.len() > 3 {
        return None;
    }
    let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let run = &trimmed[..trimmed.len() - trimmed.trim_start_matches(marker).len()];
    (run.len() >= 3).then_some((indent, run))
}

/// Fences get the info string `text`; outside fences, indentation is capped at three columns
/// so no line starts an indented code block.
fn rewrite_code_blocks(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    // The open fence's run (such as "```"), if inside one.
    let mut open: Option<String> = None;
    for line in text.split('\n') {
        if let Some(run) = &open {
            let closes = fence(line).is_some_and(|(_, closing)| {
                closing.starts_with(&run[..1])
                    && closing.len() >= run.len()
                    && line.trim().len() == closing.len()
            });
            if closes {
                open = None;
            }
            lines.push(line.to_string());
            continue;
        }
        let expanded = line.replace('\t', "    ");
        let content = expanded.trim_start_matches(' ');
        let indent = (expanded.len() - content.len()).min(3);
        let capped = format!("{}{content}", " ".repeat(indent));
        match fence(&capped) {
            Some((indent, run)) => {
                lines.push(format!("{indent}{run}text"));
                open = Some(run.to_string());
            }
            None => lines.push(capped),
        }
    }
    lines
}

/// Whether every code block in `markdown` is a fenced block whose language is exactly `text`.
fn only_text_blocks(markdown: &str) -> bool {
    Parser::new(markdown).all(|event| match event {
        Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => info.trim() == "text",
        Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => false,
        _ => true,
    })
}

/// The whole text in one `text` block, fenced by more backticks than any run inside it.
fn verbatim(text: &str) -> Vec<String> {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let run = "`".repeat(longest.max(2) + 1);
    let mut lines = vec![format!("{run}text")];
    lines.extend(text.split('\n').map(str::to_string));
    lines.push(run);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn doc(text: &str) -> String {
        doc_lines(text).join("\n")
    }

    #[test]
    fn code_blocks_become_text() {
        assert_eq!(
            doc("a\n```\nfn x() {}\n```\nb"),
            "a\n```text\nfn x() {}\n```\nb"
        );
        assert_eq!(doc("~~~~rust,ignore\nx\n~~~~"), "~~~~text\nx\n~~~~");
        assert_eq!(doc("a\n\n    indented();\n"), "a\n\n   indented();\n");
        assert_eq!(doc("\tcode"), "   code");
    }

    #[test]
    fn carriage_returns_and_direction_controls_are_not_emitted() {
        assert_eq!(doc("a\rb\r\nc"), "a\nb\nc");
        assert_eq!(doc("x\u{202E}y\u{0}"), "x\\u{202E}y\\u{0000}");
    }

    #[test]
    fn nested_code_falls_back_to_one_verbatim_block() {
        let text = "> ```rust\n> panic!()\n> ```\n\n- item\n\n      code";
        let lines = doc_lines(text);
        assert!(only_text_blocks(&lines.join("\n")), "{lines:?}");
    }

    proptest! {
        #[test]
        fn no_text_ever_yields_a_doctest(text in "([ \t>*+\\-1.)`~\r\n]|rust|text|x){0,80}") {
            let lines = doc_lines(&text);
            let joined = lines.join("\n");
            prop_assert!(only_text_blocks(&joined), "{:?} -> {:?}", text, lines);
            prop_assert!(!joined.contains('\r'));
        }

        #[test]
        fn any_string_is_safe(text in any::<String>()) {
            let joined = doc_lines(&text).join("\n");
            prop_assert!(only_text_blocks(&joined));
            prop_assert!(!joined.contains('\r'));
        }
    }
}
