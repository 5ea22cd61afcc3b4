//! Base85 exactly as Python's `base64.b85encode` / `b85decode` (the RFC 1924 alphabet, no
//! padding), which pynamodb_mate's CTR format uses for its nonce and token.
//!
//! Written here rather than taken from a crate: the `base85` crate (2.0) has this alphabet but
//! overflows its accumulator on input such as `~~~~~` (a panic in debug builds, a wrong value in
//! release ones, where Python raises), and panics on a one-character final group, which Python
//! accepts. Stored text is untrusted input, so every case must be an error or Python's answer.

use super::PynamodbMateError;

const ALPHABET: &[u8; 85] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";

/// The digit of one base85 character, or `None` outside the alphabet.
fn digit(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|d| d as u32)
}

/// Python's `base64.b85encode(data).decode()`: each 4-byte group, big-endian, as 5 digits; a
/// final group of `k` bytes is zero-padded, encoded, and cut to `k + 1` characters.
pub fn b85_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(4) * 5);
    for chunk in data.chunks(4) {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        let mut value = u32::from_be_bytes(word);
        let mut digits = [0u8; 5];
        for slot in digits.iter_mut().rev() {
            *slot = ALPHABET[(value % 85) as usize];
            value /= 85;
        }
        out.extend(digits[..chunk.len() + 1].iter().map(|&b| char::from(b)));
    }
    out
}

/// Python's `base64.b85decode(text)`: a final group shorter than 5 characters is padded with
/// `~` (digit 84), decoded, and cut by as many bytes as characters were added.
///
/// # Errors
///
/// [`PynamodbMateError::Base85`] for a character outside the alphabet or a group over `2^32 - 1`
/// (Python's "bad base85 character" and "base85 overflow").
pub fn b85_decode(text: &str) -> Result<Vec<u8>, PynamodbMateError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len().div_ceil(5) * 4);
    for (group, chunk) in bytes.chunks(5).enumerate() {
        let mut value: u64 = 0;
        for i in 0..5 {
            let d = match chunk.get(i) {
                Some(&c) => digit(c).ok_or_else(|| PynamodbMateError::Base85 {
                    reason: format!("bad base85 character at position {}", group * 5 + i),
                })?,
                None => 84,
            };
            value = value * 85 + u64::from(d);
        }
        let word = u32::try_from(value).map_err(|_| PynamodbMateError::Base85 {
            reason: format!("base85 overflow in the group starting at {}", group * 5),
        })?;
        let keep = 4 - (5 - chunk.len());
        out.extend_from_slice(&word.to_be_bytes()[..keep]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_length() {
        for len in 0..40usize {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 255) as u8).collect();
            let text = b85_encode(&data);
            assert_eq!(text.len(), len + len.div_ceil(4));
            assert_eq!(b85_decode(&text).unwrap(), data);
        }
    }
}
