//! `Client::migrate_pynamodb_mate` on moto and dynalite: items holding values the real
//! pynamodb_mate wrote (runtime/tests/data/pynamodb_mate_vectors.json) in `Migrating`'s
//! `pynamodb_mate = "migrate"` attributes are rewritten into dynamate's format, resumably, with
//! a dry run first; the raw items and the reader confirm the new format.

use aws_sdk_dynamodb::primitives::Blob;
use dynamate::io::migrate::{CommandError, MigrationOptions, MigrationReport, command};
use dynamate::primitives::crypto::{Keyring, RootKey};
use dynamate::{AttributeValue, Client, Item, Model};
use dynamate_tests::faults::{Action, FaultProxy, Rule, Service};
use dynamate_tests::support::{Server, builder, unique_name};
use dynamate_tests::{Migrating, on_both_servers};
use serde_json::Value;

mod pynamodb_mate_common;
use pynamodb_mate_common::{PASSWORD, unhex};

on_both_servers! {
    legacy_values_are_rewritten_in_dynamates_format,
    a_write_between_read_and_rewrite_is_never_overwritten,
    the_command_dry_runs_stops_and_resumes,
}

fn legacy_values() -> [(&'static str, Vec<u8>); 3] {
    let v: Value = serde_json::from_str(include_str!(
        "../../runtime/tests/data/pynamodb_mate_vectors.json"
    ))
    .unwrap();
    let find = |family: &str, pick: &dyn Fn(&Value) -> bool| {
        v[family]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| pick(e))
            .unwrap()
            .clone()
    };
    let gz = find("gzip", &|e| e["value"]["text"] == "héllo wörld 😀");
    let ecb = find("ecb", &|e| e["value"]["json"] == r#"{"a": 1}"#);
    let ctr = find("ctr", &|e| {
        e["kind"] == "number" && e["value"]["int"] == "1234"
    });
    [
        ("text_gz", unhex(gz["stored_hex"].as_str().unwrap())),
        ("json_ecb", unhex(ecb["stored_hex"].as_str().unwrap())),
        (
            "int_ctr",
            ctr["stored"].as_str().unwrap().as_bytes().to_vec(),
        ),
    ]
}

fn expected(id: &str) -> Migrating {
    Migrating {
        id: id.into(),
        text_gz: Some("héllo wörld 😀".into()),
        json_ecb: Some(serde_json::json!({"a": 1})),
        int_ctr: Some(1234),
    }
}

async fn raw(client: &Client, id: &str) -> Item {
    client
        .dynamodb()
        .get_item()
        .table_name(client.table_name::<Migrating>())
        .key("id", AttributeValue::S(id.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap()
}

fn first_byte(item: &Item, attribute: &str) -> u8 {
    match &item[attribute] {
        AttributeValue::B(blob) => blob.as_ref()[0],
        other => panic!("{attribute}: {other:?}"),
    }
}

fn keyring() -> Keyring {
    Keyring::new()
        .with_key("legacy", 1, RootKey::from_bytes(&[5; 32]).unwrap())
        .unwrap()
        .with_pynamodb_mate_password("legacy", PASSWORD)
        .unwrap()
}

/// A client of `builder` with the legacy keyring, and the `Migrating` table created.
async fn with_legacy_table(builder: dynamate::ClientBuilder) -> Client {
    let client = builder.keyring(keyring()).build().await;
    client
        .create_table::<Migrating>()
        .without_ttl()
        .await
        .unwrap();
    client
}

/// Stores an item `id` holding the values pynamodb_mate wrote, as the Python service would.
async fn put_legacy(client: &Client, id: &str) {
    let mut put = client
        .dynamodb()
        .put_item()
        .table_name(client.table_name::<Migrating>())
        .item("id", AttributeValue::S(id.into()));
    for (attribute, stored) in legacy_values() {
        put = put.item(attribute, AttributeValue::B(Blob::new(stored)));
    }
    put.send().await.unwrap();
}

/// The proxy holds the migration's `UpdateItem` for 2 s; meanwhile another writer saves the
/// item (in dynamate's format, as a `migrate` attribute writes). The rewrite, conditioned on the
/// legacy values read, is then refused by the server: the other writer's values stay, and the
/// item is counted as changed concurrently, not migrated.
async fn a_write_between_read_and_rewrite_is_never_overwritten(server: Server) {
    let proxy = FaultProxy::new(server);
    let prefix = format!("{}-", unique_name("race"));
    let migrating = proxy.builder().table_prefix(&prefix);
    let migrating = migrating.keyring(keyring()).build().await;
    let writer = builder(server).table_prefix(&prefix);
    let writer = writer.keyring(keyring()).build().await;
    writer
        .create_table::<Migrating>()
        .without_ttl()
        .await
        .unwrap();
    put_legacy(&writer, "raced").await;
    let rule = Rule::new(Action::Delay { seconds: 2.0 })
        .service(Service::DynamoDb)
        .operation("UpdateItem")
        .contains(&writer.table_name::<Migrating>())
        .times(1);
    let held = proxy.add(rule).await;
    let migration = tokio::spawn(async move {
        migrating
            .migrate_pynamodb_mate::<Migrating>(&MigrationOptions::default())
            .await
    });
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while held.hits().await.hits == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the migration never sent its UpdateItem"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mut concurrent = Migrating {
        text_gz: Some("written meanwhile".into()),
        ..expected("raced")
    };
    writer.save(&mut concurrent).await.unwrap();

    let report = tokio::time::timeout(std::time::Duration::from_secs(30), migration)
        .await
        .expect("the migration is still running at the deadline")
        .unwrap()
        .unwrap();
    assert_eq!(
        report,
        MigrationReport {
            scanned: 1,
            changed_concurrently: 1,
            ..Default::default()
        }
    );
    let item = raw(&writer, "raced").await;
    assert_eq!(
        Migrating::from_item_with(item, writer.transforms()).unwrap(),
        concurrent,
        "the concurrent write was kept"
    );
}

/// The migration command (`dynamate::io::migrate::command`) with its flags: a dry run writes
/// nothing, `--max-pages` stops with a cursor, `--start` resumes from it, bad flags are usage
/// errors.
async fn the_command_dry_runs_stops_and_resumes(server: Server) {
    let client = with_legacy_table(builder(server)).await;
    for i in 0..3 {
        put_legacy(&client, &format!("cmd-{i}")).await;
    }
    let run = |args: &'static [&'static str]| {
        let client = client.clone();
        async move {
            let args = ["migrate"].iter().chain(args);
            command::<Migrating>(&client, args.copied()).await
        }
    };
    let dry = run(&["--dry-run", "--progress", "never"]).await.unwrap();
    assert_eq!((dry.scanned, dry.migrated, dry.values), (3, 3, 9));
    assert_eq!(first_byte(&raw(&client, "cmd-0").await, "text_gz"), 0x1f);

    let first = run(&[
        "--page-size",
        "2",
        "--max-pages",
        "1",
        "--progress",
        "always",
    ])
    .await
    .unwrap();
    assert_eq!((first.scanned, first.migrated), (2, 2));
    let cursor = first.next.expect("stopped after one page: a cursor");
    let args = ["migrate", "--start", cursor.as_str(), "--progress", "never"];
    let rest = command::<Migrating>(&client, args).await.unwrap();
    assert_eq!((rest.scanned, rest.migrated, rest.next), (1, 1, None));
    for i in 0..3 {
        let item = raw(&client, &format!("cmd-{i}")).await;
        assert_eq!(first_byte(&item, "json_ecb"), 1, "an AES-SIV envelope");
    }

    let usage = run(&["--page-size", "many"]).await;
    assert!(matches!(usage, Err(CommandError::Usage(_))), "{usage:?}");
}

async fn legacy_values_are_rewritten_in_dynamates_format(server: Server) {
    let client = with_legacy_table(builder(server)).await;
    let ids: Vec<String> = (0..5).map(|i| format!("legacy-{i}")).collect();
    for id in &ids {
        put_legacy(&client, id).await;
    }
    let mut current = expected("current");
    client.save(&mut current).await.unwrap();

    let dry = client
        .migrate_pynamodb_mate::<Migrating>(&MigrationOptions {
            dry_run: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        dry,
        MigrationReport {
            scanned: 6,
            migrated: 5,
            values: 15,
            up_to_date: 1,
            ..Default::default()
        }
    );
    assert_eq!(first_byte(&raw(&client, "legacy-0").await, "text_gz"), 0x1f);

    // Two items a page, one page a run: resumed from each report's cursor.
    let mut total = MigrationReport::default();
    let mut start = None;
    let mut runs = 0;
    loop {
        runs += 1;
        assert!(runs <= 10, "the migration does not finish");
        let report = client
            .migrate_pynamodb_mate::<Migrating>(&MigrationOptions {
                start: start.take(),
                max_pages: Some(1),
                page_size: Some(2),
                ..Default::default()
            })
            .await
            .unwrap();
        total.scanned += report.scanned;
        total.migrated += report.migrated;
        total.values += report.values;
        total.up_to_date += report.up_to_date;
        match report.next {
            Some(next) => start = Some(next),
            None => break,
        }
    }
    assert!(runs >= 3, "{runs}");
    assert_eq!(
        (
            total.scanned,
            total.migrated,
            total.values,
            total.up_to_date
        ),
        (6, 5, 15, 1)
    );

    for id in &ids {
        let item = raw(&client, id).await;
        assert!(matches!(first_byte(&item, "text_gz"), 0x00 | 0x01), "{id}");
        assert_eq!(
            first_byte(&item, "json_ecb"),
            1,
            "{id}: an AES-SIV envelope"
        );
        assert_eq!(first_byte(&item, "int_ctr"), 1, "{id}: an AES-SIV envelope");
        assert_eq!(
            Migrating::from_item_with(item, client.transforms()).unwrap(),
            expected(id)
        );
    }
    let again = client
        .migrate_pynamodb_mate::<Migrating>(&MigrationOptions::default())
        .await
        .unwrap();
    assert_eq!((again.migrated, again.up_to_date), (0, 6));
}
