//! The cross-language test: the real pynamodb_mate 6.0.1.1 (installed next to moto by
//! `scripts/servers.sh`) and dynamate share one table, on moto and on dynalite.
//!
//! - Python writes items with every pynamodb_mate attribute class and several values each
//!   (empty, unicode, large, absent, ints at the i64 bounds, floats with exponents, -0.0, NaN
//!   and the infinities, bools, JSON values); `Shared` (schemas/interop.toml, `pynamodb_mate =
//!   "shared"`) reads the same values.
//! - dynamate writes the same values under other ids; pynamodb_mate reads them back as written,
//!   and its deterministic equality scans find the items dynamate wrote.
//!
//! The Python side is `tests/interop/pynamodb_mate_peer.py`, run with `.tools/venv/bin/python`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use dynamate::primitives::crypto::{Keyring, RootKey};
use dynamate::{Client, Model};
use dynamate_tests::support::{Server, builder, unique_name};
use dynamate_tests::{Shared, on_both_servers};
use serde_json::Value;

mod pynamodb_mate_common;
use pynamodb_mate_common::{PASSWORD, same, shared};

on_both_servers! {
    python_and_rust_share_a_table,
}

/// Runs the Python peer and parses what it prints; the peer's own timeouts are pynamodb's, and
/// this one bounds the whole run.
fn peer(server: Server, table: &str, command: &str) -> Value {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".tools/venv/bin/python");
    let script = root.join("tests/interop/pynamodb_mate_peer.py");
    // Files, not pipes: the output is larger than a pipe holds while we poll for the deadline.
    let out_path = std::env::temp_dir().join(unique_name("peer-out"));
    let err_path = std::env::temp_dir().join(unique_name("peer-err"));
    let mut child = Command::new(&python)
        .arg(&script)
        .args([server.endpoint().as_str(), table, command])
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}): install the tools with `scripts/servers.sh install`",
                python.display()
            )
        });
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the Python peer did not finish `{command}` within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = std::fs::read(&out_path).unwrap();
    let stderr = std::fs::read_to_string(&err_path).unwrap();
    let _ = (
        std::fs::remove_file(&out_path),
        std::fs::remove_file(&err_path),
    );
    assert!(status.success(), "peer `{command}` failed: {stderr}");
    serde_json::from_slice(&stdout).expect("the peer prints JSON")
}

async fn client(server: Server) -> Client {
    let keyring = Keyring::new()
        .with_key("legacy", 1, RootKey::from_bytes(&[5; 32]).unwrap())
        .unwrap()
        .with_pynamodb_mate_password("legacy", PASSWORD)
        .unwrap();
    builder(server).keyring(keyring).build().await
}

async fn python_and_rust_share_a_table(server: Server) {
    let client = client(server).await;
    client.create_table::<Shared>().without_ttl().await.unwrap();
    let table = client.table_name::<Shared>();

    // Python writes, Rust reads the same values.
    let written = tokio::task::spawn_blocking({
        let table = table.clone();
        move || peer(server, &table, "write")
    })
    .await
    .unwrap();
    let expected: Vec<Shared> = written
        .as_array()
        .unwrap()
        .iter()
        .map(|item| shared(item["id"].as_str().unwrap(), item).expect("fits Shared"))
        .collect();
    assert!(expected.len() >= 8);
    for model in &expected {
        let read = client
            .get(&model.key())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{} is missing", model.id));
        assert!(same(&read, model), "{}: {read:?}", model.id);
    }

    // Rust writes the same values under other ids; Python reads them back as written.
    for model in &expected {
        let mut ours = Shared {
            id: model.id.replace("py-", "rust-"),
            ..model.clone()
        };
        client.save(&mut ours).await.unwrap();
    }
    let read_back = tokio::task::spawn_blocking({
        let table = table.clone();
        move || peer(server, &table, "read")
    })
    .await
    .unwrap();
    let by_id: std::collections::HashMap<&str, &Value> = read_back
        .as_array()
        .unwrap()
        .iter()
        .map(|item| (item["id"].as_str().unwrap(), item))
        .collect();
    assert_eq!(by_id.len(), 2 * expected.len());
    for model in &expected {
        let id = model.id.replace("py-", "rust-");
        let python_read = shared(&id, by_id[id.as_str()]).expect("fits Shared");
        let ours = Shared {
            id: id.clone(),
            ..model.clone()
        };
        assert!(same(&python_read, &ours), "{id}: {python_read:?}");
    }

    // pynamodb_mate's equality scans on deterministic attributes find the Rust-written items
    // (and the Python-written twin holding the same value).
    let scans = tokio::task::spawn_blocking(move || peer(server, &table, "scan-eq"))
        .await
        .unwrap();
    let scans = scans.as_array().unwrap();
    assert!(scans.len() >= 20, "{scans:?}");
    for scan in scans {
        let id = scan["id"].as_str().unwrap();
        let found: Vec<&str> = scan["found"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(found.contains(&id), "{scan}");
        // Its Python twin holds the same value, and the same bytes unless it is a JSON object
        // whose keys Python inserted unsorted (dynamate writes serde_json's sorted order).
        let twin = id.replace("rust-", "py-");
        if scan["attribute"] != "json_ecb" || id != "rust-2" {
            assert!(found.contains(&twin.as_str()), "{scan}");
        } else {
            assert!(!found.contains(&twin.as_str()), "{scan}");
        }
    }
}
