//! Property tests: both encryption modes round-trip arbitrary bytes, and arbitrary or mangled
//! envelopes never panic and never decrypt.

use dynamate::primitives::crypto::{Aad, EncryptMode, Keyring, RootKey, envelope_key_id};
use proptest::prelude::*;

fn keyring() -> Keyring {
    Keyring::new()
        .with_key("archive", 1, RootKey::from_bytes(&[0x5a; 32]).unwrap())
        .unwrap()
        .with_key("archive", 2, RootKey::from_bytes(&[0xa5; 32]).unwrap())
        .unwrap()
}

fn mode() -> impl Strategy<Value = EncryptMode> {
    prop_oneof![
        Just(EncryptMode::Deterministic),
        Just(EncryptMode::Randomized)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn round_trips(
        mode in mode(),
        plaintext in proptest::collection::vec(any::<u8>(), 0..2048),
        table in "\\PC{0,12}",
        attribute in "\\PC{0,12}",
        item_key in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
    ) {
        let keyring = keyring();
        let aad = Aad { table: &table, attribute: &attribute, item_key: item_key.as_deref() };
        let stored = keyring.encrypt("archive", mode, &aad, &plaintext).unwrap();
        let overhead = 3 + 7 + 4 + 16 + mode.nonce_len();
        prop_assert_eq!(stored.len(), plaintext.len() + overhead);
        prop_assert_eq!(keyring.decrypt("archive", &aad, &stored).unwrap(), plaintext.clone());
        prop_assert_eq!(envelope_key_id(&aad, &stored).unwrap().version, 2);

        let again = keyring.encrypt("archive", mode, &aad, &plaintext).unwrap();
        match mode {
            EncryptMode::Deterministic => prop_assert_eq!(&again, &stored),
            EncryptMode::Randomized => prop_assert_ne!(&again, &stored),
        }
    }

    #[test]
    fn ciphertext_reveals_nothing_obvious(plaintext in proptest::collection::vec(any::<u8>(), 32..256)) {
        // Not a security proof, just a guard against "encryption" that copies the plaintext.
        let keyring = keyring();
        let aad = Aad::new("t", "a");
        let stored = keyring.encrypt("archive", EncryptMode::Deterministic, &aad, &plaintext).unwrap();
        let body = &stored[stored.len() - plaintext.len()..];
        let same = body.iter().zip(&plaintext).filter(|(a, b)| a == b).count();
        prop_assert!(same < plaintext.len() / 4, "{same} of {} bytes unchanged", plaintext.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn arbitrary_bytes_never_panic(envelope in proptest::collection::vec(any::<u8>(), 0..128)) {
        let keyring = keyring();
        let aad = Aad::new("t", "a").with_item_key(b"k");
        prop_assert!(keyring.decrypt("archive", &aad, &envelope).is_err());
        let _ = envelope_key_id(&aad, &envelope);
        let _ = keyring.uses_primary_version("archive", &aad, &envelope);
    }

    #[test]
    fn plausible_headers_with_garbage_never_decrypt(
        mode in mode(),
        version in prop_oneof![Just(1u32), Just(2u32), any::<u32>()],
        rest in proptest::collection::vec(any::<u8>(), 0..96),
    ) {
        // Past the parser: a well-formed header for a key the keyring has, then random bytes.
        let keyring = keyring();
        let aad = Aad::new("t", "a").with_item_key(b"k");
        let mut envelope = vec![1, mode.to_byte(), 7];
        envelope.extend_from_slice(b"archive");
        envelope.extend_from_slice(&version.to_be_bytes());
        envelope.extend_from_slice(&rest);
        prop_assert!(keyring.decrypt("archive", &aad, &envelope).is_err());
    }

    #[test]
    fn mangled_envelopes_never_decrypt(
        mode in mode(),
        plaintext in proptest::collection::vec(any::<u8>(), 0..64),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let keyring = keyring();
        let aad = Aad::new("t", "a").with_item_key(b"k");
        let stored = keyring.encrypt("archive", mode, &aad, &plaintext).unwrap();
        let mut mangled = stored.clone();
        for (index, xor) in &edits {
            let i = index.index(mangled.len());
            mangled[i] ^= xor;
        }
        if let Some(cut) = cut {
            mangled.truncate(cut.index(mangled.len()));
        }
        if mangled != stored {
            prop_assert!(keyring.decrypt("archive", &aad, &mangled).is_err());
        }
    }
}
