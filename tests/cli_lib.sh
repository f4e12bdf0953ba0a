# Shared by the shell tests of the s2sbench binary (source it after setting bin=$1):
# a scratch folder removed on exit, `check NAME COMMAND...`, `expect_error NAME EXIT TEXT --
# ARGS...` (stdin from $work/in when it exists) and a skip (exit 77) without OpenCL devices.
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
"$bin" devices >/dev/null 2>&1 || { echo "no OpenCL device: skipping"; exit 77; }
