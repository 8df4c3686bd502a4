#!/usr/bin/env bash
# Real-crate check for #[monitor]: takes published crates that ship their own tests, puts
# #[::profiler_runtime::monitor] on every function with a body (rewriter/), and checks that
# everything still compiles and every test that passed before still passes.
#
#   bash tests/real-crates/run.sh                  # the default list
#   bash tests/real-crates/run.sh --all            # the longer list
#   bash tests/real-crates/run.sh itertools        # only the named crates (from either list)
#
# Options:
#   --all              the longer list
#   --blocks           put the attribute on impl blocks and traits (the block form) instead of
#                      on their methods; free and nested functions keep their own
#   --runtime DIR      the profiler-runtime to test (default: this checkout's profiler-runtime)
#   --fresh-baseline   run the unmodified tests again instead of reusing the recorded passes
#   --no-diagnose      after a failure, do not run the tests with the dependency alone
#
# Everything it makes is under target/real-crates/ (see README.md there). Exit status: 0 when
# every crate passed, 1 when one failed, 2 on a usage or set-up error.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="$ROOT/target/real-crates"
export CARGO_TARGET_DIR="$WORK/build"
export CARGO_TERM_COLOR=never
export RUST_BACKTRACE=0
# quickcheck's cases per property (its default is 100), the same for both runs: itertools'
# property tests run about 10 times slower instrumented in a debug build.
export QUICKCHECK_TESTS=${QUICKCHECK_TESTS:-25}
TEST_TIMEOUT=${REAL_CRATES_TEST_TIMEOUT:-1200} # seconds for one `cargo test`

# The crates. VERSION pins each; PROBE is the body of a little binary next to the crate (not
# part of it) that calls the instrumented crate, after which the global monitor must have
# recorded calls.
DEFAULT_CRATES=(indexmap itertools)
EXTRA_CRATES=(mini-redis)
declare -A VERSION PROBE
VERSION[indexmap]=2.14.2
PROBE[indexmap]='let mut map = indexmap::IndexMap::new();
    map.insert("a", 1);
    assert_eq!(map.get("a"), Some(&1));'
VERSION[itertools]=0.15.0
PROBE[itertools]='use itertools::Itertools;
    assert_eq!((0..3).interleave(10..13).collect_vec(), [0, 10, 1, 11, 2, 12]);'
VERSION[mini-redis]=0.4.1
PROBE[mini-redis]='let get = mini_redis::cmd::Get::new("key");
    assert_eq!(get.key(), "key");
    let mut input = std::io::Cursor::new(&b"+OK\r\n"[..]);
    assert!(matches!(mini_redis::Frame::parse(&mut input), Ok(mini_redis::Frame::Simple(_))));'

usage() { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

RUNTIME="$ROOT/profiler-runtime"
FRESH=0 DIAGNOSE=1 CRATES=() ALL=0
while (($#)); do
  case "$1" in
    --all) ALL=1 ;;
    --blocks) export REAL_CRATES_BLOCKS=1 ;;
    --runtime) (($# > 1)) || usage; RUNTIME="$(cd "$2" && pwd)"; shift ;;
    --fresh-baseline) FRESH=1 ;;
    --no-diagnose) DIAGNOSE=0 ;;
    -h | --help) usage ;;
    -*) echo "unknown option $1" >&2; usage ;;
    *) [[ -n "${VERSION[$1]:-}" ]] || { echo "unknown crate $1 (known: ${!VERSION[*]})" >&2; exit 2; }
       CRATES+=("$1") ;;
  esac
  shift
done
if ((${#CRATES[@]} == 0)); then
  CRATES=("${DEFAULT_CRATES[@]}")
  ((ALL)) && CRATES+=("${EXTRA_CRATES[@]}")
fi
[[ -f "$RUNTIME/Cargo.toml" ]] || { echo "no profiler-runtime at $RUNTIME" >&2; exit 2; }
command -v cargo >/dev/null || { echo "cargo not found" >&2; exit 2; }
CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
mkdir -p "$WORK"/{src,crates,logs}

step() { printf '\n==> %s\n' "$*"; }
now() { date +%s; }

# The rewriter, built once (incremental afterwards).
step "building the rewriter"
cargo build --quiet --release --locked --manifest-path "$HERE/rewriter/Cargo.toml"
REWRITER="$CARGO_TARGET_DIR/release/real-crates-rewriter"

# fetch NAME VERSION: the published package, unpacked once into $WORK/src/NAME-VERSION.
fetch() {
  local name=$1 version=$2 dir="$WORK/src/$1-$2" crate
  [[ -f "$dir/Cargo.toml" ]] && return
  crate=$(compgen -G "$CARGO_HOME/registry/cache/*/$name-$version.crate" | head -n1 || true)
  if [[ -z "$crate" ]]; then
    # A throwaway package that depends on exactly that version makes cargo download it.
    local tmp="$WORK/src/.fetch-$name"
    rm -rf "$tmp" && mkdir -p "$tmp/src" && : >"$tmp/src/lib.rs"
    printf '[package]\nname = "fetch-%s"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\n%s = "=%s"\n\n[workspace]\n' \
      "$name" "$name" "$version" >"$tmp/Cargo.toml"
    cargo fetch --quiet --manifest-path "$tmp/Cargo.toml"
    rm -rf "$tmp"
    crate=$(compgen -G "$CARGO_HOME/registry/cache/*/$name-$version.crate" | head -n1 || true)
    [[ -n "$crate" ]] || { echo "cargo fetched $name $version but no $name-$version.crate is in $CARGO_HOME/registry/cache" >&2; exit 2; }
  fi
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  tar -xzf "$crate" -C "$dir.tmp"
  mv "$dir.tmp/$name-$version" "$dir" && rmdir "$dir.tmp"
}

# sync FROM TO: make TO's files the same as FROM's, writing only the files whose content
# differs (with a new mtime), so cargo rebuilds only what changed. A Cargo.lock that cargo
# updated in TO is kept.
sync_tree() {
  local from=$1 to=$2 f
  mkdir -p "$to"
  while IFS= read -r -d '' f; do
    [[ "$f" == ./Cargo.lock && -f "$to/$f" ]] && continue
    if ! cmp -s "$from/$f" "$to/$f"; then
      mkdir -p "$(dirname "$to/$f")" && cp "$from/$f" "$to/$f"
    fi
  done < <(cd "$from" && find . -type f -print0)
  while IFS= read -r -d '' f; do
    [[ -e "$from/$f" || "$f" == ./Cargo.lock ]] || rm -f "$to/$f"
  done < <(cd "$to" && find . -type f -print0)
}

# prepare NAME VARIANT: $WORK/crates/NAME-VERSION/VARIANT from the published source.
#   base   unmodified, plus an empty [workspace] table (or cargo takes it for a stray member
#          of this repository's workspace)
#   dep    base plus the profiler-runtime dependency, and `extern crate profiler_runtime as _;`
#          at the end of src/lib.rs: rustc loads a dependency (and the trait impls of its
#          own dependencies) only once the crate refers to it, as the expansion does
#   instr  dep plus the rewriter's attributes
prepare() {
  local name=$1 variant=$2 version=${VERSION[$1]} tmp="$WORK/crates/.tmp"
  local dir="$WORK/crates/$name-$version/$variant"
  rm -rf "$tmp" && cp -r "$WORK/src/$name-$version" "$tmp"
  local manifest="$tmp/Cargo.toml"
  [[ -z "$(tail -c1 "$manifest")" ]] || echo >>"$manifest"
  # cargo strips [workspace] when it publishes: one of our own is the only one.
  grep -q '^\[workspace\]' "$manifest" && { echo "$name's manifest has a [workspace] table" >&2; exit 2; }
  if [[ $variant == instr ]]; then
    # The probe (see probe()) is a second member, so it shares the test build's artifacts;
    # `cargo test` in the root still builds and tests the root package alone.
    write_probe "$name" "$tmp/real-crates-probe"
    printf '\n[workspace]\nmembers = ["real-crates-probe"]\n' >>"$manifest"
  else
    printf '\n[workspace]\n' >>"$manifest"
  fi
  if [[ $variant != base ]]; then
    # Published manifests are normalized: one [dependencies.NAME] table per dependency, so
    # one more table at the end is valid TOML whatever comes before it.
    grep -q '^\[dependencies\.profiler-runtime\]' "$manifest" && { echo "$name already depends on profiler-runtime" >&2; exit 2; }
    printf '\n[dependencies.profiler-runtime]\npath = "%s"\n' "$RUNTIME" >>"$manifest"
  fi
  if [[ $variant == dep && -f "$tmp/src/lib.rs" ]]; then
    printf '\nextern crate profiler_runtime as _;\n' >>"$tmp/src/lib.rs"
  fi
  if [[ $variant == instr ]]; then
    "$REWRITER" "$tmp" src tests examples | tee "$WORK/logs/$name.rewriter.txt"
  fi
  sync_tree "$tmp" "$dir"
  rm -rf "$tmp"
  # cargo must see the copy as its own workspace, and (past base) with the dependency.
  local meta
  meta=$(cd "$dir" && cargo metadata --format-version 1 --no-deps --offline)
  [[ "$meta" == *"\"workspace_root\":\"$dir\""* ]] || { echo "cargo does not take $dir as its own workspace" >&2; exit 2; }
  # It is a dependency of the crate (and of the probe, in instr).
  local want=0 got
  case $variant in dep) want=1 ;; instr) want=2 ;; esac
  got=$(grep -o '"name":"profiler-runtime"' <<<"$meta" | wc -l || true)
  ((got == want)) || { echo "the profiler-runtime dependency did not take in $dir/Cargo.toml" >&2; exit 2; }
}

# test_targets DIR: the `cargo test` selections for each target of the package in DIR whose
# tests `cargo test` runs (--lib, --bin X, --test X, --doc), one a line.
test_targets() {
  local t kind name
  (cd "$1" && cargo metadata --format-version 1 --no-deps --offline) | grep -o '{"kind":\[[^]]*\][^{}]*}' |
    while IFS= read -r t; do
      kind=$(sed 's/^{"kind":\["\([a-z-]*\)".*/\1/' <<<"$t")
      name=$(sed 's/.*"name":"\([^"]*\)".*/\1/' <<<"$t")
      if [[ $t == *'"test":true'* ]]; then
        case $kind in
          lib | rlib | dylib | proc-macro) echo "--lib" ;;
          bin | test | example | bench) echo "--$kind $name" ;;
        esac
      fi
      [[ $kind != lib || $t != *'"doctest":true'* ]] || echo "--doc"
    done
}

# run_tests NAME VARIANT: runs `cargo test` in that copy; leaves the log and the sorted set of
# passing tests ("TARGET: TEST", TARGET as cargo names the test binary, or doc-tests). When
# something does not compile cargo runs no test at all, so then each test target is run on
# its own (cheap: what compiled is reused) to find the tests that still pass.
run_tests() {
  local name=$1 variant=$2 dir="$WORK/crates/$1-${VERSION[$1]}/$2" log="$WORK/logs/$1.$2.log" rc=0
  local started selection; started=$(now)
  # dep and instr would share unit hashes (same package at its workspace root, same
  # dependencies) and so overwrite each other's artifacts: dep builds elsewhere.
  local target=$CARGO_TARGET_DIR
  [[ $variant != dep ]] || target="$WORK/build-dep"
  cargo_test() {
    (cd "$dir" && CI=true CARGO_TARGET_DIR="$target" timeout -k 10 "$TEST_TIMEOUT" cargo test --no-fail-fast "$@" </dev/null) 2>&1
  }
  cargo_test >"$log" || rc=$?
  : >"$log.targets"
  if [[ $variant != base ]] && ! compiled "$log"; then
    while IFS= read -r selection; do
      # shellcheck disable=SC2086 # "--test NAME" is two words
      { echo "### cargo test $selection"; cargo_test $selection || true; } >>"$log.targets"
    done < <(test_targets "$WORK/crates/$name-${VERSION[$name]}/base")
  fi
  awk '
    /^ +Running / { t = $0; sub(/^ +Running /, "", t); sub(/ \(.*\)$/, "", t); target = t; next }
    /^ +Doc-tests / { target = "doc-tests"; next }
    /^test .* \.\.\. ok$/ { t = $0; sub(/^test /, "", t); sub(/ \.\.\. ok$/, "", t); print target ": " t }
  ' "$log" "$log.targets" | LC_ALL=C sort -u >"$WORK/logs/$name.$variant.passed"
  echo "$rc" >"$WORK/logs/$name.$variant.rc"
  ((rc != 124)) || echo "$name $variant: cargo test timed out after ${TEST_TIMEOUT}s (REAL_CRATES_TEST_TIMEOUT)"
  printf '%s %s: cargo test exit %s, %s tests passed, %ss (log: %s)\n' "$name" "$variant" "$rc" \
    "$(wc -l <"$WORK/logs/$name.$variant.passed")" "$(($(now) - started))" "${log#"$ROOT"/}"
}

# compile_errors LOG: each compiler error on one line: message, where, that source line and
# the first note, each once (the lib and its unit tests repeat them). LOG... are the logs.
compile_errors() {
  awk '
    function flush() { if (msg != "" && loc != "") print msg "  at " loc ":  " src (note == "" ? "" : "  [" note "]"); msg = "" }
    FNR == 1 || /^(error|warning)/ { flush() }
    /^error(\[E[0-9]+\])?: / && !/^error: could not compile/ && !/^error: aborting/ { msg = $0; loc = src = note = ""; next }
    msg == "" { next }
    loc == "" && /^ *--> / { loc = $0; sub(/^ *--> /, "", loc); next }
    loc != "" && src == "" && /^ *[0-9]+ \| / { src = $0; sub(/^ *[0-9]+ \| *(\/ *)?/, "", src); next }
    note == "" && /^ *= note: / { note = $0; sub(/^ *= /, "", note); next }
    /^For more information/ { flush() }
    END { flush() }
  ' "$@" | LC_ALL=C sort -V -u | sed 's/^/  /'
}

# new_warnings BASE_LOG LOG: warning messages in LOG that BASE_LOG does not have.
new_warnings() {
  LC_ALL=C comm -13 <(grep '^warning: ' "$1" | grep -v 'generated [0-9]* warning\|build failed' | LC_ALL=C sort -u) \
    <(grep '^warning: ' "$2" | grep -v 'generated [0-9]* warning\|build failed' | LC_ALL=C sort -u)
}
compiled() { ! grep -q '^error: could not compile\|^error\[E\|^error: aborting' "$1"; }

# write_probe NAME DIR: a binary, next to the crate and not part of it, that calls the
# instrumented crate and fails unless the global monitor recorded calls.
write_probe() {
  local name=$1 dir=$2
  mkdir -p "$dir/src"
  printf '[package]\nname = "real-crates-probe"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\n%s = { path = ".." }\nprofiler-runtime = { path = "%s" }\n' \
    "$name" "$RUNTIME" >"$dir/Cargo.toml"
  cat >"$dir/src/main.rs" <<EOF
fn main() {
    let monitor = profiler_runtime::global();
    monitor.start_session("real-crates-probe");
    ${PROBE[$name]}
    let report = monitor.end_session().expect("a session was running");
    let calls: u64 = report.operations.iter().map(|op| op.calls).sum();
    let names: Vec<&str> = report.operations.iter().take(3).map(|op| op.name.as_str()).collect();
    println!("{calls} calls in {} operations ({}, ...)", report.operations.len(), names.join(", "));
    std::process::exit(if calls > 0 { 0 } else { 1 });
}
EOF
}

# probe NAME: runs it; prints its line.
probe() {
  (cd "$WORK/crates/$1-${VERSION[$1]}/instr" && cargo run --quiet -p real-crates-probe </dev/null) 2>"$WORK/logs/$1.probe.log"
}

declare -A SUMMARY
FAILED=0
for name in "${CRATES[@]}"; do
  version=${VERSION[$name]}
  step "$name $version"
  started=$(now)
  rm -f "$WORK/logs/$name".{instr,dep}.* "$WORK/logs/$name".{lost,probe.log,rewriter.txt}
  fetch "$name" "$version"

  # 1. Unmodified: which tests pass. Reused while the crate, rustc, this script and
  #    QUICKCHECK_TESTS are the same.
  key="$name $version $(rustc -vV | sha256sum | cut -c1-16) $(sha256sum <"${BASH_SOURCE[0]}" | cut -c1-16) $QUICKCHECK_TESTS"
  if ((FRESH)) || [[ ! -s "$WORK/logs/$name.base.passed" || "$(cat "$WORK/logs/$name.base.key" 2>/dev/null)" != "$key" ]]; then
    prepare "$name" base
    run_tests "$name" base
    compiled "$WORK/logs/$name.base.log" || { echo "$name $version does not build unmodified: see $WORK/logs/$name.base.log" >&2; exit 2; }
    echo "$key" >"$WORK/logs/$name.base.key"
  else
    echo "$name base: reusing the $(wc -l <"$WORK/logs/$name.base.passed") passes recorded earlier (--fresh-baseline runs them again)"
  fi
  before=$(wc -l <"$WORK/logs/$name.base.passed")

  # 2. With the dependency and every function annotated.
  prepare "$name" instr
  annotated=$(sed -n 's/^rewriter: \([0-9]*\) functions annotated.*/\1/p' "$WORK/logs/$name.rewriter.txt")
  run_tests "$name" instr
  after=$(wc -l <"$WORK/logs/$name.instr.passed")
  lost=$(LC_ALL=C comm -23 "$WORK/logs/$name.base.passed" "$WORK/logs/$name.instr.passed")
  nlost=$(grep -c . <<<"$lost" || true)
  verdict=PASS problems=()
  compiled "$WORK/logs/$name.instr.log" || problems+=("does not compile")
  errors=$(compile_errors "$WORK/logs/$name.instr.log"{,.targets})
  if [[ -n "$errors" ]]; then # also a doc test's, which is a failed test to cargo
    echo "compile errors with #[monitor] (log: ${WORK#"$ROOT"/}/logs/$name.instr.log and .targets):"
    echo "$errors"
  fi
  if ((nlost)); then
    problems+=("$nlost tests that passed before do not pass now")
    echo "tests that passed before and do not pass now (all: ${WORK#"$ROOT"/}/logs/$name.lost):"
    if ((nlost <= 40)); then
      sed 's/^/  /' <<<"$lost"
    else # by test binary
      sed 's/: .*//' <<<"$lost" | uniq -c | awk '{ n = $1; $1 = ""; printf "  %s:%s tests\n", substr($0, 2), " " n }'
    fi
  fi
  printf '%s\n' "$lost" | sed '/^$/d' >"$WORK/logs/$name.lost"
  if [[ -f "$WORK/logs/$name.base.log" ]] && warnings=$(new_warnings "$WORK/logs/$name.base.log" "$WORK/logs/$name.instr.log") && [[ -n "$warnings" ]]; then
    echo "warnings the unmodified build does not have (not a failure):"
    sed 's/^/  /' <<<"$warnings"
  fi

  # 3. Was anything instrumented and recorded? (Only when the rest passed.)
  recorded=""
  if ((${#problems[@]} == 0)); then
    dir="$WORK/crates/$name-$version/instr"
    in_source=$(cd "$dir" && { grep -rhoF --include='*.rs' '#[::profiler_runtime::monitor]' src tests examples 2>/dev/null || true; } | wc -l)
    if ((annotated == 0 || in_source < annotated)); then
      problems+=("nothing instrumented (rewriter: ${annotated:-?}, attributes in the source: $in_source)")
    elif recorded=$(probe "$name"); then
      recorded="probe: $recorded"
    else
      problems+=("the probe recorded nothing or failed (${WORK#"$ROOT"/}/logs/$name.probe.log): $recorded")
      recorded=""
    fi
  fi

  # 4. On a failure: the same tests with the dependency but no attributes tell whether the
  #    dependency alone (its impls, its crates in the graph) or the expansion is to blame.
  if ((${#problems[@]})); then
    verdict=FAIL FAILED=1
    if ((DIAGNOSE)); then
      prepare "$name" dep
      run_tests "$name" dep
      LC_ALL=C comm -23 "$WORK/logs/$name.base.passed" "$WORK/logs/$name.dep.passed" >"$WORK/logs/$name.dep.lost"
      dep_lost=$(wc -l <"$WORK/logs/$name.dep.lost")
      if compiled "$WORK/logs/$name.dep.log"; then
        problems+=("with the dependency alone: compiles, $dep_lost tests lost")
      else
        problems+=("with the dependency alone: does not compile, $dep_lost tests lost")
      fi
      errors=$(compile_errors "$WORK/logs/$name.dep.log"{,.targets})
      if [[ -n "$errors" ]]; then
        echo "compile errors with the dependency alone (log: ${WORK#"$ROOT"/}/logs/$name.dep.log and .targets):"
        echo "$errors"
      fi
    fi
  fi
  detail=$(IFS=';'; echo "${problems[*]:-}")
  SUMMARY[$name]="$verdict  $name $version: ${annotated:-0} functions annotated, tests passed $before before, $after after${recorded:+, $recorded}${detail:+; ${detail//;/; }} ($(($(now) - started))s)"
  echo "${SUMMARY[$name]}"
done

step "summary (logs in ${WORK#"$ROOT"/}/logs)"
for name in "${CRATES[@]}"; do echo "${SUMMARY[$name]}"; done
exit "$FAILED"
