//! The S3 object keys of pynamodb_mate's large-attribute pattern (5.5.1.1 and 6.0.1.1) and of
//! 5.x's `S3Backed*Attribute`s.

use md5::{Digest, Md5};
use sha2::Sha256;

/// The key prefix of 5.x's `S3Backed*Attribute` objects under the default key template
/// `pynamodb-mate/s3backed/{fingerprint}`.
pub const S3BACKED_PREFIX: &str = "pynamodb-mate/s3backed/";

/// pynamodb_mate's `get_s3_key(pk, sk, attr, value, prefix)`:
/// `{prefix'}/pk={pk}[/sk={sk}]/attr={attr}/md5={md5 hex of value}`, where `prefix'` is
/// `prefix` with one leading `/` removed or, only if it has none, one trailing `/` removed, and
/// left out when `prefix` is empty. So `/large/` gives `large//pk=..`, and `/` gives `/pk=..`.
/// `pk` and `sk` are Python's `str()` of the key values (`42` for an int), unescaped.
///
/// ```
/// use dynamate::primitives::pynamodb_mate::s3_key;
/// assert_eq!(
///     s3_key("large/", "id-1", None, "html", b"<html></html>"),
///     "large/pk=id-1/attr=html/md5=c83301425b2ad1d496473a5ff3d9ecca"
/// );
/// ```
pub fn s3_key(prefix: &str, pk: &str, sk: Option<&str>, attr: &str, value: &[u8]) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(5);
    if !prefix.is_empty() {
        let trimmed = match prefix.strip_prefix('/') {
            Some(rest) => rest,
            None => prefix.strip_suffix('/').unwrap_or(prefix),
        };
        parts.push(trimmed.to_string());
    }
    parts.push(format!("pk={pk}"));
    if let Some(sk) = sk {
        parts.push(format!("sk={sk}"));
    }
    parts.push(format!("attr={attr}"));
    parts.push(format!(
        "md5={}",
        base16ct::lower::encode_string(&Md5::digest(value))
    ));
    parts.join("/")
}

/// The key of a 5.x `S3Backed*Attribute` object under the default template:
/// `pynamodb-mate/s3backed/{sha256 hex of the user bytes}` (the bytes before gzip).
pub fn s3backed_key(user_bytes: &[u8]) -> String {
    format!(
        "{S3BACKED_PREFIX}{}",
        base16ct::lower::encode_string(&Sha256::digest(user_bytes))
    )
}
