//! Compiles every schema in `schemas/` exactly as a user's build.rs would.
fn main() -> Result<(), dynamate_codegen::Error> {
    dynamate_codegen::Builder::new()
        .schema("../schemas")
        .compile()
}
