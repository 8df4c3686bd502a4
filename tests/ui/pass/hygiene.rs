//! Generated code names only absolute paths: a local `profiler_runtime`
//! module, local look-alikes of what the expansion uses, and no prelude at all
//! must not change what it resolves to.

#[no_implicit_prelude]
mod app {
    // Would capture a relative `profiler_runtime::...` path; `::profiler_runtime`
    // is the extern crate whatever is in scope.
    mod profiler_runtime {}
    mod core {}
    mod std {}

    #[allow(dead_code)]
    struct Box;
    #[allow(dead_code)]
    struct Callsite;
    #[allow(dead_code)]
    fn enter() {}

    #[::profiler_runtime::monitor("hygiene::sync")]
    pub fn sync(x: u32) -> u32 {
        x + 1
    }

    #[::profiler_runtime::monitor("hygiene::fallible")]
    pub fn fallible(ok: bool) -> ::core::result::Result<u8, ::std::string::String> {
        if ok {
            ::core::result::Result::Ok(1)
        } else {
            ::core::result::Result::Err(::std::string::ToString::to_string("no"))
        }
    }

    #[::profiler_runtime::monitor("hygiene::future")]
    pub fn future() -> impl ::core::future::Future<Output = u8> {
        async { 2 }
    }

    #[::profiler_runtime::monitor("hygiene::boxed")]
    pub fn boxed() -> ::core::pin::Pin<::std::boxed::Box<dyn ::core::future::Future<Output = u8>>> {
        ::std::boxed::Box::pin(async move { 3 })
    }

    #[::profiler_runtime::monitor("hygiene::asynchronous")]
    pub async fn asynchronous() -> u8 {
        future().await + boxed().await
    }

    #[::profiler_runtime::monitor("hygiene::never")]
    pub fn never() -> ! {
        ::core::panic!("never returns")
    }
}

fn main() {
    let m = profiler_runtime::Monitor::new();
    m.start_session("hygiene");
    m.scope(|| {
        assert_eq!(app::sync(1), 2);
        assert!(app::fallible(false).is_err());
        std::panic::set_hook(Box::new(|_| {})); // quiet: the panic is expected
        assert!(std::panic::catch_unwind(|| app::never()).is_err());
        drop(std::panic::take_hook());
    });
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(m.bind(app::asynchronous())), 5);
    let report = m.end_session().unwrap();
    for name in ["sync", "fallible", "future", "boxed", "asynchronous", "never"] {
        let op = report.operation(&format!("hygiene::{name}"));
        assert_eq!(op.map(|op| op.calls), Some(1), "{name}");
    }
}
