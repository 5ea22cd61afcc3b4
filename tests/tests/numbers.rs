//! Numbers as DynamoDB stores them (schemas/ledger.toml).
//!
//! DynamoDB (and dynalite) normalise number text: `1E+40` is stored and returned as `1` followed
//! by forty zeros. moto stores the text it is sent, so reading raw items back from moto shows
//! exactly what dynamate writes. Every test runs on both servers.

use std::collections::BTreeSet;
use std::time::Duration;

use dynamate::item::model::ItemReader;
use dynamate::primitives::crypto::{Aad, EncryptMode, Keyring, RootKey};
use dynamate::{AttributeValue, Cursor, Decimal, Item, Model, ModelExt, Update};
use dynamate_tests::fixtures::with_table;
use dynamate_tests::on_both_servers;
use dynamate_tests::support::Server;
use dynamate_tests::{Ledger, LedgerKey};

mod offload_common;
use offload_common::{get_raw, put_raw};

fn d(text: &str) -> Decimal {
    Decimal::parse(text).expect("valid decimal")
}

fn entry(account: &str, seq: &str, memo: &str) -> Ledger {
    Ledger {
        account: d(account),
        seq: d(seq),
        amount: d("12.5"),
        ratio: 0.5,
        counts: BTreeSet::new(),
        memo: memo.to_string(),
    }
}

fn key_of(entry: &Ledger) -> LedgerKey {
    entry.key()
}

/// The item exactly as the server returns it (no decoding).
async fn raw_item(client: &dynamate::Client, key: &LedgerKey) -> Item {
    get_raw::<Ledger>(client, key)
        .await
        .expect("the item exists")
}

fn number(item: &Item, name: &str) -> String {
    match &item[name] {
        AttributeValue::N(n) => n.clone(),
        other => panic!("{name} is not a number: {other:?}"),
    }
}

fn sorted_numbers(item: &Item, name: &str) -> Vec<String> {
    match &item[name] {
        AttributeValue::Ns(ns) => {
            let mut ns = ns.clone();
            ns.sort();
            ns
        }
        other => panic!("{name} is not a number set: {other:?}"),
    }
}

const FORTY_ZEROS: &str = "0000000000000000000000000000000000000000";

/// A randomized value under keys written `1E+40` and `2.5E-30` is read back, although the
/// server returns the keys as `1` and forty zeros and `0.0000000000000000000000000000025`.
async fn randomized_value_under_numeric_key(server: Server) {
    let client = with_table::<Ledger>(server).await;
    let mut written = entry("1E+40", "2.5E-30", "bound to a big key");
    written.save(&client).await.expect("save");
    let read = Ledger::get(&client, &key_of(&written))
        .await
        .expect("the memo decrypts under the key as the server returns it")
        .expect("the item exists");
    assert_eq!(read.memo, written.memo);
    assert_eq!(read.account, written.account);
    assert_eq!(read.seq, written.seq);

    // An update binds the new memo to the canonical key too.
    client
        .update(
            &key_of(&written),
            Update::new().set(Ledger::MEMO, "updated"),
        )
        .await
        .expect("update");
    let read = Ledger::get(&client, &key_of(&written))
        .await
        .expect("the updated memo decrypts")
        .expect("the item exists");
    assert_eq!(read.memo, "updated");
}

/// What dynamate writes is DynamoDB's normal form: no exponent, no leading zeros, no trailing
/// fractional zeros, `-0` as `0`. On moto (which keeps the text) this shows the text we send.
async fn numbers_are_written_in_normal_form(server: Server) {
    let client = with_table::<Ledger>(server).await;
    let mut written = entry("1E+40", "-2.5E-30", "normal form");
    written.amount = d("1.5E+60");
    written.ratio = 1.25e-8;
    written.counts = BTreeSet::from([d("1E+3"), d("-7.50E-25"), d("0.10")]);
    written.save(&client).await.expect("save");
    let raw = raw_item(&client, &key_of(&written)).await;
    assert_eq!(number(&raw, "account"), format!("1{FORTY_ZEROS}"));
    assert_eq!(number(&raw, "seq"), "-0.0000000000000000000000000000025");
    assert_eq!(
        number(&raw, "amount"),
        format!("15{FORTY_ZEROS}{}", "0".repeat(19))
    );
    assert_eq!(number(&raw, "ratio"), "0.0000000125");
    let mut expected = vec![
        "1000".to_string(),
        "-0.00000000000000000000000075".to_string(),
        "0.1".to_string(),
    ];
    expected.sort();
    assert_eq!(sorted_numbers(&raw, "counts"), expected);

    let mut zero = entry("-0", "0.0", "zeros");
    zero.ratio = -0.0;
    zero.amount = d("-0.000");
    zero.save(&client).await.expect("save");
    let raw = raw_item(&client, &key_of(&zero)).await;
    for name in ["account", "seq", "amount", "ratio"] {
        assert_eq!(number(&raw, name), "0", "{name}");
    }
    let mut big = entry("1", "2", "large float");
    big.ratio = 1e22;
    big.save(&client).await.expect("save");
    let raw = raw_item(&client, &key_of(&big)).await;
    assert_eq!(number(&raw, "ratio"), format!("1{}", "0".repeat(22)));
}

/// A query over numeric sort keys resumed from cursors (as text, as another process would)
/// returns every item once, in order, with its randomized memo readable.
async fn cursors_resume_across_pages(server: Server) {
    let client = with_table::<Ledger>(server).await;
    let seqs = ["1E+40", "2E+40", "2.5E+40", "3E+40", "4.00E+40"];
    for (i, seq) in seqs.iter().enumerate() {
        let mut entry = entry("7E+50", seq, &format!("memo {i}"));
        entry.save(&client).await.expect("save");
    }
    let read_all = async {
        let mut memos = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..10 {
            let mut query = client.query(Ledger::ACCOUNT.eq(d("7E+50"))).page_size(2);
            if let Some(text) = cursor.take() {
                query = query.start_from(Cursor::new(text));
            }
            let page = query.page().await.expect("query page");
            memos.extend(page.items.into_iter().map(|e| (e.seq, e.memo)));
            match page.next {
                Some(next) => cursor = Some(next.as_str().to_string()),
                None => break,
            }
        }
        memos
    };
    let memos = tokio::time::timeout(Duration::from_secs(60), read_all)
        .await
        .expect("paging finishes within 60 s");
    let expected: Vec<(Decimal, String)> = seqs
        .iter()
        .enumerate()
        .map(|(i, seq)| (d(seq), format!("memo {i}")))
        .collect();
    assert_eq!(memos, expected);
}

/// The root key of the fixture keyring's `archive` key.
fn archive_keyring() -> Keyring {
    Keyring::new()
        .with_key("archive", 1, RootKey::from_bytes(&[7; 32]).expect("key"))
        .expect("keyring")
}

/// The item-key bytes dynamate 0.1 bound randomized values to: for hash then range key, tag 2
/// (number), the text as written, as a u32 big-endian length and the bytes.
fn key_bytes_as_written(texts: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for text in texts {
        out.push(2);
        out.extend_from_slice(&(text.len() as u32).to_be_bytes());
        out.extend_from_slice(text.as_bytes());
    }
    out
}

/// An item as dynamate 0.1 wrote it: keys in the text `Decimal` printed then (`1E+40`), the
/// memo bound to that text.
fn item_written_before_canonical_keys(account: &str, seq: &str, memo: &str) -> Item {
    let ad_key = key_bytes_as_written(&[account, seq]);
    let aad = Aad::new("ledger", "memo").with_item_key(&ad_key);
    let envelope = archive_keyring()
        .encrypt("archive", EncryptMode::Randomized, &aad, memo.as_bytes())
        .expect("encrypt");
    Item::from([
        (
            "account".to_string(),
            AttributeValue::N(account.to_string()),
        ),
        ("seq".to_string(), AttributeValue::N(seq.to_string())),
        ("amount".to_string(), AttributeValue::N("1".to_string())),
        ("ratio".to_string(), AttributeValue::N("0.5".to_string())),
        (
            "memo".to_string(),
            AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(envelope)),
        ),
    ])
}

/// A client of `server` with the `Ledger` table, holding one item as dynamate 0.1 wrote it
/// (see [`item_written_before_canonical_keys`]), and the key to read it with.
async fn with_item_written_before_canonical_keys(
    server: Server,
    account: &str,
    seq: &str,
    memo: &str,
) -> (dynamate::Client, LedgerKey) {
    let client = with_table::<Ledger>(server).await;
    let item = item_written_before_canonical_keys(account, seq, memo);
    put_raw::<Ledger>(&client, item).await;
    let key = LedgerKey {
        account: d(account),
        seq: d(seq),
    };
    (client, key)
}

/// Items that dynamate 0.1 wrote under keys it printed in scientific notation stay readable:
/// on moto the key text is as written; on dynalite (like DynamoDB) it is normalised, and the
/// reader recomputes the spelling dynamate 0.1 used.
async fn items_written_before_canonical_keys_stay_readable(server: Server) {
    let (client, key) =
        with_item_written_before_canonical_keys(server, "1E+40", "2.5E-30", "written by 0.1").await;
    let read = Ledger::get(&client, &key)
        .await
        .expect("the memo decrypts under the key text dynamate 0.1 wrote")
        .expect("the item exists");
    assert_eq!(read.memo, "written by 0.1");
}

on_both_servers!(
    randomized_value_under_numeric_key,
    numbers_are_written_in_normal_form,
    cursors_resume_across_pages,
    items_written_before_canonical_keys_stay_readable,
    foreign_key_spelling_recovers_with_the_original_key,
);

/// A key written by another client in a spelling dynamate 0.1 never printed (`10E+39`): on
/// dynalite, which normalises it like DynamoDB, the spelling is lost and the read fails with
/// `AuthenticationFailed`, until the original key text is supplied (the documented recovery
/// path); saving the recovered model binds the memo to the canonical key. On moto the text is
/// kept, and the plain read works.
async fn foreign_key_spelling_recovers_with_the_original_key(server: Server) {
    let (client, key) =
        with_item_written_before_canonical_keys(server, "10E+39", "1", "foreign spelling").await;
    let read = Ledger::get(&client, &key).await;
    if server == Server::Moto {
        assert_eq!(
            read.expect("read").expect("exists").memo,
            "foreign spelling"
        );
        return;
    }
    match read {
        Err(dynamate::Error::Decode(error)) => assert!(
            matches!(
                &error.cause,
                dynamate::CodecError::Transform(t) if matches!(
                    **t,
                    dynamate::item::transform::TransformError::Crypto(
                        dynamate::primitives::crypto::CryptoError::AuthenticationFailed { .. }
                    )
                )
            ),
            "{error:?}"
        ),
        other => panic!("expected AuthenticationFailed, got {other:?}"),
    }
    let stored = raw_item(&client, &key).await;
    let mut original = stored.clone();
    original.insert("account".into(), AttributeValue::N("10E+39".into()));
    let mut reader =
        ItemReader::new(Ledger::SCHEMA, stored, client.transforms()).with_original_key(&original);
    let mut recovered = Ledger::read_item(&mut reader).expect("recovered with the original key");
    assert!(reader.used_legacy_key());
    assert_eq!(recovered.memo, "foreign spelling");
    recovered.save(&client).await.expect("save");
    let read = Ledger::get(&client, &key)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read.memo, "foreign spelling");
}

/// `rotate_keys` rewrites values bound to dynamate 0.1's key text so they no longer need the
/// fallback: afterwards the memo authenticates under the canonical key alone. On dynalite,
/// which treats `1E+40` and its normal form as one key, like DynamoDB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_rebinds_items_written_before_canonical_keys() {
    let (client, key) =
        with_item_written_before_canonical_keys(Server::Dynalite, "1E+40", "2.5E-30", "rebind me")
            .await;
    let canonical_item = item_written_before_canonical_keys("5", "6", "already canonical");
    put_raw::<Ledger>(&client, canonical_item).await;
    let report = tokio::time::timeout(Duration::from_secs(60), client.rotate_keys::<Ledger>())
        .await
        .expect("rotation finishes within 60 s")
        .expect("rotate");
    assert_eq!(
        (report.scanned, report.rotated, report.up_to_date),
        (2, 1, 1)
    );
    let stored = raw_item(&client, &key).await;
    let AttributeValue::B(envelope) = &stored["memo"] else {
        panic!("memo is not binary");
    };
    let canonical = dynamate::item::model::canonical_key_bytes(Ledger::SCHEMA, &stored);
    let aad = Aad::new("ledger", "memo").with_item_key(&canonical);
    assert_eq!(
        archive_keyring()
            .decrypt("archive", &aad, envelope.as_ref())
            .expect("bound to the canonical key"),
        b"rebind me"
    );
    let report = client.rotate_keys::<Ledger>().await.expect("rotate again");
    assert_eq!((report.rotated, report.up_to_date), (0, 2));
}
