//! Runs the README's quick start (step 3), extracted by `build.rs`, against the servers named
//! by the standard AWS variables (`AWS_ENDPOINT_URL`, `AWS_REGION`, credentials).
#![allow(unused_variables)] // the README binds values to show their types

include!(concat!(env!("OUT_DIR"), "/quick_start.rs"));

/// Every Rust block of `docs/*.md`, compiled (see `build.rs`).
#[allow(dead_code)]
mod docs_examples {
    include!(concat!(env!("OUT_DIR"), "/docs_examples.rs"));
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    quick_start().await
}
