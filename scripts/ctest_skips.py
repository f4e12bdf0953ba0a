#!/usr/bin/env python3
"""Lists the tests a ctest run skipped and fails when there is any.

usage: ctest_skips.py JUNIT.xml     (written by `ctest --output-junit JUNIT.xml`)

ctest counts a test that exits 77 (SKIP_RETURN_CODE) as passed, so a machine that lacks
something setup.sh installs (an OpenCL device, clang's libFuzzer, sacreBLEU, gnuplot...)
would pass with tests silently not run. This prints every test that did not run
(skipped, not run, disabled) with ctest's reason and the test's own reason from its
output, and exits 1 if there is one. S2S_ALLOW_SKIP=1 lists them but exits 0.
Exit 2: the report cannot be read. Used by scripts/test.sh; tested by
tests/test_skip_policy.sh."""
import os
import sys
import xml.etree.ElementTree as ET


def reason(out):
    """The lines of a test's output that say why it skipped, else its last lines."""
    lines = [l.strip() for l in (out or "").splitlines() if l.strip()]
    said = [l for l in lines if "skip" in l.lower()]
    return (said or lines[-3:] or ["(no output)"])[:5]


def main(argv):
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        root = ET.parse(argv[1]).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"ctest_skips: cannot read the ctest JUnit report {argv[1]}: {e}", file=sys.stderr)
        return 2
    if root.tag not in ("testsuite", "testsuites"):
        print(f"ctest_skips: {argv[1]} is not a JUnit report (root <{root.tag}>)", file=sys.stderr)
        return 2
    cases = list(root.iter("testcase"))
    skipped = []
    for c in cases:
        status = c.get("status", "")
        sk = c.find("skipped")
        if status in ("notrun", "disabled") or sk is not None:
            why = sk.get("message", "") if sk is not None else ""
            skipped.append((c.get("name", "?"), why or status, reason(c.findtext("system-out"))))
    if not skipped:
        print(f"ctest_skips: all {len(cases)} tests ran, none skipped")
        return 0
    print(f"ctest_skips: {len(skipped)} of {len(cases)} tests did not run:")
    for name, why, lines in skipped:
        print(f"  {name} ({why})")
        for l in lines:
            print(f"      {l}")
    if os.environ.get("S2S_ALLOW_SKIP") == "1":
        print("ctest_skips: S2S_ALLOW_SKIP=1: skipped tests allowed")
        return 0
    print("ctest_skips: FAIL: every test must run where setup.sh has run "
          "(S2S_ALLOW_SKIP=1 allows skips)")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
