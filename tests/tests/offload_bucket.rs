//! The optional offload bucket setup against moto: `create_bucket_if_missing` is a quick skip for
//! an existing bucket, creates a missing one in the client's region (a `LocationConstraint`
//! outside us-east-1), and fails with a typed error; `create_offload_buckets` creates the buckets
//! a model's offloaded attributes use, after overrides.

use dynamate::io::offload::OffloadError;
use dynamate::io::ops::Created;
use dynamate::{Error, ModelExt, TransformContext};
use dynamate_tests::faults::{Action, FaultProxy, Rule, Service};
use dynamate_tests::support::{Server, builder, unique_name};
use dynamate_tests::{Product, Url, UrlKey};

fn bucket_name() -> String {
    unique_name("bucket").to_lowercase()
}

async fn bucket_exists(client: &dynamate::Client, bucket: &str) -> bool {
    match client.s3().head_bucket().bucket(bucket).send().await {
        Ok(_) => true,
        Err(error) if error.as_service_error().is_some_and(|e| e.is_not_found()) => false,
        Err(error) => panic!("HeadBucket {bucket} failed with something other than 404: {error:?}"),
    }
}

#[tokio::test]
async fn creates_a_missing_bucket_and_skips_an_existing_one() {
    let client = builder(Server::Moto).build().await;
    let bucket = bucket_name();
    assert!(!bucket_exists(&client, &bucket).await);

    assert_eq!(
        client.create_bucket_if_missing(&bucket).await.unwrap(),
        Created::New
    );
    assert!(bucket_exists(&client, &bucket).await);
    assert_eq!(
        client.create_bucket_if_missing(&bucket).await.unwrap(),
        Created::AlreadyExists
    );
}

#[tokio::test]
async fn a_bucket_outside_us_east_1_gets_the_client_region_as_location_constraint() {
    let client = builder(Server::Moto).region("eu-west-1").build().await;
    let bucket = bucket_name();
    assert_eq!(
        client.create_bucket_if_missing(&bucket).await.unwrap(),
        Created::New
    );
    let location = client
        .s3()
        .get_bucket_location()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(
        location.location_constraint().map(|c| c.as_str()),
        Some("eu-west-1")
    );
    assert_eq!(
        client.create_bucket_if_missing(&bucket).await.unwrap(),
        Created::AlreadyExists
    );

    // In us-east-1 no constraint is sent (S3 rejects one naming us-east-1); S3 then reports an
    // empty one.
    let east = builder(Server::Moto).build().await;
    let bucket = bucket_name();
    assert_eq!(
        east.create_bucket_if_missing(&bucket).await.unwrap(),
        Created::New
    );
    let location = east
        .s3()
        .get_bucket_location()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(
        location
            .location_constraint()
            .map(|c| c.as_str())
            .filter(|c| !c.is_empty()),
        None
    );
}

#[tokio::test]
async fn an_invalid_name_is_a_typed_error_and_creates_nothing() {
    let client = builder(Server::Moto).build().await;
    // Over S3's 63 characters (moto accepts other invalid names, such as upper case).
    let bad = format!("{:a<70}", bucket_name());
    let error = client.create_bucket_if_missing(&bad).await.unwrap_err();
    match &error {
        Error::Offload(OffloadError::CreateBucket { bucket, reason, .. }) => {
            assert_eq!(bucket, &bad);
            assert!(reason.contains("naming rules"), "{reason}");
        }
        other => panic!("expected OffloadError::CreateBucket, got {other:?}"),
    }
    assert!(!bucket_exists(&client, &bad).await);
    assert!(error.to_string().contains(&format!("`{bad}`")), "{error}");
}

/// The reason of an [`OffloadError::CreateBucket`], panicking on any other result.
fn create_bucket_reason(result: Result<Created, Error>) -> &'static str {
    match result {
        Err(Error::Offload(OffloadError::CreateBucket { reason, .. })) => reason,
        other => panic!("expected OffloadError::CreateBucket, got {other:?}"),
    }
}

#[tokio::test]
async fn a_bucket_these_credentials_may_not_use_is_an_error_not_a_create() {
    let proxy = FaultProxy::new(Server::Moto);
    let client = proxy.client().await;
    let bucket = bucket_name();
    let head = proxy
        .add(
            Rule::new(Action::s3_error(403, "AccessDenied"))
                .service(Service::S3)
                .operation("HEAD")
                .contains(&bucket),
        )
        .await;
    let reason = create_bucket_reason(client.create_bucket_if_missing(&bucket).await);
    assert!(reason.contains("may not use it"), "{reason}");
    assert_eq!(head.hits().await.hits, 1);
    // No CreateBucket was sent.
    assert!(!bucket_exists(&client, &bucket).await);
}

#[tokio::test]
async fn create_bucket_answers_are_classified() {
    let proxy = FaultProxy::new(Server::Moto);
    let client = proxy.client().await;

    // Created by this account between HeadBucket and CreateBucket: a skip.
    let bucket = bucket_name();
    let put = proxy
        .add(
            Rule::new(Action::s3_error(409, "BucketAlreadyOwnedByYou"))
                .service(Service::S3)
                .operation("PUT")
                .contains(&bucket),
        )
        .await;
    assert_eq!(
        client.create_bucket_if_missing(&bucket).await.unwrap(),
        Created::AlreadyExists
    );
    assert_eq!(put.hits().await.hits, 1);

    // The name belongs to another account: an error saying so.
    let bucket = bucket_name();
    proxy
        .add(
            Rule::new(Action::s3_error(409, "BucketAlreadyExists"))
                .service(Service::S3)
                .operation("PUT")
                .contains(&bucket),
        )
        .await;
    let reason = create_bucket_reason(client.create_bucket_if_missing(&bucket).await);
    assert!(reason.contains("another AWS account owns"), "{reason}");
    assert!(!bucket_exists(&client, &bucket).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offload_buckets_of_a_model_follow_the_overrides_and_then_take_writes() {
    let bucket = bucket_name();
    let client = builder(Server::Moto)
        .transforms(TransformContext::new().with_bucket_override("my-bucket", &bucket))
        .build()
        .await;
    // Url's two offloaded attributes share one bucket: one entry.
    assert_eq!(
        client.create_offload_buckets::<Url>().await.unwrap(),
        vec![(bucket.clone(), Created::New)]
    );
    assert_eq!(
        client.create_offload_buckets::<Url>().await.unwrap(),
        vec![(bucket.clone(), Created::AlreadyExists)]
    );
    assert_eq!(
        client.create_offload_buckets::<Product>().await.unwrap(),
        vec![]
    );

    client.create_table::<Url>().await.unwrap();
    let mut page = Url {
        url: "https://example.com".into(),
        html: "<html>big</html>".repeat(100),
        content: vec![7; 1000],
    };
    page.save(&client).await.unwrap();
    let key = UrlKey {
        url: page.url.clone(),
    };
    let read = Url::get(&client, &key).await.unwrap().unwrap();
    assert_eq!((read.html, read.content), (page.html, page.content));
}
