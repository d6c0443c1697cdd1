#!/usr/bin/env python3
"""scripts/lib/suite_targets.py - the ninja targets a meson test suite needs.

Usage: suite_targets.py BUILD_DIR SUITE
Prints, one per line, the build-dir-relative path of every program that the
suite's tests run or depend on, so that a build directory (e.g. the TSan one)
can build only those: `ninja -C BUILD_DIR $(suite_targets.py BUILD_DIR stress)`.
"""
import json
import os
import subprocess
import sys


def intro(build, what):
    return json.loads(subprocess.check_output(["meson", "introspect", what, build]))


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    build = os.path.realpath(sys.argv[1])
    suite = sys.argv[2]
    files = {t["id"]: t["filename"] for t in intro(build, "--targets")}
    want = set()
    for t in intro(build, "--tests"):
        # Suites are reported as "project:suite".
        if not any(s.split(":")[-1] == suite for s in t["suite"]):
            continue
        paths = [t["cmd"][0]] + [f for d in t.get("depends", []) for f in files.get(d, [])]
        for p in paths:
            p = os.path.realpath(p)
            if p.startswith(build + "/"):
                want.add(os.path.relpath(p, build))
    for p in sorted(want):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
