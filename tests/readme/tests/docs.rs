//! The docs quote values that tests pin elsewhere; these tests keep the two in step.

include!("../../../runtime/tests/vectors/ledger.rs");

/// The worked example in docs/storage-formats.md quotes exactly these values: each code block of
/// its section, read as the hex tokens that start its lines, is one of them.
#[test]
fn worked_example_in_the_docs_matches_the_vectors() {
    let doc = include_str!("../../../docs/storage-formats.md");
    let start = doc
        .find("### Decrypting a randomized value by hand")
        .expect("the section exists");
    let section = &doc[start..];
    let section = &section[..section[4..]
        .find("\n### ")
        .map_or(section.len(), |end| end + 4)];
    let is_hex =
        |token: &str| token.len().is_multiple_of(2) && token.bytes().all(|b| b.is_ascii_hexdigit());
    let blocks: Vec<String> = section
        .split("```")
        .skip(1)
        .step_by(2)
        .map(|block| {
            block
                .lines()
                .flat_map(|line| line.split_whitespace().take_while(|t| is_hex(t)))
                .collect()
        })
        .collect();
    assert_eq!(
        blocks,
        [
            LEDGER_SUBKEY.to_string(),
            LEDGER_ENVELOPE.to_string(),
            LEDGER_ITEM_KEY.to_string()
        ]
    );
}
