//! The README's quick start is compiled (by this crate's `build.rs`, which extracts it from
//! README.md) and run here against moto, as a user would run it: a binary configured through
//! `AWS_ENDPOINT_URL`. Its other snippets are checked against the files they show.

use std::process::Command;
use std::time::{Duration, Instant};

const README: &str = include_str!("../../../README.md");
const TABLE: &str = "dev-urls"; // `table_prefix("dev-")` + `table_name = "urls"`
const BUCKET: &str = "my-bucket"; // the schema's `[defaults] s3`

fn moto() -> String {
    std::env::var("DYNAMATE_TEST_MOTO_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "DYNAMATE_TEST_MOTO_ENDPOINT is not set: run the tests through `scripts/servers.sh \
             run -- cargo test` (or `scripts/test.sh`), which starts moto on 127.0.0.1"
        )
    })
}

/// Code lines of a snippet: without blank lines and `//` comments.
fn code_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .collect()
}

/// The README text between the line containing `start` and the next line containing "```".
fn snippet_after<'a>(start: &str) -> &'a str {
    let at = README
        .find(start)
        .unwrap_or_else(|| panic!("README.md has no `{start}`"));
    let rest = &README[at..];
    let rest = &rest[rest.find('\n').unwrap() + 1..];
    &rest[..rest.find("```").unwrap()]
}

#[test]
fn readme_build_rs_is_the_template() {
    let template = include_str!("../../../build.rs-template/build.rs");
    assert_eq!(
        code_lines(snippet_after("// build.rs")),
        code_lines(template),
        "the README's build.rs differs from build.rs-template/build.rs"
    );
}

#[test]
fn readme_dependencies_name_this_version() {
    let version = env!("CARGO_PKG_VERSION");
    let minor = version.rsplit_once('.').unwrap().0;
    for dependency in ["dynamate", "dynamate-codegen"] {
        let line = format!("{dependency} = \"{minor}\"");
        assert!(
            README.lines().any(|l| l.trim() == line),
            "README.md should show `{line}` (version {version})"
        );
    }
}

/// The path dependencies the README shows (`path = "../dynamate/DIR"`, a clone beside the user's
/// crate) name the directories that hold those crates.
#[test]
fn readme_path_dependencies_name_the_crate_directories() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut checked = 0;
    for line in README.lines().map(str::trim) {
        let Some((dependency, rest)) = line.split_once(" = { path = \"../dynamate/") else {
            continue;
        };
        let dir = &rest[..rest.find('"').unwrap()];
        let manifest = std::fs::read_to_string(root.join(dir).join("Cargo.toml"))
            .unwrap_or_else(|e| panic!("README.md: `{line}`: no {dir}/Cargo.toml: {e}"));
        assert!(
            manifest.contains(&format!("name = \"{dependency}\"")),
            "README.md: `{line}`: {dir}/Cargo.toml is not the `{dependency}` crate"
        );
        checked += 1;
    }
    assert_eq!(
        checked, 2,
        "README.md shows path dependencies for both crates"
    );
}

#[tokio::test]
async fn readme_quick_start_runs_against_moto() {
    let endpoint = moto();
    let client = dynamate::Client::builder()
        .endpoint_url(&endpoint)
        .region("us-east-1")
        .build()
        .await;
    // Idempotent set-up: the bucket the schema names, empty, and no table left by an earlier run.
    let _ = client.s3().create_bucket().bucket(BUCKET).send().await;
    let left = client.s3().list_objects_v2().bucket(BUCKET).send().await;
    for object in left.iter().flat_map(|l| l.contents()) {
        let key = object.key().unwrap();
        client
            .s3()
            .delete_object()
            .bucket(BUCKET)
            .key(key)
            .send()
            .await
            .unwrap();
    }
    let _ = client
        .dynamodb()
        .delete_table()
        .table_name(TABLE)
        .send()
        .await;

    let mut child = Command::new(env!("CARGO_BIN_EXE_dynamate-readme"))
        .env("AWS_ENDPOINT_URL", &endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .spawn()
        .expect("the quick-start binary starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the README's quick start did not finish within 120 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        status.success(),
        "the README's quick start failed: {status}"
    );

    // What the README says happened: the table exists, the item is deleted, the S3 object of
    // `html` stays.
    let items = client
        .dynamodb()
        .scan()
        .table_name(TABLE)
        .send()
        .await
        .expect("the quick start created the table");
    assert_eq!(items.count(), 0, "delete_if_exists removed the item");
    let objects = client
        .s3()
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix("dynamate/")
        .send()
        .await
        .unwrap();
    assert!(
        !objects.contents().is_empty(),
        "the offloaded `html` object stays in S3"
    );
    client
        .dynamodb()
        .delete_table()
        .table_name(TABLE)
        .send()
        .await
        .unwrap();
}
