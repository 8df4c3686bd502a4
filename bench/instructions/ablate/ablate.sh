#!/usr/bin/env bash
# What each basic-level measure costs per call, in instructions: the
# runtime of HEAD, then HEAD with one measure removed (patches/*.patch),
# each counted by callgrind over harness.rs's loops (N calls less the same
# loop over the bare function, over N). The difference from the first row
# is that measure's cost. The patches break what they remove: they are for
# counting only.
#
#   bash bench/instructions/ablate/ablate.sh
#
# Needs valgrind (callgrind_annotate); takes a release build per row.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git -C "$root" worktree add --quiet --detach "$work/tree" HEAD
mkdir -p "$work/harness/src"
cp "$here/harness.rs" "$work/harness/src/main.rs"
cat > "$work/harness/Cargo.toml" <<TOML
[package]
name = "ablate"
version = "0.0.0"
edition = "2021"
publish = false
[dependencies]
profiler-runtime = { path = "$work/tree/profiler-runtime" }
[profile.release]
debug = 1
[workspace]
TOML
n=100000
count() {
  if ! (cd "$work/harness" && CARGO_TARGET_DIR="$work/target" cargo build --release --quiet) > "$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    exit 1
  fi
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$work/target/release/ablate" "$n" > /dev/null 2>&1
  callgrind_annotate --inclusive=yes "$work/cg.out" 2>/dev/null | python3 -c '
import re, sys
loops = {}
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) .*=> .*ablate::(loop_\w+) \(1x\)", line)
    if m:
        loops[m.group(2)] = max(loops.get(m.group(2), 0), int(m.group(1).replace(",", "")))
n = float(sys.argv[2])
print("%-18s sync %6.1f   async %6.1f" % (sys.argv[1],
    (loops["loop_sync"] - loops["loop_bare"]) / n,
    (loops["loop_async"] - loops["loop_bare_async"]) / n))
' "$1" "$n"
}
count "all measures"
for patch in "$here"/patches/*.patch; do
  git -C "$work/tree" checkout --quiet -- .
  git -C "$work/tree" apply "$patch"
  count "without $(basename "$patch" .patch)"
done
