# lib.sh: what the integration scripts share; source it after `set -u` with
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh" NAME
# A scratch directory $T (removed on exit), pass/fail counters, and the checks below.
T=$(mktemp -d "${TMPDIR:-/tmp}/sealpki-$1.XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# expect CODE DESCRIPTION -- command...   (stdout+stderr kept in $T/out)
expect() {
  local want=$1 what=$2; shift 3
  "$@" >"$T/out" 2>&1; local got=$?
  if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, expected $want"; sed 's/^/    /' "$T/out"; fi
}
contains() { if grep -qF -- "$2" "$T/out"; then ok; else bad "$1: output lacks \"$2\""; sed 's/^/    /' "$T/out"; fi; }
# The last line of a script: the tally, and its exit status.
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; }
