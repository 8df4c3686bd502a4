//! `crate = "..."` points the generated code at a re-export of the runtime,
//! for crates that wrap it (here a glob re-export, which brings the hidden
//! `__private` module along).

mod rt {
    pub use ::profiler_runtime::*;
}

#[rt::monitor("renamed::string_path", crate = "crate::rt")]
fn string_path() -> u8 {
    1
}

#[rt::monitor(name = "renamed::async", crate = "crate::rt")]
async fn asynchronous() -> u8 {
    2
}

fn main() {
    let m = rt::Monitor::new();
    m.start_session("renamed");
    m.scope(string_path);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(m.bind(asynchronous())), 2);
    let report = m.end_session().unwrap();
    assert_eq!(report.operation("renamed::string_path").unwrap().calls, 1);
    assert_eq!(report.operation("renamed::async").unwrap().calls, 1);
}
