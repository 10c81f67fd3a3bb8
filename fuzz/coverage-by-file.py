#!/usr/bin/env python3
"""Edge coverage of a fuzz target's corpus, per source file of this repository.

libFuzzer prints, with `-print_coverage=1`, one line per instrumented function:

    COVERED_FUNC: hits: 17 edges: 5/54 <name> <file>:<line>
    UNCOVERED_FUNC: hits: 0 edges: 0/3 <name> <file>:<line>

It needs a symbolizer in the binary, which the `-s none` build has not; an AddressSanitizer
build has (FUZZING.md, "Where the corpora reach"). Replay a corpus without mutating it:

    target-asan/x86_64-unknown-linux-gnu/release/lint -runs=0 -print_coverage=1 corpus/lint \
        > logs/lint-coverage.txt 2>&1
    python3 coverage-by-file.py logs/lint-coverage.txt [--functions]

Prints covered / total edges for each file of this repository that the target reaches at all
(a file with no covered edge is code the target does not call, not a gap), per crate and
in total, and with --functions the functions of those files that have an uncovered edge.
Functions that implement or call serde's traits (derived or hand-written (de)serialization, one copy
per serializer or deserializer it is instantiated for, most of which a given target never
calls) are counted apart from the rest (validation, reading, locating). Code of dependencies
and of the standard library is counted in one line each.
"""

import argparse
import collections
import os
import re
import sys

SERDE = re.compile(r"serde(_core)?::(de|ser)::")
DERIVED = re.compile(r"drop_in_place|fmt::Debug|Clone>::clone|PartialEq|schemars|JsonSchema")
LINE = re.compile(r"^(COVERED|UNCOVERED)_FUNC: hits: (\d+) edges: (\d+)/(\d+) (.*) (\S+):(\d+)$")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("log", help="output of a -runs=0 -print_coverage=1 replay")
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        help="repository root (default: the folder above fuzz/)")
    parser.add_argument("--functions", action="store_true",
                        help="list this repository's partly covered and uncovered functions")
    args = parser.parse_args()
    root = args.root.rstrip("/") + "/"

    functions = collections.defaultdict(list)  # path -> [(line, covered, total, name)]
    outside = collections.defaultdict(lambda: [0, 0])  # "dependencies" / "std" -> [covered, total]
    with open(args.log, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if not m:
                continue
            covered, total = int(m.group(3)), int(m.group(4))
            name, path, lineno = m.group(5), m.group(6), int(m.group(7))
            if path.startswith(root) and "/fuzz/" not in path[len(root) - 1:]:
                functions[path[len(root):]].append((lineno, covered, total, name))
            else:
                where = "std" if path.startswith("/rustc/") else "dependencies"
                outside[where][0] += covered
                outside[where][1] += total
    if not functions and not outside:
        print(f"{args.log}: no COVERED_FUNC lines (was the binary built with a sanitizer?)",
              file=sys.stderr)
        return 1

    def cell(c: int, t: int) -> str:
        return f"{c:>6}/{t:<6} {100 * c / t:>5.1f}%" if t else f"{'-':>20}"

    def sums(fns) -> list:
        """[covered, total] of the functions that are not serde's, then of those that are."""
        v = [0, 0, 0, 0]
        for _, c, t, name in fns:
            at = 2 if SERDE.search(name) else 0
            v[at] += c
            v[at + 1] += t
        return v

    def hand_written(name: str) -> bool:
        return not SERDE.search(name) and not DERIVED.search(name)

    by_crate = collections.defaultdict(list)
    for path, fns in functions.items():
        by_crate[path.split("/")[0]].append(path)
    reached = sorted(p for p, fns in functions.items() if any(c for _, c, _, _ in fns))

    print(f"{'file':<48} {'edges, not serde':>20}   {'edges, serde':>20}")
    for path in reached:
        v = sums(functions[path])
        print(f"{path:<48} {cell(v[0], v[1])}   {cell(v[2], v[3])}")
    print()
    crates = sorted({p.split("/")[0] for p in reached})
    for crate in crates:
        v = sums(fn for p in reached if p.split("/")[0] == crate for fn in functions[p])
        print(f"{crate + ' (files reached)':<48} {cell(v[0], v[1])}   {cell(v[2], v[3])}")
    v = sums(fn for p in reached for fn in functions[p])
    print(f"{'this repository (files reached)':<48} {cell(v[0], v[1])}   {cell(v[2], v[3])}")
    for where in sorted(outside):
        c, t = outside[where]
        print(f"{where + ' (whole binary)':<48} {cell(c, t)}")

    print()
    for crate in crates:
        own = [fn for p in by_crate[crate] for fn in functions[p] if hand_written(fn[3])]
        entered = sum(1 for _, c, _, _ in own if c > 0)
        print(f"{crate}: {entered} of {len(own)} functions entered (not serde, drop, Debug, Clone,"
              f" PartialEq or schema code)")

    if args.functions:
        print()
        for path in reached:
            for lineno, c, t, name in sorted(functions[path]):
                if c < t and hand_written(name):
                    print(f"{path}:{lineno}\t{c}/{t}\t{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
