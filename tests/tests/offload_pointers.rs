//! Offload pointers forged by someone who can write items but cannot read S3 (written here
//! through the raw SDK): a read follows only a pointer its attribute could have written, and its
//! errors say nothing about the object found (issue 9, defect 1). DynamoDB is moto and dynalite,
//! S3 is moto.

mod offload_common;

use dynamate::io::offload::OffloadError;
use dynamate::io::sweep::{Progress, SweepOptions, sweep_model};
use dynamate::item::transform::sha256_hex;
use dynamate::{Error, TransformContext};
use dynamate_tests::support::Server;
use dynamate_tests::{Url, UrlKey};
use offload_common::*;

const SERVERS: [Server; 2] = [Server::Moto, Server::Dynalite];

/// A table with one item saved through dynamate, and the client that reads it.
struct Victim {
    client: dynamate::Client,
    bucket: String,
    item: dynamate::Item,
    key: UrlKey,
}

impl Victim {
    async fn new(server: Server) -> Victim {
        let (client, bucket) = client_on(server, TransformContext::new()).await;
        create_table::<Url>(&client).await;
        let url = Url {
            url: "https://victim.example".into(),
            html: "<html>the victim's page</html>".into(),
            content: b"the victim's content".to_vec(),
        };
        let item = save(&client, &url).await.expect("save");
        let key = UrlKey { url: url.url };
        Victim {
            client,
            bucket,
            item,
            key,
        }
    }

    /// Rewrites the item's `html` pointer (raw `PutItem`) and reads the item back.
    async fn read_with_pointer(
        &self,
        uri: &str,
        size: u64,
        sha256: &str,
    ) -> Result<Option<Url>, Error> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let pointer = [
            ("s3", AttributeValue::S(uri.to_string())),
            ("size", AttributeValue::N(size.to_string())),
            ("sha256", AttributeValue::S(sha256.to_string())),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect();
        let mut item = self.item.clone();
        item.insert("html".into(), AttributeValue::M(pointer));
        put_raw::<Url>(&self.client, item).await;
        get::<Url>(&self.client, &self.key).await
    }

    /// `dynamate/{table}/{attribute}/` with this client's run-time table name.
    fn prefix(&self, attribute: &str) -> String {
        objects_of::<Url>(&self.client, attribute)
    }
}

/// An object someone else stored: its content and where it is.
struct Foreign {
    bytes: Vec<u8>,
    sha256: String,
}

impl Foreign {
    /// `length` bytes of someone else's recognisable text.
    fn new(length: usize) -> Foreign {
        Self::repeat(b"<p>someone else's secret</p>", length)
    }

    /// `length` bytes of other recognisable text.
    fn other(length: usize) -> Foreign {
        Self::repeat(b"<p>not what was saved</p>", length)
    }

    fn repeat(text: &[u8], length: usize) -> Foreign {
        let bytes: Vec<u8> = text.iter().copied().cycle().take(length).collect();
        let sha256 = sha256_hex(&bytes);
        Foreign { bytes, sha256 }
    }

    async fn store(&self, client: &dynamate::Client, bucket: &str, key: &str) {
        put_object(client, bucket, key, &self.bytes).await;
    }
}

/// Every text the error shows: `Display` and `Debug` of it and of each error in its source chain.
fn texts(error: &Error) -> Vec<String> {
    let mut texts = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = next {
        texts.push(error.to_string());
        texts.push(format!("{error:?}"));
        next = error.source();
    }
    texts
}

/// No text of the error shows the content of `found`.
fn assert_no_content(error: &Error, found: &Foreign) {
    let content = String::from_utf8_lossy(&found.bytes[..24]).into_owned();
    for text in texts(error) {
        assert!(!text.contains(&content), "content disclosed: {text}");
    }
}

/// Whether `text` holds `number` as a whole decimal number.
fn mentions_number(text: &str, number: usize) -> bool {
    text.split(|c: char| !c.is_ascii_digit())
        .any(|token| token == number.to_string())
}

/// The error discloses nothing about `found`, anywhere in its chain: neither its content, nor
/// its SHA-256 (in any case), nor its size unless the pointer recorded that size itself
/// (`pointer_size`).
fn assert_discloses_nothing(error: &Error, found: &Foreign, pointer_size: u64) {
    assert_no_content(error, found);
    let size_is_news = found.bytes.len() as u64 != pointer_size;
    for text in texts(error) {
        assert!(
            !(size_is_news && mentions_number(&text, found.bytes.len())),
            "size {} disclosed: {text}",
            found.bytes.len()
        );
        assert!(
            !text.to_lowercase().contains(&found.sha256),
            "SHA-256 {} disclosed: {text}",
            found.sha256
        );
    }
}

/// The error is [`OffloadError::ForeignPointer`] for the victim's `html` and pointer `uri`.
fn assert_foreign(error: &Error, victim: &Victim, uri: &str) {
    let Error::Offload(OffloadError::ForeignPointer(foreign)) = error else {
        panic!("expected a foreign-pointer error for {uri}, got {error:?}");
    };
    assert_eq!((foreign.table, foreign.attribute), ("urls", "html"));
    assert_eq!(foreign.item, format!("url = {:?}", victim.key.url));
    assert_eq!(foreign.uri, uri);
    assert_eq!(
        foreign.expected,
        format!("s3://{}/{}", victim.bucket, victim.prefix("html"))
    );
    let message = error.to_string();
    assert!(message.contains("not followed"), "{message}");
}

/// Pointers the attacker builds exactly right (size and SHA-256 of the object they point at),
/// except for where they point: never followed.
#[tokio::test]
async fn pointers_outside_the_attribute_are_not_followed() {
    for server in SERVERS {
        let victim = Victim::new(server).await;
        let other_bucket = new_bucket().await;
        let foreign = Foreign::new(1187);
        let sha = &foreign.sha256;
        let html = victim.prefix("html");
        let cases = [
            // (a) another bucket, at the very key this attribute would use.
            (other_bucket.clone(), format!("{html}{sha}")),
            // (b) another table's prefix.
            (
                victim.bucket.clone(),
                format!("dynamate/other-table/html/{sha}"),
            ),
            // (c) another attribute's prefix.
            (
                victim.bucket.clone(),
                format!("{}{sha}", victim.prefix("content")),
            ),
            // (d) a key not ending in the recorded hash, or not exactly under the prefix.
            (victim.bucket.clone(), format!("{html}forged")),
            (victim.bucket.clone(), format!("{html}{sha}.old")),
            (
                victim.bucket.clone(),
                format!("{html}{}", sha.to_uppercase()),
            ),
            (victim.bucket.clone(), format!("{html}extra/{sha}")),
            (victim.bucket.clone(), format!("{html}../../secret/{sha}")),
            (victim.bucket.clone(), format!("elsewhere/{html}{sha}")),
            (victim.bucket.clone(), format!("x{html}{sha}")),
        ];
        for (bucket, key) in cases {
            foreign.store(&victim.client, &bucket, &key).await;
            let uri = format!("s3://{bucket}/{key}");
            let result = victim
                .read_with_pointer(&uri, foreign.bytes.len() as u64, sha)
                .await;
            let error = match result {
                Ok(read) => panic!("{server:?}: {uri} was followed: {read:?}"),
                Err(error) => error,
            };
            assert_foreign(&error, &victim, &uri);
            // The pointer records the object's size and hash: only the content is news.
            assert_no_content(&error, &foreign);
        }

        // A recorded hash that is not lowercase hex (at a key ending in it): never followed.
        let upper = sha.to_uppercase();
        let uri = format!("s3://{}/{html}{upper}", victim.bucket);
        let error = victim
            .read_with_pointer(&uri, foreign.bytes.len() as u64, &upper)
            .await
            .expect_err("not lowercase hex");
        assert_foreign(&error, &victim, &uri);
    }
}

/// Pointers probing objects the attacker cannot read (a wrong size, then the right size with a
/// guessed hash): the errors tell nothing about those objects.
#[tokio::test]
async fn probing_pointers_learn_nothing() {
    for server in SERVERS {
        let victim = Victim::new(server).await;
        let other_bucket = new_bucket().await;
        let foreign = Foreign::new(1213);
        let targets = [
            (other_bucket.clone(), "private/plans.html".to_string()),
            (victim.bucket.clone(), "private/plans.html".to_string()),
            (
                victim.bucket.clone(),
                format!("{}plans.html", victim.prefix("html")),
            ),
        ];
        let guess = sha256_hex(b"a guess");
        for (bucket, key) in targets {
            foreign.store(&victim.client, &bucket, &key).await;
            let uri = format!("s3://{bucket}/{key}");
            for size in [7, foreign.bytes.len() as u64] {
                let error = victim
                    .read_with_pointer(&uri, size, &guess)
                    .await
                    .expect_err("a probe is never followed");
                assert_foreign(&error, &victim, &uri);
                assert_discloses_nothing(&error, &foreign, size);
            }
        }
    }
}

/// (e) A pointer this attribute could have written whose object holds other bytes (of another
/// size, or of the same size): an integrity error that says only "does not match its pointer".
#[tokio::test]
async fn a_substituted_object_only_does_not_match_its_pointer() {
    for server in SERVERS {
        let victim = Victim::new(server).await;
        let recorded = Foreign::new(1301);
        // Another size, then the recorded size with other bytes.
        for found in [Foreign::other(1409), Foreign::other(1301)] {
            let key = format!("{}{}", victim.prefix("html"), recorded.sha256);
            found.store(&victim.client, &victim.bucket, &key).await;
            let uri = format!("s3://{}/{key}", victim.bucket);
            let error = victim
                .read_with_pointer(&uri, recorded.bytes.len() as u64, &recorded.sha256)
                .await
                .expect_err("substituted");
            let Error::Offload(OffloadError::Corrupted(corruption)) = &error else {
                panic!("expected a corruption error, got {error:?}");
            };
            assert_eq!((corruption.table, corruption.attribute), ("urls", "html"));
            assert_eq!(corruption.item, format!("url = {:?}", victim.key.url));
            assert_eq!(corruption.uri, uri);
            assert_eq!(
                (
                    corruption.expected_size,
                    corruption.expected_sha256.as_str()
                ),
                (recorded.bytes.len() as u64, recorded.sha256.as_str())
            );
            assert!(
                error.to_string().contains("does not match its pointer"),
                "{error}"
            );
            assert_discloses_nothing(&error, &found, recorded.bytes.len() as u64);
        }
    }
}

/// Items written by earlier versions point at objects under the table name as declared (`urls`, not
/// the run-time `{prefix}urls`): they stay readable by default (same bucket, prefix and attribute
/// only), become foreign with `with_legacy_object_keys(false)`, move to the run-time name when
/// saved again, and the sweep never touches them (other environments may share them).
#[tokio::test]
async fn objects_under_the_declared_table_name_stay_readable() {
    for server in SERVERS {
        let victim = Victim::new(server).await;
        assert_ne!(victim.client.table_name::<Url>(), "urls");
        let legacy = Foreign::new(1451);
        let sha = &legacy.sha256;
        let key = format!("dynamate/urls/html/{sha}");
        legacy.store(&victim.client, &victim.bucket, &key).await;
        let uri = format!("s3://{}/{key}", victim.bucket);
        let size = legacy.bytes.len() as u64;
        let read = victim
            .read_with_pointer(&uri, size, sha)
            .await
            .expect("a legacy pointer is followed")
            .expect("item");
        assert_eq!(read.html.as_bytes(), legacy.bytes);

        // Only this attribute's and table's declared-name objects.
        for other in [
            format!("dynamate/urls/content/{sha}"),
            format!("dynamate/orders/html/{sha}"),
        ] {
            legacy.store(&victim.client, &victim.bucket, &other).await;
            let uri = format!("s3://{}/{other}", victim.bucket);
            let error = victim
                .read_with_pointer(&uri, size, sha)
                .await
                .expect_err("foreign");
            assert_foreign(&error, &victim, &uri);
        }

        // Without legacy keys, the declared-name object is foreign too.
        let table_prefix = victim
            .client
            .table_name::<Url>()
            .strip_suffix("urls")
            .expect("prefixed name")
            .to_string();
        let strict = dynamate_tests::support::builder(server)
            .table_prefix(table_prefix)
            .transforms(
                TransformContext::new()
                    .with_bucket_override("my-bucket", &victim.bucket)
                    .with_legacy_object_keys(false),
            )
            .build_from_clients(victim.client.dynamodb().clone(), victim.client.s3().clone());
        let legacy_item = Victim {
            client: strict,
            bucket: victim.bucket.clone(),
            item: victim.item.clone(),
            key: victim.key.clone(),
        };
        let error = legacy_item
            .read_with_pointer(&uri, size, sha)
            .await
            .expect_err("legacy keys refused");
        assert_foreign(&error, &legacy_item, &uri);

        // Saved again, the value moves under the run-time name.
        let item = save(&victim.client, &read).await.expect("save");
        assert_eq!(
            pointer(&item, "html").key,
            format!("{}{sha}", victim.prefix("html"))
        );

        // The sweep lists only the run-time namespace: the legacy object, now unreferenced,
        // stays.
        delete::<Url>(&victim.client, &victim.key).await;
        let_a_second_pass().await;
        let options = SweepOptions {
            grace: std::time::Duration::ZERO,
            dry_run: false,
            progress: Progress::none(),
        };
        let report = sweep_model::<Url>(&victim.client, options)
            .await
            .expect("sweep");
        assert!(report.deleted >= 1, "{report}");
        assert!(object_exists(&victim.client, &victim.bucket, &key).await);
    }
}
