//! Packages built alone, outside the workspace, where cargo cannot unify
//! features with the other members: what a user's crate sees of the runtime.
//!
//! - `tests/inference`: a crate depending on the runtime with its default
//!   features type-checks untyped comparisons exactly as without it.
//! - `tests/compiled-out`: without the `enabled` feature, `#[monitor]` leaves
//!   functions as written and the runtime brings no sysinfo, clock crate or
//!   serde_json.
//!
//! They build in `target/standalone`, so a warm run takes seconds.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is in the workspace").to_owned()
}

/// `cargo ARGS --manifest-path tests/PACKAGE/Cargo.toml`, its stdout, or a
/// failure with everything cargo said.
fn cargo(args: &[&str], package: &str) -> String {
    let root = root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let manifest = root.join("tests").join(package).join("Cargo.toml");
    let out = Command::new(cargo)
        .args(args)
        .arg("--manifest-path")
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", root.join("target").join("standalone"))
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "cargo {args:?} for {package} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The packages in `package`'s normal (non-dev, non-build) dependency graph.
fn dependencies(package: &str) -> Vec<String> {
    let tree =
        cargo(&["tree", "--quiet", "-e", "normal", "--prefix", "none", "--format", "{p}"], package);
    let mut names: Vec<String> =
        tree.lines().filter_map(|l| l.split_whitespace().next()).map(str::to_owned).collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn a_crate_depending_on_the_runtime_type_checks_as_it_did_without_it() {
    assert!(!dependencies("inference").iter().any(|d| d == "serde_json"));
    let out = cargo(&["run", "--quiet"], "inference");
    assert_eq!(out.trim(), "inference: ok");
}

#[test]
fn compiled_out_the_runtime_brings_only_what_the_macro_needs() {
    let deps = dependencies("compiled-out");
    for heavy in ["sysinfo", "quanta", "serde_json", "once_cell"] {
        assert!(!deps.iter().any(|d| d == heavy), "{heavy} in {deps:?}");
    }
    assert!(deps.iter().any(|d| d == "profiler-macros"), "{deps:?}");
    let out = cargo(&["run", "--quiet"], "compiled-out");
    assert_eq!(out.trim(), "compiled-out: ok");
}
