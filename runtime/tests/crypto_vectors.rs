//! Test vectors pinning the encryption format.
//!
//! - RFC 5297 appendix A through `aes-siv`, proving how we call the primitive (header
//!   components as a vector, nonce as the last component).
//! - dynamate envelopes: exact bytes for fixed keys and inputs. These hex strings were produced
//!   by `crypto_vectors_gen.py` beside this file, an independent implementation of
//!   `docs/storage-formats.md` on OpenSSL (pyca/cryptography), not by this crate.

use aes_siv::KeyInit;
use aes_siv::siv::{Aes128Siv, Aes256Siv};
use dynamate::primitives::crypto::{
    Aad, CryptoError, EncryptMode, KeyId, Keyring, RootKey, envelope_key_id,
};
use hkdf::Hkdf;
use sha2::Sha256;

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------------
// RFC 5297 appendix A

#[test]
fn rfc5297_a1_deterministic() {
    let key = unhex(
        "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0\
         f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
    );
    let ad = unhex("101112131415161718191a1b1c1d1e1f2021222324252627");
    let plaintext = unhex("112233445566778899aabbccddee");
    let expected = "85632d07c6e8f37f950acd320a2ecc93\
                    40c02b9690c4dc04daef7f6afe5c";

    let mut siv = Aes128Siv::new(key.as_slice().try_into().unwrap());
    let out = siv.encrypt([&ad], &plaintext).unwrap();
    assert_eq!(hex(&out), expected);
    assert_eq!(siv.decrypt([&ad], &out).unwrap(), plaintext);

    let mut tampered = out.clone();
    tampered[20] ^= 0x01;
    assert!(siv.decrypt([&ad], &tampered).is_err());
}

#[test]
fn rfc5297_a2_nonce_based() {
    let key = unhex(
        "7f7e7d7c7b7a79787776757473727170\
         404142434445464748494a4b4c4d4e4f",
    );
    let ad1 = unhex(
        "00112233445566778899aabbccddeeff\
         deaddadadeaddadaffeeddccbbaa9988\
         7766554433221100",
    );
    let ad2 = unhex("102030405060708090a0");
    let nonce = unhex("09f911029d74e35bd84156c5635688c0");
    let plaintext = unhex(
        "7468697320697320736f6d6520706c61\
         696e7465787420746f20656e63727970\
         74207573696e67205349562d414553",
    );
    let expected = "7bdb6e3b432667eb06f4d14bff2fbd0f\
                    cb900f2fddbe404326601965c889bf17\
                    dba77ceb094fa663b7a3f748ba8af829\
                    ea64ad544a272e9c485b62a3fd5c0d";

    let mut siv = Aes128Siv::new(key.as_slice().try_into().unwrap());
    let header: [&[u8]; 3] = [&ad1, &ad2, &nonce];
    let out = siv.encrypt(header, &plaintext).unwrap();
    assert_eq!(hex(&out), expected);
    assert_eq!(siv.decrypt(header, &out).unwrap(), plaintext);

    // The order and split of components matter: the nonce is a separate, last component.
    let swapped: [&[u8]; 3] = [&ad1, &nonce, &ad2];
    assert!(siv.decrypt(swapped, &out).is_err());
    let joined = [ad1.clone(), ad2.clone()].concat();
    let merged: [&[u8]; 2] = [&joined, &nonce];
    assert!(siv.decrypt(merged, &out).is_err());
}

// ---------------------------------------------------------------------------------------------
// dynamate envelope vectors

const ROOT_1: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const ROOT_2: &str = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";

/// `01 01 07 "archive" 00000001 | tag(16) | ciphertext("hello, dynamate")`
const DETERMINISTIC: &str = "0101076172636869766500000001\
                             2baff1a40850c828038474340c2ed8cd\
                             f81d342dfdad9f73e4b2aa72a0c6ce";
/// The same with an empty plaintext: header and tag only.
const DETERMINISTIC_EMPTY: &str = "0101076172636869766500000001\
                                   916e66b18b30f7c5c968fc7e450ce0c9";
/// `01 02 07 "archive" 00000002 | nonce a0..af | tag | ciphertext('{"card":"4111"}')`,
/// root key ROOT_2, item key `S\0id-42`.
const RANDOMIZED: &str = "0102076172636869766500000002\
                          a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\
                          4ef7092252f9aa10e021f594df4c6d5a\
                          fe3c78025220bd68b8881142ec11b3";
/// As RANDOMIZED but encrypted without an item key.
const RANDOMIZED_NO_ITEM_KEY: &str = "0102076172636869766500000002\
                                      a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\
                                      59b0b37eac390cb7f419ff0f13b1c4f6\
                                      a4359845a67f42bf20f7de5b749edc";
/// Key "pw" v1 from `RootKey::from_passphrase("correct horse battery staple",
/// "dynamate-test-salt")`, table "t", attribute "a", plaintext "x".
const PASSPHRASE: &str = "010102707700000001f8aafec83ba120440408f64c1de4dd4173";

fn keyring() -> Keyring {
    Keyring::new()
        .with_key("archive", 1, RootKey::from_hex(ROOT_1).unwrap())
        .unwrap()
        .with_key("archive", 2, RootKey::from_hex(ROOT_2).unwrap())
        .unwrap()
        .with_primary("archive", 1)
        .unwrap()
}

const MESSAGE: Aad<'static> = Aad::new("archives", "secret_message");
const DATA: Aad<'static> = Aad::new("archives", "secret_data");

#[test]
fn deterministic_envelope_bytes_are_pinned() {
    let keyring = keyring();
    let out = keyring
        .encrypt(
            "archive",
            EncryptMode::Deterministic,
            &MESSAGE,
            b"hello, dynamate",
        )
        .unwrap();
    assert_eq!(hex(&out), DETERMINISTIC);
    // An item key does not change deterministic output.
    let with_item = MESSAGE.with_item_key(b"S\x00id-42");
    let out2 = keyring
        .encrypt(
            "archive",
            EncryptMode::Deterministic,
            &with_item,
            b"hello, dynamate",
        )
        .unwrap();
    assert_eq!(hex(&out2), DETERMINISTIC);
    assert_eq!(
        keyring
            .decrypt("archive", &MESSAGE, &unhex(DETERMINISTIC))
            .unwrap(),
        b"hello, dynamate"
    );

    let empty = keyring
        .encrypt("archive", EncryptMode::Deterministic, &MESSAGE, b"")
        .unwrap();
    assert_eq!(hex(&empty), DETERMINISTIC_EMPTY);
    assert_eq!(
        keyring
            .decrypt("archive", &MESSAGE, &unhex(DETERMINISTIC_EMPTY))
            .unwrap(),
        b""
    );
}

#[test]
fn randomized_envelopes_decrypt() {
    let keyring = keyring();
    let aad = DATA.with_item_key(b"S\x00id-42");
    assert_eq!(
        keyring
            .decrypt("archive", &aad, &unhex(RANDOMIZED))
            .unwrap(),
        br#"{"card":"4111"}"#
    );
    assert_eq!(
        keyring
            .decrypt("archive", &DATA, &unhex(RANDOMIZED_NO_ITEM_KEY))
            .unwrap(),
        br#"{"card":"4111"}"#
    );
    // The item key is authenticated: absent vs present are different bindings.
    assert!(matches!(
        keyring.decrypt("archive", &DATA, &unhex(RANDOMIZED)),
        Err(CryptoError::AuthenticationFailed { .. })
    ));
    assert!(matches!(
        keyring.decrypt("archive", &aad, &unhex(RANDOMIZED_NO_ITEM_KEY)),
        Err(CryptoError::AuthenticationFailed { .. })
    ));
    assert_eq!(
        envelope_key_id(&aad, &unhex(RANDOMIZED)).unwrap(),
        KeyId {
            name: "archive".into(),
            version: 2
        }
    );
}

#[test]
fn randomized_layout_matches_spec() {
    // Fresh randomized envelopes have the documented shape: header, 16-byte nonce, tag, ct.
    let keyring = Keyring::new()
        .with_key("archive", 2, RootKey::from_hex(ROOT_2).unwrap())
        .unwrap();
    let aad = DATA.with_item_key(b"S\x00id-42");
    let plaintext = br#"{"card":"4111"}"#;
    let out = keyring
        .encrypt("archive", EncryptMode::Randomized, &aad, plaintext)
        .unwrap();
    let expected_header = unhex("0102076172636869766500000002");
    assert_eq!(&out[..14], expected_header.as_slice());
    assert_eq!(out.len(), 14 + 16 + 16 + plaintext.len());

    // Recompute with the primitives, straight from the spec, using the nonce it chose.
    let subkey = derive(&unhex(ROOT_2), "archives", "secret_data");
    let nonce = &out[14..30];
    let mut siv = Aes256Siv::new(subkey.as_slice().try_into().unwrap());
    let components: [&[u8]; 5] = [
        &expected_header,
        b"archives",
        b"secret_data",
        b"S\x00id-42",
        nonce,
    ];
    assert_eq!(siv.decrypt(components, &out[30..]).unwrap(), plaintext);
}

/// The subkey derivation of docs/storage-formats.md, written out with the primitives.
fn derive(root: &[u8], table: &str, attribute: &str) -> Vec<u8> {
    let mut info = Vec::new();
    for part in [
        &b"aes-256-siv attribute key"[..],
        table.as_bytes(),
        attribute.as_bytes(),
    ] {
        info.extend_from_slice(&(part.len() as u64).to_be_bytes());
        info.extend_from_slice(part);
    }
    let mut okm = vec![0u8; 64];
    Hkdf::<Sha256>::new(Some(b"dynamate/v1"), root)
        .expand(&info, &mut okm)
        .unwrap();
    okm
}

#[test]
fn deterministic_vector_matches_primitives() {
    let subkey = derive(&unhex(ROOT_1), "archives", "secret_message");
    let header = unhex("0101076172636869766500000001");
    let mut siv = Aes256Siv::new(subkey.as_slice().try_into().unwrap());
    let components: [&[u8]; 3] = [&header, b"archives", b"secret_message"];
    let body = siv.encrypt(components, b"hello, dynamate").unwrap();
    assert_eq!(hex(&[header, body].concat()), DETERMINISTIC);
}

#[test]
fn subkeys_are_separated_by_length_prefix() {
    // ("ab", "c") and ("a", "bc") must derive different subkeys, hence different ciphertexts.
    let keyring = keyring();
    let a = keyring
        .encrypt(
            "archive",
            EncryptMode::Deterministic,
            &Aad::new("ab", "c"),
            b"v",
        )
        .unwrap();
    let b = keyring
        .encrypt(
            "archive",
            EncryptMode::Deterministic,
            &Aad::new("a", "bc"),
            b"v",
        )
        .unwrap();
    assert_ne!(a, b);
    assert_ne!(
        derive(&unhex(ROOT_1), "ab", "c"),
        derive(&unhex(ROOT_1), "a", "bc")
    );
    assert!(
        keyring
            .decrypt("archive", &Aad::new("a", "bc"), &a)
            .is_err()
    );
}

#[test]
fn passphrase_key_is_pinned() {
    let key =
        RootKey::from_passphrase("correct horse battery staple", "dynamate-test-salt").unwrap();
    let keyring = Keyring::new().with_key("pw", 1, key).unwrap();
    let out = keyring
        .encrypt("pw", EncryptMode::Deterministic, &Aad::new("t", "a"), b"x")
        .unwrap();
    assert_eq!(hex(&out), PASSPHRASE);
}

// ---------------------------------------------------------------------------------------------
// Worked example of docs/storage-formats.md, "Decrypting a randomized value by hand": a `Ledger`
// item (hash key `account`, range key `seq`, both numbers) with a randomized `memo`. Hex values
// from crypto_vectors_gen.py; the doc quotes them (checked by tests/readme/tests/docs.rs).

#[path = "ledger_schema/mod.rs"]
mod ledger;

include!("vectors/ledger.rs");

fn ledger_item(account: &str, seq: &str) -> dynamate::Item {
    use dynamate::AttributeValue;
    dynamate::Item::from([
        (
            "account".to_string(),
            AttributeValue::N(account.to_string()),
        ),
        ("seq".to_string(), AttributeValue::N(seq.to_string())),
        (
            "memo".to_string(),
            AttributeValue::B(aws_smithy_types::Blob::new(unhex(LEDGER_ENVELOPE))),
        ),
    ])
}

#[test]
fn worked_example_item_key_bytes() {
    // However the keys were written, the bytes are those of the normal forms "1000" and "-0.5".
    for (account, seq) in [("1E+3", "-0.50"), ("1000", "-0.5"), ("01.000e3", "-5E-1")] {
        let bytes =
            dynamate::item::model::canonical_key_bytes(&ledger::SCHEMA, &ledger_item(account, seq));
        assert_eq!(hex(&bytes), LEDGER_ITEM_KEY, "{account} {seq}");
    }
}

#[test]
fn worked_example_decrypts_step_by_step() {
    // root key -> HKDF subkey
    let subkey = derive(&unhex(ROOT_2), "ledger", "memo");
    assert_eq!(hex(&subkey), LEDGER_SUBKEY);
    // envelope -> header, nonce, SIV tag + ciphertext
    let envelope = unhex(LEDGER_ENVELOPE);
    let (header, rest) = envelope.split_at(14);
    let (nonce, sealed) = rest.split_at(16);
    assert_eq!(hex(header), "0102076172636869766500000002");
    // associated data: header, table, attribute, item key, nonce -> AES-SIV open
    let item_key = unhex(LEDGER_ITEM_KEY);
    let components: [&[u8]; 5] = [header, b"ledger", b"memo", &item_key, nonce];
    let mut siv = Aes256Siv::new(subkey.as_slice().try_into().unwrap());
    assert_eq!(siv.decrypt(components, sealed).unwrap(), b"hello");
}

#[test]
fn worked_example_decrypts_through_the_item_reader() {
    let keyring = Keyring::new()
        .with_key("archive", 2, RootKey::from_hex(ROOT_2).unwrap())
        .unwrap();
    let transforms = dynamate::TransformContext::new().with_keyring(keyring);
    // As DynamoDB returns the item (normal form) and as a client may have written it.
    for (account, seq) in [("1000", "-0.5"), ("1E+3", "-0.50")] {
        let mut reader = dynamate::item::model::ItemReader::new(
            &ledger::SCHEMA,
            ledger_item(account, seq),
            &transforms,
        );
        assert_eq!(reader.get(&ledger::MEMO_ATTR).unwrap(), "hello");
        assert!(!reader.used_legacy_key());
    }
}
