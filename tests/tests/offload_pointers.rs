//! Offload pointers forged by someone who can write items but cannot read S3 (written here
//! through the raw SDK): a read follows only a pointer its attribute could have written, and its
//! errors say nothing about the object found (issue 9, defect 1). DynamoDB is moto and dynalite,
//! S3 is moto.

mod offload_common;

use dynamate::Error;
use dynamate::transform::sha256_hex;
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
        let (client, bucket) = client_on(server, dynamate::Transforms::new()).await;
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

/// Whether `text` holds `number` as a whole decimal number.
fn mentions_number(text: &str, number: usize) -> bool {
    text.split(|c: char| !c.is_ascii_digit())
        .any(|token| token == number.to_string())
}

/// The error discloses nothing about `found`, anywhere in its chain: neither its content, nor
/// its SHA-256 (in any case), nor its size unless the pointer recorded that size itself
/// (`pointer_size`).
fn assert_discloses_nothing(error: &Error, found: &Foreign, pointer_size: u64) {
    let content = String::from_utf8_lossy(&found.bytes[..24]).into_owned();
    let size_is_news = found.bytes.len() as u64 != pointer_size;
    for text in texts(error) {
        assert!(!text.contains(&content), "content disclosed: {text}");
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
            (victim.bucket.clone(), format!("dynamate/other-table/html/{sha}")),
            // (c) another attribute's prefix.
            (victim.bucket.clone(), format!("{}{sha}", victim.prefix("content"))),
            // (d) a key not ending in the recorded hash, or not exactly under the prefix.
            (victim.bucket.clone(), format!("{html}forged")),
            (victim.bucket.clone(), format!("{html}{sha}.old")),
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
            let content = String::from_utf8_lossy(&foreign.bytes[..24]).into_owned();
            for text in texts(&error) {
                assert!(!text.contains(&content), "content disclosed: {text}");
            }
        }
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
            (victim.bucket.clone(), format!("{}plans.html", victim.prefix("html"))),
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
            assert!(
                error.to_string().contains("does not match its pointer"),
                "{error}"
            );
            assert_discloses_nothing(&error, &found, recorded.bytes.len() as u64);
        }
    }
}
