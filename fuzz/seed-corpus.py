#!/usr/bin/env python3
"""Fills fuzz/corpus/<target>/ with seeds, at run time (nothing here is committed):

- the examples (examples/*.yaml),
- the YAML blocks of the source documents in ../shared/seeds (and the whole files),
- the YAML written inside the test suites (raw strings that hold `kind:` or `apiVersion:`),
- the broken-input corpus of the CLI tests (fedctl/tests/broken/).

Usage: python3 fuzz/seed-corpus.py   (from the repository root or from fuzz/)
The shared folder defaults to ../shared next to the repository; MESHFED_SHARED_DIR overrides.
"""
import glob
import hashlib
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("MESHFED_SHARED_DIR", os.path.join(os.path.dirname(ROOT), "shared"))
TEXT_TARGETS = ["read_istio", "lint", "federation"]


def seeds():
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "*.yaml"))):
        yield open(path, encoding="utf-8").read()
    for path in sorted(glob.glob(os.path.join(ROOT, "fedctl", "tests", "broken", "*"))):
        yield open(path, "rb").read().decode("utf-8", "replace")
    for path in sorted(glob.glob(os.path.join(SHARED, "seeds", "*.txt"))):
        text = open(path, encoding="utf-8").read()
        yield text
        for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
            yield block
    for path in sorted(glob.glob(os.path.join(ROOT, "*", "tests", "*.rs"))
                       + glob.glob(os.path.join(ROOT, "*", "src", "**", "*.rs"), recursive=True)):
        source = open(path, encoding="utf-8").read()
        for block in re.findall(r'r#*"(.*?)"#*', source, re.S):
            if "kind:" in block or "apiVersion:" in block:
                yield block


def main():
    count = 0
    for target in TEXT_TARGETS:
        out = os.path.join(ROOT, "fuzz", "corpus", target)
        os.makedirs(out, exist_ok=True)
        for text in seeds():
            data = text.encode("utf-8")
            name = hashlib.sha1(data).hexdigest()
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)
            count += 1
    print(f"{count} seed files in fuzz/corpus/{{{','.join(TEXT_TARGETS)}}}")


if __name__ == "__main__":
    main()
