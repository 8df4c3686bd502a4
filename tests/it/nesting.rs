//! Self time on known nestings: a call's self time is its total less the
//! totals of the monitored calls it made, exactly, sync and across `.await`.

use profiler_runtime::{monitor, Monitor, SessionReport};
use std::hint::black_box;

fn row<'a>(r: &'a SessionReport, name: &str) -> &'a profiler_runtime::OperationStats {
    r.operation(name).unwrap_or_else(|| panic!("no row {name} in\n{r}"))
}

#[monitor("nesting::leaf")]
fn leaf(n: u64) -> u64 {
    (0..n).map(black_box).sum()
}

#[monitor("nesting::inner_leaf")]
fn inner_leaf(n: u64) -> u64 {
    (0..n).map(black_box).sum()
}

#[monitor("nesting::middle")]
fn middle() -> u64 {
    inner_leaf(2_000) + inner_leaf(3_000)
}

#[monitor("nesting::top")]
fn top() -> u64 {
    let own: u64 = (0..5_000u64).map(black_box).sum();
    own + middle() + leaf(1_000)
}

#[test]
fn a_calls_self_time_is_its_total_less_its_childrens_and_grandchildren_count_once() {
    let m = Monitor::new();
    m.start_session("nesting::sync");
    m.scope(|| black_box(top()));
    let r = m.end_session().unwrap();
    let top = row(&r, "nesting::top");
    let middle = row(&r, "nesting::middle");
    let (inner, leaf) = (row(&r, "nesting::inner_leaf"), row(&r, "nesting::leaf"));
    assert_eq!((inner.calls, leaf.calls), (2, 1));
    assert_eq!(inner.self_ns, Some(inner.total_ns), "a leaf's self time is all of it");
    assert_eq!(middle.self_ns, Some(middle.total_ns - inner.total_ns));
    // top's children are middle and its own leaf; middle's leaves are not counted again.
    assert_eq!(top.self_ns, Some(top.total_ns - middle.total_ns - leaf.total_ns));
    let most = [top, middle, inner, leaf].iter().map(|o| o.self_ns.unwrap()).max().unwrap();
    assert_eq!(r.bottlenecks[0].self_ns, most, "one thread, no overlap: held time is self time");
}

#[monitor("nesting::child_future")]
async fn child_future(n: u64) -> u64 {
    tokio::task::yield_now().await; // completes in a later poll of its parent
    leaf(n)
}

#[monitor("nesting::parent_future")]
async fn parent_future() -> u64 {
    let a = child_future(1_000).await;
    let b = child_future(2_000).await;
    a + b
}

#[monitor("nesting::spawner")]
async fn spawner(m: Monitor) -> u64 {
    // A spawned task is polled by the runtime, not by this future: not a child.
    tokio::spawn(m.bind(child_future(500))).await.unwrap()
}

#[test]
fn a_futures_children_are_the_monitored_futures_it_awaits_not_the_tasks_it_spawns() {
    let m = Monitor::new();
    m.start_session("nesting::async");
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(m.bind(parent_future()));
    let r = m.end_session().unwrap();
    let (parent, child, leaf) = (
        row(&r, "nesting::parent_future"),
        row(&r, "nesting::child_future"),
        row(&r, "nesting::leaf"),
    );
    assert_eq!(child.calls, 2);
    assert_eq!(parent.self_ns, Some(parent.total_ns - child.total_ns), "across .await");
    assert_eq!(child.self_ns, Some(child.total_ns - leaf.total_ns), "a sync call inside a poll");

    m.start_session("nesting::spawn");
    rt.block_on(m.bind(spawner(m.clone())));
    let r = m.end_session().unwrap();
    let spawner = row(&r, "nesting::spawner");
    assert_eq!(spawner.self_ns, Some(spawner.total_ns));
}

#[test]
fn a_parent_is_not_blamed_for_its_children_in_the_findings() {
    #[monitor("nesting::dispatch")]
    fn dispatch() {
        for _ in 0..3 {
            work();
        }
    }
    #[monitor("nesting::work")]
    fn work() {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let m = Monitor::new();
    m.start_session("nesting::blame");
    m.scope(dispatch);
    let r = m.end_session().unwrap();
    let dominant: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.kind == "dominant_operation")
        .filter_map(|f| f.subject.as_deref())
        .collect();
    assert_eq!(dominant, ["nesting::work"], "{r}");
    assert_eq!(r.bottlenecks[0].name, "nesting::work");
}

#[monitor(component = "nesting::storage")]
fn store_row(n: u64) -> u64 {
    black_box(n + 1)
}

#[monitor(name = "nesting::load_row", component = "nesting::storage")]
fn load_row(n: u64) -> Result<u64, String> {
    if n == 3 {
        Err("row 3 is missing".into())
    } else {
        Ok(black_box(n))
    }
}

#[test]
fn tagged_operations_roll_up_per_component() {
    let m = Monitor::new();
    m.start_session("nesting::components");
    m.scope(|| {
        for n in 0..5 {
            store_row(n);
            let _ = load_row(n);
        }
        black_box(leaf(10));
    });
    m.operation_in("nesting::net", "nesting::send").start().finish();
    let r = m.end_session().unwrap();
    assert_eq!(r.components.len(), 2, "{r}");
    let storage = r.components.iter().find(|c| c.name == "nesting::storage").unwrap();
    let ops: Vec<_> = r
        .operations
        .iter()
        .filter(|o| o.component.as_deref() == Some("nesting::storage"))
        .collect();
    assert_eq!((storage.operations, storage.calls, storage.failures), (2, 10, 1));
    assert_eq!(storage.self_ns, ops.iter().map(|o| o.self_time_ns()).sum::<u64>());
    assert!(ops.iter().any(|o| o.name == storage.slowest));
    assert_eq!(r.operation("nesting::leaf").unwrap().component, None);
    assert!(r.to_text().contains("Components (by wall time held"));
}

#[test]
fn stages_given_a_component_count_in_its_roll_up() {
    let m = Monitor::new();
    m.start_session("nesting::stage-components");
    for _ in 0..2 {
        let s = m.stage_in("nesting::ingest", "nesting::parse");
        s.items(5);
    }
    // A name keeps the component it was first given.
    m.stage_in("nesting::elsewhere", "nesting::parse").items(1);
    m.stage_in("nesting::ingest", "nesting::load").items(1);
    m.stage("nesting::untagged").items(1);
    m.scope(|| store_row(1));
    let r = m.end_session().unwrap();
    let stage = |name: &str| r.stages.iter().find(|s| s.name == name).unwrap();
    assert_eq!(stage("nesting::parse").component.as_deref(), Some("nesting::ingest"));
    assert_eq!((stage("nesting::parse").runs, stage("nesting::parse").items), (3, 11));
    assert_eq!(stage("nesting::untagged").component, None);
    let ingest = r.components.iter().find(|c| c.name == "nesting::ingest").expect("{r}");
    assert_eq!((ingest.operations, ingest.stages), (0, 2));
    assert_eq!(ingest.stage_ns, stage("nesting::parse").total_ns + stage("nesting::load").total_ns);
    assert!(r.components.iter().all(|c| c.name != "nesting::elsewhere"));
    let storage = r.components.iter().find(|c| c.name == "nesting::storage").unwrap();
    assert_eq!((storage.operations, storage.stages), (1, 0));
    let text = r.to_text();
    assert!(text.contains("stages: nesting::ingest 2 stages"), "{text}");
}

#[test]
fn flags_raised_by_code_are_in_the_report_and_its_findings_and_the_most_called_are_listed() {
    use profiler_runtime::{Severity, MAX_FLAGS};
    let m = Monitor::new();
    m.start_session("nesting::flags");
    m.flag(Severity::Warning, "12 malformed rows");
    m.scope(|| {
        for _ in 0..7 {
            leaf(1);
        }
        black_box(middle());
    });
    let r = m.end_session().unwrap();
    assert_eq!(r.flags.len(), 1);
    assert_eq!(
        (r.flags[0].severity, r.flags[0].message.as_str()),
        (Severity::Warning, "12 malformed rows")
    );
    assert!(r.findings.iter().any(|f| f.kind == "flag" && f.message == "12 malformed rows"));
    let text = r.to_text();
    let most = text.split("Most called (top 5)").nth(1).expect("a most-called section");
    let first = most.lines().find(|l| l.trim_start().starts_with("1.")).unwrap();
    assert!(first.contains("nesting::leaf") && first.contains("7 calls"), "{first}");

    m.start_session("nesting::many-flags");
    for i in 0..MAX_FLAGS + 3 {
        m.flag(Severity::Info, format_args!("flag {i}"));
    }
    let r = m.end_session().unwrap();
    assert_eq!((r.flags.len() as u64, r.dropped.flags), (MAX_FLAGS as u64, 3));
    assert!(r
        .findings
        .iter()
        .any(|f| f.kind == "data_dropped" && f.message.contains("3 quality flags")));
}
