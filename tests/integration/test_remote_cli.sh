#!/usr/bin/env bash
# test_remote_cli.sh: sealctl's remote commands (--server) against a real province: sealctl init,
# seal-server on a free 127.0.0.1 port with TLS, API clients for two seal officers, an operator
# and an auditor added with sealctl client add (tokens to 0600 files), client list, rotate-token,
# disable/enable, a client registered by certificate (mTLS). The whole lifecycle
# through sealctl: unit, application, four-eyes approval, grant, sign data (checked by
# seal-verify with the served status), sign ofd, a batch with a bad item, status, status list;
# wrong token, missing --server, mTLS identity, --json; audit verify --server before and after
# a row of the store is edited. Prints "N passed, N failed"; exits non-zero on failure.
set -u
: "${SEALCTL:?run through meson test}" "${SEAL_SERVER:?}" "${SEAL_VERIFY:?}" "${SC_TEST_DATA:?}"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" remote-cli
export LC_ALL=C
unset SEALCTL_SERVER SEALCTL_TOKEN_FILE
for tool in sqlite3 openssl python3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed (scripts/setup)"; exit 77; }
done
. "$(dirname "${BASH_SOURCE[0]}")/server.sh"
not_contains() { if grep -qF -- "$2" "$T/out"; then bad "$1: output has \"$2\""; else ok; fi; }
json_ok() { if python3 -m json.tool <"$T/stdout" >/dev/null 2>&1; then ok; else bad "$1: stdout is not one JSON document:"; sed 's/^/    /' "$T/stdout"; fi; }

# ---- a province and its clients -----------------------------------------------------------------
province || { finish; exit 1; }

# ---- API clients through sealctl client ---------------------------------------------------------
add_client officer1 seal-officer; add_client officer2 seal-officer
add_client operator operator OPER; add_client auditor auditor,verifier AUD
[ "$(stat -c %a "$T/operator.token")" = 600 ] && ok || bad "token file mode $(stat -c %a "$T/operator.token")"
[ "$(wc -c <"$T/operator.token")" = 44 ] && ok || bad "token file: $(wc -c <"$T/operator.token") bytes, expected 43 + newline"
if grep -qF -- "$(cat "$T/auditor.token")" "$T/stdout"; then bad "client add --json --token-out printed the token"; else ok; fi
run 0 "client list" -- as admin client list
contains "client list" "$AUD  auditor  auditor,verifier  token"
contains "client list" "$OPER  operator  operator  token"
not_contains "client list" "$(cat "$T/operator.token")"
run 0 "client add, token on stdout" -- as admin client add --name spare --role operator --token
TOK=$(tail -n 1 "$T/stdout")
[ "${#TOK}" = 43 ] && ok || bad "client add --token: last line \"$TOK\" is not a token"
printf '%s\n' "$TOK" >"$T/spare.token"
SPARE=$(sed -n 's/^client \([0-9]*\) "spare" added$/\1/p' "$T/stdout")
[ -n "$SPARE" ] && ok || bad "client add: no \"client N \"spare\" added\" line"
run 1 "client list as operator" -- as operator client list
contains "client list as operator" "(forbidden, HTTP 403)"
run 2 "client add without a credential" -- as admin client add --name x --role operator
run 2 "client add, unknown role" -- as admin client add --name x --role root --token
contains "unknown role" "--role root: not one of"
run 1 "client add, same name" -- as admin client add --name operator --role operator --token
contains "same name" "(conflict, HTTP 409)"
cp "$T/spare.token" "$T/spare-old.token"
run 0 "client rotate-token" -- as admin client rotate-token "$SPARE" --token-out "$T/spare.token"
contains "rotate-token" "client $SPARE: new bearer token written to $T/spare.token (mode 0600)"
cmp -s "$T/spare.token" "$T/spare-old.token" && bad "rotate-token wrote the old token" || ok
run 1 "old token after rotation" -- as spare-old seal list
contains "old token" "unknown or rotated"
run 0 "new token after rotation" -- as spare seal list
run 0 "client disable" -- as admin client disable "$SPARE"
contains "client disable" "client $SPARE \"spare\" disabled"
run 1 "disabled client" -- as spare seal list
contains "disabled client" "disabled API client"
run 0 "client enable" -- as admin client enable "$SPARE"
run 0 "enabled again" -- as spare seal list
run 1 "admin disables itself" -- as admin client disable 1
contains "admin disables itself" "cannot disable itself"
# a client certificate from the province's TLS CA, registered by sealctl client add --client-cert
openssl ecparam -name prime256v1 -genkey -noout -out "$T/aud.key" 2>/dev/null &&
  openssl req -new -key "$T/aud.key" -subj "/O=sealpki test/CN=auditor by certificate" -out "$T/aud.csr" &&
  openssl x509 -req -in "$T/aud.csr" -CA "$D/pki/tls-ca.pem" -CAkey "$D/pki/tls-ca.key" \
    -passin "file:$D/pki/key-password" -set_serial 4242 -days 2 -out "$T/aud.pem" 2>/dev/null && ok ||
  bad "openssl: cannot make a client certificate"
run 1 "unregistered certificate" -- "$SEALCTL" audit verify "${CA[@]}" --cert "$T/aud.pem" --key "$T/aud.key"
contains "unregistered certificate" "not registered"
run 0 "client add --client-cert" -- as admin client add --name aud-cert --role auditor --client-cert "$T/aud.pem"
contains "client add --client-cert" "certificate CN=auditor by certificate,O=sealpki test"
run 0 "audit verify over mTLS as the new client" -- "$SEALCTL" audit verify "${CA[@]}" --cert "$T/aud.pem" --key "$T/aud.key"

# ---- usage and credentials ----------------------------------------------------------------------
run 2 "no --server" -- env -u SEALCTL_SERVER "$SEALCTL" unit add --code 11330000MB0000000X --name x \
  --token-file "$T/admin.token" "${CA[@]}"
contains "no --server" "--server URL is required"
run 2 "http:// to another host" -- as admin unit add --server http://example.org --code 11330000MB0000000X --name x
contains "http:// elsewhere" "https:// is required"
run 2 "token and certificate" -- as admin unit add --cert "$D/pki/tls-client.pem" --key "$D/pki/tls-client.key" --code 1 --name x
run 2 "unreadable token file" -- "$SEALCTL" unit add "${CA[@]}" --token-file "$T/none" --code 1 --name x
printf '%43s\n' | tr ' ' A >"$T/wrong.token"
run 1 "wrong token" -- as wrong unit add --code 11330000MB0000000X --name 某省人社厅
contains "wrong token" "(unauthorized, HTTP 401)"
contains "wrong token" "sealctl unit add: "
run 3 "no such server" -- as admin unit add --server "https://127.0.0.1:$(free_port)" --code 11330000MB0000000X --name x
contains "no such server" "cannot reach"
run 3 "untrusted server certificate" -- "$SEALCTL" unit add --token-file "$T/admin.token" \
  --cacert "$D/pki/root-ca.pem" --code 11330000MB0000000X --name x
contains "untrusted" "give --cacert the server's TLS CA"
if grep -qF -- "$(cat "$T/admin.token")" "$T/out"; then bad "a message quotes the token"; else ok; fi

# ---- the lifecycle ------------------------------------------------------------------------------
run 0 "unit add" -- as admin unit add --code 11330000MB0000000X --name 某省人力资源和社会保障厅
contains "unit add" "unit 1: 11330000MB0000000X"
run 1 "unit add, same code" -- as admin unit add --code 11330000MB0000000X --name again
contains "unit add, same code" "(conflict, HTTP 409)"
run 1 "unit add as officer" -- as officer1 unit add --code 11330000MB0000001X --name x
contains "officer" "HTTP 403"
APPLY=(seal apply --unit 1 --type 1 --name 某省人力资源和社会保障厅 --image "$SC_TEST_DATA/seal.png"
       --width-mm 42 --height-mm 42 --valid-from 2026-01-01 --valid-to 2030-12-31)
run 0 "seal apply" -- as officer1 "${APPLY[@]}"
contains "seal apply" "application 1: pending"
run 2 "seal apply, no --image" -- as officer1 seal apply --unit 1 --type 1 --name x
run 1 "approve own application" -- as officer1 seal approve 1
contains "approve own" "HTTP 403"
run 0 "approve by a second officer" -- as officer2 seal approve 1
contains "approve" "application 1 approved: seal "
ESID=$(sed -n 's/.*approved: seal //p' "$T/stdout")
[ -n "$ESID" ] && ok || bad "no esID in the approval"
run 1 "approve again" -- as officer2 seal approve 1
contains "approve again" "HTTP 409"
run 2 "approve, not an id" -- as officer2 seal approve 1x
contains "approve 1x" 'APPLICATION-ID: "1x" is not a number in 1..'
run 0 "apply, second" -- as officer1 "${APPLY[@]}" --json
json_ok "seal apply --json"
run 0 "reject" -- as officer2 seal reject 2 --reason "picture unclear"
contains "reject" "application 2 rejected"
run 2 "reject without reason" -- as officer2 seal reject 2
run 0 "seal applications" -- as officer1 seal applications
contains "seal applications" "1  approved  unit 1  type 1  某省人力资源和社会保障厅  seal $ESID"
contains "seal applications" "2  rejected  unit 1"
run 0 "seal applications --state pending" -- as admin seal applications --state pending --json
json_ok "seal applications --json"
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["applications"]))' "$T/stdout")" = 0 ] &&
  ok || bad "pending applications listed after both were reviewed"
run 1 "seal applications --state bogus" -- as admin seal applications --state bogus
contains "state bogus" "(bad_request, HTTP 400)"
run 0 "seal list" -- as operator seal list --unit 1
contains "seal list" "$ESID  good  unit 1  type 1"
run 0 "unit list --limit 1" -- as admin unit list --limit 1
contains "unit list" "1  11330000MB0000000X  某省人力资源和社会保障厅"
contains "unit list" "more may follow: --after 1"
run 1 "unit list as operator" -- as operator unit list
contains "unit list as operator" "HTTP 403"
run 0 "seal get" -- as operator seal get "$ESID" -o "$T/seal.esl" --cert-out "$T/signer.der"
contains "seal get" "seal $ESID: good"
run 0 "the seal from the server" -- "$SEALCTL" seal show "$T/seal.esl"
contains "seal show" "$ESID"
openssl x509 -inform DER -in "$T/signer.der" -noout -subject >"$T/out" 2>&1 && ok || bad "signer certificate not DER X.509"
run 1 "seal get, unknown" -- as operator seal get 33000099999999
contains "seal get, unknown" "(not_found, HTTP 404)"

# signing needs a grant
echo "原文 for remote signing" >"$T/doc.txt"
run 1 "sign data without grant" -- as operator sign data --es-id "$ESID" -i "$T/doc.txt" -o "$T/doc.sig"
contains "no grant" "HTTP 403"
[ ! -e "$T/doc.sig" ] && ok || bad "a refused signature left $T/doc.sig"
run 0 "grant add" -- as admin grant add --client "$OPER" --es-id "$ESID"
contains "grant add" "client $OPER may sign with seal $ESID"
GRANT=$(sed -n 's/^grant \([0-9]*\):.*/\1/p' "$T/stdout")
[ -n "$GRANT" ] && ok || bad "grant add: no \"grant N:\" line"
run 0 "sign data" -- as operator sign data --es-id "$ESID" -i "$T/doc.txt" -o "$T/doc.sig"
contains "sign data" "signed with seal $ESID on $SEALCTL_SERVER"
TRUST=(--trust "$D/pki/root-ca.pem" --ca-certs "$D/pki/seal-ca.pem")
expect 0 "seal-verify the remote signature" -- "$SEAL_VERIFY" "${TRUST[@]}" --data "$T/doc.txt" "$T/doc.sig"
contains "seal-verify" "VALID (signature)"
expect 0 "seal-verify --status" -- "$SEAL_VERIFY" "${TRUST[@]}" --data "$T/doc.txt" \
  --status "$SEALCTL_SERVER" --tls-ca "$D/pki/tls-ca.pem" --tls-cert "$D/pki/tls-client.pem" \
  --tls-key "$D/pki/tls-client.key" --tls-key-pass-file "$D/pki/key-password" "$T/doc.sig"
contains "seal-verify --status" "[ok  ] seal_status"
openssl asn1parse -inform DER -in "$T/doc.sig" >"$T/out" 2>&1 && ok || bad "openssl cannot parse the signature"
contains "asn1parse" "$ESID"
H=$(openssl dgst -sm3 -r "$T/doc.txt" | cut -d' ' -f1)
run 0 "sign data --sm3 --json" -- as operator sign data --es-id "$ESID" --sm3 "$H" -o "$T/h.sig" --json
json_ok "sign data --json"
expect 0 "seal-verify, signed by hash" -- "$SEAL_VERIFY" "${TRUST[@]}" --data "$T/doc.txt" "$T/h.sig"
run 2 "sign data, bad --sm3" -- as operator sign data --es-id "$ESID" --sm3 abc -o "$T/x.sig"
run 1 "sign data as admin over mTLS" -- "$SEALCTL" sign data "${CA[@]}" --cert "$D/pki/tls-client.pem" \
  --key "$D/pki/tls-client.key" --key-pass-file "$D/pki/key-password" --es-id "$ESID" -i "$T/doc.txt" -o "$T/x.sig"
contains "mTLS admin" "(forbidden, HTTP 403)"
run 0 "unit add over mTLS" -- "$SEALCTL" unit add "${CA[@]}" --cert "$D/pki/tls-client.pem" \
  --key "$D/pki/tls-client.key" --key-pass-file "$D/pki/key-password" --code 11330000MB0000002X --name 二
run 2 "sign data, local form without --seal" -- "$SEALCTL" sign data -i "$T/doc.txt" -o "$T/x.sig"

# status
run 0 "status get" -- as operator status get "$ESID"
contains "status get" "seal $ESID: good"
run 0 "status get --json" -- as operator status get "$ESID" --json
json_ok "status get --json"
run 0 "status get -o" -- as operator status get "$ESID" -o "$T/st.der"
[ -s "$T/st.der" ] && ok || bad "no status response written"
run 0 "status-list" -- as operator status-list -o "$T/list.der"
expect 0 "seal-verify --status-list" -- "$SEAL_VERIFY" "${TRUST[@]}" --data "$T/doc.txt" --status-list "$T/list.der" "$T/doc.sig"
run 0 "suspend" -- as officer1 seal suspend "$ESID" --reason "under review"
contains "suspend" "seal $ESID: suspended"
run 1 "sign data, suspended" -- as operator sign data --es-id "$ESID" -i "$T/doc.txt" -o "$T/x.sig"
contains "suspended" "HTTP 409"
run 0 "resume" -- as officer2 seal resume "$ESID"
contains "resume" "seal $ESID: good"
run 2 "revoke without reason" -- as officer1 seal revoke "$ESID"

# ---- sign ofd: streamed both ways, the output only when whole -------------------------------
expect 0 "ofd new" -- "$SEALCTL" ofd new --title 行政许可决定书 --text "20,30,6,行政许可决定书" -o "$T/doc.ofd"
mkdir "$T/o"
run 0 "sign ofd --server" -- as operator sign ofd --es-id "$ESID" --keyword 许可 -i "$T/doc.ofd" -o "$T/o/signed.ofd"
contains "sign ofd" "stamped with seal $ESID"
expect 0 "seal-verify the stamped OFD" -- "$SEAL_VERIFY" "${TRUST[@]}" "$T/o/signed.ofd"
contains "seal-verify ofd" "$ESID"
head -c 3000 /dev/urandom >"$T/junk.ofd"
run 1 "sign ofd, not an OFD" -- as operator sign ofd --es-id "$ESID" --page 1 --x 50 --y 50 -i "$T/junk.ofd" -o "$T/o/bad.ofd"
contains "sign ofd, not an OFD" "(bad_request, HTTP 400)"
[ "$(ls -A "$T/o")" = signed.ofd ] && ok || bad "a failed sign ofd left: $(ls -A "$T/o")"
run 2 "sign ofd, two placements" -- as operator sign ofd --es-id "$ESID" --page 1 --x 1 --y 1 --riding right -i "$T/doc.ofd" -o "$T/o/x.ofd"
run 1 "sign ofd, unknown seal" -- as operator sign ofd --es-id 33000099999999 --riding right -i "$T/doc.ofd" -o "$T/o/x.ofd"
[ ! -e "$T/o/x.ofd" ] && ok || bad "a refused sign ofd left its output"

# ---- sign batch: 5 items, one of them bad ---------------------------------------------------
mkdir "$T/in" "$T/sigs"
for i in 1 2 3 4; do echo "文件 $i" >"$T/in/doc$i.txt"; done
ln -s "$T/nonexistent" "$T/in/broken.txt"
mkdir "$T/in/sub"; mkfifo "$T/in/pipe"   # not regular files: skipped (a fifo once blocked the batch)
run 1 "sign batch, 1 bad of 5" -- as operator sign batch --es-id "$ESID" --out "$T/sigs" --chunk 2 --progress "$T/in"
contains "sign batch" "5 items: 4 ok, 1 failed"
contains "sign batch" "$T/in/broken.txt: $T/in/broken.txt: No such file"
contains "sign batch --progress" "signing [##############################] 5/5"
[ "$(ls "$T/sigs" | tr '\n' ' ')" = "doc1.txt.sig doc2.txt.sig doc3.txt.sig doc4.txt.sig " ] && ok ||
  bad "batch outputs: $(ls "$T/sigs")"
for i in 1 4; do
  expect 0 "seal-verify batch item $i" -- "$SEAL_VERIFY" "${TRUST[@]}" --data "$T/in/doc$i.txt" "$T/sigs/doc$i.txt.sig"
done
run 0 "sign batch, files, --json" -- as operator sign batch --es-id "$ESID" --out "$T/sigs" --json "$T/in/doc1.txt" "$T/in/doc2.txt"
json_ok "sign batch --json"
not_contains "no bar unless asked (stderr not a terminal)" "signing ["
run 1 "sign batch, unknown seal" -- as operator sign batch --es-id 33000099999999 --out "$T/sigs" "$T/in/doc1.txt" "$T/in/doc2.txt"
contains "batch, unknown seal" "2 items: 0 ok, 2 failed"
contains "batch, unknown seal" "(ENOTFOUND)"
run 2 "sign batch --chunk 0" -- as operator sign batch --es-id "$ESID" --out "$T/sigs" --chunk 0 "$T/in"
contains "--chunk 0" '--chunk: "0" is not a number in 1..1000'
run 2 "sign batch, --out not a directory" -- as operator sign batch --es-id "$ESID" --out "$T/none" "$T/in/doc1.txt"
mkdir "$T/in2" && echo other >"$T/in2/doc1.txt"
run 1 "sign batch, same name twice" -- as operator sign batch --es-id "$ESID" --out "$T/sigs" "$T/in/doc1.txt" "$T/in2/doc1.txt"
contains "same name twice" "another input is also named doc1.txt"
contains "same name twice" "2 items: 1 ok, 1 failed"

run 0 "grant list" -- as admin grant list --client "$OPER"
contains "grant list" "$GRANT  client $OPER  seal $ESID  used "
contains "grant list" " of unlimited  expires never"
LONG=$(printf '印%.0s' $(seq 100))      # 300 bytes, 900 once %-escaped: once sent cut
run 2 "grant list, filter too long" -- as admin grant list --es-id "$LONG"
contains "grant list, filter too long" "the filters are too long"
run 2 "seal list, filter too long" -- as operator seal list --status "$LONG"
contains "seal list, filter too long" "the filters are too long"
run 0 "grant revoke" -- as admin grant revoke "$GRANT"
contains "grant revoke" "grant $GRANT revoked"
run 1 "sign data after the grant is revoked" -- as operator sign data --es-id "$ESID" -i "$T/doc.txt" -o "$T/x.sig"
contains "revoked grant" "HTTP 403"
run 1 "grant revoke again" -- as admin grant revoke "$GRANT"
contains "grant revoke again" "(not_found, HTTP 404)"

# ---- the audit log over the network ---------------------------------------------------------
run 0 "audit verify --server" -- as auditor audit verify
contains "audit verify --server" "audit chain intact: "
N=$(sqlite3 "$D/store.db" "SELECT max(seq) FROM audit_log")
contains "audit verify --server" "intact: $N records, head $(sqlite3 "$D/store.db" "SELECT lower(hex(hash)) FROM audit_head")"
run 0 "audit verify --server --json" -- as auditor audit verify --json
json_ok "audit verify --json"
run 1 "audit verify as operator" -- as operator audit verify
contains "audit verify as operator" "(forbidden, HTTP 403)"
run 0 "audit show --server" -- as auditor audit show --limit 3
contains "audit show" "1  "
contains "audit show" "province.init"
contains "audit show" "more may follow: --after 3"
run 0 "audit show --server --after --json" -- as auditor audit show --after 3 --limit 2 --json
json_ok "audit show --json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [r["seq"] for r in d["records"]] == [4, 5], d' \
  "$T/stdout" && ok || bad "audit show --after 3 --limit 2: not records 4 and 5"
run 2 "audit show --limit 0" -- as auditor audit show --limit 0
run 0 "audit verify --store stays local" -- "$SEALCTL" audit verify --store "$D/store.db"
sqlite3 "$D/store.db" "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET details = '{\"unit\":2}' WHERE seq = 3" ||
  bad "tampering with the store failed"
run 1 "audit verify --server, edited record" -- as auditor audit verify
contains "edited record" "audit chain BROKEN at record 3: hash does not match its content (edited)"
run 1 "audit verify --server --json, edited" -- as auditor audit verify --json
json_ok "audit verify --json, edited"
contains "audit verify --json, edited" '"first_bad_seq":3'
finish
