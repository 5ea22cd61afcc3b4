//! The seed README's `UrlModel` (pynamodb_mate feature 1) through the typed operations: save,
//! get, update with new html and content, refresh, delete; the S3 objects are checked directly.

mod offload_common;

use dynamate::ModelExt;
use dynamate::item::expr::Update;
use dynamate_tests::{Url, UrlKey};
use offload_common::{client_with_bucket, object_bytes, object_keys, objects_of, table_objects};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_model_save_get_update_refresh_delete() {
    let (client, bucket) = client_with_bucket().await;
    client.create_table::<Url>().await.unwrap();
    let key = UrlKey {
        url: "https://pynamodb-mate.readthedocs.io/en/latest/".into(),
    };
    let html = "<html>Hello World!</html>\n".repeat(1000);
    let content = "this is a dummy image!\n".repeat(1000).into_bytes();
    let mut url = Url {
        url: key.url.clone(),
        html: html.clone(),
        content: content.clone(),
    };
    url.save(&client).await.unwrap();

    let read = Url::get(&client, &key).await.unwrap().unwrap();
    assert_eq!(
        (read.html.as_str(), read.content.as_slice()),
        (html.as_str(), content.as_slice())
    );

    // One object per attribute, content-addressed: the key ends with the SHA-256 of the body.
    let html_objects = object_keys(&client, &bucket, &objects_of::<Url>(&client, "html")).await;
    let content_objects =
        object_keys(&client, &bucket, &objects_of::<Url>(&client, "content")).await;
    assert_eq!((html_objects.len(), content_objects.len()), (1, 1));
    for key in html_objects.iter().chain(&content_objects) {
        let stored = object_bytes(&client, &bucket, key).await.unwrap();
        assert_eq!(
            key.rsplit('/').next().unwrap(),
            dynamate::item::transform::sha256_hex(&stored)
        );
    }
    assert_eq!(
        object_bytes(&client, &bucket, &html_objects[0])
            .await
            .unwrap(),
        html.as_bytes(),
        "stored as-is (no compression)"
    );

    let updated = client
        .update(
            &key,
            Update::new()
                .set(Url::HTML, "<html>Hello DynamoDB</html>".to_string())
                .set(Url::CONTENT, "this is a real image!".as_bytes().to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(updated.html, "<html>Hello DynamoDB</html>");
    url.refresh(&client).await.unwrap();
    assert_eq!(url.html, "<html>Hello DynamoDB</html>");
    assert_eq!(url.content, b"this is a real image!");
    assert_eq!(
        object_keys(&client, &bucket, &table_objects::<Url>(&client))
            .await
            .len(),
        4,
        "new values, new objects"
    );

    client.delete(&key).await.unwrap();
    assert!(Url::get(&client, &key).await.unwrap().is_none());
    // Delete removes the item only: objects may be shared, the sweep removes orphans later.
    assert_eq!(
        object_keys(&client, &bucket, &table_objects::<Url>(&client))
            .await
            .len(),
        4
    );
}
