//! Conditions and filters on deterministically encrypted attributes compare against the
//! encrypted operand (the caller writes the plaintext), on moto and dynalite. The same on a
//! randomized attribute does not compile (tests/compile-fail/filter_randomized.rs).

use dynamate::Error;
use dynamate::item::expr::Update;
use dynamate_tests::fixtures::with_table;
use dynamate_tests::support::Server;
use dynamate_tests::{Archive, on_both_servers};

on_both_servers! {
    filter_on_deterministic_attribute,
}

fn archive(aid: &str, message: &str, integer: i64) -> Archive {
    Archive {
        aid: aid.into(),
        secret_message: message.into(),
        secret_binary: vec![1, 2, 3],
        secret_integer: integer,
        secret_float: 2.5,
        secret_data: serde_json::json!({ "k": aid }),
    }
}

async fn filter_on_deterministic_attribute(server: Server) {
    let client = with_table::<Archive>(server).await;
    for (aid, message, integer) in [("a", "hello", 1), ("b", "world", 2), ("c", "hello", 3)] {
        client
            .save(&mut archive(aid, message, integer))
            .await
            .unwrap();
    }
    let mut found = client
        .scan::<Archive>()
        .filter(Archive::SECRET_MESSAGE.eq("hello"))
        .all()
        .await
        .unwrap();
    found.sort_by(|a, b| a.aid.cmp(&b.aid));
    assert_eq!(
        found,
        vec![archive("a", "hello", 1), archive("c", "hello", 3)]
    );
    let by_number = client
        .scan::<Archive>()
        .filter(
            Archive::SECRET_INTEGER
                .is_in([2, 3])
                .and(Archive::SECRET_MESSAGE.ne("hello")),
        )
        .all()
        .await
        .unwrap();
    assert_eq!(by_number, vec![archive("b", "world", 2)]);

    // A condition on the encrypted value, and a whole-value update of randomized attributes
    // (bound to this item's key).
    let updated = client
        .update(
            &dynamate_tests::ArchiveKey { aid: "a".into() },
            Update::new()
                .set(Archive::SECRET_BINARY, vec![9])
                .set(Archive::SECRET_MESSAGE, "bye"),
        )
        .condition(Archive::SECRET_MESSAGE.eq("hello"))
        .await
        .unwrap();
    assert_eq!(
        (updated.secret_binary, updated.secret_message),
        (vec![9], "bye".to_string())
    );
    let ordering = client
        .scan::<Archive>()
        .filter(Archive::SECRET_INTEGER.gt(1))
        .all()
        .await;
    assert!(
        matches!(ordering, Err(Error::InvalidRequest { .. })),
        "{ordering:?}"
    );
}
