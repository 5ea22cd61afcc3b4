//! Queries and scans against real servers (moto and dynalite): ports of pynamodb_mate's
//! iterating query/scan and index tests, pagination with cursors, parallel scans, counts, and the
//! client-side checks of key conditions and filters.

use std::collections::BTreeSet;

use dynamate::io::batch::BatchWrite;
use dynamate::{Cursor, Decimal, Error};
use dynamate_tests::fixtures::{order, product, with_table};
use dynamate_tests::support::Server;
use dynamate_tests::{Order, Product, ProductKey, on_both_servers};
use futures::TryStreamExt;

on_both_servers! {
    query_range_conditions,
    pagination_with_cursor,
    query_stream_filter_limit_reverse,
    index_query_and_scan,
    scan_filter_projection_count,
    parallel_scan_reads_every_item_once,
    invalid_key_conditions_are_rejected,
}

/// `count` products of tenant `acme` with skus `sku-000`.. and rank = n, stock = n % 5.
async fn products(server: Server, count: i64) -> dynamate::Client {
    let client = with_table::<Product>(server).await;
    let items = (0..count).map(|n| {
        let mut p = product("acme", &format!("sku-{n:03}"), n);
        p.stock = (n % 5) as i32;
        p.category = if n % 2 == 0 { "even" } else { "odd" }.to_string();
        p
    });
    let written = client
        .batch_write(BatchWrite::new().put_all(items))
        .await
        .unwrap();
    assert!(written.is_complete());
    client
}

fn skus(items: &[Product]) -> Vec<String> {
    items.iter().map(|p| p.sku.clone()).collect()
}

async fn query_range_conditions(server: Server) {
    let client = products(server, 20).await;
    let sku = Product::SKU.key();
    let cases = [
        (sku.eq("sku-003"), 1),
        (sku.lt("sku-003"), 3),
        (sku.le("sku-003"), 4),
        (sku.gt("sku-017"), 2),
        (sku.ge("sku-017"), 3),
        (sku.between("sku-005", "sku-009"), 5),
        (sku.begins_with("sku-01"), 10),
    ];
    for (range, expected) in cases {
        let text = format!("{range:?}");
        let found = client
            .query(Product::TENANT.eq("acme"))
            .range(range)
            .all()
            .await
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(found.len(), expected, "{text}");
    }
    let other = client
        .query(Product::TENANT.eq("nobody"))
        .all()
        .await
        .unwrap();
    assert!(other.is_empty());
}

async fn pagination_with_cursor(server: Server) {
    let client = products(server, 23).await;
    let mut cursor: Option<Cursor> = None;
    let mut pages = Vec::new();
    loop {
        let mut query = client.query(Product::TENANT.eq("acme")).page_size(10);
        if let Some(cursor) = cursor.take() {
            // Cursors survive a trip through text, as a web API would hand them out.
            query = query.start_from(Cursor::new(cursor.as_str().to_string()));
        }
        let page = query.page().await.unwrap();
        pages.push(skus(&page.items));
        // A cursor that never ends fails here instead of hanging CI.
        assert!(pages.len() <= 10, "23 items in pages of 10 never end");
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(&sizes[..3], &[10, 10, 3], "{sizes:?}");
    let all: Vec<String> = pages.concat();
    let expected: Vec<String> = (0..23).map(|n| format!("sku-{n:03}")).collect();
    assert_eq!(all, expected);

    let streamed: Vec<Product> = client
        .query(Product::TENANT.eq("acme"))
        .page_size(4)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(skus(&streamed), expected, "the stream crosses pages");
    let bad = client
        .query(Product::TENANT.eq("acme"))
        .start_from(Cursor::new("not a cursor"))
        .page()
        .await;
    assert!(matches!(bad, Err(Error::InvalidRequest { .. })), "{bad:?}");
}

async fn query_stream_filter_limit_reverse(server: Server) {
    let client = products(server, 15).await;
    let filtered = client
        .query(Product::TENANT.eq("acme"))
        .filter(Product::STOCK.eq(0).or(Product::RANK.ge(13)))
        .page_size(3)
        .all()
        .await
        .unwrap();
    assert_eq!(
        skus(&filtered),
        ["sku-000", "sku-005", "sku-010", "sku-013", "sku-014"]
    );
    let reversed = client
        .query(Product::TENANT.eq("acme"))
        .reverse()
        .limit(3)
        .consistent_read()
        .all()
        .await
        .unwrap();
    assert_eq!(skus(&reversed), ["sku-014", "sku-013", "sku-012"]);
    let counted = client
        .query(Product::TENANT.eq("acme"))
        .filter(Product::STOCK.lt(2))
        .page_size(4)
        .count()
        .await
        .unwrap();
    assert_eq!(counted, 6);
    let projected = client
        .query(Product::TENANT.eq("acme"))
        .range(Product::SKU.key().eq("sku-007"))
        .project(Product::NAME)
        .project(Product::PRICE)
        .project(Product::RELEASED_AT)
        .project(Product::SMALL)
        .project(Product::MEDIUM)
        .project(Product::BIG)
        .project(Product::UNSIGNED_SMALL)
        .project(Product::UNSIGNED_MEDIUM)
        .project(Product::UNSIGNED_INT)
        .project(Product::SCORE)
        .project(Product::PRODUCT_TYPE)
        .project(Product::DIMENSIONS)
        .project(Product::TAGS)
        .project(Product::MATRIX)
        .project(Product::NOTES)
        .project(Product::PRICES_BY_REGION)
        .project(Product::LABELS)
        .project(Product::CATEGORY)
        .project(Product::RANK)
        .all()
        .await
        .unwrap();
    assert_eq!(projected.len(), 1);
    assert_eq!(
        projected[0].stock, 0,
        "stock was not projected: its default applies"
    );
    assert_eq!(projected[0].price, Decimal::parse("7.50").unwrap());
}

async fn index_query_and_scan(server: Server) {
    let client = products(server, 12).await;
    // Global index with an INCLUDE projection: read keys only.
    let even: Vec<ProductKey> = client
        .query(Product::BY_CATEGORY.key("even"))
        .range(
            Product::BY_CATEGORY
                .range()
                .ge(Decimal::parse("4").unwrap()),
        )
        .keys()
        .try_collect()
        .await
        .unwrap();
    let even: BTreeSet<String> = even.into_iter().map(|k| k.sku).collect();
    assert_eq!(
        even,
        ["sku-004", "sku-006", "sku-008", "sku-010"]
            .map(String::from)
            .into()
    );
    // Global index projecting everything: full items, newest first.
    let latest = client
        .query(Product::BY_RELEASE.key("odd"))
        .range(
            Product::BY_RELEASE
                .range()
                .gt(chrono::DateTime::from_timestamp(1_700_000_005, 0).unwrap()),
        )
        .reverse()
        .all()
        .await
        .unwrap();
    assert_eq!(skus(&latest), ["sku-011", "sku-009", "sku-007"]);
    // Local index, keys only, consistent reads allowed.
    let ranked: Vec<ProductKey> = client
        .query(Product::BY_RANK.key("acme"))
        .range(Product::BY_RANK.range().between(3, 5))
        .consistent_read()
        .keys()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ranked.len(), 3);
    let count = client
        .scan::<Product>()
        .index(Product::BY_RELEASE)
        .count()
        .await
        .unwrap();
    assert_eq!(count, 12);
    let scanned = client
        .scan::<Product>()
        .index(Product::BY_RELEASE)
        .filter(Product::RANK.lt(2))
        .all()
        .await
        .unwrap();
    assert_eq!(scanned.len(), 2);

    let orders = with_table::<Order>(server).await;
    for n in 0..6 {
        let mut o = order(&format!("o-{n}"), if n < 4 { "alice" } else { "bob" }, n);
        orders.save(&mut o).await.unwrap();
    }
    let alice = orders
        .query(Order::BY_CUSTOMER.key("alice"))
        .all()
        .await
        .unwrap();
    let ids: Vec<&str> = alice.iter().map(|o| o.order_id.as_str()).collect();
    assert_eq!(ids, ["o-0", "o-1", "o-2", "o-3"]);
}

async fn scan_filter_projection_count(server: Server) {
    let client = products(server, 30).await;
    assert_eq!(client.scan::<Product>().count().await.unwrap(), 30);
    let some = client
        .scan::<Product>()
        .filter(
            Product::STOCK
                .eq(4)
                .and(Product::NAME.begins_with("product")),
        )
        .page_size(7)
        .all()
        .await
        .unwrap();
    assert_eq!(some.len(), 6);
    assert!(some.iter().all(|p| p.stock == 4));
    let limited = client.scan::<Product>().limit(5).all().await.unwrap();
    assert_eq!(limited.len(), 5);
    let page = client.scan::<Product>().page_size(8).page().await.unwrap();
    assert_eq!(page.items.len(), 8);
    let rest = client
        .scan::<Product>()
        .start_from(page.next.expect("more pages"))
        .count()
        .await
        .unwrap();
    assert_eq!(rest, 22);
}

async fn parallel_scan_reads_every_item_once(server: Server) {
    let client = products(server, 60).await;
    let items: Vec<Product> = client
        .scan::<Product>()
        .segments(4)
        .page_size(7)
        .all()
        .await
        .unwrap();
    let mut seen: Vec<String> = skus(&items);
    seen.sort();
    let expected: Vec<String> = (0..60).map(|n| format!("sku-{n:03}")).collect();
    assert_eq!(seen, expected, "every item exactly once");
    assert_eq!(
        client.scan::<Product>().segments(3).count().await.unwrap(),
        60
    );
}

async fn invalid_key_conditions_are_rejected(server: Server) {
    let client = with_table::<Product>(server).await;
    let invalid = |r: Result<Vec<Product>, Error>| {
        let error = r.expect_err("rejected client-side");
        assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
        error.to_string()
    };
    let text = invalid(
        client
            .query(Product::BY_CATEGORY.key("even"))
            .consistent_read()
            .all()
            .await,
    );
    assert!(text.contains("consistent"), "{text}");
    let text = invalid(
        client
            .query(Product::BY_CATEGORY.key("even"))
            .range(Product::SKU.key().eq("sku-001"))
            .all()
            .await,
    );
    assert!(text.contains("sort key condition"), "{text}");
    let text = invalid(
        client
            .query(Product::BY_CATEGORY.key("even"))
            .filter(Product::CATEGORY.eq("even"))
            .all()
            .await,
    );
    assert!(text.contains("key attribute"), "{text}");
    invalid(
        client
            .query(Product::TENANT.eq("acme"))
            .limit(0)
            .all()
            .await,
    );
    invalid(
        client
            .query(Product::TENANT.eq("acme"))
            .page_size(0)
            .all()
            .await,
    );
    invalid(client.scan::<Product>().segments(0).all().await);
}
