# Shared by the shell tests of the s2sbench binary (source it after setting bin=$1):
# a scratch folder $work removed on exit, `check NAME COMMAND...`, `expect_error NAME EXIT
# TEXT -- ARGS...` (stdin from $work/in when it exists), and `require_device`, which skips
# the test (exit 77) where there is no OpenCL device. Tests end with `exit $fail`.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
check() { # check NAME CONDITION-COMMAND...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
expect_error() { # expect_error NAME EXIT TEXT -- ARGS...
  local name=$1 code=$2 text=$3 in=/dev/null; shift 4
  [ -f "$work/in" ] && in=$work/in
  "$bin" "$@" <"$in" >"$work/out" 2>"$work/err"
  local rc=$?
  if [ "$rc" -eq "$code" ] && grep -qF -- "$text" "$work/err"; then echo "ok   $name"
  else echo "FAIL $name: exit $rc (want $code), stderr:"; cat "$work/err"; fail=1; fi
}
require_device() {
  "$bin" devices >/dev/null 2>&1 || { echo "no OpenCL device: skipping"; exit 77; }
}
