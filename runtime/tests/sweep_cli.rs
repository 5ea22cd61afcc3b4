//! The `dynamate-sweep` command against moto (run through `scripts/servers.sh run -- ...`): a dry
//! run reports the orphan, `--delete` removes it and keeps the referenced object.

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};

fn endpoint() -> String {
    std::env::var("DYNAMATE_TEST_MOTO_ENDPOINT").expect(
        "DYNAMATE_TEST_MOTO_ENDPOINT is not set: run through `scripts/servers.sh run -- cargo test`",
    )
}

/// Runs the command; returns stdout and stderr.
fn sweep(args: &[&str]) -> (String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_dynamate-sweep"))
        .args(["--endpoint-url", &endpoint(), "--region", "us-east-1"])
        .args(args)
        .output()
        .expect("run dynamate-sweep");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stdout}{stderr}");
    (stdout, stderr)
}

#[tokio::test]
async fn dry_run_then_delete() {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let (bucket, table) = (format!("cli-{nanos}"), format!("cli-{nanos}"));
    let client = dynamate::Client::builder()
        .endpoint_url(endpoint())
        .region("us-east-1")
        .max_attempts(1)
        .build()
        .await;
    client
        .s3()
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("bucket");
    client
        .dynamodb()
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("table");
    for body in ["kept", "orphan"] {
        client
            .s3()
            .put_object()
            .bucket(&bucket)
            .key(format!("p/{table}/a/{body}"))
            .body(body.as_bytes().to_vec().into())
            .send()
            .await
            .expect("object");
    }
    let pointer = HashMap::from([
        (
            "s3".to_string(),
            AttributeValue::S(format!("s3://{bucket}/p/{table}/a/kept")),
        ),
        ("size".to_string(), AttributeValue::N("4".into())),
        (
            "sha256".to_string(),
            AttributeValue::S("unused by the sweep".into()),
        ),
    ]);
    client
        .dynamodb()
        .put_item()
        .table_name(&table)
        .item("id", AttributeValue::S("1".into()))
        .item("a", AttributeValue::M(pointer))
        .send()
        .await
        .expect("item");
    // LastModified has whole seconds: let the objects be older than a zero grace period.
    tokio::time::sleep(Duration::from_millis(2100)).await;

    let target = [
        "--table",
        &table,
        "--bucket",
        &bucket,
        "--prefix",
        "p",
        "--attribute",
        "a",
        "--grace",
        "0",
    ];
    let (report, progress) = sweep(&[&target[..], &["--progress", "never"]].concat());
    assert_eq!(progress, "");
    assert!(report.contains("2 objects scanned"), "{report}");
    assert!(
        report.contains("1 referenced") && report.contains("1 unreferenced (6 bytes)"),
        "{report}"
    );
    assert!(report.contains("dry run: nothing deleted"), "{report}");

    // Not a terminal: `always` gives plain progress lines.
    let (report, progress) = sweep(&[&target[..], &["--delete", "--progress", "always"]].concat());
    assert!(progress.contains("sweep: listed 2 objects"), "{progress}");
    assert!(
        progress.contains("sweep: deleting up to 1 objects"),
        "{progress}"
    );
    assert!(report.contains("1 deleted (6 bytes freed)"), "{report}");
    let left = client
        .s3()
        .list_objects_v2()
        .bucket(&bucket)
        .send()
        .await
        .expect("list");
    let keys: Vec<_> = left.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, [format!("p/{table}/a/kept")]);
}

/// `--declared-table` (object keys under the declared name) is gone: the command says so instead
/// of sweeping a namespace other tables may share.
#[test]
fn declared_table_is_refused_with_an_explanation() {
    let output = Command::new(env!("CARGO_BIN_EXE_dynamate-sweep"))
        .args(["--table", "dev-urls", "--declared-table", "urls"])
        .args(["--bucket", "b", "--attribute", "html"])
        .output()
        .expect("run dynamate-sweep");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no longer accepted") && stderr.contains("run-time table name"),
        "{stderr}"
    );
}
