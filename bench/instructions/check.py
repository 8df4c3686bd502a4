#!/usr/bin/env python3
"""check.py CEILINGS < gungraun JSON lines: instructions each row adds per call,
against its ceiling. Reads the output of

    cargo bench -p profiler-bench --bench instructions -- --output-format=json

prints a table (row, instructions added per call, ceiling, target) and exits 1
naming every row over its ceiling or missing from the run, 2 on a bad ceilings
file or bench output."""
import json
import sys


def fail(code, message):
    print(f"instructions: {message}", file=sys.stderr)
    sys.exit(code)


def read_ceilings(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            text, _, comment = line.partition("#")
            fields = text.split()
            if not fields:
                continue
            if len(fields) != 5:
                fail(2, f"{path}:{n}: want `row less calls ceiling target`, got {text.strip()[:80]!r}")
            row, less, calls, ceiling, target = fields
            try:
                calls, ceiling = int(calls), float(ceiling)
                target = None if target == "-" else float(target)
            except ValueError:
                fail(2, f"{path}:{n}: calls, ceiling and target are numbers ('-': no target), got {text.strip()[:80]!r}")
            if calls <= 0:
                fail(2, f"{path}:{n}: calls must be over 0")
            rows.append((row, less, calls, ceiling, target, comment.strip()))
    if not rows:
        fail(2, f"{path}: no rows")
    return rows


def read_counts(stream):
    """Instructions (callgrind's Ir) of each benchmark, by its id."""
    counts = {}
    for n, line in enumerate(stream, 1):
        if not line.startswith("{"):
            continue
        try:
            summary = json.loads(line)
            callgrind = [p for p in summary["profiles"] if p["tool"] == "Callgrind"]
            counts[summary["id"]] = callgrind[0]["data"]["total"]["metrics"]["Ir"]["values"]["new"]
        except (ValueError, KeyError, IndexError, TypeError) as e:
            fail(2, f"line {n} of the bench output is no gungraun summary with a callgrind Ir ({e!r})")
    return counts


def main():
    if len(sys.argv) != 2:
        fail(2, "usage: check.py CEILINGS < bench output (--output-format=json)")
    rows = read_ceilings(sys.argv[1])
    counts = read_counts(sys.stdin)
    over, missing = [], []
    print(f"{'row':<16} {'added':>8} {'ceiling':>8} {'target':>7}   (instructions per call)")
    for row, less, calls, ceiling, target, _ in rows:
        if row not in counts or less not in counts:
            missing.append(row if row not in counts else less)
            continue
        added = (counts[row] - counts[less]) / calls
        mark = "  OVER" if added > ceiling else ""
        shown_target = "-" if target is None else f"{target:g}"
        print(f"{row:<16} {added:8.1f} {ceiling:8g} {shown_target:>7}{mark}")
        if added > ceiling:
            over.append(f"`{row}` adds {added:.1f} instructions per call, over its ceiling of {ceiling:g}")
    for name in missing:
        print(f"instructions: no benchmark `{name}` in the output (was it renamed or filtered out?)", file=sys.stderr)
    for message in over:
        print(f"instructions: {message} ({sys.argv[1]})", file=sys.stderr)
    if over or missing:
        sys.exit(1)


if __name__ == "__main__":
    main()
