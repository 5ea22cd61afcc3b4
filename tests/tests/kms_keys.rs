//! Root keys held in KMS (`dynamate::io::kms`), against moto's KMS: a model with encrypted
//! attributes round-trips under a KMS-loaded keyring, rotation adds a version, and a missing
//! KMS key, a wrong encryption context, denied access and a disabled key each give their typed
//! error; read-only and write-only keyrings refuse the other direction.
//!
//! moto enforces the encryption context on `Decrypt` and reports unknown keys, but neither IAM
//! nor key state (a disabled key still decrypts there), so denied access and disabled keys are
//! KMS's answers injected by the fault proxy in front of moto.

use std::time::Duration;

use aws_sdk_kms::types::KeyState;
use dynamate::io::kms::{KmsError, KmsKeyring, WrappedKey, WrappedRootKey};
use dynamate::item::error::{CodecError, TransformError};
use dynamate::primitives::crypto::{Aad, CryptoError, KeyId, Keyring, RootKey, envelope_key_id};
use dynamate::{AttributeValue, Client, Error, Model, Report};
use dynamate_tests::faults::{Action, FaultProxy, Rule};
use dynamate_tests::support::{Server, builder, unique_name};
use dynamate_tests::{Archive, ArchiveKey};

/// A KMS keyring talking to `endpoint` with test settings (one attempt, short timeouts);
/// credentials and region from the environment `scripts/servers.sh` sets.
async fn kms_at(endpoint: &str) -> KmsKeyring {
    let config = aws_config::defaults(aws_config::BehaviorVersion::v2026_01_12())
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_timeout(Duration::from_secs(30))
                .build(),
        )
        .load()
        .await;
    KmsKeyring::from_conf(&config)
}

async fn kms() -> KmsKeyring {
    kms_at(&Server::Moto.endpoint()).await
}

/// A new symmetric KMS key with a unique alias; returns the alias (`alias/..`) and the key id.
async fn new_kms_key(kms: &KmsKeyring) -> (String, String) {
    let key_id = kms
        .client()
        .create_key()
        .description("dynamate kms_keys test")
        .send()
        .await
        .expect("CreateKey")
        .key_metadata
        .expect("key metadata")
        .key_id;
    let alias = format!("alias/{}", unique_name("dynamate-test"));
    kms.client()
        .create_alias()
        .alias_name(&alias)
        .target_key_id(&key_id)
        .send()
        .await
        .expect("CreateAlias");
    (alias, key_id)
}

/// A client for the same tables as `client` (its table prefix), with `keyring`.
async fn same_tables(client: &Client, keyring: Keyring) -> Client {
    let table = client.table_name::<Archive>();
    let prefix = table
        .strip_suffix(Archive::SCHEMA.table_name)
        .expect("a prefixed table name");
    builder(Server::Moto)
        .table_prefix(prefix)
        .keyring(keyring)
        .build()
        .await
}

/// A dynamate client on moto with `keyring` and the Archive table created.
async fn archive_client(keyring: Keyring) -> Client {
    let client = builder(Server::Moto).keyring(keyring).build().await;
    client
        .create_table::<Archive>()
        .await
        .expect("create table");
    client
}

fn archive(aid: &str, message: &str) -> Archive {
    Archive {
        aid: aid.into(),
        secret_message: message.into(),
        secret_binary: b"a secret image".to_vec(),
        secret_integer: 1234,
        secret_float: 3.5,
        secret_data: serde_json::json!({"Alice": 1, "Bob": 2}),
    }
}

/// The key id in the envelope stored in `attribute` of item `aid`, read with the raw SDK.
async fn stored_key_id(client: &Client, aid: &str, attribute: &str) -> KeyId {
    let item = client
        .dynamodb()
        .get_item()
        .table_name(client.table_name::<Archive>())
        .key("aid", AttributeValue::S(aid.into()))
        .send()
        .await
        .expect("GetItem")
        .item
        .expect("item stored");
    let Some(AttributeValue::B(blob)) = item.get(attribute) else {
        panic!("`{attribute}` is not stored as binary: {item:?}");
    };
    envelope_key_id(
        &Aad::new(Archive::SCHEMA.table_name, attribute),
        blob.as_ref(),
    )
    .expect("an envelope")
}

fn key_id(name: &str, version: u32) -> KeyId {
    KeyId {
        name: name.into(),
        version,
    }
}

/// The crypto error at the bottom of a failed read or write of one attribute.
fn crypto_cause(error: &Error) -> &CryptoError {
    let cause = match error {
        Error::Decode(decode) => &decode.cause,
        Error::Encode(encode) => &encode.cause,
        other => panic!("expected an encode or decode error, got {}", Report(other)),
    };
    match cause {
        CodecError::Transform(transform) => match &**transform {
            TransformError::Crypto(crypto) => crypto,
            other => panic!("expected a crypto error, got {other}"),
        },
        other => panic!("expected a transform error, got {other}"),
    }
}

#[tokio::test]
async fn a_model_round_trips_under_a_kms_loaded_keyring() {
    let kms = kms().await.with_context("app", "kms-tests").unwrap();
    let (alias, key_id_) = new_kms_key(&kms).await;
    let entry = kms.generate("archive", 1, &alias).await.expect("generate");
    assert_eq!(
        (
            entry.name.as_str(),
            entry.version,
            entry.kms_key_id.as_str()
        ),
        ("archive", 1, alias.as_str())
    );

    // As the configuration stores it: text, parsed back at startup.
    let stored = serde_json::to_string(&entry).unwrap();
    let entry: WrappedRootKey = serde_json::from_str(&stored).unwrap();
    // Raw keys of other names live beside KMS keys in one keyring.
    let raw = Keyring::new()
        .with_key("vault", 1, RootKey::from_bytes(&[7; 32]).unwrap())
        .unwrap();
    let keyring = kms
        .clone()
        .with_entry(entry.clone())
        .load_into(raw)
        .await
        .expect("load");
    assert_eq!(keyring.versions("archive"), [1]);
    assert_eq!(keyring.versions("vault"), [1]);

    let client = archive_client(keyring).await;
    let mut model = archive("a-1", "attack at 2PM tomorrow!");
    client.save(&mut model).await.unwrap();
    let read = client
        .get(&ArchiveKey { aid: "a-1".into() })
        .await
        .unwrap()
        .expect("item");
    assert_eq!(read, model);
    assert_eq!(
        stored_key_id(&client, "a-1", "secret_message").await,
        key_id("archive", 1)
    );

    // Loading again (another process, the KMS key named by id instead of alias) reads it too:
    // the data key is the same, only its wrapping is stored.
    let by_id = kms
        .with_key("archive", 1, &key_id_, entry.wrapped)
        .load()
        .await
        .expect("load by key id");
    let found = same_tables(&client, by_id)
        .await
        .scan::<Archive>()
        .filter(Archive::SECRET_MESSAGE.eq("attack at 2PM tomorrow!"))
        .all()
        .await
        .unwrap();
    assert_eq!(found, [model]);
}

#[tokio::test]
async fn rotation_adds_a_version_and_old_values_still_read() {
    let kms = kms().await;
    let (alias, _) = new_kms_key(&kms).await;
    let v1 = kms
        .generate("archive", 1, &alias)
        .await
        .expect("generate v1");
    let only_v1 = kms.clone().with_entry(v1.clone()).load().await.unwrap();
    let client = archive_client(only_v1).await;
    let mut old = archive("old", "written under version 1");
    client.save(&mut old).await.unwrap();

    // Rotate: a new data key as version 2, loaded beside version 1.
    let v2 = kms
        .generate("archive", 2, &alias)
        .await
        .expect("generate v2");
    assert_ne!(v1.wrapped, v2.wrapped);
    let both = kms
        .clone()
        .with_entry(v1)
        .with_entry(v2.clone())
        .load()
        .await
        .unwrap();
    assert_eq!(both.primary_version("archive"), Some(2));
    let rotated = same_tables(&client, both).await;
    let mut new = archive("new", "written under version 2");
    rotated.save(&mut new).await.unwrap();
    assert_eq!(
        stored_key_id(&rotated, "new", "secret_message").await,
        key_id("archive", 2)
    );
    assert_eq!(
        stored_key_id(&rotated, "old", "secret_message").await,
        key_id("archive", 1)
    );
    for (aid, expected) in [("old", &old), ("new", &new)] {
        let read = rotated.get(&ArchiveKey { aid: aid.into() }).await.unwrap();
        assert_eq!(read.as_ref(), Some(expected), "item {aid}");
    }

    // Version 1 must stay loaded while values under it remain.
    let only_v2 = kms.with_entry(v2).load().await.unwrap();
    let without_v1 = same_tables(&client, only_v2).await;
    let error = without_v1
        .get(&ArchiveKey { aid: "old".into() })
        .await
        .unwrap_err();
    assert!(
        matches!(
            crypto_cause(&error),
            CryptoError::UnknownKeyVersion { version: 1, .. }
        ),
        "{}",
        Report(&error)
    );
}

#[tokio::test]
async fn a_missing_kms_key_is_not_found() {
    let kms = kms().await;
    let alias = format!("alias/{}", unique_name("missing"));
    let error = kms.generate("archive", 1, &alias).await.unwrap_err();
    match &error {
        KmsError::NotFound {
            operation: "GenerateDataKeyWithoutPlaintext",
            key,
            kms_key_id,
            ..
        } => {
            assert_eq!(key, &key_id("archive", 1));
            assert_eq!(kms_key_id, &alias);
        }
        other => panic!("expected NotFound, got {}", Report(other)),
    }
    assert!(error.to_string().contains(&alias), "{error}");

    // Loading a wrapped key against a KMS key that does not exist.
    let (real, _) = new_kms_key(&kms).await;
    let entry = kms.generate("archive", 1, &real).await.unwrap();
    let missing_id = "0b7f1e7c-7d4e-4f4b-9d55-3b1f1a9f0c11";
    let error = kms
        .with_key("archive", 1, missing_id, entry.wrapped)
        .load()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            KmsError::NotFound { operation: "Decrypt", kms_key_id, .. } if kms_key_id == missing_id
        ),
        "{}",
        Report(&error)
    );
}

#[tokio::test]
async fn a_wrong_encryption_context_is_refused() {
    let kms = kms().await.with_context("app", "billing").unwrap();
    let (alias, _) = new_kms_key(&kms).await;
    let entry = kms.generate("archive", 1, &alias).await.unwrap();
    let wrapped = entry.wrapped.clone();

    let assert_wrong_context = |error: KmsError, name: &str, version: u32| match error {
        KmsError::WrongContext {
            operation: "Decrypt",
            key,
            kms_key_id,
            ..
        } => {
            assert_eq!(key, key_id(name, version));
            assert_eq!(kms_key_id, alias);
        }
        other => panic!("expected WrongContext, got {}", Report(&other)),
    };

    // Configured as another version, or under another key name: the context differs.
    let as_v2 = kms.clone().with_key("archive", 2, &alias, wrapped.clone());
    assert_wrong_context(as_v2.load().await.unwrap_err(), "archive", 2);
    let renamed = kms.clone().with_key("vault", 1, &alias, wrapped.clone());
    assert_wrong_context(renamed.load().await.unwrap_err(), "vault", 1);

    // Loaded by an application with other context entries.
    let other_app = kms
        .clone()
        .with_context("app", "reports")
        .unwrap()
        .with_entry(entry.clone());
    assert_wrong_context(other_app.load().await.unwrap_err(), "archive", 1);

    // A corrupted wrapped key.
    let mut bytes = wrapped.as_bytes().to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let corrupt =
        kms.clone()
            .with_key("archive", 1, &alias, WrappedKey::from_bytes(bytes).unwrap());
    assert_wrong_context(corrupt.load().await.unwrap_err(), "archive", 1);

    // The right context still loads.
    kms.with_entry(entry).load().await.expect("right context");
}

/// Denied access and an unusable key: KMS's answers, injected by the fault proxy (moto
/// enforces neither IAM nor key state), each classified by its error code.
#[tokio::test]
async fn denied_access_and_disabled_keys_are_typed() {
    let proxy = FaultProxy::new(Server::Moto);
    let kms = kms_at(proxy.endpoint()).await;
    let (alias, key_id_) = new_kms_key(&kms).await;
    // Every request names the key version in its encryption context: a unique key name keeps
    // this test's rules off other tests' requests.
    let name = unique_name("denied");
    let entry = kms.generate(&name, 1, &alias).await.unwrap();
    let loader = kms.clone().with_entry(entry);

    // Disable the key as an operator would; moto keeps decrypting, so KMS's answer comes from
    // the proxy.
    kms.client()
        .disable_key()
        .key_id(&key_id_)
        .send()
        .await
        .expect("DisableKey");
    let state = kms
        .client()
        .describe_key()
        .key_id(&key_id_)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_state;
    assert_eq!(state, Some(KeyState::Disabled));
    loader
        .load()
        .await
        .expect("moto decrypts under a disabled key (if this fails, moto enforces key state now)");

    let answer = |code: &str| Action::Status {
        status: 400,
        body: Some(
            serde_json::json!({"__type": code, "message": format!("{code} (injected)")})
                .to_string(),
        ),
    };
    for code in [
        "AccessDeniedException",
        "DisabledException",
        "KMSInvalidStateException",
        "IncorrectKeyException",
        "ThrottlingException",
    ] {
        let rule = proxy
            .add(Rule::new(answer(code)).operation("Decrypt").contains(&name))
            .await;
        let error = loader.load().await.unwrap_err();
        assert_eq!(rule.hits().await.hits, 1, "{code}");
        let (key, kms_key_id) = match (&error, code) {
            (
                KmsError::AccessDenied {
                    operation: "Decrypt",
                    key,
                    kms_key_id,
                    ..
                },
                "AccessDeniedException",
            ) => (key, kms_key_id),
            (
                KmsError::KeyDisabled {
                    operation: "Decrypt",
                    key,
                    kms_key_id,
                    code: found,
                    ..
                },
                "DisabledException" | "KMSInvalidStateException",
            ) if found == code => (key, kms_key_id),
            (
                KmsError::WrongKmsKey {
                    operation: "Decrypt",
                    key,
                    kms_key_id,
                    ..
                },
                "IncorrectKeyException",
            ) => (key, kms_key_id),
            (
                KmsError::Request {
                    operation: "Decrypt",
                    key,
                    kms_key_id,
                    code: Some(found),
                    ..
                },
                "ThrottlingException",
            ) if found == code => (key, kms_key_id),
            (other, _) => panic!("{code}: unexpected {}", Report(other)),
        };
        assert_eq!(key, &key_id(&name, 1), "{code}");
        assert_eq!(kms_key_id, &alias, "{code}");
        let report = Report(&error).to_string();
        assert!(report.contains(&format!("{code} (injected)")), "{report}");
    }

    // Denied on generation as well.
    let rule = proxy
        .add(
            Rule::new(answer("AccessDeniedException"))
                .operation("GenerateDataKeyWithoutPlaintext")
                .contains(&name),
        )
        .await;
    let error = kms.generate(&name, 2, &alias).await.unwrap_err();
    assert_eq!(rule.hits().await.hits, 1);
    assert!(
        matches!(
            &error,
            KmsError::AccessDenied {
                operation: "GenerateDataKeyWithoutPlaintext",
                ..
            }
        ),
        "{}",
        Report(&error)
    );
    assert!(
        error
            .to_string()
            .contains("kms:GenerateDataKeyWithoutPlaintext"),
        "{error}"
    );
}

#[tokio::test]
async fn read_only_and_write_only_keyrings_refuse_the_other_direction() {
    let kms = kms().await;
    let (alias, _) = new_kms_key(&kms).await;
    let entry = kms.generate("archive", 1, &alias).await.unwrap();
    let loader = kms.with_entry(entry);

    let writer = archive_client(loader.load().await.unwrap().write_only()).await;
    let reader = same_tables(&writer, loader.load().await.unwrap().read_only()).await;

    // The writer writes; the reader reads what it wrote.
    let mut model = archive("w-1", "ingested");
    writer.save(&mut model).await.unwrap();
    let read = reader.get(&ArchiveKey { aid: "w-1".into() }).await.unwrap();
    assert_eq!(read.as_ref(), Some(&model));

    // The writer cannot read it back.
    let error = writer
        .get(&ArchiveKey { aid: "w-1".into() })
        .await
        .unwrap_err();
    assert!(
        matches!(crypto_cause(&error), CryptoError::DecryptNotAllowed { context } if context.key == "archive"),
        "{}",
        Report(&error)
    );
    assert!(Report(&error).to_string().contains("write-only"));

    // The reader cannot write, nor compare a deterministically encrypted attribute.
    let error = reader
        .save(&mut archive("r-1", "not allowed"))
        .await
        .unwrap_err();
    assert!(
        matches!(crypto_cause(&error), CryptoError::EncryptNotAllowed { context } if context.key == "archive"),
        "{}",
        Report(&error)
    );
    assert!(Report(&error).to_string().contains("read-only"));
    let error = reader
        .scan::<Archive>()
        .filter(Archive::SECRET_MESSAGE.eq("ingested"))
        .all()
        .await
        .unwrap_err();
    assert!(
        matches!(crypto_cause(&error), CryptoError::EncryptNotAllowed { .. }),
        "{}",
        Report(&error)
    );
    let missing = reader.get(&ArchiveKey { aid: "r-1".into() }).await.unwrap();
    assert_eq!(missing, None, "nothing was written");
}
