#!/usr/bin/env bash
# The committed Unicode tables (harness/text/unicode_tables.c) against the installed oracle:
# regenerated with the Python and `regex` module that run sacreBLEU here (build/venv, pinned
# in scripts/requirements-oracle.txt), they must be identical, so BLEU with -tok intl stays
# sacreBLEU-exact for the versions the README names. Skips (exit 77) when no python3 can
# import regex.
set -u
bin=$1
src=${S2S_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/cli_lib.sh"
py=python3
[ -x "$src/build/venv/bin/python" ] && py=$src/build/venv/bin/python
"$py" -c 'import regex' 2>/dev/null || { echo "no python3 with regex: skipping"; exit 77; }
echo "oracle: $("$py" -c 'import sys, regex, unicodedata; print(sys.version.split()[0], "regex", regex.__version__, "unicodedata", unicodedata.unidata_version)')"
"$py" "$src/scripts/gen_unicode_tables.py" >"$work/tables.c"
check "generator ran" test -s "$work/tables.c"
# the generating Python's patch release is named (3.11.2 on Debian, 3.11.7 elsewhere) but
# does not change the tables: Unicode data and regex versions must match, the rest exactly
mask() { sed -E 's/Python [0-9]+\.[0-9]+\.[0-9]+/Python 3.x/g' "$1"; }
check "tables equal the installed oracle's" diff <(mask "$work/tables.c") <(mask "$src/harness/text/unicode_tables.c")
check "same regex version in the header" \
  bash -c "grep -q \"regex $("$py" -c 'import regex; print(regex.__version__)')\" '$src/harness/text/unicode_tables.c'"
exit $fail
