#!/usr/bin/env bash
# The skip policy of scripts/test.sh: ctest counts a test that exits 77 as passed, so
# scripts/ctest_skips.py reads ctest's JUnit report, lists every test that did not run
# with its reason and exits 1 (0 with S2S_ALLOW_SKIP=1; 2 for an unreadable report).
# Checked on canned reports (in the form CMake 3.25 writes) and on a real one from a tiny
# ctest project with a skipping test. Needs no device; $1 (s2sbench) is not used.
set -u
bin=$1
src=${S2S_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/cli_lib.sh"
skips() { env -u S2S_ALLOW_SKIP python3 "$src/scripts/ctest_skips.py" "$@"; }
status() { "$@" >"$work/out" 2>&1; echo $?; }

cat >"$work/skipped.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="(empty)" tests="3" failures="0" disabled="0" skipped="1" hostname="" time="0" timestamp="2026-12-01T20:52:12" >
	<testcase name="test_gemm" classname="test_gemm" time="1.2" status="run">
		<system-out>test_gemm: all checks passed
</system-out>
	</testcase>
	<testcase name="test_fuzz_mo" classname="test_fuzz_mo" time="0.01" status="notrun">
		<skipped message="SKIP_RETURN_CODE=77"/>
		<system-out>test_fuzz_mo: no clang: skipped
</system-out>
	</testcase>
	<testcase name="test_plot" classname="test_plot" time="2.5" status="run">
		<system-out>ok   plot exits 0
</system-out>
	</testcase>
</testsuite>
XML
cat >"$work/clean.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="(empty)" tests="2" failures="0" disabled="0" skipped="0" hostname="" time="0" timestamp="2026-12-01T20:52:12" >
	<testcase name="test_gemm" classname="test_gemm" time="1.2" status="run">
		<system-out>test_gemm: all checks passed
</system-out>
	</testcase>
	<testcase name="test_plot" classname="test_plot" time="2.5" status="run">
		<system-out>ok   plot exits 0
</system-out>
	</testcase>
</testsuite>
XML
sed 's/SKIP_RETURN_CODE=77/Unable to find executable/; s/no clang: skipped/Unable to find executable: test_fuzz_mo/' \
  "$work/skipped.xml" >"$work/notrun.xml"

check "a report without skips passes" test "$(status skips "$work/clean.xml")" -eq 0
check "... and says none was skipped" grep -q "all 2 tests ran, none skipped" "$work/out"
check "a report with a skipped test fails" test "$(status skips "$work/skipped.xml")" -eq 1
check "... naming the test and ctest's reason" grep -q "test_fuzz_mo (SKIP_RETURN_CODE=77)" "$work/out"
check "... and the test's own reason" grep -q "no clang: skipped" "$work/out"
check "... and not the tests that ran" bash -c "! grep -q -e test_gemm -e test_plot '$work/out'"
check "a test not run (missing executable) fails" test "$(status skips "$work/notrun.xml")" -eq 1
check "S2S_ALLOW_SKIP=1 passes a skip" \
  test "$(status env S2S_ALLOW_SKIP=1 python3 "$src/scripts/ctest_skips.py" "$work/skipped.xml")" -eq 0
check "... and still lists it" grep -q "test_fuzz_mo (SKIP_RETURN_CODE=77)" "$work/out"
echo "not xml" >"$work/bad.xml"
check "an unreadable report is an error (2)" test "$(status skips "$work/bad.xml")" -eq 2
check "a missing report is an error (2)" test "$(status skips "$work/none.xml")" -eq 2

# A real report from this machine's ctest: one test passes, one exits 77 (SKIP_RETURN_CODE).
mkdir -p "$work/proj/b"
cat >"$work/proj/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(skip_policy NONE)
enable_testing()
add_test(NAME runs COMMAND sh -c "echo fine")
add_test(NAME skips_here COMMAND sh -c "echo 'no widget here: skipping'; exit 77")
set_tests_properties(skips_here PROPERTIES SKIP_RETURN_CODE 77)
CM
if (cd "$work/proj/b" && cmake .. >"$work/cmake.log" 2>&1 &&
    ctest --output-junit "$work/real.xml" >"$work/ctest.log" 2>&1); then
  check "ctest itself passes the skipping run" true
else
  echo "cmake/ctest log:"; cat "$work/cmake.log" "$work/ctest.log"
  check "ctest itself passes the skipping run" false
fi
check "a real ctest report with a skip fails" test "$(status skips "$work/real.xml")" -eq 1
check "... naming the skipped test and its reason" \
  bash -c "grep -q 'skips_here (SKIP_RETURN_CODE=77)' '$work/out' && grep -q 'no widget here' '$work/out'"
(cd "$work/proj/b" && ctest -R '^runs$' --output-junit "$work/real-clean.xml" >/dev/null 2>&1)
check "a real ctest report without skips passes" test "$(status skips "$work/real-clean.xml")" -eq 0

# scripts/test.sh applies the check to its own ctest run
check "test.sh writes a JUnit report and runs ctest_skips.py on it" \
  bash -c "grep -q -- '--output-junit' '$src/scripts/test.sh' && grep -q 'ctest_skips.py' '$src/scripts/test.sh'"
exit $fail
