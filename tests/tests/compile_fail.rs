//! The claims "filters on randomized or offloaded attributes do not compile" and "key
//! attributes cannot be updated", as compile tests: each case in `tests/compile-fail/` must fail
//! with exactly the compiler output committed beside it (`.stderr`), so a case that fails for
//! another reason, or compiles, fails this test. `tests/compile-pass/` holds the positive
//! controls: the same attributes used as the rules allow, so the fixtures do use the API right.
//!
//! `tests/compile-fail/interface/` holds generated code of another version of the interface
//! between generated code and the runtime (`dynamate::__codegen`): it must fail with the version
//! handshake's message naming the versions to align. That the current generator's output
//! compiles is `generated_compiles.rs`.
//!
//! After an intended change of the messages (or of the runtime lines they cite), regenerate with
//! `TRYBUILD=overwrite cargo test -p dynamate-tests --test compile_fail` and review the diff.

#[test]
fn expression_misuse_fails_with_a_message_naming_the_cause() {
    let cases = trybuild::TestCases::new();
    cases.pass("compile-pass/*.rs");
    cases.compile_fail("compile-fail/*.rs");
}

#[test]
fn generated_code_of_another_interface_version_fails_naming_the_versions() {
    trybuild::TestCases::new().compile_fail("compile-fail/interface/*.rs");
}
