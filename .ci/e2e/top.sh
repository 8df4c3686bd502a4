#!/usr/bin/env bash
# `profiler top` in a real terminal: runs the `live` example, opens the view
# in a tmux pane and reads the screen back. Checks that the first row of the
# operations table is the operation with the most self time in the
# program's /report.json, that the cache hit rate shown is within a point of
# the one the report gives, that `c` re-sorts by calls (and says so), that a
# program that goes away shows as disconnected with its last figures, and
# that `q` gives the shell back with the `profiler` process gone. Screen
# captures go to target/e2e/top-*.txt (under $CARGO_TARGET_DIR when set).
#
#   bash .ci/e2e/top.sh
#
# TOP_ADDR=host:port skips the example and watches a program already
# serving there (the disconnect check is then left out: it is not ours to stop).
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() { echo "top e2e: FAIL: $*" >&2; exit 1; }
step() { printf '==> %s\n' "$*"; }
checked() { printf '    ok: %s\n' "$*"; }

START_SECS=${TOP_START_SECS:-120}
target=${CARGO_TARGET_DIR:-target}
[[ $target == /* ]] || target=$PWD/$target
out_dir=$target/e2e
mkdir -p "$out_dir"
work=$(mktemp -d)
socket=profiler-e2e-$$
socket_path=
live_pid=

tmx() { tmux -L "$socket" -f /dev/null "$@"; }

cleanup() {
  tmx kill-server 2>/dev/null || true
  # The server leaves its socket file behind.
  if [[ -n $socket_path ]]; then rm -f "$socket_path"; fi
  if [[ -n $live_pid ]]; then
    kill "$live_pid" 2>/dev/null || true
    wait "$live_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if ! command -v tmux >/dev/null; then
  step "installing tmux"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null
fi
command -v tmux >/dev/null || fail "tmux is not on PATH after installing it"
command -v python3 >/dev/null || fail "python3 is needed to read /report.json"

step "building profiler (release)"
cargo build --release --quiet -p profiler-cli || fail "cargo build -p profiler-cli failed"
profiler=$target/release/profiler
[[ -x $profiler ]] || fail "no binary at $profiler after the build"

if [[ -n ${TOP_ADDR:-} ]]; then
  addr=$TOP_ADDR
  step "watching the program already serving at $addr"
else
  step "building the live example (release)"
  cargo build --release --quiet -p profiler-examples --example live ||
    fail "cargo build --example live failed"
  live=$target/release/examples/live
  step "starting: $live --seconds 60 --addr 127.0.0.1:0"
  "$live" --seconds 60 --addr 127.0.0.1:0 >"$work/live.out" 2>"$work/live.err" </dev/null &
  live_pid=$!
  addr=
  for ((i = 0; i < START_SECS * 10; i++)); do
    # Only a whole first line counts: the program flushes it in one piece.
    if [[ $(wc -l <"$work/live.out") -ge 1 ]]; then
      first=$(head -n 1 "$work/live.out")
      [[ $first =~ ^serving\ (http://[^[:space:]]+/)$ ]] ||
        fail "the live example's first line is not 'serving http://HOST:PORT/': $first"
      addr=${BASH_REMATCH[1]}
      break
    fi
    kill -0 "$live_pid" 2>/dev/null ||
      fail "the live example exited before serving: $(cat "$work/live.err")"
    sleep 0.1
  done
  [[ -n $addr ]] || fail "the live example printed no 'serving' line within $START_SECS s"
  checked "the live example serves at $addr"
fi

# inspect MODE CAPTURE: checks a screen capture against the program's
# current /report.json (MODE self: the default sort and the hit rate; calls:
# the `c` sort; gone: the disconnected screen, no report read). Prints what
# it found; exits 1 saying what is wrong.
inspect() {
  python3 - "$1" "$2" "$addr" <<'PY'
import json, re, sys, urllib.request

mode, capture, addr = sys.argv[1:4]
screen = open(capture, encoding="utf-8").read().splitlines()
text = "\n".join(screen)

def cells(line):
    return re.split(r"\s{2,}", line.strip("│ "))

def first_row():
    for i, line in enumerate(screen[:-1]):
        head = cells(line)
        if head[0] == "operation" and "calls" in head and "p99" in head:
            return cells(screen[i + 1])[0] or None
    return None

def sort_label():
    found = re.search(r"Operations, sorted by ([a-z0-9 ]+?) ─", text)
    return found.group(1) if found else None

row, label = first_row(), sort_label()
if row is None:
    sys.exit("no operations table with a first row on screen")

if mode == "gone":
    found = re.search(r"disconnected: ([^·]+?) ·", text)
    if not found:
        sys.exit("the screen does not say 'disconnected: ...'")
    print(f"status 'disconnected: {found.group(1)}', last figures kept (first row {row})")
    sys.exit(0)

url = (addr if addr.startswith("http://") else "http://" + addr).rstrip("/") + "/report.json"
try:
    with urllib.request.urlopen(url, timeout=5) as response:
        report = json.load(response)
except Exception as e:
    sys.exit(f"cannot read {url}: {e}")
ops = report["operations"]
if not ops:
    sys.exit("the report has no operations yet")

def self_time(op):
    return op["self_ns"] if op.get("self_ns") is not None else op["total_ns"]

figure = {"self": self_time, "calls": lambda op: op["calls"]}[mode]
want_label = {"self": "self time", "calls": "calls"}[mode]
expected = min(ops, key=lambda op: (-figure(op), op["name"]))["name"]
if label != want_label:
    sys.exit(f"the table says it is sorted by {label!r}, not {want_label!r}")
if row != expected:
    sys.exit(f"first row is {row!r}; by {want_label} /report.json puts {expected!r} first")
print(f"sorted by {label}; first row {row}, as /report.json ranks it")

if mode == "self":
    if "live · " not in text:
        sys.exit("the status line does not say 'live'")
    cache = report.get("cache") or {}
    lookups = cache.get("hits", 0) + cache.get("misses", 0)
    shown = re.search(r"hit rate (\S+)", text)
    if not shown:
        sys.exit("no 'hit rate' on screen")
    if lookups == 0:
        if shown.group(1) != "–":
            sys.exit(f"hit rate {shown.group(1)} on screen, but the report has no lookups")
        print("hit rate – (no lookups), as in /report.json")
    else:
        served = 100.0 * cache["hits"] / lookups
        on_screen = float(shown.group(1).rstrip("%"))
        if abs(on_screen - served) > 1.0:
            sys.exit(f"hit rate {on_screen}% on screen, {served:.1f}% in /report.json")
        print(f"hit rate {on_screen}% on screen, {served:.1f}% in /report.json")
PY
}

# capture NAME: the pane's text, saved as top-NAME.txt; prints its path.
capture() {
  local file=$out_dir/top-$1.txt
  tmx capture-pane -p -t top >"$file"
  echo "$file"
}

# await_screen NAME MODE WHAT: captures until `inspect MODE` passes (the view
# redraws every second and the workload moves), for up to 15 tries.
await_screen() {
  local name=$1 mode=$2 what=$3 file found
  for ((try = 1; try <= 15; try++)); do
    file=$(capture "$name")
    if found=$(inspect "$mode" "$file" 2>&1); then
      checked "$what: ${found//$'\n'/; }"
      return 0
    fi
    sleep 1
  done
  cat "$file" >&2
  fail "$what: $found (screen above, saved in $file)"
}

# children NAME: pids of the pane shell's children called NAME.
children() {
  local stat proc rest
  for proc in /proc/[0-9]*; do
    stat=$(cat "$proc/stat" 2>/dev/null) || continue
    rest=${stat##*) }
    read -r _ parent _ <<<"$rest"
    [[ $parent == "$pane_pid" && ${stat#*(} == "$1)"* ]] && echo "${proc#/proc/}"
  done
  return 0
}

last_line() { grep -v '^[[:space:]]*$' "$1" | tail -n 1 | sed 's/[[:space:]]*$//'; }

step "opening a 160x48 tmux pane with a plain shell"
tmx new-session -d -s top -x 160 -y 48 "env PS1='PROMPT\$ ' bash --norc --noprofile"
tmx set-option -g status off >/dev/null
socket_path=$(tmx display-message -p '#{socket_path}')
pane_pid=$(tmx display-message -p -t top '#{pane_pid}')
for ((i = 0; i < 50; i++)); do
  [[ $(last_line "$(capture start)") == 'PROMPT$' ]] && break
  sleep 0.1
done
[[ $(last_line "$out_dir/top-start.txt") == 'PROMPT$' ]] || fail "the shell showed no prompt"

step "running: $profiler top $addr"
tmx send-keys -t top -l "$profiler top $addr"
tmx send-keys -t top Enter
sleep 3
top_pid=
for ((i = 0; i < 50; i++)); do
  top_pid=$(children profiler | head -n 1)
  [[ -z $top_pid ]] || break
  sleep 0.1
done
if [[ -z $top_pid ]]; then
  cat "$(capture failed)" >&2
  fail "no profiler process under the pane's shell (screen above)"
fi

await_screen live self "default view"

tmx send-keys -t top c
await_screen sorted-calls calls "after 'c'"

if [[ -n $live_pid ]]; then
  step "stopping the live example"
  kill "$live_pid"
  wait "$live_pid" 2>/dev/null || true
  live_pid=
  await_screen disconnected gone "program gone"
fi

step "quitting with q"
tmx send-keys -t top q
for ((i = 0; i < 50; i++)); do
  [[ ! -e /proc/$top_pid && $(last_line "$(capture quit)") == 'PROMPT$' ]] && break
  sleep 0.1
done
file=$out_dir/top-quit.txt
[[ ! -e /proc/$top_pid ]] || fail "profiler (pid $top_pid) still runs after q"
[[ $(last_line "$file") == 'PROMPT$' ]] ||
  { cat "$file" >&2; fail "after q the last line is not the shell prompt (screen above)"; }
grep -q "sorted by" "$file" && { cat "$file" >&2; fail "the view is still on screen after q"; }
checked "after 'q': profiler exited and the shell prompt is back"
rm -f "$out_dir/top-start.txt"
echo "top e2e: all checks passed (captures in $out_dir/top-*.txt)"
