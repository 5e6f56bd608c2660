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
# A port nobody listens on (bash only: no python or ss needed); a lost race shows as a bind error.
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  echo 0
}
contains() { if grep -qF -- "$2" "$T/out"; then ok; else bad "$1: output lacks \"$2\""; sed 's/^/    /' "$T/out"; fi; }
# dev_seal NAME: a development PKI in P=$T/pki (PW its --key-pass-file) and a seal named NAME
# in $T/s.esl (signer-prov, valid 2026 to 2099); the script exits 1 when either fails.
dev_seal() {
  P=$T/pki
  "$SC_MAKE_DEV_PKI" "$P" >/dev/null || { echo "make-dev-pki failed"; exit 1; }
  PW=(--key-pass-file "$P/key-password")
  "$SEALCTL" seal make --maker-cert "$P/seal-maker.pem" --maker-key "$P/seal-maker.key" "${PW[@]}" \
    --cert "$P/signer-prov.pem" --id 33000020260001 --name "$1" --type 1 \
    --image "$SC_TEST_DATA/seal.png" --width-mm 42 --height-mm 42 \
    --valid-from 2026-01-01 --valid-to 2099-12-31 -o "$T/s.esl" 2>/dev/null || { echo "seal make failed"; exit 1; }
}
# The last line of a script: the tally, and its exit status.
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; }
