//! Every error kind describes its own layer in `Display` and keeps the rest of the chain in
//! `source()`: no layer repeats its source's text, and the innermost cause stays reachable.
//!
//! Each error here is built around a leaf cause carrying a unique marker; walking the chain
//! must find that marker in exactly one layer, the last one.

use std::error::Error as StdError;

use dynamate::io::error::BoxError;
use dynamate::io::offload::OffloadError;
use dynamate::io::tracker::{LeaseLost, Refusal, RunError, TaskRefused, TrackerError};
use dynamate::item::error::ValueError;
use dynamate::item::transform::TransformError;
use dynamate::primitives::compress::CompressError;
use dynamate::primitives::crypto::{CryptoError, ValueContext};
use dynamate::{CodecError, DecodeError, EncodeError, Error, Report};

const LEAF: &str = "LEAF-7f3a";

/// The `Display` text of each layer, outermost first.
fn layers(error: &(dyn StdError + 'static)) -> Vec<String> {
    let mut texts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        texts.push(cause.to_string());
        source = cause.source();
    }
    texts
}

/// Asserts the chain has `depth` layers, none repeating another, and the leaf marker only in
/// the last one.
fn assert_chain(name: &str, error: &(dyn StdError + 'static), depth: usize) {
    let texts = layers(error);
    assert_eq!(texts.len(), depth, "{name}: chain {texts:#?}");
    for pair in texts.windows(2) {
        assert!(
            !pair[0].contains(&pair[1]),
            "{name}: layer repeats its source\n  layer:  {}\n  source: {}",
            pair[0],
            pair[1]
        );
    }
    let with_leaf: Vec<usize> = (0..texts.len())
        .filter(|&i| texts[i].contains(LEAF))
        .collect();
    assert_eq!(
        with_leaf,
        vec![texts.len() - 1],
        "{name}: the leaf must be in the last layer only: {texts:#?}"
    );
    assert!(
        Report(error).to_string().contains(LEAF),
        "{name}: Report shows the chain"
    );
}

fn leaf() -> BoxError {
    Box::new(std::io::Error::other(LEAF))
}

fn context() -> Box<ValueContext> {
    Box::new(ValueContext {
        table: "t".into(),
        attribute: "a".into(),
        key: "k".into(),
        version: Some(1),
    })
}

fn corrupt_compression() -> CompressError {
    CompressError::Corrupt {
        reason: LEAF.into(),
    }
}

fn codec_errors() -> Vec<(&'static str, CodecError)> {
    vec![
        (
            "transform/compress",
            CodecError::from(TransformError::from(corrupt_compression())),
        ),
        (
            "transform/crypto",
            CodecError::from(TransformError::from(CryptoError::Malformed {
                context: context(),
                reason: LEAF,
            })),
        ),
        (
            "transform/pointer",
            CodecError::from(TransformError::BadPointer {
                reason: LEAF.into(),
            }),
        ),
        (
            "invalid",
            CodecError::from(ValueError::Invalid {
                expected: "i32",
                reason: LEAF.into(),
            }),
        ),
    ]
}

#[test]
fn decode_and_encode_errors_keep_their_cause_as_source() {
    for (name, cause) in codec_errors() {
        let decode = DecodeError {
            table: "t",
            attribute: "a".into(),
            cause,
        };
        assert_chain(name, &decode, 2);
        let error = Error::from(decode);
        assert_chain(name, &error, 2);
    }
    for (name, cause) in codec_errors() {
        let encode = EncodeError {
            table: "t",
            attribute: "a".into(),
            cause,
        };
        assert_chain(name, &Error::from(encode), 2);
    }
}

#[test]
fn request_errors_keep_the_sdk_error_as_source() {
    let cases = vec![
        (
            "service",
            Error::Service {
                operation: "PutItem",
                table: "t".into(),
                source: leaf(),
            },
        ),
        (
            "condition",
            Error::ConditionFailed {
                operation: "PutItem",
                table: "t".into(),
                source: leaf(),
            },
        ),
        (
            "version",
            Error::VersionConflict {
                operation: "PutItem",
                table: "t".into(),
                expected: 3,
                source: leaf(),
            },
        ),
        (
            "throttled",
            Error::Throttled {
                operation: "PutItem",
                table: "t".into(),
                source: leaf(),
            },
        ),
        (
            "not found",
            Error::NotFound {
                operation: "Query",
                table: "t".into(),
                what: "the table",
                hint: "create it",
                source: Some(leaf()),
            },
        ),
        (
            "transaction",
            Error::TransactionCanceled {
                reasons: Vec::new(),
                source: leaf(),
            },
        ),
    ];
    for (name, error) in cases {
        assert_chain(name, &error, 2);
    }
}

fn tracker_request() -> TrackerError {
    TrackerError::Request(Error::Service {
        operation: "UpdateItem",
        table: "tasks".into(),
        source: leaf(),
    })
}

#[test]
fn tracker_errors_keep_their_cause_as_source() {
    assert_chain("tracker request", &tracker_request(), 2);
    let json = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
    let json_error = TrackerError::Json {
        what: "task data",
        task_id: LEAF.into(),
        source: json,
    };
    // The task id is this layer's own; the serde error below it must not be repeated.
    let texts = layers(&json_error);
    assert_eq!(texts.len(), 2, "{texts:#?}");
    assert!(!texts[0].contains(&texts[1]), "{texts:#?}");

    let start: RunError<std::io::Error> = RunError::Start(tracker_request());
    assert_chain("run start", &start, 3);
    let record: RunError<std::io::Error> = RunError::Record {
        source: tracker_request(),
        error: None,
    };
    assert_chain("run record", &record, 3);
    let task: RunError<std::io::Error> = RunError::Task {
        error: std::io::Error::other(LEAF),
        retries: 1,
        ignored: false,
    };
    assert_chain("run task", &task, 2);
}

#[test]
fn tracker_refusals_are_one_layer() {
    let refused = TrackerError::from(TaskRefused {
        action: "start",
        use_case: "ingest",
        task_id: LEAF.into(),
        reason: Refusal::NotFound,
    });
    assert_eq!(layers(&refused).len(), 1);
    let lost = TrackerError::from(LeaseLost {
        use_case: "ingest",
        task_id: LEAF.into(),
        epoch: 2,
        current_epoch: None,
        current_status: None,
    });
    assert_eq!(layers(&lost).len(), 1);
}

#[test]
fn offload_errors_keep_the_s3_error_as_source() {
    let cases = vec![
        (
            "upload",
            OffloadError::Upload {
                table: "t",
                attribute: "a",
                uri: "s3://b/k".into(),
                source: leaf(),
            },
        ),
        (
            "upload conflict",
            OffloadError::UploadConflict {
                table: "t",
                attribute: "a",
                uri: "s3://b/k".into(),
                attempts: 8,
                source: leaf(),
            },
        ),
        (
            "fetch",
            OffloadError::Fetch {
                table: "t",
                item: "id = 1".into(),
                attribute: "a",
                uri: "s3://b/k".into(),
                source: leaf(),
            },
        ),
        (
            "pointer",
            OffloadError::BadPointer {
                table: "t",
                item: "id = 1".into(),
                attribute: "a",
                source: TransformError::BadPointer {
                    reason: LEAF.into(),
                },
            },
        ),
        (
            "sweep",
            OffloadError::Sweep {
                location: "s3://b/p".into(),
                step: "listing objects",
                source: leaf(),
            },
        ),
    ];
    for (name, error) in cases {
        assert_chain(name, &error, 2);
        assert_chain(name, &Error::from(error), 2);
    }
}
