#!/usr/bin/env python3
"""Coverage over time from a libFuzzer log whose lines are prefixed with a Unix timestamp.

Run a target with its output piped through a timestamping loop (see FUZZING.md), then:

    python3 fuzz/coverage-curve.py fuzz/logs/lint-hour.log [--step 600]

Prints, every --step seconds of the run, the executions so far, the coverage (edges) and
features, and the edges gained in that step: a plateau is a run of steps that gain ~nothing.
"""

import argparse
import re
import sys

LINE = re.compile(r"^(\d+) #(\d+)\s+\S+\s+cov: (\d+) ft: (\d+)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("--step", type=int, default=600, help="seconds per row (default 600)")
    args = ap.parse_args()
    points = []
    with open(args.log, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if m:
                points.append(tuple(int(g) for g in m.groups()))
    if not points:
        print(f"{args.log}: no coverage lines", file=sys.stderr)
        return 1
    start = points[0][0]
    print("minute\texecutions\tedges\tfeatures\tnew edges in the step")
    last_cov = points[0][2]
    next_t = start
    for i, (t, execs, cov, ft) in enumerate(points):
        final = i == len(points) - 1
        if t >= next_t or final:
            print(f"{(t - start) / 60:.0f}\t{execs}\t{cov}\t{ft}\t{cov - last_cov}")
            last_cov = cov
            while next_t <= t:
                next_t += args.step
    return 0


if __name__ == "__main__":
    sys.exit(main())
