//! The call tree and each operation's callers and callees on known
//! nestings (the detailed level): sync, recursive, across `.await`, across
//! threads, around manual operations and after a panicking poll; and none
//! at the basic level. (A binary of its own: `it` counts the memory
//! sampler threads that detailed sessions start.)

use profiler_runtime::{monitor, CallEdge, Level, Monitor, OperationStats, SessionReport};
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

fn row<'a>(r: &'a SessionReport, name: &str) -> &'a OperationStats {
    r.operation(name).unwrap_or_else(|| panic!("no row {name} in\n{r}"))
}

/// `(name, calls)` of each pair, in the report's order (most time first).
fn names(edges: &[CallEdge]) -> Vec<(&str, u64)> {
    edges.iter().map(|e| (e.name.as_str(), e.calls)).collect()
}

/// A monitor at the level that records the call graph.
fn detailed() -> Monitor {
    let m = Monitor::new();
    m.set_level(Level::Detailed);
    m
}

fn sorted(mut v: Vec<(&str, u64)>) -> Vec<(&str, u64)> {
    v.sort();
    v
}

#[monitor("graph::shared")]
fn shared(n: u64) -> u64 {
    (0..n).map(black_box).sum()
}

#[monitor("graph::reader")]
fn reader() -> u64 {
    shared(10) + shared(20) + shared(30)
}

// Long against the other calls (about a millisecond in a debug build), so
// a preemption landing in one of those short calls cannot reorder the pairs.
#[monitor("graph::writer")]
fn writer() -> u64 {
    shared(50_000)
}

#[monitor("graph::request")]
fn request() -> u64 {
    reader() + writer()
}

#[test]
fn each_call_counts_under_the_monitored_call_it_was_made_in() {
    let m = detailed();
    m.start_session("graph::sync");
    m.scope(|| {
        for _ in 0..4 {
            black_box(request());
        }
        black_box(shared(1)); // no monitored caller
    });
    let r = m.end_session().unwrap();
    let (request, reader, writer, shared) = (
        row(&r, "graph::request"),
        row(&r, "graph::reader"),
        row(&r, "graph::writer"),
        row(&r, "graph::shared"),
    );
    assert!(request.callers.is_empty(), "a top-level call has no caller");
    assert_eq!(sorted(names(&request.callees)), [("graph::reader", 4), ("graph::writer", 4)]);
    assert_eq!(names(&reader.callers), [("graph::request", 4)]);
    assert_eq!(names(&reader.callees), [("graph::shared", 12)]);
    assert_eq!(sorted(names(&shared.callers)), [("graph::reader", 12), ("graph::writer", 4)]);
    assert_eq!(shared.calls, 17, "the top-level call is in the calls, not under a caller");
    assert!(shared.callees.is_empty());
    // A pair's time is the callee's time under that caller: with one caller,
    // all of it; with two, the two add up to it less the top-level call.
    assert_eq!(reader.callers[0].total_ns, reader.total_ns);
    let under: u64 = shared.callers.iter().map(|e| e.total_ns).sum();
    assert!(under <= shared.total_ns && under * 10 >= shared.total_ns * 9, "{r}");
    // Most time first: writer's one long call outweighs reader's three short ones.
    assert_eq!(shared.callers[0].name, "graph::writer", "{r}");
    // The same pairs seen from both ends.
    let from_writer = writer.callees.iter().find(|e| e.name == "graph::shared").unwrap();
    let to_writer = shared.callers.iter().find(|e| e.name == "graph::writer").unwrap();
    assert_eq!((from_writer.calls, from_writer.total_ns), (to_writer.calls, to_writer.total_ns));
    // The tree: every path with its calls; each operation's self time is
    // the sum of its paths' self times.
    let tree = r.call_tree.as_ref().expect("a detailed session has a call tree");
    let path =
        |p: &[&str]| tree.paths.iter().find(|c| c.path == p).unwrap_or_else(|| panic!("{p:?}"));
    assert_eq!(path(&["graph::request", "graph::reader", "graph::shared"]).calls, 12);
    assert_eq!(path(&["graph::request", "graph::writer", "graph::shared"]).calls, 4);
    assert_eq!(path(&["graph::shared"]).calls, 1);
    assert_eq!(tree.paths.len(), 6, "{tree:?}");
    for op in &r.operations {
        let own: u64 =
            tree.paths.iter().filter(|p| p.path.last() == Some(&op.name)).map(|p| p.self_ns).sum();
        assert_eq!(Some(own), op.self_ns, "{}", op.name);
    }
    assert_eq!((tree.lost_calls, tree.dropped_paths), (0, 0));
    let text = r.to_text();
    assert!(text.contains("Hot paths"), "{text}");
    assert!(text.contains("graph::request > graph::writer > graph::shared"), "{text}");
    assert!(text.contains("Call graph"), "{text}");
    assert!(text.contains("graph::reader 12 calls"), "{text}");
    assert!(text.contains("(no monitored caller) 1"), "{text}");
}

#[monitor("graph::countdown")]
fn countdown(n: u32) -> u32 {
    if n == 0 {
        0
    } else {
        1 + countdown(n - 1)
    }
}

#[test]
fn a_recursive_call_is_its_own_caller() {
    let m = detailed();
    m.start_session("graph::recursion");
    m.scope(|| black_box(countdown(5)));
    let r = m.end_session().unwrap();
    let op = row(&r, "graph::countdown");
    assert_eq!(op.calls, 6);
    assert_eq!(names(&op.callers), [("graph::countdown", 5)]);
    assert_eq!(names(&op.callees), [("graph::countdown", 5)]);
}

#[monitor("graph::fetch")]
async fn fetch(n: u64) -> u64 {
    tokio::task::yield_now().await;
    shared(n)
}

#[monitor("graph::handler")]
async fn handler() -> u64 {
    fetch(10).await + fetch(20).await
}

#[monitor("graph::spawner")]
async fn spawner(m: Monitor) -> u64 {
    tokio::spawn(m.bind(fetch(1))).await.unwrap()
}

#[test]
fn a_future_is_the_caller_of_what_it_awaits_but_not_of_what_it_spawns() {
    let m = detailed();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    m.start_session("graph::async");
    rt.block_on(m.bind(handler()));
    let r = m.end_session().unwrap();
    assert_eq!(names(&row(&r, "graph::handler").callees), [("graph::fetch", 2)]);
    assert_eq!(names(&row(&r, "graph::fetch").callers), [("graph::handler", 2)]);
    assert_eq!(names(&row(&r, "graph::shared").callers), [("graph::fetch", 2)], "inside a poll");
    let tree = r.call_tree.unwrap();
    let deepest = tree.paths.iter().find(|p| p.path.len() == 3).expect("handler > fetch > shared");
    assert_eq!(deepest.path, ["graph::handler", "graph::fetch", "graph::shared"]);
    assert_eq!(deepest.calls, 2);

    m.start_session("graph::spawn");
    rt.block_on(m.bind(spawner(m.clone())));
    let r = m.end_session().unwrap();
    assert!(row(&r, "graph::spawner").callees.is_empty(), "{r}");
    assert!(row(&r, "graph::fetch").callers.is_empty(), "the executor polled it: {r}");
}

/// Polls `future` once with a waker that does nothing.
fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn a_future_that_moves_to_another_thread_stays_the_caller_of_what_it_awaits() {
    let m = detailed();
    m.start_session("graph::moved");
    let mut task = Box::pin(m.bind(handler()));
    // First poll here: handler starts and its first fetch yields.
    assert!(poll_once(&mut task).is_pending());
    // The rest on another thread, where nothing else is running.
    let output = std::thread::spawn(move || loop {
        if let Poll::Ready(n) = poll_once(&mut task) {
            break n;
        }
    })
    .join()
    .unwrap();
    assert_eq!(output, 45 + 190);
    let r = m.end_session().unwrap();
    assert_eq!(names(&row(&r, "graph::fetch").callers), [("graph::handler", 2)], "{r}");
    assert_eq!(names(&row(&r, "graph::shared").callers), [("graph::fetch", 2)], "{r}");
    assert!(row(&r, "graph::handler").callers.is_empty());
}

#[monitor("graph::around_manual")]
fn around_manual(m: &Monitor) -> u64 {
    let op = m.operation("graph::manual").start();
    let n = shared(3);
    op.finish();
    n
}

#[test]
fn a_manual_operation_takes_no_part() {
    let m = detailed();
    m.start_session("graph::manual");
    m.scope(|| black_box(around_manual(&m)));
    let r = m.end_session().unwrap();
    assert_eq!(names(&row(&r, "graph::shared").callers), [("graph::around_manual", 1)]);
    assert!(row(&r, "graph::manual").callers.is_empty());
    assert_eq!(names(&row(&r, "graph::around_manual").callees), [("graph::shared", 1)]);
}

#[monitor("graph::panics_in_poll")]
async fn panics_in_poll() {
    tokio::task::yield_now().await;
    panic!("boom");
}

#[test]
fn a_future_that_panics_in_its_poll_is_not_the_caller_of_what_runs_next() {
    let m = detailed();
    m.start_session("graph::panic");
    let mut task = Box::pin(m.bind(panics_in_poll()));
    assert!(poll_once(&mut task).is_pending());
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| poll_once(&mut task)));
    assert!(caught.is_err());
    m.scope(|| black_box(shared(2)));
    let r = m.end_session().unwrap();
    assert_eq!(row(&r, "graph::panics_in_poll").failures, 1);
    assert!(row(&r, "graph::shared").callers.is_empty(), "{r}");
}

#[test]
fn the_json_carries_the_pairs_and_reads_back() {
    let m = detailed();
    m.start_session("graph::json");
    m.scope(|| black_box(request()));
    let r = m.end_session().unwrap();
    let json = r.to_json().unwrap();
    assert!(json.contains("\"callees\""), "{json}");
    let back = SessionReport::from_json(&json).unwrap();
    assert_eq!(back.operation("graph::reader").unwrap().callees, row(&r, "graph::reader").callees);
    assert_eq!(back.call_tree, r.call_tree);
}

#[test]
fn the_basic_level_keeps_the_graph_out_of_its_calls() {
    let m = Monitor::new();
    m.start_session("graph::basic");
    m.scope(|| black_box(request()));
    let r = m.end_session().unwrap();
    assert!(r.operations.iter().all(|op| op.callers.is_empty() && op.callees.is_empty()));
    assert!(r.call_tree.is_none());
    assert!(!r.to_text().contains("Call graph") && !r.to_text().contains("Hot paths"));
    // Self time is still there.
    let request = row(&r, "graph::request");
    assert!(request.self_ns.unwrap() < request.total_ns);
}

#[test]
fn the_same_path_on_several_threads_is_one_path() {
    let m = detailed();
    m.start_session("graph::threads");
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| m.scope(|| black_box(request())));
        }
    });
    let r = m.end_session().unwrap();
    let tree = r.call_tree.unwrap();
    let deep = ["graph::request", "graph::reader", "graph::shared"];
    let path = tree.paths.iter().find(|p| p.path == deep).unwrap();
    assert_eq!(path.calls, 9, "three calls a thread, three threads");
    assert_eq!(tree.paths.iter().filter(|p| p.path == deep).count(), 1);
}

#[monitor("graph::odd; name")]
fn odd_name() -> u64 {
    shared(50)
}

#[test]
fn folded_stacks_are_the_paths_self_times_with_hostile_names_kept_apart() {
    let m = detailed();
    m.start_session("graph::folded");
    m.scope(|| {
        black_box(request());
        black_box(odd_name());
    });
    let r = m.end_session().unwrap();
    let folded = r.to_folded().unwrap();
    let mut total = 0u64;
    for line in folded.lines() {
        let (stack, ns) = line.rsplit_once(' ').expect("a stack and a count");
        assert!(!stack.contains(' '), "{line}");
        total += ns.parse::<u64>().expect("self time in ns");
    }
    let tree = r.call_tree.as_ref().unwrap();
    assert_eq!(total, tree.paths.iter().map(|p| p.self_ns).sum::<u64>(), "every path's self time");
    assert!(folded.contains("graph::request;graph::reader;graph::shared "), "{folded}");
    assert!(folded.contains("graph::odd%3B%20name;graph::shared "), "{folded}");

    // Below the detailed level there is no tree to fold.
    let basic = Monitor::new();
    basic.start_session("graph::folded_basic");
    let err = basic.end_session().unwrap().to_folded().unwrap_err();
    assert!(err.to_string().contains("detailed level"), "{err}");
}

#[monitor("graph::<b>&\"x\"")]
fn markup_name() -> u64 {
    shared(30)
}

#[test]
fn the_flame_graph_is_xml_with_a_box_per_frame_and_the_whole_time_at_its_root() {
    let m = detailed();
    m.start_session("graph::flame");
    m.scope(|| {
        black_box(request());
        black_box(odd_name());
        black_box(markup_name());
    });
    let r = m.end_session().unwrap();
    let svg = r.to_flamegraph_svg().unwrap();
    // inferno's SVG declares its DTD.
    let options = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    let doc =
        roxmltree::Document::parse_with_options(&svg, options).expect("the SVG is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let titles: Vec<&str> =
        doc.descendants().filter(|n| n.has_tag_name("title")).filter_map(|n| n.text()).collect();
    let frame = |name: &str| titles.iter().any(|t| t.starts_with(&format!("{name} (")));
    assert!(frame("graph::reader") && frame("graph::shared"), "{titles:?}");
    assert!(frame("graph::odd%3B name"), "a `;` stays inside its frame: {titles:?}");
    assert!(frame("graph::<b>&\"x\""), "markup is escaped and reads back: {titles:?}");
    // The root box holds every path's self time.
    let root = titles.iter().find(|t| t.starts_with("all (")).expect("a root frame");
    let digits: String = root["all (".len()..]
        .chars()
        .take_while(|c| *c != ' ')
        .filter(char::is_ascii_digit)
        .collect();
    let tree = r.call_tree.as_ref().unwrap();
    assert_eq!(digits.parse::<u64>().unwrap(), tree.paths.iter().map(|p| p.self_ns).sum::<u64>());

    let basic = Monitor::new();
    basic.start_session("graph::flame_basic");
    let err = basic.end_session().unwrap().to_flamegraph_svg().unwrap_err();
    assert!(err.to_string().contains("detailed level"), "{err}");
}

#[test]
fn the_chrome_trace_has_complete_events_per_thread_and_async_pairs_per_future() {
    let m = Monitor::new();
    m.set_level(Level::Full);
    m.start_session("graph::chrome");
    m.scope(|| black_box(request()));
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(m.bind(handler()));
    let r = m.end_session().unwrap();
    let trace: serde_json::Value = serde_json::from_str(&r.to_chrome_trace().unwrap()).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    let of = |ph: &str, name: &str| {
        events.iter().filter(|e| e["ph"] == ph && e["name"] == name).collect::<Vec<_>>()
    };
    assert_eq!(of("X", "graph::request").len(), 1);
    assert_eq!(of("X", "graph::shared").len(), 3 + 1 + 2, "sync calls, the fetches' included");
    // Nested calls nest: each reader call lies inside the request call.
    let request = of("X", "graph::request")[0];
    let (start, end) = (request["ts"].as_f64().unwrap(), {
        request["ts"].as_f64().unwrap() + request["dur"].as_f64().unwrap()
    });
    let reader = of("X", "graph::reader")[0];
    assert!(reader["ts"].as_f64().unwrap() >= start);
    assert!(reader["ts"].as_f64().unwrap() + reader["dur"].as_f64().unwrap() <= end + 1e-3);
    assert_eq!(reader["tid"], request["tid"]);
    // Futures: a begin and an end with the same id; their polls are complete events.
    let begins = of("b", "graph::fetch");
    let ends = of("e", "graph::fetch");
    assert_eq!((begins.len(), ends.len()), (2, 2));
    for b in &begins {
        assert!(ends.iter().any(|e| e["id"] == b["id"]), "{b}");
    }
    assert!(of("X", "graph::fetch").iter().all(|p| p["cat"] == "poll"));
    assert!(events.iter().any(|e| e["ph"] == "M" && e["name"] == "thread_name"));
}

#[test]
fn calls_nested_deeper_than_the_frame_stack_log_no_futures() {
    use profiler_runtime::CallEventKind;
    let m = Monitor::new();
    m.set_level(Level::Full);
    m.start_session("graph::deep");
    // Deeper than the detailed level's frame stack (126) and the tree (128).
    m.scope(|| black_box(countdown(140)));
    let r = m.end_session().unwrap();
    let trace = r.trace.as_ref().unwrap();
    assert!(trace.events.iter().all(|e| e.kind == CallEventKind::Call), "only sync calls");
    let tree = r.call_tree.as_ref().unwrap();
    assert_eq!(tree.paths.len(), 128, "cut at 128 deep");
    assert_eq!(tree.lost_calls, 141 - 128);
    assert_eq!(row(&r, "graph::countdown").calls, 141, "the operation still counts every call");
}

#[tracing::instrument]
fn graph_span_outer() -> u64 {
    graph_span_inner() + reader()
}

#[tracing::instrument]
fn graph_span_inner() -> u64 {
    shared(7)
}

#[test]
fn tracing_spans_take_their_place_in_the_tree_beside_monitored_calls() {
    use tracing_subscriber::layer::SubscriberExt;
    let m = detailed();
    m.start_session("graph::spans");
    let layer = profiler_runtime::tracing::MonitorLayer::with_monitor(&m);
    let d = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    tracing::dispatcher::with_default(&d, || {
        m.scope(|| {
            for _ in 0..3 {
                black_box(graph_span_outer());
            }
        })
    });
    let r = m.end_session().unwrap();
    let outer = row(&r, "graph_span_outer");
    assert!(outer.callers.is_empty(), "{r}");
    assert_eq!(sorted(names(&outer.callees)), [("graph::reader", 3), ("graph_span_inner", 3)]);
    assert_eq!(names(&row(&r, "graph_span_inner").callers), [("graph_span_outer", 3)]);
    assert_eq!(
        sorted(names(&row(&r, "graph::shared").callers)),
        [("graph::reader", 9), ("graph_span_inner", 3)]
    );
    let tree = r.call_tree.expect("a detailed session has a call tree");
    let path = |p: &[&str]| tree.paths.iter().find(|c| c.path == p).map(|c| c.calls);
    assert_eq!(path(&["graph_span_outer"]), Some(3), "{tree:?}");
    assert_eq!(path(&["graph_span_outer", "graph_span_inner", "graph::shared"]), Some(3));
    assert_eq!(path(&["graph_span_outer", "graph::reader", "graph::shared"]), Some(9));
    assert_eq!(tree.lost_calls, 0);
}

#[test]
fn a_span_closed_on_another_thread_than_its_last_enter_is_a_lost_tree_call() {
    use tracing_subscriber::layer::SubscriberExt;
    let m = detailed();
    m.start_session("graph::moved_span");
    let layer = profiler_runtime::tracing::MonitorLayer::with_monitor(&m);
    let d = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let span = tracing::dispatcher::with_default(&d, || {
        let span = tracing::info_span!("graph_moved");
        m.scope(|| span.in_scope(|| black_box(shared(3))));
        span
    });
    std::thread::spawn(move || drop(span)).join().unwrap();
    let r = m.end_session().unwrap();
    assert_eq!(row(&r, "graph_moved").calls, 1);
    assert_eq!(names(&row(&r, "graph::shared").callers), [("graph_moved", 1)]);
    let tree = r.call_tree.unwrap();
    assert_eq!(tree.lost_calls, 1, "its own call has no node to count in: {tree:?}");
}
