//! Low-level (generated code and applications need nothing here; public for property tests
//! and tools that inspect stored bytes): a compact, deterministic byte encoding of an [`AttributeValue`], used as the serialized
//! form of non-string, non-binary values before compression or encryption, for the item key
//! that randomized encryption binds to ([`crate::item::model::canonical_key_bytes`]) and for
//! cursors.
//!
//! Layout: one tag byte, then the payload. Strings, numbers and binaries are a big-endian
//! `u32` length and the bytes; `BOOL` and `NULL` one byte; lists and sets a `u32` count and
//! the elements; maps a `u32` count and key/value pairs sorted by key (so equal maps encode
//! equally, which deterministic encryption relies on).
//!
//! Numbers (`N` and the elements of `NS`) are written as the ASCII text of their DynamoDB
//! normal form ([`crate::primitives::decimal::normalize`]), whatever text the attribute value holds:
//! `1E+2`, `100.0` and `100` encode alike, so what DynamoDB returns (normalised) encodes
//! like what was written. Text that is not a valid DynamoDB number (which DynamoDB would
//! reject) is written as it is.
//!
//! | tag | type |
//! |---|---|
//! | 1 | S |
//! | 2 | N |
//! | 3 | B |
//! | 4 | BOOL |
//! | 5 | NULL |
//! | 6 | L |
//! | 7 | M |
//! | 8 | SS |
//! | 9 | NS |
//! | 10 | BS |

use std::borrow::Cow;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::ValueError;

/// The bytes a number's text is encoded with: its normal form, or the text itself if it is
/// not a DynamoDB number.
fn number_bytes(text: &str) -> Cow<'_, [u8]> {
    match crate::primitives::decimal::normalize(text) {
        Ok(Cow::Owned(normal)) => Cow::Owned(normal.into_bytes()),
        Ok(Cow::Borrowed(normal)) => Cow::Borrowed(normal.as_bytes()),
        Err(_) => Cow::Borrowed(text.as_bytes()),
    }
}

/// Appends the encoding of a number whose text is taken as it is, not normalised: how
/// dynamate 0.1 encoded numbers in item keys (see [`crate::item::model::key_bytes_as_written`]).
pub fn write_number_as_written(text: &str, out: &mut Vec<u8>) {
    tagged(2, out, |out| put_bytes(text.as_bytes(), out));
}

fn put_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    put_len(bytes.len(), out);
    out.extend_from_slice(bytes);
}

fn put_len(len: usize, out: &mut Vec<u8>) {
    // Item values are far below 4 GiB (DynamoDB items are at most 400 KB).
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
}

/// Appends the encoding of `value` to `out`.
pub fn write(value: &AttributeValue, out: &mut Vec<u8>) {
    match value {
        AttributeValue::S(s) => tagged(1, out, |out| put_bytes(s.as_bytes(), out)),
        AttributeValue::N(n) => tagged(2, out, |out| put_bytes(&number_bytes(n), out)),
        AttributeValue::B(b) => tagged(3, out, |out| put_bytes(b.as_ref(), out)),
        AttributeValue::Bool(b) => tagged(4, out, |out| out.push(u8::from(*b))),
        AttributeValue::L(items) => tagged(6, out, |out| {
            put_len(items.len(), out);
            items.iter().for_each(|item| write(item, out));
        }),
        AttributeValue::M(entries) => tagged(7, out, |out| {
            let mut sorted: Vec<_> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            put_len(sorted.len(), out);
            for (key, item) in sorted {
                put_bytes(key.as_bytes(), out);
                write(item, out);
            }
        }),
        AttributeValue::Ss(items) => tagged(8, out, |out| {
            put_list(items.iter().map(String::as_bytes), items.len(), out)
        }),
        AttributeValue::Ns(items) => tagged(9, out, |out| {
            put_len(items.len(), out);
            items.iter().for_each(|n| put_bytes(&number_bytes(n), out));
        }),
        AttributeValue::Bs(items) => tagged(10, out, |out| {
            put_list(items.iter().map(Blob::as_ref), items.len(), out)
        }),
        // NULL and any type a future SDK adds (never produced by dynamate's codecs).
        _ => out.push(5),
    }
}

fn tagged(tag: u8, out: &mut Vec<u8>, body: impl FnOnce(&mut Vec<u8>)) {
    out.push(tag);
    body(out);
}

fn put_list<'a>(items: impl Iterator<Item = &'a [u8]>, len: usize, out: &mut Vec<u8>) {
    put_len(len, out);
    items.for_each(|item| put_bytes(item, out));
}

/// Decodes one value that must span all of `bytes`.
pub fn read(bytes: &[u8]) -> Result<AttributeValue, ValueError> {
    let mut reader = Reader { bytes, depth: 0 };
    let value = reader.value()?;
    if reader.bytes.is_empty() {
        Ok(value)
    } else {
        Err(corrupt("trailing bytes after the value"))
    }
}

fn corrupt(reason: &str) -> ValueError {
    ValueError::Invalid {
        expected: "serialized attribute value",
        reason: reason.to_string(),
    }
}

/// DynamoDB nests documents at most 32 levels deep; deeper input is corrupt, and the bound
/// keeps hostile input from overflowing the stack.
const MAX_DEPTH: usize = 64;

struct Reader<'a> {
    bytes: &'a [u8],
    depth: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], ValueError> {
        if self.bytes.len() < n {
            return Err(corrupt("truncated"));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn len(&mut self) -> Result<usize, ValueError> {
        let raw = self.take(4)?;
        let len = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize;
        // Every element takes at least one byte, so a count beyond the input is corrupt;
        // checking here keeps allocations bounded by the input size.
        if len > self.bytes.len() {
            return Err(corrupt("length exceeds the input"));
        }
        Ok(len)
    }

    fn blob(&mut self) -> Result<Vec<u8>, ValueError> {
        let len = self.len()?;
        Ok(self.take(len)?.to_vec())
    }

    fn string(&mut self) -> Result<String, ValueError> {
        String::from_utf8(self.blob()?).map_err(|_| corrupt("invalid UTF-8"))
    }

    fn many<T>(
        &mut self,
        mut one: impl FnMut(&mut Self) -> Result<T, ValueError>,
    ) -> Result<Vec<T>, ValueError> {
        let count = self.len()?;
        (0..count).map(|_| one(self)).collect()
    }

    fn value(&mut self) -> Result<AttributeValue, ValueError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(corrupt("nested too deeply"));
        }
        let tag = self.take(1)?[0];
        let value = match tag {
            1 => AttributeValue::S(self.string()?),
            2 => AttributeValue::N(self.string()?),
            3 => AttributeValue::B(Blob::new(self.blob()?)),
            4 => AttributeValue::Bool(self.take(1)?[0] != 0),
            5 => AttributeValue::Null(true),
            6 => AttributeValue::L(self.many(Self::value)?),
            7 => AttributeValue::M(
                self.many(|r| Ok((r.string()?, r.value()?)))?
                    .into_iter()
                    .collect(),
            ),
            8 => AttributeValue::Ss(self.many(Self::string)?),
            9 => AttributeValue::Ns(self.many(Self::string)?),
            10 => AttributeValue::Bs(self.many(|r| r.blob().map(Blob::new))?),
            other => return Err(corrupt(&format!("unknown type tag {other}"))),
        };
        self.depth -= 1;
        Ok(value)
    }
}
