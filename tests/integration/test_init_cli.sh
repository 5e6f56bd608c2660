#!/usr/bin/env bash
# test_init_cli.sh: sealctl init and sealctl audit driven as an operator would. A province from
# nothing (files, modes, the admin client in the store), the real seal-server started with its
# config on a free 127.0.0.1 port and called with curl (bearer token, client certificate, a
# wrong token, SIGTERM); refusals that change nothing (non-empty DIR, failing make-dev-pki,
# wrong key password, bad --listen); --pki and --force; audit verify on the fresh store, on a
# chain extended by this script from the documented canonical form, and after tampering with
# sqlite3 (edited, deleted tail, gap), and on truncated and garbage files.
# Prints "N passed, N failed" and exits non-zero on failure.
set -u
: "${SEALCTL:?run through meson test}" "${SC_MAKE_DEV_PKI:?}" "${SEAL_SERVER:?}"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" init-cli
export LC_ALL=C
for tool in curl sqlite3 openssl; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed (scripts/setup)"; exit 77; }
done

. "$(dirname "${BASH_SOURCE[0]}")/server.sh"

mode_is() {   # WANT PATH
  local m; m=$(stat -c %a "$2" 2>/dev/null)
  if [ "$m" = "$1" ]; then ok; else bad "$2: mode ${m:-missing}, expected $1"; fi
}
tree_sum() { (cd "$1" && find . -printf '%p %m %s\n' | sort && find . -type f -exec md5sum {} + | sort); }
same_tree() {   # WHAT DIR SUMFILE
  if tree_sum "$2" | cmp -s - "$3"; then ok; else bad "$1: $2 changed"; fi
}
no_stage() {    # WHAT PARENT: no staging directory left behind
  if ls -A "$2" | grep -q 'sealctl-init'; then bad "$1: staging left in $2: $(ls -A "$2")"; else ok; fi
}

# ---- a province from nothing ------------------------------------------------------------------
D=$T/prov
PORT=$(free_port)
expect 0 "init" -- "$SEALCTL" init --dir "$D" --listen "127.0.0.1:$PORT" --admin-name ops-admin \
  --region-code 330000
cp "$T/out" "$T/init.out"
contains "init" "province ready in $D"
contains "init" "store it now"
TOKEN=$(cat "$D/admin.token" 2>/dev/null)
[ ${#TOKEN} = 43 ] && ok || bad "admin.token: \"$TOKEN\" is not a 43-character token"
grep -qx -- "$TOKEN" "$T/init.out" && ok || bad "the token is not printed on a line of its own"
[ "$(grep -c -- "$TOKEN" "$T/init.out")" = 1 ] && ok || bad "the token is printed more than once"
mode_is 700 "$D"
mode_is 700 "$D/pki"
mode_is 600 "$D/store.db"
mode_is 600 "$D/admin.token"
mode_is 600 "$D/seal-server.json"
for k in "$D"/pki/*.key; do mode_is 600 "$k"; done
[ "$(ls -A "$D" | tr '\n' ' ')" = "admin.token pki seal-server.json store.db " ] && ok ||
  bad "DIR holds: $(ls -A "$D" | tr '\n' ' ')"
no_stage "init" "$T"
for f in tls-server.pem tls-server.key tls-ca.pem tls-client.pem seal-ca.pem seal-maker.key \
         status-signer.key tsa.key key-password; do
  [ -s "$D/pki/$f" ] && ok || bad "no $D/pki/$f"
done
grep -q "\"listen\": \"127.0.0.1:$PORT\"" "$D/seal-server.json" && ok || bad "listen not in the config"
grep -q '"store": "store.db"' "$D/seal-server.json" && ok || bad "store not relative to DIR"
grep -q '"client_ca": "pki/tls-ca.pem"' "$D/seal-server.json" && ok || bad "client_ca missing"
for k in seal_ca seal_maker status_signer tsa; do   # the service's keys (config.c reads them)
  grep -q "\"$k\": {" "$D/seal-server.json" && ok || bad "no $k in the config"
done
grep -q '"region_code": "330000"' "$D/seal-server.json" && ok || bad "region_code not written"
# no --tsa-policy: a fresh 2.25.<uuid> OID, so the province time-stamps from the start
POLICY=$(sed -n 's/.*"tsa_policy": "\(2\.25\.[0-9]*\)".*/\1/p' "$D/seal-server.json")
[ -n "$POLICY" ] && ok || bad "no minted 2.25 tsa_policy in the config"
expect 0 "seal-server --check-config" -- "$SEAL_SERVER" --config "$D/seal-server.json" --check-config

# the admin client as the store holds it: token hashed, certificate by RFC 2253 subject + SHA-256
row=$(sqlite3 "$D/store.db" "SELECT name, roles, disabled, lower(hex(token_hash)), cert_subject,
      lower(hex(cert_sha256)) FROM api_clients")
want_th=$(printf %s "$TOKEN" | openssl dgst -sha256 -r | cut -d' ' -f1)
want_fp=$(openssl x509 -in "$D/pki/tls-client.pem" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
want_subj=$(openssl x509 -in "$D/pki/tls-client.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
[ "$row" = "ops-admin|1|0|$want_th|$want_subj|$want_fp" ] && ok ||
  bad "api_clients row: $row; expected ops-admin|1|0|$want_th|$want_subj|$want_fp"
if grep -qaF -- "$TOKEN" "$D/store.db"; then bad "the token is stored in clear"; else ok; fi

# ---- the real server with this config ---------------------------------------------------------
start_server "$D/seal-server.json"
URL=https://127.0.0.1:$PORT
CURL=(curl -sS --max-time 10 --cacert "$D/pki/tls-ca.pem" -o "$T/body" -w '%{http_code}')
http() {   # WANT WHAT curl-args...
  local want=$1 what=$2 got; shift 2
  rm -f "$T/body"
  got=$("${CURL[@]}" "$@" 2>"$T/curl.err")
  if [ "$got" = "$want" ]; then ok; else bad "$what: HTTP $got, expected $want"; cat "$T/body" "$T/curl.err" 2>/dev/null | sed 's/^/    /'; fi
}
body_has() { if grep -qF -- "$2" "$T/body" 2>/dev/null; then ok; else bad "$1: body lacks \"$2\": $(cat "$T/body" 2>/dev/null)"; fi; }
http 200 "healthz, admin token" -H "Authorization: Bearer $TOKEN" "$URL/healthz"
body_has "healthz" '"status":"ok"'
body_has "healthz keys" '"keys":{"seal_ca":{'
body_has "healthz keys" '"tsa":{"cert_days_left":'
http 200 "whoami, admin token" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/whoami"
body_has "whoami token" '"client":"ops-admin"'
body_has "whoami token" '"auth":"bearer"'
http 200 "healthz, client certificate" --cert "$D/pki/tls-client.pem" --key "$D/pki/tls-client.key" \
  --pass "$(head -n1 "$D/pki/key-password")" "$URL/healthz"
http 200 "whoami, client certificate" --cert "$D/pki/tls-client.pem" --key "$D/pki/tls-client.key" \
  --pass "$(head -n1 "$D/pki/key-password")" "$URL/api/v1/whoami"
body_has "whoami cert" '"auth":"cert"'
body_has "whoami cert" '"roles":"admin"'
# the TSA answers under the minted policy (openssl ts reads the reply)
if openssl ts -query -data "$D/seal-server.json" -sm3 -cert -out "$T/q.tsq" 2>/dev/null; then
  http 200 "POST /tsa" -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/timestamp-query" \
    --data-binary @"$T/q.tsq" "$URL/tsa"
  openssl ts -reply -in "$T/body" -text 2>/dev/null | grep -q "Policy OID: $POLICY" && ok ||
    bad "the TSA's reply does not carry the policy $POLICY"
else
  bad "openssl ts -query -sm3 failed: the TSA's policy is not checked"
fi
WRONG=$(printf %43s | tr ' ' A)
http 401 "healthz, wrong token" -H "Authorization: Bearer $WRONG" "$URL/healthz"
http 401 "healthz, no credential" "$URL/healthz"
# a working province: the admin adds a unit through the API; the service audits it
http 201 "POST /api/v1/units, admin token" -H "Authorization: Bearer $TOKEN" \
  -H "Content-Type: application/json" -d '{"code":"11330000MB0000000X","name":"某省人社厅"}' \
  "$URL/api/v1/units"
if [ -n "$SERVER_PID" ]; then
  kill -TERM "$SERVER_PID"; wait "$SERVER_PID"; rc=$?; SERVER_PID=
  [ $rc = 0 ] && ok || bad "seal-server exit $rc after SIGTERM"
  grep -q '"event":"stopped"' "$T/server.log" && ok || bad "no clean shutdown in the log"
fi

# ---- the audit log of the fresh store ---------------------------------------------------------
expect 0 "audit verify" -- "$SEALCTL" audit verify --store "$D/store.db"
contains "audit verify" "audit chain intact: 2 records, head "
expect 0 "audit show" -- "$SEALCTL" audit show --store "$D/store.db"
contains "audit show" "province.init  client:1"
contains "audit show" '"admin_name":"ops-admin"'
contains "audit show" "actor 1  unit.add  unit:1"
if grep -qF -- "$TOKEN" "$T/out"; then bad "the token is in the audit record"; else ok; fi
expect 0 "audit verify --json" -- "$SEALCTL" audit verify --store "$D/store.db" --json
contains "audit verify --json" '"intact": true'
contains "audit verify --json" '"records": 2'

# Extend the chain from the canonical form as store/README.md documents it:
#   hash = SM3(prev_hash || "SSAUDIT1" || be64 seq || be64 at || be64 actor ||
#              be32 len action || be32 len object || be32 len details)  (each length, then bytes)
# Accepted by audit verify only if the documented form is the implemented one.
hexs() { printf %s "$1" | od -An -tx1 | tr -d ' \n'; }
be() { printf "%0$(($2 * 2))x" "$1"; }
append_audit() {   # DB SEQ ACTION OBJECT DETAILS
  local db=$1 seq=$2 act=$3 obj=$4 det=$5 at=1767225600 actor=1 prev canon h
  prev=$(sqlite3 "$db" "SELECT lower(hex(hash)) FROM audit_log WHERE seq = $((seq - 1))")
  canon=$prev$(hexs SSAUDIT1)$(be "$seq" 8)$(be $at 8)$(be $actor 8)
  canon+=$(be ${#act} 4)$(hexs "$act")$(be ${#obj} 4)$(hexs "$obj")$(be ${#det} 4)$(hexs "$det")
  h=$(printf '%b' "$(sed 's/../\\x&/g' <<<"$canon")" | openssl dgst -sm3 -r | cut -d' ' -f1)
  sqlite3 "$db" "INSERT INTO audit_log VALUES ($seq, $at, $actor, '$act', '$obj', '$det',
                 x'$prev', x'$h'); UPDATE audit_head SET seq = $seq, hash = x'$h' WHERE id = 1;"
  echo "$h"
}
A=$T/audit.db
cp "$D/store.db" "$A"
N=$(sqlite3 "$A" "SELECT max(seq) FROM audit_log")   # 2 when the API call above worked
append_audit "$A" $((N + 1)) unit.add unit:9 '{"code":"11330000MB0000001X"}' >/dev/null
append_audit "$A" $((N + 2)) seal.make seal:33000020260001 '{"unit":9}' >/dev/null
HEAD=$(append_audit "$A" $((N + 3)) seal.revoke seal:33000020260001 '{"reason":"keyCompromise"}')
expect 0 "audit verify, extended" -- "$SEALCTL" audit verify --store "$A"
contains "audit verify, extended" "audit chain intact: $((N + 3)) records, head $HEAD"
expect 0 "audit show --after --limit 2" -- "$SEALCTL" audit show --store "$A" --after "$N" --limit 2
contains "audit show --after" "$((N + 1))  2026-01-01T00:00:00Z  actor 1  unit.add  unit:9"
contains "audit show --after" "seal.make"
if grep -q "seal.revoke\|province.init" "$T/out"; then bad "audit show: outside --after/--limit"; else ok; fi
contains "audit show --after" "more may follow: --after $((N + 2))"
expect 0 "audit show --json" -- "$SEALCTL" audit show --store "$A" --after $((N + 2)) --json
contains "audit show --json" '"reason": "keyCompromise"'
contains "audit show --json" "\"hash\": \"$HEAD\""

# tampering, each on a fresh copy: the first broken record is named, exit 1
UNLOCK="DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
tamper() {   # WHAT SQL EXPECTED-TEXT
  cp "$A" "$T/t.db"
  sqlite3 "$T/t.db" "$UNLOCK $2" || bad "$1: sqlite3 failed"
  expect 1 "audit verify, $1" -- "$SEALCTL" audit verify --store "$T/t.db"
  contains "audit verify, $1" "$3"
}
tamper "edited details" "UPDATE audit_log SET details = '{\"unit\":2}' WHERE seq = $((N + 2))" \
  "audit chain BROKEN at record $((N + 2)): hash does not match its content (edited)"
tamper "edited actor" "UPDATE audit_log SET actor = 0 WHERE seq = $((N + 1))" \
  "BROKEN at record $((N + 1)):"
tamper "deleted tail" "DELETE FROM audit_log WHERE seq = $((N + 3))" "BROKEN at record $((N + 3)):"
tamper "gap" "DELETE FROM audit_log WHERE seq = 2" "BROKEN at record 2:"
tamper "first record" "UPDATE audit_log SET object = 'client:2' WHERE seq = 1" "BROKEN at record 1:"
cp "$A" "$T/t.db"
sqlite3 "$T/t.db" "$UNLOCK UPDATE audit_log SET details = '{\"unit\":2}' WHERE seq = $((N + 2))"
expect 1 "audit verify --json, tampered" -- "$SEALCTL" audit verify --store "$T/t.db" --json
contains "audit verify --json, tampered" '"intact": false'
contains "audit verify --json, tampered" "\"first_bad_seq\": $((N + 2))"

# unreadable stores: exit 2, and nothing is created
head -c 8192 "$D/store.db" >"$T/trunc.db"
expect 2 "audit verify, truncated" -- "$SEALCTL" audit verify --store "$T/trunc.db"
contains "audit verify, truncated" "$T/trunc.db"
head -c 65536 /dev/urandom >"$T/garbage.db"
expect 2 "audit verify, garbage" -- "$SEALCTL" audit verify --store "$T/garbage.db"
contains "audit verify, garbage" "not a SQLite database"
: >"$T/empty.db"
expect 2 "audit verify, empty file" -- "$SEALCTL" audit verify --store "$T/empty.db"
expect 2 "audit verify, missing file" -- "$SEALCTL" audit verify --store "$T/none.db"
[ ! -e "$T/none.db" ] && ok || bad "audit verify created $T/none.db"
expect 2 "audit show, garbage" -- "$SEALCTL" audit show --store "$T/garbage.db"
expect 2 "audit verify, no --store" -- "$SEALCTL" audit verify
expect 2 "audit show --limit 0" -- "$SEALCTL" audit show --store "$A" --limit 0
expect 2 "audit show --limit 1001" -- "$SEALCTL" audit show --store "$A" --limit 1001
expect 0 "audit verify --help" -- "$SEALCTL" audit verify --help
contains "audit verify --help" "usage: sealctl audit verify"
expect 0 "sealctl --help" -- "$SEALCTL" --help
contains "sealctl --help" "audit verify"
contains "sealctl --help" "init "

# ---- refusals change nothing ------------------------------------------------------------------
mkdir "$T/busy" && echo keep >"$T/busy/notes.txt"
tree_sum "$T/busy" >"$T/busy.sum"
expect 1 "init, non-empty DIR" -- "$SEALCTL" init --dir "$T/busy"
contains "init, non-empty DIR" "is not empty; nothing changed"
same_tree "init, non-empty DIR" "$T/busy" "$T/busy.sum"
expect 1 "init, DIR is a file" -- "$SEALCTL" init --dir "$T/busy/notes.txt"

expect 1 "init, make-dev-pki fails" -- env SC_MAKE_DEV_PKI=/bin/false "$SEALCTL" init --dir "$T/new"
[ ! -e "$T/new" ] && ok || bad "a failed init left $T/new"
no_stage "failed init" "$T"
tree_sum "$D" >"$T/prov.sum"
expect 1 "init --force, make-dev-pki fails" -- env SC_MAKE_DEV_PKI=/bin/false "$SEALCTL" init --dir "$D" --force
same_tree "init --force, failing" "$D" "$T/prov.sum"
expect 2 "init, bad --listen" -- "$SEALCTL" init --dir "$T/new" --listen 0.0.0.0:99999
contains "init, bad --listen" '"listen"'
[ ! -e "$T/new" ] && ok || bad "bad --listen left $T/new"
expect 2 "init, no --dir" -- "$SEALCTL" init
expect 2 "init, bad --region-code" -- "$SEALCTL" init --dir "$T/new" --region-code 33000
contains "init, bad --region-code" "not 6 digits"
expect 2 "init, bad --tsa-policy" -- "$SEALCTL" init --dir "$T/new" --tsa-policy 1.2.x
contains "init, bad --tsa-policy" "not a dotted OID"
expect 2 "init, stray argument" -- "$SEALCTL" init --dir "$T/new" extra
expect 2 "init --key-pass-file without --pki" -- "$SEALCTL" init --dir "$T/new" --key-pass-file "$D/pki/key-password"
[ ! -e "$T/new" ] && ok || bad "a refused init left $T/new"

# ---- --pki: an existing development PKI -------------------------------------------------------
P=$T/pki
"$SC_MAKE_DEV_PKI" "$P" >/dev/null 2>&1 || bad "make-dev-pki $P failed"
expect 0 "init --pki" -- "$SEALCTL" init --dir "$T/prov2" --pki "$P" --tsa-policy 1.2.156.1.1
grep -q '"tsa_policy": "1.2.156.1.1"' "$T/prov2/seal-server.json" && ok || bad "--tsa-policy not written"
[ ! -e "$T/prov2/pki" ] && ok || bad "init --pki made its own pki/"
grep -q "\"cert\": \"$P/tls-server.pem\"" "$T/prov2/seal-server.json" && ok || bad "--pki: tls.cert is not $P/tls-server.pem"
grep -q "\"key_password_file\": \"$P/key-password\"" "$T/prov2/seal-server.json" && ok || bad "--pki: password file"
expect 0 "--pki: seal-server --check-config" -- "$SEAL_SERVER" --config "$T/prov2/seal-server.json" --check-config
expect 0 "--pki: audit verify" -- "$SEALCTL" audit verify --store "$T/prov2/store.db"
fp2=$(sqlite3 "$T/prov2/store.db" "SELECT lower(hex(cert_sha256)) FROM api_clients")
want2=$(openssl x509 -in "$P/tls-client.pem" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
[ "$fp2" = "$want2" ] && ok || bad "--pki: admin certificate $fp2, expected $want2"
echo wrong-password >"$T/wrong"
expect 1 "init --pki, wrong password" -- "$SEALCTL" init --dir "$T/new" --pki "$P" --key-pass-file "$T/wrong"
contains "init --pki, wrong password" "cannot decrypt"
[ ! -e "$T/new" ] && ok || bad "wrong password left $T/new"
mkdir "$T/half" && cp "$P"/tls-* "$P/key-password" "$T/half/"
expect 2 "init --pki, no seal CA" -- "$SEALCTL" init --dir "$T/new" --pki "$T/half"
contains "init --pki, no seal CA" "seal-ca.pem"
cp "$P/seal-ca.pem" "$P/seal-ca.key" "$P/seal-maker.pem" "$P/status-signer.pem" "$P/status-signer.key" \
   "$P/tsa.pem" "$P/tsa.key" "$T/half/"
cp "$P/signer-prov.key" "$T/half/seal-maker.key"       # a key of another certificate
expect 1 "init --pki, key of another certificate" -- "$SEALCTL" init --dir "$T/new" --pki "$T/half"
contains "init --pki, key of another certificate" "does not belong to"
[ ! -e "$T/new" ] && ok || bad "a mismatched key left $T/new"

# ---- --force: replace a province, keep other files, keep a PKI given inside DIR ---------------
echo keep >"$D/notes.txt"
OLD_TOKEN=$TOKEN
OLD_CA=$(md5sum <"$D/pki/tls-ca.pem")
expect 0 "init --force" -- "$SEALCTL" init --dir "$D" --force
TOKEN=$(cat "$D/admin.token")
[ "$TOKEN" != "$OLD_TOKEN" ] && ok || bad "--force kept the old token"
[ "$(cat "$D/notes.txt")" = keep ] && ok || bad "--force touched notes.txt"
[ "$(md5sum <"$D/pki/tls-ca.pem")" != "$OLD_CA" ] && ok || bad "--force kept the old PKI"
no_stage "init --force" "$D"
expect 0 "--force: audit verify" -- "$SEALCTL" audit verify --store "$D/store.db"
contains "--force: audit verify" "intact: 1 record"
NEW_CA=$(md5sum <"$D/pki/tls-ca.pem")
expect 0 "init --force --pki DIR/pki" -- "$SEALCTL" init --dir "$D" --force --pki "$D/pki"
[ "$(md5sum <"$D/pki/tls-ca.pem")" = "$NEW_CA" ] && ok || bad "--pki DIR/pki replaced the PKI"
grep -q '"cert": "pki/tls-server.pem"' "$D/seal-server.json" && ok || bad "--pki inside DIR: path not relative"
expect 0 "--force --pki: check-config" -- "$SEAL_SERVER" --config "$D/seal-server.json" --check-config
finish
