//! Compile-time behaviour of `#[monitor]`: `ui/pass` must compile, `ui/fail`
//! must fail with exactly the committed `.stderr`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
