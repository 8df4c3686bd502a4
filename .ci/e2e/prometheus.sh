#!/usr/bin/env bash
# A real Prometheus scraping the endpoint, and promtool reading the exports.
#
#  1. `promtool check metrics` on the Prometheus text export of a report
#     whose operation, component, counter and stage names are hostile
#     (quotes, backslashes, newlines, braces, unicode), and on the `live`
#     example's own /metrics.
#  2. Prometheus on loopback, scraping the `live` example every second. Once
#     the example's workload is done (it prints what it recorded, then keeps
#     serving the still figures), Prometheus's HTTP API must give the same
#     call count and cache hits, the target must be up (its scrapes parsed:
#     Prometheus asks for OpenMetrics, so that is the format it reads), and
#     `histogram_quantile(0.99, ...)` over the duration buckets must fall in
#     the bucket that holds the report's own p99.
#
#   bash .ci/e2e/prometheus.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() { echo "prometheus e2e: FAIL: $*" >&2; exit 1; }
step() { printf '==> %s\n' "$*"; }

target_dir=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  step "installing prometheus (Debian's package, with promtool)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
fi
command -v prometheus >/dev/null || fail "prometheus is not on PATH after installing it"
# The package may start its own service; this test runs its own instance.

step "building the profiler command and the live and quickstart examples (release)"
cargo build --release --quiet -p profiler-cli
cargo build --release --quiet -p profiler-examples --example live --example quickstart
profiler="$target_dir/release/profiler"
live="$target_dir/release/examples/live"

step "promtool check metrics: the export of a report with hostile names"
PROFILER_OUT="$work/quickstart.json" "$target_dir/release/examples/quickstart" >/dev/null
python3 - "$work/quickstart.json" "$work/hostile.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
hostile = ['load "users"\\ from\nthe db', "a{b}=c, d", "naïve ✓ 名前", "x;y z\ttab"]
for i, op in enumerate(report["operations"]):
    op["name"] = hostile[i % len(hostile)] + f" #{i}"
    op["component"] = 'store "a"\\b'
report["counters"] = {'rows "seen"\\\n': 12, "ünïcode": 3}
for s in report["stages"]:
    s["name"] = 'parse "x"\n' + s["name"]
json.dump(report, open(sys.argv[2], "w"))
EOF
"$profiler" export "$work/hostile.json" --format prometheus -o "$work/hostile.prom"
grep -q 'operation="load \\"users\\"\\\\ from\\nthe db #0"' "$work/hostile.prom" \
  || fail "the hostile name is not escaped as expected in $(head -c 2000 "$work/hostile.prom")"
promtool check metrics <"$work/hostile.prom" || fail "promtool rejects the hostile export"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

step "starting the live example: 6 s of workload, then 60 s serving the still figures"
"$live" --seconds 6 --then-serve 60 --addr 127.0.0.1:0 >"$work/live.out" 2>"$work/live.err" </dev/null &
pids+=($!)
for _ in $(seq 100); do
  grep -q '^serving ' "$work/live.out" 2>/dev/null && break
  sleep 0.1
done
url=$(sed -n 's/^serving //p' "$work/live.out" | head -1)
[[ -n $url ]] || fail "the live example printed no address: $(cat "$work/live.err")"
addr=${url#http://}
addr=${addr%/}

step "promtool check metrics: the live example's /metrics"
python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' \
  "${url}metrics" >"$work/live.prom"
promtool check metrics <"$work/live.prom" || fail "promtool rejects the live /metrics"

prom_port=$(free_port)
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: live
    static_configs:
      - targets: ["$addr"]
EOF
promtool check config "$work/prometheus.yml" >/dev/null || fail "the scrape config does not check"
step "starting prometheus on 127.0.0.1:$prom_port, scraping $addr every second"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)

step "waiting for the workload to finish"
for _ in $(seq 300); do
  grep -q '^workload done:' "$work/live.out" && break
  sleep 0.1
done
done_line=$(grep '^workload done:' "$work/live.out") || fail "the workload never finished: $(cat "$work/live.out" "$work/live.err")"
echo "$done_line"
# Scrapes after the last call see the final figures.
sleep 4

python3 - "http://127.0.0.1:$prom_port" "$done_line" "${url}report.json" <<'EOF'
import json, re, sys, time, urllib.parse, urllib.request

api, done, report_url = sys.argv[1:4]
def fail(msg):
    sys.exit(f"prometheus e2e: FAIL: {msg}")

def recorded(key):
    found = re.search(rf"\b{key}=(\d+)", done)
    if not found:
        fail(f"no {key}= in {done!r}")
    return int(found.group(1))
calls, hits, p99_ns = recorded("calls"), recorded("hits"), recorded("p99_ns")

def query(q):
    url = f"{api}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    body = json.load(urllib.request.urlopen(url, timeout=10))
    if body.get("status") != "success":
        fail(f"query {q!r}: {body}")
    return body["data"]["result"]

def scalar(q):
    # Prometheus may still be starting: retry for up to 30 s.
    for _ in range(60):
        try:
            result = query(q)
            if result:
                return float(result[0]["value"][1])
        except OSError:
            pass
        time.sleep(0.5)
    fail(f"no result for {q}")

targets = json.load(urllib.request.urlopen(f"{api}/api/v1/targets", timeout=10))["data"]["activeTargets"]
if not targets or targets[0]["health"] != "up":
    # One more chance after a scrape or two.
    time.sleep(3)
    targets = json.load(urllib.request.urlopen(f"{api}/api/v1/targets", timeout=10))["data"]["activeTargets"]
t = targets[0] if targets else {}
if t.get("health") != "up":
    fail(f"the target is not up: {t.get('lastError')!r}")
print(f"target up, last scrape error: {t.get('lastError')!r}")

got_calls = scalar('profiler_calls_total{operation="handle_request"}')
got_hits = scalar("profiler_cache_hits_total")
print(f"calls: recorded {calls}, Prometheus {got_calls:.0f}; cache hits: recorded {hits}, Prometheus {got_hits:.0f}")
if got_calls != calls:
    fail(f"profiler_calls_total is {got_calls}, the example recorded {calls}")
if got_hits != hits:
    fail(f"profiler_cache_hits_total is {got_hits}, the example recorded {hits}")

q99 = scalar('histogram_quantile(0.99, profiler_call_duration_seconds_bucket{operation="handle_request"})')
bounds = [1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3,
          0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0]
p99 = p99_ns / 1e9
# The exported histogram knows a value only to its bucket: the report's p99
# (itself within 1 % of the truth) and Prometheus's estimate must share one,
# or adjacent ones when the p99 sits on a boundary.
lo = max([0.0] + [b for b in bounds if b < p99 * 0.99])
hi = min([b for b in bounds if b >= p99 * 1.01] + [float("inf")])
print(f"p99: report {p99 * 1e3:.3f} ms, histogram_quantile {q99 * 1e3:.3f} ms, bucket ({lo}, {hi}] s")
if not lo <= q99 <= hi:
    fail(f"histogram_quantile(0.99) = {q99} s is outside ({lo}, {hi}], the bucket of the report's p99 {p99} s")

report = json.load(urllib.request.urlopen(report_url, timeout=10))
op = next(o for o in report["operations"] if o["name"] == "handle_request")
if op["calls"] != calls:
    fail(f"/report.json says {op['calls']} calls after the workload, the example printed {calls}")
print("Prometheus agrees with the report")
EOF
step "prometheus e2e passed"
