#!/usr/bin/env bash
# test_license_cli.sh: seal-verify on a signed OFD that is a licence by its metadata
# (spec/license-file.md §6) but lacks the signed tag file: the report gets a license item
# with the licence's fields, in text and JSON, and the license check fails naming what is
# missing (exit 1); the same document without licence metadata gets no license item.
# Complete licences (the check passing, each tampering named): tests/unit/test_license_verify.c.
# Then `sealctl license seal` against a stand-in server (stub_server.py): a 5xx for one file
# fails that file only, three in a row end the run; two inputs with one name are refused.
# Prints "N passed, N failed".
set -u
: "${SEALCTL:?run through meson test}" "${SEAL_VERIFY:?}" "${SC_MAKE_DEV_PKI:?}" "${SC_TEST_DATA:?}"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" license-cli

ID=1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U
dev_seal "某省市场监督管理局"
"$SEALCTL" ofd new -o "$T/lic.ofd" --text "20,30,5,营业执照" --meta "ZZBS=$ID" \
  --meta "ZZMC=营业执照" --meta "CZZT=某某科技有限公司" --meta "KZ_FDDBR=张三" \
  2>/dev/null || { echo "ofd new failed"; exit 1; }
"$SEALCTL" ofd new -o "$T/plain.ofd" --text "20,30,5,营业执照" 2>/dev/null || { echo "ofd new failed"; exit 1; }
for f in lic plain; do
  "$SEALCTL" sign ofd --seal "$T/s.esl" --cert "$P/signer-prov.pem" --key "$P/signer-prov.key" \
    "${PW[@]}" -i "$T/$f.ofd" -o "$T/$f-signed.ofd" --page 1 --x 100 --y 100 >/dev/null 2>&1 \
    || { echo "sign ofd $f failed"; exit 1; }
done
V=(--trust "$P/root-ca.pem" --ca-certs "$P/seal-ca.pem")

expect 1 "licence, text" -- "$SEAL_VERIFY" "${V[@]}" "$T/lic-signed.ofd"
contains "licence, text" "license 2: $ID"
contains "licence, text" "CZZT       持证主体: 某某科技有限公司"
contains "licence, text" "KZ_FDDBR   扩展项: 张三"
contains "licence, text" "[FAIL] license          the signed tag file cannot be read: Doc_0/Document.xml has no CustomTags"
contains "licence, text" "[ok  ] ofd_references"
expect 1 "licence, JSON" -- "$SEAL_VERIFY" "${V[@]}" --json "$T/lic-signed.ofd"
contains "licence, JSON" "\"kind\": \"license\""
contains "licence, JSON" "\"license_id\": \"$ID\""
contains "licence, JSON" "\"holder\": \"某某科技有限公司\""
contains "licence, JSON" "\"KZ_FDDBR\": \"张三\""
contains "licence, JSON" "\"license\": \"failed\""
expect 0 "no licence" -- "$SEAL_VERIFY" "${V[@]}" --json "$T/plain-signed.ofd"
if grep -qF '"license"' "$T/out"; then bad "no licence: a license item or check"; else ok; fi

# ---- license seal: what a real server will not do on demand ----------------------------------
python3 "$(dirname "${BASH_SOURCE[0]}")/stub_server.py" "$T/stubport" "$T/stub.log" &
STUB=$!
trap 'kill $STUB 2>/dev/null; rm -rf "$T"' EXIT   # lib.sh's trap, and the stand-in
for _ in $(seq 50); do [ -s "$T/stubport" ] && break; sleep 0.1; done
[ -s "$T/stubport" ] || { echo "stub_server.py did not start"; exit 1; }
printf 'token-x\n' >"$T/tok"
LS=("$SEALCTL" license seal --server "http://127.0.0.1:$(cat "$T/stubport")" --token-file "$T/tok"
    --type 1110000 --es-id 33000020260001 --out "$T/sealed")
mkdir -p "$T/in1" "$T/in2" "$T/sealed"
printf 'doc a' >"$T/in1/a.ofd"; printf 'doc a2' >"$T/in2/a.ofd"
printf 'FAIL b' >"$T/in1/b.ofd"; printf 'doc c' >"$T/in1/c.ofd"
expect 2 "license seal: two inputs, one name" -- "${LS[@]}" "$T/in1/a.ofd" "$T/in1/c.ofd" "$T/in2/a.ofd"
contains "two inputs, one name" "$T/in1/a.ofd and $T/in2/a.ofd would both be written as $T/sealed/a.ofd"
[ ! -e "$T/sealed/a.ofd" ] && [ ! -e "$T/stub.log" ] && ok || bad "two inputs, one name: something was sent"
expect 1 "license seal: one 5xx" -- "${LS[@]}" "$T/in1/a.ofd" "$T/in1/b.ofd" "$T/in1/c.ofd"
contains "one 5xx" "b.ofd: stub: asked to fail (internal, HTTP 500)"
contains "one 5xx" "3 files: 2 sealed, 0 already there, 1 failed"
[ "$(cat "$T/sealed/c.ofd" 2>/dev/null)" = "SEALED doc c" ] && [ ! -e "$T/sealed/b.ofd" ] && ok ||
  bad "one 5xx: c.ofd not sealed after b.ofd failed, or b.ofd written"
for f in d e f g h; do printf 'FAIL %s' $f >"$T/in1/$f.ofd"; done
: >"$T/stub.log"
expect 3 "license seal: 5xx three times in a row" -- "${LS[@]}" "$T/in1"/[d-h].ofd
contains "three in a row" "three answers in a row failed: the server is taken as down"
contains "three in a row" "5 files: 0 sealed, 0 already there, 5 failed"
[ "$(wc -l <"$T/stub.log")" = 3 ] && ok || bad "three in a row: $(wc -l <"$T/stub.log") requests, expected 3"
# a server that cannot be reached ends the run at the first file, not the third
NOWHERE=("$SEALCTL" license seal --server "http://127.0.0.1:$(free_port)" --token-file "$T/tok"
         --type 1110000 --es-id 33000020260001 --out "$T/sealed")
expect 3 "license seal: unreachable" -- "${NOWHERE[@]}" "$T/in1"/[d-h].ofd
contains "unreachable" "no request went through: the server is taken as down; the 4 files not sent"
contains "unreachable" "5 files: 0 sealed, 0 already there, 5 failed"
[ "$(grep -c 'cannot reach' "$T/out")" = 1 ] && ok ||
  bad "unreachable: $(grep -c 'cannot reach' "$T/out") attempts reported, expected 1"
finish
