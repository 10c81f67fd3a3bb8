#!/usr/bin/env python3
"""Writes a libFuzzer dictionary of Istio's vocabulary for the reader targets.

Mutating bytes seldom spells `consecutive5xxErrors: ` or `ISTIO_MUTUAL`, so text that reaches a
rule deep in a DestinationRule is rare: the reader targets mostly explore the parser's errors.
A dictionary lets libFuzzer insert whole words. It is made from Istio's CRDs (never copied
into this repository; read from ../shared beside it, or $MESHFED_SHARED_DIR as for the tests):

    python3 fuzz/make-dict.py                      # writes fuzz/dict/istio.dict
    cd fuzz && ./target/x86_64-unknown-linux-gnu/release/lint corpus/lint -dict=dict/istio.dict

Entries: every property name as `name: ` and as `name:` followed by a newline, every enum
value, the kinds, the `apiVersion` lines, and a few YAML tokens (anchors, aliases, block
scalars, flow collections, document markers) that the reader must handle.
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("MESHFED_SHARED_DIR", os.path.join(HERE, "..", "..", "shared"))
CRDS = os.path.join(SHARED, "istio-crds", "crd-all.gen.yaml")
OUT = os.path.join(HERE, "dict", "istio.dict")

YAML_TOKENS = ["---\n", "...\n", "&a ", "*a", "<<: ", "|\n", ">-\n", "{}", "[]", ": ", "- ",
               "\"\"", "''", "~", "null", "true", "false", "0x1F", "1e3", ".inf", "!!str ",
               "#", "\t", "\r\n"]


def quote(token: str) -> str:
    escaped = ""
    for ch in token:
        if ch in "\\\"":
            escaped += "\\" + ch
        elif 32 <= ord(ch) < 127:
            escaped += ch
        else:
            escaped += "\\x%02X" % ord(ch)
    return f'"{escaped}"'


def main() -> int:
    try:
        with open(CRDS, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        print(f"make-dict.py: cannot read Istio's CRDs: {e} (put ../shared beside the repository"
              " or set MESHFED_SHARED_DIR)", file=sys.stderr)
        return 2
    names, enums, kinds, versions = set(), set(), set(), set()
    lines = text.splitlines()
    for i, line in enumerate(lines):
        # A property is a key one level inside `properties:`; its schema follows it.
        m = re.match(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*):\s*$", line)
        if m and i + 1 < len(lines) and re.match(r"^\s*(description|type|items|properties|"
                                                 r"oneOf|anyOf|format|enum|x-kubernetes|"
                                                 r"additionalProperties|maxLength|maximum|"
                                                 r"minimum|nullable|required)",
                                                 lines[i + 1]):
            names.add(m.group(2))
        m = re.match(r"^\s*-\s+([A-Z][A-Z0-9_]+)\s*$", line)
        if m:
            enums.add(m.group(1))
        m = re.match(r"^\s*kind:\s+([A-Z][A-Za-z]+)\s*$", line)
        if m and m.group(1) not in ("CustomResourceDefinition",):
            kinds.add(m.group(1))
        m = re.match(r"^\s*group:\s+(\S+\.istio\.io)\s*$", line)
        if m:
            group = m.group(1)
            for v in ("v1alpha3", "v1beta1", "v1"):
                versions.add(f"apiVersion: {group}/{v}\n")
    names -= {"description", "type", "items", "properties"}
    entries = []
    entries += sorted(f"{n}: " for n in names) + sorted(f"{n}:\n" for n in names)
    entries += sorted(enums) + sorted(f"kind: {k}\n" for k in kinds) + sorted(versions)
    entries += YAML_TOKENS
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(f"# Made by make-dict.py from {os.path.basename(CRDS)}: {len(names)} property names,"
                f" {len(enums)} enum values, {len(kinds)} kinds.\n")
        for e in entries:
            f.write(quote(e) + "\n")
    print(f"{OUT}: {len(entries)} entries ({len(names)} property names, {len(enums)} enum values,"
          f" {len(kinds)} kinds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
