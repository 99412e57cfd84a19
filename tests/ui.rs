//! Compile-time checks of `#[derive(Session)]`: each file in `tests/ui/` is one mistake and
//! its committed `.stderr` is the message the user sees. `TRYBUILD=overwrite` refreshes them.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
