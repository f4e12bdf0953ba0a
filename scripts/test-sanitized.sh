#!/usr/bin/env bash
# Builds s2sbench with AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/ and
# runs the unit, device and CLI tests under them (CI runs this after scripts/test.sh). The
# learning test and the fuzzers (which carry sanitizers of their own) are left out: the
# first is a long training run whose code the others already cover. Leaks inside the OpenCL
# runtime and its compiler are suppressed (tests/sanitizers/lsan.supp). Extra arguments go
# to ctest. Run scripts/setup.sh first (scripts/test.sh does).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export S2S_BUILD_DIR=$root/build-asan
"$root/scripts/build.sh" -DS2S_SANITIZE_ADDRESS=ON -DS2S_SANITIZE_UNDEFINED=ON
export POCL_CACHE_DIR=$root/build/pocl-cache
export PATH=$root/build/venv/bin:$PATH
# intercept_tls_get_addr=0: GCC 12's sanitizer runtime takes a dynamic TLS block that glibc
# >= 2.25 allocated at offset 16 of a page for one with a glibc 2.19 header and reads a bogus
# range from it, so LeakSanitizer's tracer dies at exit ("Tracer caught signal 11", google/
# sanitizers#1322); PoCL's tuned kernel libraries (dlopen'ed, with TLS) put test_timeline's
# main thread there every time (CI, stop 25). Without the interceptor dynamic TLS is not
# scanned: a pointer held only there would show as a leak; no leak is hidden
export ASAN_OPTIONS=abort_on_error=0:detect_stack_use_after_return=0:intercept_tls_get_addr=0
export LSAN_OPTIONS=suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# hwloc's PCI plugin (libhwloc-plugins, which Open MPI brings) is dlopen'ed and closed again,
# so LeakSanitizer reports libpciaccess's memory in "<unknown module>" frames that no
# suppression can name; this CPU machine has no PCI device for it to find
export HWLOC_PLUGINS_BLACKLIST=hwloc_pci
cd "$S2S_BUILD_DIR"
ctest --output-on-failure --timeout 1500 -E 'test_train_learns|test_fuzz_' \
  --output-junit "$S2S_BUILD_DIR/Testing/ctest-junit.xml" "$@"
python3 "$root/scripts/ctest_skips.py" "$S2S_BUILD_DIR/Testing/ctest-junit.xml"
