//! The seed README's `UrlModel` flow (pynamodb_mate feature 1) end to end against moto, with the
//! S3 objects checked directly; `Order.receipt` (compressed, encrypted, offloaded over a
//! threshold); multipart uploads; reads that skip S3; unchanged values not uploaded again.

mod offload_common;

use dynamate::io::offload::{OffloadError, Offloaded};
use dynamate::item::transform::sha256_hex;
use dynamate::{Error, TransformContext};
use dynamate_tests::{Order, OrderKey, Url, UrlKey};
use offload_common::*;

fn page(url: &str, repeat: usize) -> Url {
    Url {
        url: url.to_string(),
        html: "<html>Hello World!</html>\n".repeat(repeat),
        content: "this is a dummy image!\n".repeat(repeat).into_bytes(),
    }
}

/// The object of `item[attribute]` exists at `{prefix}/{table}/{attribute}/{sha256}` and holds
/// exactly `expected` (the stored bytes: no transform for `Url`).
async fn assert_object(
    client: &dynamate::Client,
    bucket: &str,
    item: &dynamate::Item,
    attribute: &str,
    expected: &[u8],
) {
    let pointer = pointer(item, attribute);
    let sha = sha256_hex(expected);
    assert_eq!(pointer.bucket, bucket);
    let key = format!("{}{sha}", objects_of::<Url>(client, attribute));
    assert_eq!(pointer.key, key);
    assert_eq!(pointer.sha256, sha);
    assert_eq!(pointer.size, expected.len() as u64);
    assert_eq!(pointer.uri(), format!("s3://{bucket}/{key}"));
    let stored = object_bytes(client, bucket, &pointer.key).await;
    assert_eq!(
        stored.as_deref(),
        Some(expected),
        "object content = stored bytes"
    );
}

#[tokio::test]
async fn seed_url_model_flow() {
    let (client, bucket) = client_with_bucket().await;
    create_table::<Url>(&client).await;
    let key = UrlKey {
        url: "https://pynamodb-mate.readthedocs.io/en/latest/".to_string(),
    };

    // Save: objects first, then the item with pointers.
    let url = page(&key.url, 1000);
    let item = save(&client, &url).await.expect("save");
    assert_object(&client, &bucket, &item, "html", url.html.as_bytes()).await;
    assert_object(&client, &bucket, &item, "content", &url.content).await;

    // Get.
    assert_eq!(
        get::<Url>(&client, &key).await.expect("get"),
        Some(url.clone())
    );

    // Update with new html and content: new objects, new pointers; the old objects stay.
    let updated = page(&key.url, 2000);
    let new_item = save(&client, &updated).await.expect("update");
    assert_ne!(pointer(&new_item, "html"), pointer(&item, "html"));
    assert_object(&client, &bucket, &new_item, "html", updated.html.as_bytes()).await;
    assert_object(&client, &bucket, &new_item, "content", &updated.content).await;
    assert_eq!(
        object_keys(&client, &bucket, &objects_of::<Url>(&client, "html"))
            .await
            .len(),
        2
    );

    // Refresh.
    assert_eq!(
        get::<Url>(&client, &key).await.expect("refresh"),
        Some(updated)
    );

    // Delete removes the item only.
    delete::<Url>(&client, &key).await;
    assert_eq!(get::<Url>(&client, &key).await.expect("get deleted"), None);
    assert_eq!(
        object_keys(&client, &bucket, &table_objects::<Url>(&client))
            .await
            .len(),
        4
    );
}

#[tokio::test]
async fn equal_values_share_one_object() {
    let (client, bucket) = client_with_bucket().await;
    create_table::<Url>(&client).await;
    let a = save(&client, &page("https://a.example", 10))
        .await
        .expect("save a");
    let b = save(&client, &page("https://b.example", 10))
        .await
        .expect("save b");
    assert_eq!(pointer(&a, "html"), pointer(&b, "html"));
    assert_eq!(
        object_keys(&client, &bucket, &objects_of::<Url>(&client, "html"))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn large_values_use_a_create_only_multipart_upload() {
    let (client, bucket) = client_with_bucket().await;
    create_table::<Url>(&client).await;
    let mut url = page("https://big.example", 1);
    // Two and a half parts, not a multiple of the part size.
    url.content = (0..dynamate::io::offload::PART_SIZE * 5 / 2)
        .map(|i| (i % 251) as u8)
        .collect();
    let item = save(&client, &url).await.expect("save large");
    assert_object(&client, &bucket, &item, "content", &url.content).await;
    assert_eq!(
        get::<Url>(
            &client,
            &UrlKey {
                url: url.url.clone()
            }
        )
        .await
        .expect("get"),
        Some(url.clone())
    );

    // The same large value again (another item) deduplicates onto the object.
    url.url = "https://big-copy.example".to_string();
    let copy = save(&client, &url).await.expect("save large copy");
    assert_eq!(pointer(&copy, "content"), pointer(&item, "content"));
    assert_eq!(
        object_keys(&client, &bucket, &objects_of::<Url>(&client, "content"))
            .await
            .len(),
        1
    );
    let uploads = client
        .s3()
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .expect("list uploads");
    assert!(
        uploads.uploads.unwrap_or_default().is_empty(),
        "no multipart upload left open"
    );
}

fn order_transforms() -> TransformContext {
    use dynamate::primitives::crypto::{Keyring, RootKey};
    let keyring = Keyring::new()
        .with_key("orders", 1, RootKey::from_bytes(&[42; 32]).expect("key"))
        .expect("keyring");
    TransformContext::new().with_keyring(keyring)
}

fn order(id: &str, receipt: Option<Vec<u8>>) -> Order {
    Order {
        order_id: id.to_string(),
        customer_id: None,
        created_at: None,
        description: None,
        image: None,
        items: None,
        receipt,
    }
}

/// Bytes that do not compress (so their stored size stays over the threshold).
fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

#[tokio::test]
async fn compressed_encrypted_receipt_is_offloaded_over_its_threshold() {
    let (client, bucket) = client_with_transforms(order_transforms()).await;
    create_table::<Order>(&client).await;

    // Under the 4096-byte threshold: inline `B`, nothing in S3.
    let small = order("small", Some(b"thank you".to_vec()));
    let item = save(&client, &small).await.expect("save small");
    assert!(matches!(item["receipt"], dynamate::AttributeValue::B(_)));
    assert!(object_keys(&client, &bucket, "orders/").await.is_empty());

    // Over it: the object holds the compressed, encrypted bytes (not the plaintext).
    let receipt = noise(20_000);
    let large = order("large", Some(receipt.clone()));
    let item = save(&client, &large).await.expect("save large");
    let pointer = pointer(&item, "receipt");
    let receipts = format!("orders/{}/receipt/", client.table_name::<Order>());
    assert!(pointer.key.starts_with(&receipts), "{}", pointer.key);
    let stored = object_bytes(&client, &bucket, &pointer.key)
        .await
        .expect("object");
    assert_eq!(sha256_hex(&stored), pointer.sha256);
    assert!(
        !stored.windows(64).any(|w| w == &receipt[..64]),
        "stored encrypted"
    );

    for expected in [small, large] {
        let key = OrderKey {
            order_id: expected.order_id.clone(),
        };
        assert_eq!(
            get::<Order>(&client, &key).await.expect("get"),
            Some(expected)
        );
    }
}

#[tokio::test]
async fn reads_can_skip_offloaded_attributes() {
    let (client, _bucket) = client_with_transforms(order_transforms()).await;
    create_table::<Order>(&client).await;
    create_table::<Url>(&client).await;
    save(&client, &order("o", Some(noise(10_000))))
        .await
        .expect("save order");
    save(&client, &page("https://skip.example", 10))
        .await
        .expect("save url");

    // Break S3 for these items: a skipped read must not notice.
    let order_item = get_raw::<Order>(
        &client,
        &OrderKey {
            order_id: "o".into(),
        },
    )
    .await
    .expect("item");
    let receipt = pointer(&order_item, "receipt");
    client
        .s3()
        .delete_object()
        .bucket(&receipt.bucket)
        .key(&receipt.key)
        .send()
        .await
        .expect("delete");

    // Optional offloaded field: `None`.
    let skipped: Order = client
        .decode_item_with(order_item.clone(), Offloaded::Skip)
        .await
        .expect("skip");
    assert_eq!(skipped, order("o", None));
    // Fetching it does notice: the object is missing (not just "some error").
    let error = client
        .decode_item::<Order>(order_item)
        .await
        .expect_err("the object was deleted");
    let missing = match &error {
        Error::Offload(OffloadError::Missing { attribute, uri, .. }) => Some((*attribute, uri)),
        _ => None,
    };
    assert_eq!(missing, Some(("receipt", &receipt.uri())), "{error:?}");

    // Required offloaded field: a clear "not fetched" error naming the URI.
    let url_item = get_raw::<Url>(
        &client,
        &UrlKey {
            url: "https://skip.example".into(),
        },
    )
    .await
    .expect("item");
    let html = pointer(&url_item, "html");
    let error = client
        .decode_item_with::<Url>(url_item, Offloaded::Skip)
        .await
        .expect_err("html is required");
    let message = dynamate::Report(&error).to_string();
    assert!(matches!(error, Error::Decode(_)), "{message}");
    assert!(
        message.contains("`html`") && message.contains(&html.uri()),
        "{message}"
    );
    assert!(message.contains("not fetched"), "{message}");
}

#[tokio::test]
async fn unchanged_values_are_not_uploaded_again() {
    let (client, bucket) = client_with_bucket().await;
    create_table::<Url>(&client).await;
    let url = page("https://same.example", 10);
    let stored = save(&client, &url).await.expect("save");

    // Remove the objects behind the client's back: re-encoding against the stored item must not
    // touch S3 at all (it would recreate them), and yields the same pointers.
    for key in object_keys(&client, &bucket, "dynamate/").await {
        client
            .s3()
            .delete_object()
            .bucket(&bucket)
            .key(key)
            .send()
            .await
            .expect("delete");
    }
    let again = client
        .encode_item_replacing(&url, &stored)
        .await
        .expect("re-encode");
    assert_eq!(again, stored);
    assert!(object_keys(&client, &bucket, "dynamate/").await.is_empty());

    // A changed attribute is uploaded, the unchanged one still is not.
    let changed = Url {
        html: "<html>new</html>".into(),
        ..url
    };
    let item = client
        .encode_item_replacing(&changed, &stored)
        .await
        .expect("encode changed");
    assert_eq!(
        object_keys(&client, &bucket, "dynamate/").await,
        vec![pointer(&item, "html").key]
    );
}

#[tokio::test]
async fn several_items_upload_together() {
    let (client, bucket) = client_with_bucket().await;
    let pages: Vec<Url> = (0..5)
        .map(|i| page(&format!("https://{i}.example"), i + 1))
        .collect();
    let items = client.encode_items(&pages).await.expect("encode items");
    assert_eq!(items.len(), 5);
    assert_eq!(
        object_keys(&client, &bucket, &table_objects::<Url>(&client))
            .await
            .len(),
        10
    );
}

/// The server honours `If-None-Match: *` on `CompleteMultipartUpload`, which makes multipart
/// uploads create-only (moto 5.2.5 does; so does S3).
#[tokio::test]
async fn multipart_completion_is_create_only() {
    use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
    let (client, bucket) = client_with_bucket().await;
    let s3 = client.s3();
    s3.put_object()
        .bucket(&bucket)
        .key("k")
        .body(b"first".to_vec().into())
        .send()
        .await
        .expect("put");
    let upload = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .expect("create");
    let id = upload.upload_id.expect("upload id");
    let part = s3
        .upload_part()
        .bucket(&bucket)
        .key("k")
        .upload_id(&id)
        .part_number(1)
        .body(b"second".to_vec().into())
        .send()
        .await
        .expect("part");
    let error = s3
        .complete_multipart_upload()
        .bucket(&bucket)
        .key("k")
        .upload_id(&id)
        .if_none_match("*")
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(
                    CompletedPart::builder()
                        .part_number(1)
                        .set_e_tag(part.e_tag)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect_err("the key exists");
    assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(412));
    assert_eq!(
        object_bytes(&client, &bucket, "k").await.as_deref(),
        Some(&b"first"[..])
    );
}
