#!/usr/bin/env bash
# test_cli.sh: sealctl and seal-verify driven as an administrator and a verifier would, with a
# fresh development PKI: make a seal, show it, sign, verify (text and JSON), and every refusal
# with its exit code and message; seal-verify on signed OFD documents from the vectors; and
# seal_status from status responses signed by the dev status signer (make_status), given as a
# file (--status-list) and served over HTTP, HTTPS and mTLS by status_server.py (--status).
# Prints "N passed, N failed" and exits non-zero on failure.
set -u
: "${SEALCTL:?run through meson test}" "${SEAL_VERIFY:?}" "${SC_MAKE_DEV_PKI:?}" "${SC_TEST_DATA:?}"
: "${SC_VECTORS_DIR:?}" "${SC_MAKE_STATUS:?}"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" cli

P=$T/pki
"$SC_MAKE_DEV_PKI" "$P" >/dev/null || { echo "make-dev-pki failed"; exit 1; }
PW=(--key-pass-file "$P/key-password")
TRUST=(--trust "$P/root-ca.pem" --ca-certs "$P/seal-ca.pem")

# --help everywhere, exit 0
expect 0 "sealctl --help" -- "$SEALCTL" --help
for c in "seal make" "seal show" "sign data"; do
  # shellcheck disable=SC2086
  expect 0 "sealctl $c --help" -- "$SEALCTL" $c --help; contains "$c --help" "usage: sealctl $c"
done
expect 0 "seal-verify --help" -- "$SEAL_VERIFY" --help
expect 2 "sealctl unknown" -- "$SEALCTL" seal frobnicate

make_seal() {
  "$SEALCTL" seal make --maker-cert "$P/seal-maker.pem" --maker-key "$P/seal-maker.key" "${PW[@]}" \
    --cert "$P/signer-prov.pem" --id 33000020260001 --name "某省人力资源和社会保障厅" --type 1 \
    --image "$SC_TEST_DATA/seal.png" --width-mm 42 --height-mm 42 \
    --valid-from 2026-01-01 --valid-to 2099-12-31 "$@"
}
expect 0 "seal make" -- make_seal -o "$T/s.esl"
expect 0 "seal show" -- "$SEALCTL" seal show "$T/s.esl"
contains "seal show" "某省人力资源和社会保障厅"
contains "seal show" "33000020260001"
expect 0 "seal show --json --image" -- "$SEALCTL" seal show --json --image "$T/pic.png" "$T/s.esl"
contains "seal show --json" '"picture_type": "PNG"'
if cmp -s "$T/pic.png" "$SC_TEST_DATA/seal.png"; then ok; else bad "extracted picture differs"; fi

echo "原文 for signing" >"$T/doc.txt"
expect 0 "sign data" -- "$SEALCTL" sign data --seal "$T/s.esl" --cert "$P/signer-prov.pem" \
  --key "$P/signer-prov.key" "${PW[@]}" -i "$T/doc.txt" -o "$T/doc.sig"
expect 0 "verify signature" -- "$SEAL_VERIFY" "${TRUST[@]}" --data "$T/doc.txt" "$T/doc.sig"
contains "verify signature" "VALID (signature)"
expect 0 "verify signature --json" -- "$SEAL_VERIFY" --json "${TRUST[@]}" --data "$T/doc.txt" "$T/doc.sig"
contains "json valid" '"valid": true'
contains "json data_hash" '"data_hash": "passed"'
expect 0 "verify seal" -- "$SEAL_VERIFY" "${TRUST[@]}" "$T/s.esl"
expect 1 "verify without anchors" -- "$SEAL_VERIFY" --data "$T/doc.txt" "$T/doc.sig"
contains "no anchors" "no trust anchors"
echo "changed" >"$T/other.txt"
expect 1 "verify other data" -- "$SEAL_VERIFY" "${TRUST[@]}" --data "$T/other.txt" "$T/doc.sig"
contains "other data" "[FAIL] data_hash"
expect 1 "verify after the seal expired" -- "$SEAL_VERIFY" "${TRUST[@]}" --at 2100-06-01 "$T/doc.sig"
contains "--at" "[FAIL] seal_validity"

# the signer of another unit is refused before anything is written
expect 1 "sign with a signer not in the seal" -- "$SEALCTL" sign data --seal "$T/s.esl" \
  --cert "$P/signer-city.pem" --key "$P/signer-city.key" "${PW[@]}" -i "$T/doc.txt" -o "$T/x.sig"
contains "not in seal" "not in the certificate list"
[ -e "$T/x.sig" ] && bad "a refused signing left $T/x.sig" || ok
echo "wrong" >"$T/wrong-pass"
expect 1 "wrong key password" -- "$SEALCTL" sign data --seal "$T/s.esl" --cert "$P/signer-prov.pem" \
  --key "$P/signer-prov.key" --key-pass-file "$T/wrong-pass" -i "$T/doc.txt" -o "$T/x.sig"
contains "wrong password" "wrong password or damaged file"
expect 1 "no password on a pipe" -- "$SEALCTL" sign data --seal "$T/s.esl" --cert "$P/signer-prov.pem" \
  --key "$P/signer-prov.key" -i "$T/doc.txt" -o "$T/x.sig" </dev/null
contains "no password" "give --key-pass-file"
[ -e "$T/x.sig" ] && bad "a failed signing left $T/x.sig" || ok
ls "$T"/*.tmp.* >/dev/null 2>&1 && bad "temporary files left behind" || ok

# bad input: exit 2 with a message, never a crash
head -c 100 "$T/doc.sig" >"$T/trunc.sig"
expect 2 "truncated signature" -- "$SEAL_VERIFY" "$T/trunc.sig"
contains "truncated" "exceeds"
expect 2 "missing file" -- "$SEAL_VERIFY" "$T/nope.sig"
expect 2 "not DER" -- "$SEAL_VERIFY" "$T/doc.txt"
expect 2 "seal show of a signature's text" -- "$SEALCTL" seal show "$T/doc.txt"
expect 2 "bad --at" -- "$SEAL_VERIFY" --at yesterday "$T/doc.sig"
expect 2 "bad --trust" -- "$SEAL_VERIFY" --trust "$T/doc.txt" "$T/doc.sig"
expect 2 "seal make without options" -- "$SEALCTL" seal make -o "$T/y.esl"
expect 1 "seal make with valid-to before valid-from" -- make_seal --valid-to 2025-01-01 -o "$T/y.esl"
contains "validity" "valid-to must be after valid-from"
expect 1 "maker key of another certificate" -- "$SEALCTL" seal make --maker-cert "$P/seal-maker.pem" \
  --maker-key "$P/signer-city.key" "${PW[@]}" --cert "$P/signer-prov.pem" --id X1 --name N --type 1 \
  --image "$SC_TEST_DATA/seal.png" --width-mm 40 --height-mm 40 --valid-from 2026-01-01 \
  --valid-to 2027-01-01 -o "$T/y.esl"
contains "key mismatch" "does not belong"
[ -e "$T/y.esl" ] && bad "a refused seal make left $T/y.esl" || ok

# digests instead of certificates (certListType 2) verify the same way
expect 0 "seal make --cert-digests" -- make_seal --cert-digests -o "$T/d.esl"
expect 0 "sign with a digest-list seal" -- "$SEALCTL" sign data --seal "$T/d.esl" \
  --cert "$P/signer-prov.pem" --key "$P/signer-prov.key" "${PW[@]}" -i "$T/doc.txt" -o "$T/d.sig"
expect 0 "verify digest-list signature" -- "$SEAL_VERIFY" "${TRUST[@]}" --data "$T/doc.txt" "$T/d.sig"

# signed OFD documents (vectors/vendors, MANIFEST.md): one item per signature, exit 1 without
# anchors, findings that never change the verdict, exit 2 when the package cannot be read
O=$SC_VECTORS_DIR/vendors
expect 1 "verify OFD" -- "$SEAL_VERIFY" "$O/gh11.ofd"
contains "verify OFD" "NOT VALID (ofd)"
contains "OFD references" "[ok  ] ofd_references"
contains "OFD data hash" "[ok  ] data_hash"
contains "OFD no anchors" "[skip] cert_chain"
expect 1 "verify OFD --json" -- "$SEAL_VERIFY" --json "$O/bker_issuer_20191231.ofd"
for f in '"format": "ofd"' '"id": "2"' '"type": "Seal"' '"page": 1' '"boundary": [' '153.0,'          '"signer_signature": "passed"' '"ofd_references": "passed"' '"code": "unprotected_file"'          '"file": "Doc_0/Res/Image_0.png"'; do
  contains "OFD json $f" "$f"
done
expect 1 "verify OFD Type Sign --json" -- "$SEAL_VERIFY" --json "$O/railway-ticket-refund.ofd"
for f in '"type": "Sign"' '"page": null' '"boundary": null' '"data_hash": "passed"'; do
  contains "Sign json $f" "$f"
done
expect 1 "verify OFD with a damaged signature" -- "$SEAL_VERIFY" "$O/gonghang_1.ofd"
contains "gonghang" "[FAIL] signer_signature signer signature: signature value: SM2Signature: length 70"
(printf 'vendor header'; cat "$O/gh11.ofd"; printf 'tail') >"$T/extra.ofd"
expect 1 "OFD with bytes around the zip" -- "$SEAL_VERIFY" "$T/extra.ofd"
contains "extra bytes" "[extra_bytes] 13 bytes before the zip and 4 after its end record"
contains "extra bytes verdicts" "[ok  ] ofd_references"
expect 1 "OFD on standard input" -- "$SEAL_VERIFY" - <"$O/gh11.ofd"
contains "OFD stdin" "[ok  ] ofd_references"
expect 2 "OFD with --data" -- "$SEAL_VERIFY" --data "$T/doc.txt" "$O/gh11.ofd"
contains "OFD --data" "--data is for detached signatures"
head -c 3000 "$O/gh11.ofd" >"$T/cut.ofd"
expect 2 "truncated OFD" -- "$SEAL_VERIFY" "$T/cut.ofd"
contains "truncated OFD" "not a zip file"
contains "truncated OFD stderr" "cannot be read as a signed OFD document"
expect 2 "truncated OFD --json" -- "$SEAL_VERIFY" --json "$T/cut.ofd"
contains "truncated OFD json" '"items": []'

# ---- seal status (spec/status.asn1, the seal_status check) ----------------------------------
# doc.sig was signed a moment ago with s.esl (33000020260001); times are relative to now
MS=("$SC_MAKE_STATUS" --key "$P/status-signer.key" "${PW[@]}" --cert "$P/status-signer.pem"
    --ca-certs "$P/seal-ca.pem")
S=$T/s.esl
status() { local out=$1; shift; "${MS[@]}" -o "$T/$out" "$@" >"$T/ms.log" 2>&1 ||
           { bad "make_status $out"; cat "$T/ms.log"; }; }
vs() { "$SEAL_VERIFY" "${TRUST[@]}" --data "$T/doc.txt" "$@" "$T/doc.sig"; }
status good.der "$S"
expect 0 "status: good" -- vs --status-list "$T/good.der"
contains "status: good" "[ok  ] seal_status      seal 33000020260001 was good at the signing time"
status rev-before.der "$S,revoked@now-3600"
expect 1 "status: revoked before signing" -- vs --status-list "$T/rev-before.der"
contains "status: revoked before" "[FAIL] seal_status      seal 33000020260001 was revoked at"
contains "status: revoked before" "(keyCompromise), before the signing time"
status rev-after.der --produced now+120 "$S,revoked@now+60"
expect 0 "status: revoked after signing" -- vs --status-list "$T/rev-after.der"
status resumed.der "$S,suspended@now-7200,good@now-3600"
expect 0 "status: suspended and resumed before signing" -- vs --status-list "$T/resumed.der"
contains "status: resumed" "(resumed at "
status suspended.der "$S,suspended@now-3600"
expect 1 "status: suspended before signing" -- vs --status-list "$T/suspended.der"
contains "status: suspended" "was suspended at"
contains "status: suspended" "(certificateHold), before the signing time"
status unknown.der unknown:33000020260001
expect 1 "status: unknown seal" -- vs --status-list "$T/unknown.der"
contains "status: unknown" "the province never made seal 33000020260001 (status unknown)"
status other.der unknown:33000020269999
expect 1 "status: seal not listed" -- vs --status-list "$T/other.der"
contains "status: not listed" "has no entry for seal 33000020260001"
"$SC_MAKE_STATUS" --key "$P/signer-prov.key" "${PW[@]}" --cert "$P/signer-prov.pem" \
  --ca-certs "$P/seal-ca.pem" -o "$T/prov.der" "$S" >/dev/null 2>&1 || bad "make_status prov"
expect 1 "status: signed by a seal signer" -- vs --status-list "$T/prov.der"
contains "status: seal signer" "no id-kp-OCSPSigning extended key usage"
expect 1 "status: stale" -- vs --at "$(date -u -d '+8 days' +%Y-%m-%dT%H:%M:%SZ)" \
  --status-list "$T/good.der"
contains "status: stale" "the status response is stale"
expect 1 "status: no anchors" -- "$SEAL_VERIFY" --status-list "$T/good.der" "$T/doc.sig"
contains "status: no anchors" "[skip] seal_status      no trust anchors"
expect 1 "status: --json" -- vs --json --status-list "$T/rev-before.der"
contains "status: json check" '"seal_status": "failed"'
contains "status: json reason" '"seal_status": "seal 33000020260001 was revoked at'
expect 1 "status: a seal alone, judged now" -- "$SEAL_VERIFY" "${TRUST[@]}" \
  --status-list "$T/rev-before.der" "$S"
contains "status: seal alone" "before the verification time"
expect 2 "status: not a StatusResponse" -- vs --status-list "$T/doc.txt"
contains "status: not DER" "--status-list $T/doc.txt: StatusResponse"
expect 2 "status: both sources" -- vs --status-list "$T/good.der" --status https://127.0.0.1:1
contains "status: both" "give --status URL or --status-list FILE, not both"
expect 2 "status: --tls-ca alone" -- vs --tls-ca "$P/tls-ca.pem"
contains "status: --tls-ca alone" "are for --status URL"

# an OFD with two signatures from two seals, one of them revoked before it signed
"$SEALCTL" seal make --maker-cert "$P/seal-maker.pem" --maker-key "$P/seal-maker.key" "${PW[@]}" \
  --cert "$P/signer-city.pem" --id 33000020260002 --name "某市市场监督管理局" --type 1 \
  --image "$SC_TEST_DATA/seal.png" --width-mm 42 --height-mm 42 --valid-from 2026-01-01 \
  --valid-to 2099-12-31 -o "$T/c.esl" >/dev/null 2>&1 || bad "seal make c.esl"
"$SEALCTL" ofd new -o "$T/two0.ofd" --text "20,30,5,电子证照" >/dev/null 2>&1 || bad "ofd new"
"$SEALCTL" sign ofd --seal "$S" --cert "$P/signer-prov.pem" --key "$P/signer-prov.key" "${PW[@]}" \
  --page 1 --x 60 --y 100 -i "$T/two0.ofd" -o "$T/two1.ofd" >/dev/null 2>&1 || bad "sign ofd 1"
"$SEALCTL" sign ofd --seal "$T/c.esl" --cert "$P/signer-city.pem" --key "$P/signer-city.key" \
  "${PW[@]}" --page 1 --x 150 --y 100 -i "$T/two1.ofd" -o "$T/two.ofd" >/dev/null 2>&1 ||
  bad "sign ofd 2"
status two.der "$S" "$T/c.esl,revoked@now-3600"
expect 1 "status: OFD, one seal revoked" -- "$SEAL_VERIFY" "${TRUST[@]}" \
  --status-list "$T/two.der" "$T/two.ofd"
if [ "$(grep -c '\[ok  \] seal_status' "$T/out")" = 1 ] &&
   [ "$(grep -c '\[FAIL\] seal_status      seal 33000020260002 was revoked' "$T/out")" = 1 ] &&
   [ "$(grep -c '\[FAIL\]' "$T/out")" = 1 ]; then ok
else bad "OFD: not exactly one failure"; cat "$T/out"; fi

# --status URL: the same responses, one per seal, from a server on 127.0.0.1
SRV=()
trap 'for p in "${SRV[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
serve() {   # DIR MODE: serve DIR (http, https or mtls); sets PORT
  rm -f "$T/port"
  python3 "$(dirname "${BASH_SOURCE[0]}")/status_server.py" "$1" "$T/port" "$2" \
    "$P/tls-server.pem" "$P/tls-server.key" "$P/key-password" "$P/tls-ca.pem" >>"$T/srv.log" 2>&1 &
  SRV+=($!)
  for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
  PORT=$(cat "$T/port" 2>/dev/null) || { bad "status_server $2 did not start"; cat "$T/srv.log"; }
}
"${MS[@]}" --mirror "$T/m1" "$S" "$T/c.esl,revoked@now-3600" >/dev/null 2>&1 || bad "mirror m1"
"${MS[@]}" --mirror "$T/m2" "$T/c.esl" >/dev/null 2>&1 || bad "mirror m2"
serve "$T/m1" https; HTTPS=https://127.0.0.1:$PORT
expect 0 "--status https" -- vs --status "$HTTPS" --tls-ca "$P/tls-ca.pem"
contains "--status https" "[ok  ] seal_status      seal 33000020260001 was good at the signing time"
# a static mirror cannot echo a nonce: --status-nonce refuses its (possibly replayed) answer
expect 2 "--status-nonce, a server that ignores it" -- vs --status "$HTTPS" --tls-ca "$P/tls-ca.pem" \
  --status-nonce
contains "--status-nonce ignored" "does not echo the nonce sent (none): a replayed or cached answer"
printf 'tok\001en\n' >"$T/bad.token"
expect 2 "--status-token-file, control byte" -- vs --status "$HTTPS" --status-token-file "$T/bad.token"
contains "--status-token-file bad" "not printable ASCII (position 4)"
expect 2 "--status-nonce with file://" -- vs --status "file://$T/m1" --status-nonce
contains "--status-nonce file" "needs a status server (https://), not a file:// copy"
expect 2 "--status-nonce without --status" -- vs --status-nonce
contains "--status-nonce alone" "are for --status URL"
expect 2 "--status https, server CA not given" -- vs --status "$HTTPS"
contains "--status https no CA" \
  "GET $HTTPS/api/v1/seals/33000020260001/status: SSL certificate problem"
contains "--status https no CA" "seal-verify: the status of 1 seal could not be fetched from $HTTPS"
serve "$T/m1" http; HTTP=http://127.0.0.1:$PORT
expect 1 "--status http, OFD with a revoked seal" -- "$SEAL_VERIFY" "${TRUST[@]}" \
  --status "$HTTP" "$T/two.ofd"
contains "--status http OFD" "[FAIL] seal_status      seal 33000020260002 was revoked at"
serve "$T/m2" http
expect 2 "--status: the server has no status for the seal" -- vs --status "http://localhost:$PORT"
contains "--status 404" "GET http://localhost:$PORT/api/v1/seals/33000020260001/status: HTTP 404"
expect 2 "--status --json: errors name the URL" -- vs --json --status "http://localhost:$PORT"
contains "--status json errors" "\"errors\": [
    \"GET http://localhost:$PORT/api/v1/seals/33000020260001/status: HTTP 404"
serve "$T/m1" mtls; MTLS=https://127.0.0.1:$PORT
expect 2 "--status mTLS without a client certificate" -- vs --status "$MTLS" \
  --tls-ca "$P/tls-ca.pem"
contains "--status mTLS refused" "GET $MTLS/api/v1/seals/33000020260001/status: "
expect 0 "--status mTLS with a client certificate" -- vs --status "$MTLS" --tls-ca "$P/tls-ca.pem" \
  --tls-cert "$P/tls-client.pem" --tls-key "$P/tls-client.key" --tls-key-pass-file "$P/key-password"
FREE=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')   # bound and closed again: nothing listens there
expect 2 "--status: nothing listens" -- vs --status "http://127.0.0.1:$FREE"
contains "--status unreachable" \
  "GET http://127.0.0.1:$FREE/api/v1/seals/33000020260001/status: Failed to connect"
contains "--status unreachable" "seal-verify: the status of 1 seal could not be fetched"
contains "--status unreachable" "doc.sig: NOT VALID (signature)"   # read, not unreadable
expect 2 "--status: plain http elsewhere" -- vs --status http://status.example.gov.cn
contains "--status http refused" "plain http:// is allowed only to 127.0.0.1, ::1 or localhost"

finish
