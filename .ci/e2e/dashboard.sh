#!/usr/bin/env bash
# The live dashboard in a real browser: runs the `live` example (which serves
# its monitor over HTTP), loads the page in headless Chromium, and checks
# what the page's own script drew against the program's /report.json: the
# operation with the most self time, the cache hit rate, the bars of the
# operations chart, the points of the memory chart. Saves a screenshot to
# target/e2e/dashboard.png (under $CARGO_TARGET_DIR when that is set).
#
#   bash .ci/e2e/dashboard.sh
#
# DASHBOARD_URL=http://host:port/ skips building and starting the example
# and checks a page already served there (for working on the page itself).
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() { echo "dashboard e2e: FAIL: $*" >&2; exit 1; }
step() { printf '==> %s\n' "$*"; }

START_SECS=${DASHBOARD_START_SECS:-120}
out_dir="${CARGO_TARGET_DIR:-target}/e2e"
work=$(mktemp -d)
live_pid=
cleanup() {
  if [[ -n $live_pid ]]; then
    # The example runs in its own process group (setsid), so this ends
    # cargo and the program alike.
    kill -- "-$live_pid" 2>/dev/null || true
    wait "$live_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if ! command -v chromium >/dev/null; then
  step "installing chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
command -v chromium >/dev/null || fail "chromium is not on PATH after installing it"

# browser ARGS...: headless Chromium with a fresh profile, nothing fetched
# but the page, and virtual time so the page's polling runs without waiting.
browser() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d -p "$work")" --virtual-time-budget=8000 "$@" \
    2>>"$work/chromium.log"
}

if [[ -n ${DASHBOARD_URL:-} ]]; then
  url=$DASHBOARD_URL
  step "checking the page already served at $url"
else
  # Built first and unbounded: a cold release build can outlast the start timeout.
  step "building the live example (release)"
  cargo build --release --quiet --example live
  step "starting: cargo run --release --quiet --example live -- --seconds 60 --addr 127.0.0.1:0"
  setsid cargo run --release --quiet --example live -- --seconds 60 --addr 127.0.0.1:0 \
    >"$work/live.out" 2>"$work/live.err" </dev/null &
  live_pid=$!
  url=
  for _ in $(seq $((START_SECS * 5))); do
    line=$(head -n 1 "$work/live.out" 2>/dev/null || true)
    if [[ $line =~ ^serving\ (http://127\.0\.0\.1:[0-9]+/)$ ]]; then
      url=${BASH_REMATCH[1]}
      break
    fi
    if ! kill -0 "$live_pid" 2>/dev/null; then
      cat "$work/live.err" >&2
      fail "the live example exited before it printed its address"
    fi
    sleep 0.2
  done
  if [[ -z $url ]]; then
    cat "$work/live.err" >&2
    fail "no 'serving http://127.0.0.1:PORT/' line from the live example within ${START_SECS}s (first line: '${line:-}')"
  fi
  step "serving at $url; letting the workload run"
  sleep 4
fi

# fetch_report FILE: the report as JSON, retried while the server answers 503
# (no session yet) or not at all.
fetch_report() {
  python3 - "$url" "$1" <<'EOF'
import json, sys, time, urllib.error, urllib.request
url, dest = sys.argv[1].rstrip("/") + "/report.json", sys.argv[2]
last = None
for _ in range(30):
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            report = json.load(resp)
        break
    except (urllib.error.URLError, OSError, ValueError) as err:
        last = err
        time.sleep(1)
else:
    sys.exit(f"dashboard e2e: FAIL: no report from {url}: {last}")
json.dump(report, open(dest, "w"))
EOF
}

step "fetching report.json, loading the page, fetching report.json again"
fetch_report "$work/before.json"
browser --dump-dom "$url" >"$work/page.html" || { cat "$work/chromium.log" >&2; fail "chromium --dump-dom failed"; }
fetch_report "$work/after.json"

step "checking the page against the reports"
python3 - "$work/before.json" "$work/after.json" "$work/page.html" <<'EOF'
import json, sys
from html.parser import HTMLParser

before, after = (json.load(open(p)) for p in sys.argv[1:3])
dom = open(sys.argv[3], encoding="utf-8").read()

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

class Node:
    def __init__(self, tag, attrs):
        self.tag, self.attrs, self.children, self.text = tag, dict(attrs), [], []

    def all_text(self):
        return "".join(self.text) + "".join(c.all_text() for c in self.children)

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

class Tree(HTMLParser):
    """The dumped DOM as a tree (HTMLParser itself only reports tags)."""
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [])
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs)
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, attrs))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        # Text goes to the open node, in order with its children's text
        # (good enough for the leaf elements checked here).
        self.stack[-1].text.append(data)

tree = Tree()
tree.feed(dom)
by_id = {n.attrs["id"]: n for n in tree.root.walk() if "id" in n.attrs}

failures = []
def check(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what)
    if not ok:
        failures.append(what)

def need(id_):
    if id_ not in by_id:
        sys.exit(f"dashboard e2e: FAIL: the page has no element with id={id_!r}")
    return by_id[id_]

def top_operation(report):
    ops = report.get("operations") or []
    key = lambda op: op["self_ns"] if op.get("self_ns") is not None else op["total_ns"]
    return max(ops, key=key)["name"] if ops else None

def hit_rate(report):
    cache = report.get("cache") or {}
    lookups = cache.get("hits", 0) + cache.get("misses", 0)
    return 100.0 * cache["hits"] / lookups if lookups else None

status = need("status").all_text().strip()
check(status == "live", f"status reads 'live' (got {status!r})")

shown_top = need("top-operation").all_text().strip()
expected_tops = {t for t in (top_operation(before), top_operation(after)) if t is not None}
check(bool(expected_tops) and shown_top in expected_tops,
      f"top-operation {shown_top!r} is the report's top by self time {sorted(expected_tops)}")

shown_rate = need("hit-rate").all_text().strip()
rates = [r for r in (hit_rate(before), hit_rate(after)) if r is not None]
if rates:
    lo, hi = min(rates) - 1.0, max(rates) + 1.0
    try:
        value = float(shown_rate.rstrip("%")) if shown_rate.endswith("%") else None
    except ValueError:
        value = None
    check(value is not None and lo <= value <= hi,
          f"hit-rate {shown_rate!r} within 1 point of the report's {', '.join(f'{r:.1f}%' for r in rates)}")
else:
    check(shown_rate == "–", f"hit-rate {shown_rate!r} is '–' for a cache with no lookups")

bars = [n for n in need("ops-chart").walk() if n.tag == "rect" and "data-self-ns" in n.attrs]
positive = [b for b in bars if float(b.attrs["data-self-ns"]) > 0]
check(len(positive) >= 1, f"ops-chart has bars with data-self-ns > 0 ({len(positive)} of {len(bars)})")
names = {b.attrs.get("data-operation") for b in bars}
check(shown_top in names, "the top operation has a bar in ops-chart")

memory = need("memory-chart")
points = int(memory.attrs.get("data-points", "0") or 0)
lines = [n for n in memory.walk() if n.tag in ("polyline", "path")]
check(points >= 2, f"memory-chart has data-points >= 2 (got {points})")
check("hidden" not in memory.attrs, "memory-chart is shown (no hidden attribute)")
check(len(lines) >= 1, f"memory-chart draws a line ({len(lines)} polyline/path)")

if failures:
    sys.exit(f"dashboard e2e: FAIL: {len(failures)} check(s) failed: " + "; ".join(failures))
EOF

step "screenshot"
mkdir -p "$out_dir"
shot="$out_dir/dashboard.png"
rm -f "$shot"
browser --window-size=1280,1800 --screenshot="$shot" "$url" >/dev/null \
  || { cat "$work/chromium.log" >&2; fail "chromium --screenshot failed"; }
python3 - "$shot" <<'EOF'
import os, struct, sys
path = sys.argv[1]
if not os.path.exists(path):
    sys.exit(f"dashboard e2e: FAIL: no screenshot at {path}")
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"dashboard e2e: FAIL: {path} is not a PNG")
width, height = struct.unpack(">II", data[16:24])
# A blank 1280x1800 page compresses to a few kilobytes; a drawn one to far more.
if len(data) < 30_000:
    sys.exit(f"dashboard e2e: FAIL: {path} is only {len(data)} bytes: a blank page?")
print(f"  ok    screenshot {path}: {width}x{height}, {len(data)} bytes")
EOF

echo "dashboard e2e: all checks passed"
