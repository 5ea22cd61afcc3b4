//! Keyring behaviour: tampering, swapped values, wrong and unknown keys, rotation, key
//! loading, and that key material never shows in `Debug` or error messages.

use std::sync::Arc;

use dynamate::primitives::crypto::{
    Aad, CryptoError, EncryptMode, KeyId, Keyring, KeyringAccess, RootKey, envelope_key_id,
};

const K1: [u8; 32] = [0x11; 32];
const K2: [u8; 32] = [0x22; 32];
const K1_HEX: &str = "1111111111111111111111111111111111111111111111111111111111111111";

fn key(bytes: &[u8; 32]) -> RootKey {
    RootKey::from_bytes(bytes).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const ITEM_A: &[u8] = b"S\x00user#1";
const ITEM_B: &[u8] = b"S\x00user#2";

fn aad() -> Aad<'static> {
    Aad::new("archives", "secret").with_item_key(ITEM_A)
}

/// A keyring where the versions that a single bit flip of version 1 can produce (0, 3, 5, 9,
/// ..., 2^31+1) all hold the *same* key material as version 1. A flipped key-version byte then
/// reaches AES-SIV with the right subkey, so only the authenticated header can reject it.
fn aliased_keyring() -> Keyring {
    let mut keyring = Keyring::new();
    keyring.add_key("archive", 1, key(&K1)).unwrap();
    for bit in 0..32 {
        let version = 1u32 ^ (1 << bit);
        if version != 1 {
            keyring.add_key("archive", version, key(&K1)).unwrap();
        }
    }
    // Same material under names one bit away from "archive" is irrelevant: decrypt checks the
    // expected name first. Pin the primary to 1 (the highest version would otherwise win).
    keyring.set_primary("archive", 1).unwrap();
    keyring
}

fn assert_every_bit_flip_rejected(mode: EncryptMode) {
    let keyring = aliased_keyring();
    let aad = aad();
    let stored = keyring
        .encrypt("archive", mode, &aad, b"a stored secret value")
        .unwrap();
    assert_eq!(
        keyring.decrypt("archive", &aad, &stored).unwrap(),
        b"a stored secret value"
    );
    let mut auth_failures = 0;
    for byte in 0..stored.len() {
        for bit in 0..8 {
            let mut tampered = stored.clone();
            tampered[byte] ^= 1 << bit;
            match keyring.decrypt("archive", &aad, &tampered) {
                Ok(plaintext) => panic!(
                    "{mode:?}: flipping bit {bit} of byte {byte} was accepted: {plaintext:?}"
                ),
                Err(CryptoError::AuthenticationFailed { .. }) => auth_failures += 1,
                Err(_) => {}
            }
        }
    }
    // Key-version flips (4 bytes) and everything after the header must fail authentication.
    let header_len = 3 + "archive".len() + 4;
    let authenticated_bits = (stored.len() - header_len + 4) * 8;
    assert!(
        auth_failures >= authenticated_bits,
        "{mode:?}: only {auth_failures} of {authenticated_bits} flips reached authentication"
    );
}

#[test]
fn every_bit_flip_is_rejected_deterministic() {
    assert_every_bit_flip_rejected(EncryptMode::Deterministic);
}

#[test]
fn every_bit_flip_is_rejected_randomized() {
    assert_every_bit_flip_rejected(EncryptMode::Randomized);
}

#[test]
fn header_mode_swap_is_rejected() {
    // Rewrite a deterministic envelope as a randomized one (insert a nonce, change the mode
    // byte): the header is authenticated, so it fails.
    let keyring = Keyring::new().with_key("archive", 1, key(&K1)).unwrap();
    let aad = aad();
    let det = keyring
        .encrypt("archive", EncryptMode::Deterministic, &aad, b"v")
        .unwrap();
    let header_len = 3 + 7 + 4;
    let mut forged = det[..header_len].to_vec();
    forged[1] = EncryptMode::Randomized.to_byte();
    forged.extend_from_slice(&[0u8; 16]);
    forged.extend_from_slice(&det[header_len..]);
    assert!(matches!(
        keyring.decrypt("archive", &aad, &forged),
        Err(CryptoError::AuthenticationFailed { .. })
    ));
}

#[test]
fn randomized_value_is_bound_to_item_attribute_and_table() {
    let keyring = Keyring::new().with_key("archive", 1, key(&K1)).unwrap();
    let here = Aad::new("archives", "secret").with_item_key(ITEM_A);
    let stored = keyring
        .encrypt("archive", EncryptMode::Randomized, &here, b"payload")
        .unwrap();
    assert_eq!(
        keyring.decrypt("archive", &here, &stored).unwrap(),
        b"payload"
    );

    for elsewhere in [
        Aad::new("archives", "secret").with_item_key(ITEM_B),
        Aad::new("archives", "secret"),
        Aad::new("archives", "other").with_item_key(ITEM_A),
        Aad::new("archives2", "secret").with_item_key(ITEM_A),
    ] {
        let err = keyring.decrypt("archive", &elsewhere, &stored).unwrap_err();
        assert!(
            matches!(err, CryptoError::AuthenticationFailed { .. }),
            "{elsewhere:?}: {err:?}"
        );
        let message = err.to_string();
        assert!(message.contains(elsewhere.table), "{message}");
        assert!(message.contains(elsewhere.attribute), "{message}");
        assert!(message.contains("`archive` version 1"), "{message}");
    }
}

#[test]
fn deterministic_value_is_bound_to_attribute_and_table_not_item() {
    let keyring = Keyring::new().with_key("archive", 1, key(&K1)).unwrap();
    let here = Aad::new("archives", "secret").with_item_key(ITEM_A);
    let stored = keyring
        .encrypt("archive", EncryptMode::Deterministic, &here, b"payload")
        .unwrap();
    // Deterministic values may be equal across items (that is the point), so the item key is
    // not bound.
    let other_item = Aad::new("archives", "secret").with_item_key(ITEM_B);
    assert_eq!(
        keyring.decrypt("archive", &other_item, &stored).unwrap(),
        b"payload"
    );
    for elsewhere in [
        Aad::new("archives", "other"),
        Aad::new("other_table", "secret"),
    ] {
        assert!(matches!(
            keyring.decrypt("archive", &elsewhere, &stored),
            Err(CryptoError::AuthenticationFailed { .. })
        ));
    }
}

#[test]
fn wrong_key_material_fails_authentication() {
    let writer = Keyring::new().with_key("archive", 1, key(&K1)).unwrap();
    let reader = Keyring::new().with_key("archive", 1, key(&K2)).unwrap();
    for mode in [EncryptMode::Deterministic, EncryptMode::Randomized] {
        let stored = writer.encrypt("archive", mode, &aad(), b"v").unwrap();
        let err = reader.decrypt("archive", &aad(), &stored).unwrap_err();
        assert!(
            matches!(err, CryptoError::AuthenticationFailed { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("wrong key"), "{err}");
    }
}

#[test]
fn unknown_key_unknown_version_and_name_mismatch() {
    let keyring = Keyring::new()
        .with_key("archive", 1, key(&K1))
        .unwrap()
        .with_key("other", 1, key(&K1))
        .unwrap();
    let aad = aad();

    let err = keyring
        .encrypt("missing", EncryptMode::Deterministic, &aad, b"v")
        .unwrap_err();
    assert!(matches!(&err, CryptoError::UnknownKey { context } if context.key == "missing"));
    assert!(err.to_string().contains("`missing`"), "{err}");

    let stored = keyring
        .encrypt("archive", EncryptMode::Deterministic, &aad, b"v")
        .unwrap();
    // Decrypting as another key name is refused before any cryptography.
    let err = keyring.decrypt("other", &aad, &stored).unwrap_err();
    match &err {
        CryptoError::KeyNameMismatch { context, found } => {
            assert_eq!(found, "archive");
            assert_eq!(context.key, "other");
            assert_eq!(context.table, "archives");
            assert_eq!(context.attribute, "secret");
        }
        other => panic!("expected KeyNameMismatch, got {other:?}"),
    }

    // A keyring without the key at all.
    let empty = Keyring::new();
    assert!(matches!(
        empty.decrypt("archive", &aad, &stored),
        Err(CryptoError::UnknownKey { .. })
    ));

    // A keyring without that version.
    let only_v2 = Keyring::new().with_key("archive", 2, key(&K1)).unwrap();
    let err = only_v2.decrypt("archive", &aad, &stored).unwrap_err();
    assert!(
        matches!(err, CryptoError::UnknownKeyVersion { version: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("version 1"), "{err}");
}

#[test]
fn rotation_keeps_old_data_readable_and_writes_new_version() {
    let aad = aad();
    let v1_only = Keyring::new().with_key("archive", 1, key(&K1)).unwrap();
    let old_det = v1_only
        .encrypt("archive", EncryptMode::Deterministic, &aad, b"old det")
        .unwrap();
    let old_rand = v1_only
        .encrypt("archive", EncryptMode::Randomized, &aad, b"old rand")
        .unwrap();

    // Add v2: the highest version becomes primary by default.
    let rotated = Keyring::new()
        .with_key("archive", 2, key(&K2))
        .unwrap()
        .with_key("archive", 1, key(&K1))
        .unwrap();
    assert_eq!(rotated.primary_version("archive"), Some(2));
    assert_eq!(
        rotated.decrypt("archive", &aad, &old_det).unwrap(),
        b"old det"
    );
    assert_eq!(
        rotated.decrypt("archive", &aad, &old_rand).unwrap(),
        b"old rand"
    );
    assert!(
        !rotated
            .uses_primary_version("archive", &aad, &old_det)
            .unwrap()
    );

    let new = rotated
        .encrypt("archive", EncryptMode::Deterministic, &aad, b"old det")
        .unwrap();
    assert_ne!(new, old_det);
    assert_eq!(
        envelope_key_id(&aad, &new).unwrap(),
        KeyId {
            name: "archive".into(),
            version: 2
        }
    );
    assert!(rotated.uses_primary_version("archive", &aad, &new).unwrap());
    assert_eq!(rotated.decrypt("archive", &aad, &new).unwrap(), b"old det");
    // Readers that only have v1 cannot read v2 data, with a clear error.
    assert!(matches!(
        v1_only.decrypt("archive", &aad, &new),
        Err(CryptoError::UnknownKeyVersion { version: 2, .. })
    ));

    // Pinning the primary back to v1 (staged rollout) writes v1 again.
    let pinned = rotated.with_primary("archive", 1).unwrap();
    let again = pinned
        .encrypt("archive", EncryptMode::Deterministic, &aad, b"old det")
        .unwrap();
    assert_eq!(again, old_det);
}

#[test]
fn keyring_configuration_errors() {
    let mut keyring = Keyring::new();
    assert!(matches!(
        keyring.add_key("", 1, key(&K1)),
        Err(CryptoError::InvalidKeyring { .. })
    ));
    assert!(matches!(
        keyring.add_key(&"k".repeat(256), 1, key(&K1)),
        Err(CryptoError::InvalidKeyring { .. })
    ));
    keyring.add_key(&"k".repeat(255), 1, key(&K1)).unwrap();
    keyring.add_key("a", 1, key(&K1)).unwrap();
    assert!(matches!(
        keyring.add_key("a", 1, key(&K2)),
        Err(CryptoError::InvalidKeyring { .. })
    ));
    assert!(keyring.set_primary("a", 2).is_err());
    assert!(keyring.set_primary("b", 1).is_err());

    // The longest name round-trips through the envelope.
    let long = "k".repeat(255);
    let stored = keyring
        .encrypt(&long, EncryptMode::Randomized, &aad(), b"v")
        .unwrap();
    assert_eq!(keyring.decrypt(&long, &aad(), &stored).unwrap(), b"v");
}

#[test]
fn malformed_envelopes_get_typed_errors() {
    let keyring = Keyring::new().with_key("archive", 1, key(&K1)).unwrap();
    let aad = aad();
    let stored = keyring
        .encrypt("archive", EncryptMode::Randomized, &aad, b"value")
        .unwrap();

    // Every strict prefix is rejected; those shorter than header + nonce + tag as Truncated.
    let minimum = 3 + 7 + 4 + 16 + 16;
    for len in 0..stored.len() {
        let err = keyring
            .decrypt("archive", &aad, &stored[..len])
            .unwrap_err();
        if len < minimum {
            assert!(
                matches!(err, CryptoError::Truncated { .. }),
                "prefix {len}: {err:?}"
            );
        } else {
            assert!(
                matches!(err, CryptoError::AuthenticationFailed { .. }),
                "prefix {len}: {err:?}"
            );
        }
    }

    let mut bad = stored.clone();
    bad[0] = 2;
    assert!(matches!(
        keyring.decrypt("archive", &aad, &bad),
        Err(CryptoError::UnsupportedVersion { version: 2, .. })
    ));
    let mut bad = stored.clone();
    bad[1] = 0;
    assert!(matches!(
        keyring.decrypt("archive", &aad, &bad),
        Err(CryptoError::UnknownMode { mode: 0, .. })
    ));
    let mut bad = stored.clone();
    bad[2] = 0;
    assert!(matches!(
        keyring.decrypt("archive", &aad, &bad),
        Err(CryptoError::Malformed { .. })
    ));
    let mut bad = stored.clone();
    bad[3] = 0xff;
    assert!(matches!(
        keyring.decrypt("archive", &aad, &bad),
        Err(CryptoError::Malformed { .. })
    ));
    let err = envelope_key_id(&aad, &[]).unwrap_err();
    assert!(matches!(err, CryptoError::Truncated { len: 0, .. }));
    let message = err.to_string();
    assert!(
        message.contains("archives") && message.contains("secret"),
        "{message}"
    );
}

#[test]
fn root_key_constructors() {
    let k1_b64 = "ERERERERERERERERERERERERERERERERERERERERERE=";
    let from_hex = RootKey::from_hex(K1_HEX).unwrap();
    let from_upper = RootKey::from_hex(&format!(" {}\n", K1_HEX.to_uppercase())).unwrap();
    let from_b64 = RootKey::from_base64(k1_b64).unwrap();
    let from_b64_unpadded = RootKey::from_base64(k1_b64.trim_end_matches('=')).unwrap();
    let from_encoded_hex = RootKey::from_encoded(K1_HEX).unwrap();
    let from_encoded_b64 = RootKey::from_encoded(k1_b64).unwrap();

    // All of them are the same key: they decrypt each other's values.
    let reference = Keyring::new().with_key("k", 1, key(&K1)).unwrap();
    let stored = reference
        .encrypt("k", EncryptMode::Deterministic, &aad(), b"v")
        .unwrap();
    for root in [
        from_hex,
        from_upper,
        from_b64,
        from_b64_unpadded,
        from_encoded_hex,
        from_encoded_b64,
    ] {
        let keyring = Keyring::new().with_key("k", 1, root).unwrap();
        assert_eq!(keyring.decrypt("k", &aad(), &stored).unwrap(), b"v");
    }

    for (bad, what) in [
        (RootKey::from_bytes(&[0u8; 31]), "31 bytes"),
        (RootKey::from_bytes(&[0u8; 33]), "33 bytes"),
        (RootKey::from_hex(&K1_HEX[..62]), "short hex"),
        (
            RootKey::from_hex(&format!("{}zz", &K1_HEX[..62])),
            "non-hex",
        ),
        (
            RootKey::from_base64("ERERERERERERERERERERERERERERERERERERERERER"),
            "31-byte base64",
        ),
        (RootKey::from_base64("not base64 at all!"), "garbage base64"),
        (RootKey::from_encoded(""), "empty"),
    ] {
        let err = bad.err().unwrap_or_else(|| panic!("{what} was accepted"));
        assert!(
            matches!(err, CryptoError::InvalidKey { .. }),
            "{what}: {err:?}"
        );
    }
}

#[test]
fn root_key_from_env_and_file_never_echo_the_key() {
    // A hex string that is almost a key: the error must not repeat it.
    let almost = &K1_HEX[..63];
    let var = "DYNAMATE_CRYPTO_TEST_ALMOST_KEY";
    // SAFETY: only this test touches the environment in this test binary, and only through
    // std::env, which serializes access.
    unsafe { std::env::set_var(var, almost) };
    let err = RootKey::from_env(var).unwrap_err();
    assert!(err.to_string().contains(var), "{err}");
    assert!(!err.to_string().contains(almost), "{err}");
    assert!(!format!("{err:?}").contains(almost), "{err:?}");

    let var_ok = "DYNAMATE_CRYPTO_TEST_KEY_OK";
    // SAFETY: as above.
    unsafe { std::env::set_var(var_ok, format!("{K1_HEX}\n")) };
    RootKey::from_env(var_ok).unwrap();
    assert!(RootKey::from_env("DYNAMATE_CRYPTO_TEST_UNSET_VARIABLE").is_err());

    let dir = std::env::temp_dir();
    let path = dir.join(format!("dynamate-crypto-test-{}", std::process::id()));
    std::fs::write(&path, format!("  {K1_HEX}\r\n")).unwrap();
    let from_file = RootKey::from_file(&path);
    std::fs::write(&path, almost).unwrap();
    let bad_file = RootKey::from_file(&path);
    std::fs::write(&path, [0xffu8; 64]).unwrap();
    let binary_file = RootKey::from_file(&path);
    std::fs::remove_file(&path).unwrap();
    from_file.unwrap();
    let err = bad_file.unwrap_err();
    assert!(!err.to_string().contains(almost), "{err}");
    assert!(matches!(binary_file, Err(CryptoError::InvalidKey { .. })));
    let err = RootKey::from_file(dir.join("dynamate-no-such-key-file")).unwrap_err();
    assert!(
        err.to_string().contains("dynamate-no-such-key-file"),
        "{err}"
    );
}

#[test]
fn passphrase_requirements() {
    assert!(RootKey::from_passphrase("", "sixteen byte salt").is_err());
    assert!(RootKey::from_passphrase("pw", "fifteen-bytes!!").is_err());
}

#[test]
fn debug_output_never_contains_key_bytes() {
    let root = RootKey::from_hex(K1_HEX).unwrap();
    let debug = format!("{root:?}");
    assert_eq!(debug, "RootKey(<redacted>)");

    let keyring = Keyring::new()
        .with_key("archive", 1, root)
        .unwrap()
        .with_key("archive", 2, key(&K2))
        .unwrap()
        .with_key("billing", 7, key(&K1))
        .unwrap();
    // Fill the subkey cache too.
    keyring
        .encrypt("archive", EncryptMode::Deterministic, &aad(), b"v")
        .unwrap();
    for debug in [format!("{keyring:?}"), format!("{keyring:#?}")] {
        for secret in [hex(&K1), hex(&K2), "17, 17, 17".into(), "34, 34, 34".into()] {
            assert!(!debug.contains(&secret), "{debug}");
        }
        assert!(
            debug.contains("archive") && debug.contains("billing"),
            "{debug}"
        );
    }
    assert_eq!(
        format!("{keyring:?}"),
        r#"Keyring {"archive": { versions: [1, 2], primary: 2 }, "billing": { versions: [7], primary: 7 }}"#
    );
}

#[test]
fn read_only_and_write_only_keyrings_refuse_the_other_direction() {
    let full = || {
        Keyring::new()
            .with_key("archive", 1, key(&K1))
            .unwrap()
            .with_key("archive", 2, key(&K2))
            .unwrap()
    };
    let aad = aad();
    let stored = full()
        .encrypt("archive", EncryptMode::Randomized, &aad, b"secret")
        .unwrap();

    let reader = full().read_only();
    assert_eq!(reader.access(), KeyringAccess::DecryptOnly);
    assert_eq!(reader.decrypt("archive", &aad, &stored).unwrap(), b"secret");
    for mode in [EncryptMode::Deterministic, EncryptMode::Randomized] {
        let err = reader.encrypt("archive", mode, &aad, b"new").unwrap_err();
        match &err {
            CryptoError::EncryptNotAllowed { context } => {
                assert_eq!(
                    (context.table.as_str(), context.attribute.as_str()),
                    ("archives", "secret")
                );
                assert_eq!(
                    (context.key.as_str(), context.version),
                    ("archive", Some(2))
                );
            }
            other => panic!("expected EncryptNotAllowed, got {other:?}"),
        }
        let message = err.to_string();
        assert!(message.contains("read-only (decrypt only)"), "{message}");
        assert!(message.contains("key `archive` version 2"), "{message}");
    }
    // Refused whether or not the key exists: the keyring may not encrypt at all.
    assert!(matches!(
        reader.encrypt("missing", EncryptMode::Deterministic, &aad, b"x"),
        Err(CryptoError::EncryptNotAllowed { context }) if context.version.is_none()
    ));
    // Reading metadata is not decrypting: rotation checks still work.
    assert!(
        reader
            .uses_primary_version("archive", &aad, &stored)
            .unwrap()
    );

    let writer = full().write_only();
    assert_eq!(writer.access(), KeyringAccess::EncryptOnly);
    let written = writer
        .encrypt("archive", EncryptMode::Deterministic, &aad, b"new")
        .unwrap();
    assert_eq!(full().decrypt("archive", &aad, &written).unwrap(), b"new");
    for envelope in [&stored[..], &written[..], b"not even an envelope"] {
        let err = writer.decrypt("archive", &aad, envelope).unwrap_err();
        assert!(
            matches!(&err, CryptoError::DecryptNotAllowed { context } if context.key == "archive"),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("write-only (encrypt only)"),
            "{err}"
        );
    }
    assert!(
        writer
            .uses_primary_version("archive", &aad, &written)
            .unwrap()
    );

    // Access is replaced, not accumulated; the default is both directions.
    assert_eq!(full().access(), KeyringAccess::EncryptAndDecrypt);
    let both = full()
        .read_only()
        .with_access(KeyringAccess::EncryptAndDecrypt);
    assert_eq!(both.decrypt("archive", &aad, &written).unwrap(), b"new");
    assert!(
        both.encrypt("archive", EncryptMode::Deterministic, &aad, b"x")
            .is_ok()
    );

    // Debug says so, and still shows no key material.
    assert_eq!(
        format!("{reader:?}"),
        r#"Keyring (decrypt only) {"archive": { versions: [1, 2], primary: 2 }}"#
    );
    assert_eq!(
        format!("{writer:?}"),
        r#"Keyring (encrypt only) {"archive": { versions: [1, 2], primary: 2 }}"#
    );
}

#[test]
fn keyring_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Keyring>();
    assert_send_sync::<RootKey>();

    let keyring = Arc::new(Keyring::new().with_key("archive", 1, key(&K1)).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let keyring = Arc::clone(&keyring);
            std::thread::spawn(move || {
                for i in 0..200 {
                    let table = format!("t{}", i % 7);
                    let attribute = format!("a{t}");
                    let item = i.to_string();
                    let aad = Aad::new(&table, &attribute).with_item_key(item.as_bytes());
                    let value = format!("value {t} {i}");
                    let stored = keyring
                        .encrypt("archive", EncryptMode::Randomized, &aad, value.as_bytes())
                        .unwrap();
                    assert_eq!(
                        keyring.decrypt("archive", &aad, &stored).unwrap(),
                        value.as_bytes()
                    );
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn errors_stay_small() {
    // Errors travel inside every Result of the pipeline; keep them a few words wide.
    assert!(std::mem::size_of::<CryptoError>() <= 40);
    assert!(std::mem::size_of::<dynamate::primitives::compress::CompressError>() <= 32);
}
