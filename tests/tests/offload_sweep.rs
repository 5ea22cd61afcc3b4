//! The sweep of unreferenced offloaded objects against moto: dry run, grace period, referenced
//! objects never removed, the deduplication race driven step by step, and progress reports.

mod offload_common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dynamate::io::sweep::{
    Progress, SweepEvent, SweepOptions, SweepPlan, SweepTarget, sweep_model,
};
use dynamate_tests::{Url, UrlKey};
use offload_common::*;

fn page(url: &str, html: &str) -> Url {
    Url {
        url: url.to_string(),
        html: html.to_string(),
        content: b"shared content".to_vec(),
    }
}

fn now(dry_run: bool) -> SweepOptions {
    SweepOptions {
        grace: Duration::ZERO,
        dry_run,
        progress: Progress::none(),
    }
}

/// A table with one item and one orphan (an item saved, then deleted); returns the orphan key.
async fn table_with_an_orphan(client: &dynamate::Client) -> String {
    create_table::<Url>(client).await;
    save(client, &page("https://live.example", "<html>live</html>"))
        .await
        .expect("save");
    let gone = save(client, &page("https://gone.example", "<html>gone</html>"))
        .await
        .expect("save");
    delete::<Url>(
        client,
        &UrlKey {
            url: "https://gone.example".into(),
        },
    )
    .await;
    pointer(&gone, "html").key
}

#[tokio::test]
async fn dry_run_is_the_default_and_deletes_nothing() {
    let (client, bucket) = client_with_bucket().await;
    let orphan = table_with_an_orphan(&client).await;
    let_a_second_pass().await;

    assert!(SweepOptions::default().dry_run);
    let report = sweep_model::<Url>(&client, now(true))
        .await
        .expect("dry run");
    // html: live + orphan; content: one object shared by both items.
    assert_eq!(report.scanned, 3, "{report}");
    assert_eq!(
        (report.items, report.referenced, report.unreferenced),
        (1, 2, 1),
        "{report}"
    );
    assert_eq!(report.unreferenced_bytes, "<html>gone</html>".len() as u64);
    assert_eq!((report.deleted, report.bytes_freed), (0, 0));
    assert!(
        report.to_string().contains("dry run: nothing deleted"),
        "{report}"
    );
    assert!(object_bytes(&client, &bucket, &orphan).await.is_some());

    let report = sweep_model::<Url>(&client, now(false))
        .await
        .expect("sweep");
    assert_eq!((report.deleted, report.changed), (1, 0), "{report}");
    assert_deleted(&client, &bucket, &orphan).await;
    assert_eq!(object_keys(&client, &bucket, "dynamate/").await.len(), 2);
}

#[tokio::test]
async fn referenced_objects_are_never_removed() {
    let (client, bucket) = client_with_bucket().await;
    create_table::<Url>(&client).await;
    for i in 0..30 {
        let html = format!("<html>{}</html>", i % 7);
        save(&client, &page(&format!("https://{i}.example"), &html))
            .await
            .expect("save");
    }
    let_a_second_pass().await;
    let before = object_keys(&client, &bucket, "dynamate/").await;
    let report = sweep_model::<Url>(&client, now(false))
        .await
        .expect("sweep");
    assert_eq!(
        (report.items, report.scanned, report.referenced),
        (30, 8, 8),
        "{report}"
    );
    assert_eq!(report.deleted, 0, "{report}");
    assert_eq!(object_keys(&client, &bucket, "dynamate/").await, before);
}

/// An old orphan, unreferenced when the sweep scans, that a concurrent save deduplicates onto
/// before the sweep deletes: the save refreshes it, the sweep's re-check sees that, and the
/// object survives.
#[tokio::test]
async fn an_orphan_reused_by_a_concurrent_save_survives() {
    let (client, bucket) = client_with_bucket().await;
    let orphan = table_with_an_orphan(&client).await;
    let_a_second_pass().await;

    let target = SweepTarget::for_model::<Url>(&client);
    let plan = SweepPlan::new(&client, &target, now(false))
        .await
        .expect("plan");
    let candidates: Vec<&str> = plan.candidates().iter().map(|c| c.key.as_str()).collect();
    assert_eq!(candidates, [orphan.as_str()]);

    // Between the sweep's scan and its deletions, a save stores the orphan's value again.
    let reuse = page("https://reuse.example", "<html>gone</html>");
    let item = save(&client, &reuse).await.expect("save");
    assert_eq!(pointer(&item, "html").key, orphan);

    let report = plan.execute(&client).await.expect("execute");
    assert_eq!((report.deleted, report.changed), (0, 1), "{report}");
    let key = UrlKey {
        url: reuse.url.clone(),
    };
    assert_eq!(get::<Url>(&client, &key).await.expect("get"), Some(reuse));

    // Once the item is gone again (and the grace period passed), the next sweep removes it.
    delete::<Url>(&client, &key).await;
    let_a_second_pass().await;
    let report = sweep_model::<Url>(&client, now(false))
        .await
        .expect("sweep");
    assert_eq!(report.deleted, 1, "{report}");
    assert_deleted(&client, &bucket, &orphan).await;
}

/// The same race where the sweep's delete wins: the save finds the object gone on its refresh and
/// uploads it again, so its item never points at a missing object.
#[tokio::test]
async fn a_save_racing_a_completed_delete_uploads_again() {
    let (client, bucket) = client_with_bucket().await;
    let orphan = table_with_an_orphan(&client).await;
    let_a_second_pass().await;
    let report = sweep_model::<Url>(&client, now(false))
        .await
        .expect("sweep");
    assert_eq!(report.deleted, 1, "{report}");

    let reuse = page("https://again.example", "<html>gone</html>");
    let item = save(&client, &reuse).await.expect("save");
    assert_eq!(pointer(&item, "html").key, orphan);
    assert!(object_bytes(&client, &bucket, &orphan).await.is_some());
    let key = UrlKey {
        url: reuse.url.clone(),
    };
    assert_eq!(get::<Url>(&client, &key).await.expect("get"), Some(reuse));
}

/// In a versioned bucket the sweep deletes exactly the version it checked (a refresh made after
/// the check would be a newer version and survive), so no delete marker is left behind.
#[tokio::test]
async fn versioned_buckets_are_swept_version_by_version() {
    use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
    let (client, bucket) = client_with_bucket().await;
    client
        .s3()
        .put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("enable versioning");
    let orphan = table_with_an_orphan(&client).await;
    let_a_second_pass().await;
    let report = sweep_model::<Url>(&client, now(false))
        .await
        .expect("sweep");
    assert_eq!(report.deleted, 1, "{report}");
    assert_deleted(&client, &bucket, &orphan).await;
    let versions = client
        .s3()
        .list_object_versions()
        .bucket(&bucket)
        .prefix(&orphan)
        .send()
        .await
        .expect("list versions");
    assert!(versions.versions.unwrap_or_default().is_empty());
    assert!(versions.delete_markers.unwrap_or_default().is_empty());

    let reuse = page("https://versioned.example", "<html>gone</html>");
    save(&client, &reuse).await.expect("save");
    let key = UrlKey {
        url: reuse.url.clone(),
    };
    assert_eq!(get::<Url>(&client, &key).await.expect("get"), Some(reuse));
}

/// Two environments share a bucket with a prefix override each: each sweep sees only its own
/// objects, so one environment's items never make the other's objects look orphaned.
#[tokio::test]
async fn prefix_overrides_keep_environments_apart() {
    use dynamate::TransformContext;
    use dynamate_tests::support::{Server, builder};
    let (_, bucket) = client_with_bucket().await;
    let mut clients = Vec::new();
    for env in ["blue", "green"] {
        let transforms = TransformContext::new()
            .with_bucket_override("my-bucket", &bucket)
            .with_prefix_override("dynamate", format!("{env}/dynamate"));
        let client = builder(Server::Moto).transforms(transforms).build().await;
        create_table::<Url>(&client).await;
        let item = save(&client, &page(&format!("https://{env}.example"), env))
            .await
            .expect("save");
        assert!(
            pointer(&item, "html")
                .key
                .starts_with(&format!("{env}/{}", objects_of::<Url>(&client, "html")))
        );
        clients.push(client);
    }
    let_a_second_pass().await;
    for client in &clients {
        let target = SweepTarget::for_model::<Url>(client);
        assert!(
            target
                .attributes
                .iter()
                .all(|a| a.prefix.ends_with("/dynamate"))
        );
        let report = sweep_model::<Url>(client, now(false)).await.expect("sweep");
        assert_eq!(
            (report.scanned, report.referenced, report.deleted),
            (2, 2, 0),
            "{report}"
        );
    }
    assert_eq!(object_keys(&clients[0], &bucket, "").await.len(), 4);
}

/// `dev-` and `prod-` tables of one schema share a bucket and prefix (no override): each table's
/// objects live under its own run-time name, so a sweep for `dev-` removes dev's orphans and
/// never an object that only `prod-` references (issue 9, defect 6). DynamoDB is moto, then
/// dynalite; S3 is moto.
#[tokio::test]
async fn a_sweep_for_one_environment_never_deletes_another_environments_objects() {
    use dynamate::TransformContext;
    use dynamate_tests::support::{Server, builder, unique_name};
    for server in [Server::Moto, Server::Dynalite] {
        let bucket = new_bucket().await;
        let run = unique_name("env");
        // DynamoDB from `server`, S3 from moto.
        let dynamodb = builder(server).build().await.dynamodb().clone();
        let s3 = builder(Server::Moto).build().await.s3().clone();
        let environment = |name: &str| {
            builder(server)
                .table_prefix(format!("{name}-{run}-"))
                .transforms(TransformContext::new().with_bucket_override("my-bucket", &bucket))
                .build_from_clients(dynamodb.clone(), s3.clone())
        };
        let (dev, prod) = (environment("dev"), environment("prod"));
        create_table::<Url>(&prod).await;

        let only_prod = page("https://prod.example", "<html>only prod has this</html>");
        let prod_item = save(&prod, &only_prod).await.expect("save prod");
        // dev's table: one item and one orphan.
        let dev_orphan = table_with_an_orphan(&dev).await;
        let_a_second_pass().await;

        let report = sweep_model::<Url>(&dev, now(false))
            .await
            .expect("sweep dev");
        assert_eq!(report.deleted, 1, "only dev's orphan: {report}");
        assert_deleted(&dev, &bucket, &dev_orphan).await;
        for attribute in ["html", "content"] {
            let key = pointer(&prod_item, attribute).key;
            assert!(
                object_exists(&prod, &bucket, &key).await,
                "the dev sweep deleted prod's {key}"
            );
        }
        let key = UrlKey {
            url: only_prod.url.clone(),
        };
        assert_eq!(
            get::<Url>(&prod, &key).await.expect("prod reads its item"),
            Some(only_prod)
        );
        let report = sweep_model::<Url>(&prod, now(false))
            .await
            .expect("sweep prod");
        assert_eq!((report.referenced, report.deleted), (2, 0), "{report}");
    }
}

/// The progress callback hears each step, in order, with the counts the report ends with.
#[tokio::test]
async fn progress_reports_each_step_to_the_callback() {
    let (client, _bucket) = client_with_bucket().await;
    table_with_an_orphan(&client).await;
    let_a_second_pass().await;

    let events = Arc::new(Mutex::new(Vec::new()));
    let heard = Arc::clone(&events);
    let options = SweepOptions {
        progress: Progress::new(move |event| heard.lock().expect("lock").push(event)),
        ..now(false)
    };
    let report = sweep_model::<Url>(&client, options).await.expect("sweep");
    assert_eq!(report.deleted, 1, "{report}");
    let events = events.lock().expect("lock").clone();
    let last_listed = events.iter().rev().find_map(|event| match event {
        SweepEvent::Listed { objects } => Some(*objects),
        _ => None,
    });
    let last_scanned = events.iter().rev().find_map(|event| match event {
        SweepEvent::Scanned { items } => Some(*items),
        _ => None,
    });
    assert_eq!(
        (last_listed, last_scanned),
        (Some(report.scanned), Some(report.items)),
        "{events:?}"
    );
    assert_eq!(
        events[events.len() - 4..],
        [
            SweepEvent::Planned { candidates: 1 },
            SweepEvent::Deleting { total: 1 },
            SweepEvent::Checked { done: 1, total: 1 },
            SweepEvent::Finished,
        ],
        "{events:?}"
    );
}
