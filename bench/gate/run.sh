#!/usr/bin/env bash
# The gate's false alarms and detections, measured: runs the quickstart and
# pipeline examples (release builds) unchanged, and with one operation doing
# 20% more of its work (EXAMPLE_SLOWDOWN=1.2: the quickstart's score_record,
# the pipeline's match_rule), and runs `profiler diff` with its defaults:
#
#   false alarm: exit 3 on a pair of consecutive unchanged runs
#   detection:   exit 3 naming the slowed operation, on an unchanged run
#                against the slowed run made right after it
#
#   bash bench/gate/run.sh                 # 100 pairs of each kind per example
#   bash bench/gate/run.sh --pairs 10      # the short version CI runs
#   bash bench/gate/run.sh --keep DIR      # keep the reports and diffs in DIR
#   bash bench/gate/run.sh --replay DIR    # recount from reports kept in DIR
#
# --replay DIR runs no example: it takes the reports a --keep run left in
# DIR/EXAMPLE (base-0..N.json, slow-1..N.json) and recounts with the
# current profiler binary, so a change to the gate can be measured on the
# same runs, free of the machine's noise of the day. Its diffs go to
# --keep DIR2 (or a temporary directory), never into DIR. PROFILER=path
# replays with another binary (an older build, to compare).
#
# With more pairs than --median N (default 5), the same runs are also
# compared with the median of the N unchanged runs before each (`diff
# --baseline`), and those counts printed (not gated on).
#
# Fails (exit 1) when false alarms pass max(1, pairs/100) or detections fall
# under pairs - max(2, pairs/20): at 100 pairs, at most 1 false alarm and at
# least 95 detections. Exit code 2 from diff (a report it cannot judge)
# stops the script. Prints each example's counts, the operations that
# alarmed, the slowed operation's median "typical" change (what was
# planted, as the gate measured it), and the load average before and after.
set -euo pipefail
cd "$(dirname "$0")/../.."

pairs=100
median=5
keep=""
replay=""
examples="quickstart pipeline"
while [ $# -gt 0 ]; do
  case $1 in
    --pairs) pairs=${2:?--pairs needs a number}; shift 2 ;;
    --keep) keep=${2:?--keep needs a directory}; shift 2 ;;
    --examples) examples=${2:?--examples needs names}; shift 2 ;;
    --median) median=${2:?--median needs a number}; shift 2 ;;
    --replay) replay=${2:?--replay needs a directory}; shift 2 ;;
    *) echo "run.sh: unknown argument $1 (allowed: --pairs N, --median N, --keep DIR, --replay DIR, --examples 'quickstart pipeline')" >&2; exit 2 ;;
  esac
done
case $pairs in '' | *[!0-9]* | 0) echo "run.sh: --pairs $pairs: give a whole number from 1 up" >&2; exit 2 ;; esac
case $median in '' | *[!0-9]* | 0) echo "run.sh: --median $median: give a whole number from 1 up" >&2; exit 2 ;; esac

if [ -n "$replay" ]; then
  [ -d "$replay" ] || { echo "run.sh: --replay $replay: no such directory" >&2; exit 2; }
  replay=$(cd "$replay" && pwd)
  kept=""
  for example in $examples; do [ -f "$replay/$example/base-0.json" ] && kept="$kept $example"; done
  [ -n "$kept" ] || { echo "run.sh: --replay $replay: no $examples reports in it (base-0.json)" >&2; exit 2; }
  examples=$kept
fi

export CARGO_TERM_COLOR=never
target=${CARGO_TARGET_DIR:-target}/release
if [ -z "${PROFILER:-}" ]; then
  cargo build --quiet --release -p profiler-cli
fi
profiler=${PROFILER:-$target/profiler}
[ -n "$replay" ] || cargo build --quiet --release -p profiler-examples --example quickstart --example pipeline

work=${keep:-$(mktemp -d)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT

# run EXAMPLE OUT [SLOWDOWN]: one run of the example, its report saved to OUT.
run() {
  local example=$1 out=$2 slowdown=${3:-1}
  local args=()
  [ "$example" = pipeline ] && args=(--profile)
  EXAMPLE_SLOWDOWN=$slowdown PROFILER_OUT=$out "$target/examples/$example" "${args[@]}" > /dev/null 2>&1
}

# diff BASE NEW TEXT: profiler diff with its defaults, its text in TEXT; the exit code.
diff_code() {
  local code=0
  "$profiler" diff "$1" "$2" > "$3" 2>&1 || code=$?
  if [ "$code" = 2 ]; then echo "run.sh: profiler diff exited 2 on $1 $2:" >&2; cat "$3" >&2; exit 1; fi
  echo "$code"
}

max_false=$(( pairs / 100 > 1 ? pairs / 100 : 1 ))
slack=$(( pairs / 20 > 2 ? pairs / 20 : 2 ))
min_detected=$(( pairs > slack ? pairs - slack : 1 ))
[ -z "$replay" ] || echo "replaying the reports in $replay with $profiler"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
failed=0
for example in $examples; do
  case $example in
    quickstart) slowed=score_record ;;
    pipeline) slowed=match_rule ;;
    *) echo "run.sh: no slowed operation for example $example" >&2; exit 2 ;;
  esac
  # $src holds the reports, $dir the diffs (the same directory unless replaying).
  dir=$work/$example
  src=${replay:+$replay/$example}
  src=${src:-$dir}
  mkdir -p "$dir"
  if [ -n "$replay" ]; then
    pairs=0
    while [ -f "$src/slow-$((pairs + 1)).json" ] && [ -f "$src/base-$((pairs + 1)).json" ]; do pairs=$((pairs + 1)); done
    max_false=$(( pairs / 100 > 1 ? pairs / 100 : 1 ))
    slack=$(( pairs / 20 > 2 ? pairs / 20 : 2 ))
    min_detected=$(( pairs > slack ? pairs - slack : 1 ))
  fi
  false_alarms=0 detected=0 alarmed="" planted="" noted=0
  [ -n "$replay" ] || run "$example" "$dir/base-0.json"
  for i in $(seq 1 "$pairs"); do
    if [ -z "$replay" ]; then
      run "$example" "$dir/slow-$i.json" 1.2
      run "$example" "$dir/base-$i.json"
    fi
    if [ "$(diff_code "$src/base-$((i - 1)).json" "$src/base-$i.json" "$dir/same-$i.txt")" = 3 ]; then
      false_alarms=$((false_alarms + 1))
      # The regression lines name the operation: "  ! name: typical call ...".
      alarmed="$alarmed $(grep -E '^  ! [^ ]+: ' "$dir/same-$i.txt" | cut -d: -f1 | cut -c5- | tr '\n' ' ')"
    fi
    # The line pointing to --baseline: printed when a verdict was close to the noise.
    grep -q -- '--baseline DIR --runs N' "$dir/same-$i.txt" && noted=$((noted + 1))
    if [ "$(diff_code "$src/base-$((i - 1)).json" "$src/slow-$i.json" "$dir/slow-$i.txt")" = 3 ] &&
      grep -q "^  ! $slowed: " "$dir/slow-$i.txt"; then
      detected=$((detected + 1))
    fi
    # The slowed operation's row ends with its typical change (then a mark).
    planted="$planted $(awk -v op="$slowed" '$1 == op { for (i = NF; i > 0; i--) if ($i ~ /%$/) { print $i; exit } }' "$dir/slow-$i.txt")"
  done
  # The same runs against the median of the $median runs before each
  # (--baseline): reported, not gated on.
  if [ "$pairs" -gt "$median" ]; then
    median_false=0 median_detected=0 median_pairs=0 median_varies=0
    for i in $(seq "$median" "$pairs"); do
      history=$dir/history-$i
      mkdir -p "$history"
      for j in $(seq $((i - median)) $((i - 1))); do ln -sf "$src/base-$j.json" "$history/"; done
      median_pairs=$((median_pairs + 1))
      code=0
      "$profiler" diff --baseline "$history" --runs "$median" "$src/base-$i.json" > "$dir/median-same-$i.txt" 2>&1 || code=$?
      [ "$code" = 3 ] && median_false=$((median_false + 1))
      code=0
      "$profiler" diff --baseline "$history" --runs "$median" "$src/slow-$i.json" > "$dir/median-slow-$i.txt" 2>&1 || code=$?
      if [ "$code" = 3 ] && grep -q "^  ! $slowed: " "$dir/median-slow-$i.txt"; then
        median_detected=$((median_detected + 1))
      elif grep -q "^  ? $slowed: .*varies by" "$dir/median-slow-$i.txt"; then
        median_varies=$((median_varies + 1))
      fi
    done
  fi
  echo "$example: false alarms $false_alarms of $pairs unchanged pairs (at most $max_false allowed)${alarmed:+; alarmed on:$alarmed}"
  echo "$example: the line pointing to --baseline was printed on $noted of the $pairs unchanged pairs"
  planted_median=$(printf '%s\n' $planted | tr -d '%+' | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
  echo "$example: detected $detected of $pairs runs with $slowed doing 20% more work (at least $min_detected needed); its typical call measured +${planted_median:-?}% (median)"
  if [ "$pairs" -gt "$median" ]; then
    echo "$example: against the median of the $median runs before (--baseline): false alarms $median_false of $median_pairs, detected $median_detected of $median_pairs (of the rest, $slowed got no verdict as varying between those runs in $median_varies)"
  fi
  if [ "$false_alarms" -gt "$max_false" ] || [ "$detected" -lt "$min_detected" ]; then failed=1; fi
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
exit $failed
