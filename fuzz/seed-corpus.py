#!/usr/bin/env python3
"""Fills fuzz/corpus/<target>/ with seeds, at run time (nothing here is committed):

- the examples (examples/*.yaml),
- the YAML blocks of the source documents in ../shared/seeds (and the whole files),
- the YAML written inside the test suites (raw strings that hold `kind:` or `apiVersion:`),
- the broken-input corpus of the CLI tests (fedctl/tests/broken/),
- fuzz/seeds/*.yaml (one valid object of every kind, most fields set), each document also alone,
- the render snapshots (*.snap: valid Gateways, DestinationRules, ServiceEntries,
  VirtualServices, WorkloadEntries, as fed-render writes them), each document also alone,
- 60 documents of the benchmark corpus generator (../shared/bench/gen_corpus.py, a third of
  them invalid), each alone.

A coverage replay (FUZZING.md) showed that without the last three the reader targets had never
read a valid Gateway or validated a DestinationRule subset in millions of executions: bytes
mutated from broken or partial documents seldom become a whole valid one.

Usage: python3 fuzz/seed-corpus.py   (from the repository root or from fuzz/)
The shared folder defaults to ../shared next to the repository; MESHFED_SHARED_DIR overrides.
"""
import glob
import hashlib
import os
import re
import subprocess
import sys
import tempfile

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
    for path in sorted(glob.glob(os.path.join(ROOT, "fuzz", "seeds", "*.yaml"))):
        text = open(path, encoding="utf-8").read()
        yield text
        yield from documents(text)
    snapshots = (glob.glob(os.path.join(ROOT, "*", "tests", "snapshots", "*.snap"))
                 + glob.glob(os.path.join(ROOT, "tests", "tests", "snapshots", "*.snap")))
    for path in sorted(snapshots):
        text = open(path, encoding="utf-8").read()
        body = text.split("\n---\n", 1)[1] if text.startswith("---\n") else text  # insta header
        yield body
        yield from documents(body)
    yield from documents(generated_corpus())


def documents(stream):
    """Each document of a YAML stream alone (short inputs mutate into more variants)."""
    for doc in re.split(r"^---[ \t]*$", stream, flags=re.M):
        if "kind:" in doc:
            yield doc.strip("\n") + "\n"


def generated_corpus():
    gen = os.path.join(SHARED, "bench", "gen_corpus.py")
    if not os.path.exists(gen):
        print(f"seed-corpus.py: {gen} not found, no generated seeds", file=sys.stderr)
        return ""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "corpus.yaml")
        subprocess.run([sys.executable, gen, "--seed", "7", "--invalid-rate", "0.3", "60", out],
                       check=True, stdout=subprocess.DEVNULL)
        return open(out, encoding="utf-8").read()


def main():
    count = 0
    texts = list(seeds())
    for target in TEXT_TARGETS:
        out = os.path.join(ROOT, "fuzz", "corpus", target)
        os.makedirs(out, exist_ok=True)
        for text in texts:
            data = text.encode("utf-8")
            name = hashlib.sha1(data).hexdigest()
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)
            count += 1
    print(f"{count} seed files in fuzz/corpus/{{{','.join(TEXT_TARGETS)}}}")


if __name__ == "__main__":
    main()
