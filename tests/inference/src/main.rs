//! A crate that depends on `profiler-runtime` with its default features must
//! type-check exactly as it would without it. Some crates' trait impls take
//! part in inference for every crate in the graph: serde_json's
//! `impl PartialEq<Value> for i32` (and for the other integers, `str`,
//! `String`, `bool`) makes an untyped comparison ambiguous. Each line below
//! compiles only while nothing in the runtime's default graph adds such impls.

use profiler_runtime::monitor;

#[monitor]
fn total(items: &[i32]) -> i32 {
    items.iter().sum()
}

fn main() {
    let v = vec![1, 2, 3];
    assert_eq!(6, v.iter().sum());
    assert_eq!(v.iter().sum::<i32>(), total(&v));
    let chunk = [1, 3];
    assert_eq!(4, chunk.iter().sum());
    assert_eq!(vec![vec![0u8; 0]], vec![vec![]]);
    assert!(6 == v.iter().copied().sum());
    assert_eq!("abc", String::from("abc"));
    assert_eq!(true, v.contains(&2));
    let parsed = "7".parse().unwrap();
    assert_eq!(7u16, parsed);

    let m = profiler_runtime::global();
    m.start_session("inference");
    total(&v);
    let report = m.end_session().expect("a session was running");
    assert_eq!(report.operation("total").map(|op| op.calls), Some(1));
    println!("inference: ok");
}
