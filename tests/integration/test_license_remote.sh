#!/usr/bin/env bash
# test_license_remote.sh: e-licences end to end through sealctl against a real province
# (sealctl init, seal-server with TLS): a seal, the example 营业执照 type with its files, a
# licence grant; one licence issued and verified by seal-verify --status (license check
# passes); a batch of 1000 CSV rows with 3 bad ones: 997 issued, 3 reported with why, 997
# files, exit 1; the re-run issues nothing twice and writes no file again; a field changed
# on the page of one issued file is named by seal-verify; revoke, then seal-verify's license
# check fails with the status; an existing unsealed OFD stamped with `license seal`.
# Prints "N passed, N failed" and the batch's rows/s.
set -u
: "${SEALCTL:?run through meson test}" "${SEAL_SERVER:?}" "${SEAL_VERIFY:?}" "${SC_TEST_DATA:?}"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" license-remote
export LC_ALL=C.UTF-8
unset SEALCTL_SERVER SEALCTL_TOKEN_FILE
for tool in sqlite3 python3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed (scripts/setup)"; exit 77; }
done
. "$(dirname "${BASH_SOURCE[0]}")/server.sh"

# ---- a province, its clients, a seal ----------------------------------------------------------
province || { finish; exit 1; }
add_client officer1 seal-officer; add_client officer2 seal-officer
add_client operator operator OPER
run 0 "unit add" -- as admin unit add --code 11330000MB0000000X --name 某市市场监督管理局
run 0 "seal apply" -- as officer1 seal apply --unit 1 --type 1 --name 某市市场监督管理局 \
  --image "$SC_TEST_DATA/seal.png" --width-mm 42 --height-mm 42 --valid-from 2026-01-01 --valid-to 2030-12-31
run 0 "seal approve" -- as officer2 seal approve 1
ESID=$(sed -n 's/.*approved: seal //p' "$T/stdout")
[ -n "$ESID" ] && ok || bad "no esID in the approval"

# ---- the licence type and the grant -----------------------------------------------------------
TYPE=11100000000013127D001
# the smallest sfnt the OFD writer accepts stands in for the template's font
python3 -c 'import sys; sys.stdout.buffer.write(b"\0\1\0\0\0\1\0\x10\0\0\0\0head\0\0\0\0\0\0\0\x1c\0\0\0\4abcd")' >"$T/font.otf"
TFILES=(--file "yyzz-a4.png=$SC_TEST_DATA/seal.png" --file "NotoSerifCJKsc-Regular.otf=$T/font.otf")
run 1 "type add as operator" -- as operator license type add "$SC_TEST_DATA/license-template-yyzz.xml" "${TFILES[@]}"
contains "type add as operator" "HTTP 403"
run 1 "type add, a file missing" -- as admin license type add "$SC_TEST_DATA/license-template-yyzz.xml" "${TFILES[@]:0:2}"
contains "type add, a file missing" "NotoSerifCJKsc-Regular.otf"
run 0 "type add" -- as admin license type add "$SC_TEST_DATA/license-template-yyzz.xml" "${TFILES[@]}"
contains "type add" "licence type $TYPE added (2 files)"
run 0 "type list" -- as operator license type list
contains "type list" "$TYPE"
contains "type list" "营业执照"
ROW='{"uscc": "91350100M000100Y43", "licence_no": "330100000012345", "name": "某某科技有限公司",
  "kind": "有限责任公司", "legal_rep": "张三", "scope": "软件开发；信息技术咨询服务。",
  "founded": "2020-01-02", "term_start": "2020-01-02", "term_end": "长期",
  "address": "浙江省杭州市西湖区文三路1号", "issued_on": "2026-03-04"}'
printf '%s\n' "$ROW" >"$T/row.json"
run 1 "issue without a licence grant" -- as operator license issue --type $TYPE --es-id "$ESID" --data "$T/row.json" -o "$T/one.ofd"
contains "issue without a grant" "HTTP 403"
[ ! -e "$T/one.ofd" ] && ok || bad "a refused issue left a file"
run 0 "license grant add" -- as admin license grant add --client "$OPER" --es-id "$ESID" --type $TYPE
contains "grant add" "may issue $TYPE with seal $ESID"

# ---- one licence ------------------------------------------------------------------------------
run 0 "license issue" -- as operator license issue --type $TYPE --es-id "$ESID" --data "$T/row.json" -o "$T/one.ofd"
ONE=$(head -n 1 "$T/stdout")
case "$ONE" in 1.2.156.3005.2.$TYPE.11330000MB0000000X.*) ok ;; *) bad "issue printed \"$ONE\"" ;; esac
TRUST=(--trust "$D/pki/root-ca.pem" --ca-certs "$D/pki/seal-ca.pem")
STATUS=(--status "$SEALCTL_SERVER" --tls-ca "$D/pki/tls-ca.pem" --tls-cert "$D/pki/tls-client.pem"
        --tls-key "$D/pki/tls-client.key" --tls-key-pass-file "$D/pki/key-password")
expect 0 "seal-verify the licence with its status" -- "$SEAL_VERIFY" "${TRUST[@]}" "${STATUS[@]}" "$T/one.ofd"
contains "seal-verify licence" "[ok  ] license"
contains "seal-verify licence" "CZZT       持证主体: 某某科技有限公司"
printf '{"uscc": "91350100M000100Y44"}\n' >"$T/bad.json"
run 1 "issue a bad row" -- as operator license issue --type $TYPE --es-id "$ESID" --data "$T/bad.json" -o "$T/bad.ofd"
contains "issue a bad row" "uscc"
run 2 "issue, row not JSON" -- as operator license issue --type $TYPE --es-id "$ESID" --data "$SC_TEST_DATA/seal.png" -o "$T/bad.ofd"

# ---- a batch of 1000 rows, 3 bad --------------------------------------------------------------
python3 - "$T/rows.csv" <<'EOF'
import csv, sys
CH = "0123456789ABCDEFGHJKLMNPQRTUWXY"      # GB 32100: no I O S V Z
W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
def uscc(body):                            # 17 characters -> with the check character
    c = (31 - sum(CH.index(ch) * w for ch, w in zip(body, W)) % 31) % 31
    return body + CH[c]
assert uscc("91350100M000100Y4") == "91350100M000100Y43"
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["uscc", "licence_no", "name", "kind", "legal_rep", "scope", "founded",
                "term_start", "term_end", "address", "issued_on"])
    for i in range(1, 1001):
        code = uscc("913301%011d" % (100000 + i))
        row = [code, "3301%011d" % i, "某某科技有限公司（第%d号）" % i, "有限责任公司", "张三",
               "软件开发, 信息技术咨询服务；\"数据处理\"", "2020-01-02", "2020-01-02", "长期",
               "浙江省杭州市西湖区文三路%d号" % i, "2026-03-04"]
        if i == 100: row[0] = code[:-1] + ("0" if code[-1] != "0" else "1")   # check character
        if i == 500: row[6] = "2020-02-30"                                   # no such day
        if i == 900: row[2] = ""                                             # required
        w.writerow(row)
EOF
mkdir -p "$T/lics"
run 1 "license batch, 3 bad rows" -- as operator license batch --type $TYPE --es-id "$ESID" --csv "$T/rows.csv" --out "$T/lics" --progress
contains "batch" "1000 rows: 997 issued, 3 failed"
contains "batch" "files: 997 written, 0 already there"
contains "batch" "row 100 (line 101): 统一社会信用代码 (uscc): check character"
contains "batch" "row 500 (line 501): "
contains "batch" "row 900 (line 901): "
RATE=$(sed -n 's/.*; issuing \([0-9.]*\) s; \([0-9.]*\) s, \([0-9]*\) rows\/s$/\3 rows\/s (\2 s; issuing alone \1 s)/p' "$T/stderr")
[ "$(ls "$T/lics" | grep -c '\.ofd$')" = 997 ] && ok || bad "$(ls "$T/lics" | grep -c '\.ofd$') files in --out, expected 997"
ls -a "$T/lics" | grep -q '\.tmp' && bad "temporary files left in --out" || ok
COUNT() { sqlite3 "file:$D/store.db?mode=ro" "SELECT count(*) FROM licenses"; }
N1=$(COUNT)
[ "$N1" = 998 ] && ok || bad "licences in the store after the batch: $N1, expected 998"
touch -d '2000-01-01' "$T/lics"/*.ofd
run 1 "license batch, re-run" -- as operator license batch --type $TYPE --es-id "$ESID" --csv "$T/rows.csv" --out "$T/lics"
contains "re-run" "1000 rows: 997 issued, 3 failed (997 issued by an earlier run)"
contains "re-run" "files: 0 written, 997 already there"
[ "$(COUNT)" = 998 ] && ok || bad "the re-run issued licences again: $(COUNT) in the store"
[ -z "$(find "$T/lics" -name '*.ofd' -newer "$T/rows.csv")" ] && ok || bad "the re-run rewrote files"
rm -f "$T/lics/$(ls "$T/lics" | head -n 1)"
run 1 "re-run after a file was lost" -- as operator license batch --type $TYPE --es-id "$ESID" --csv "$T/rows.csv" --out "$T/lics"
contains "a file lost" "files: 1 written, 996 already there"
run 2 "batch, --out missing" -- as operator license batch --type $TYPE --es-id "$ESID" --csv "$T/rows.csv" --out "$T/none"
printf 'uscc,name\n"unclosed,x\n' >"$T/broken.csv"
run 1 "batch, malformed CSV" -- as operator license batch --type $TYPE --es-id "$ESID" --csv "$T/broken.csv" --out "$T/lics"
contains "malformed CSV" "quoted cell is not closed"
# two different CSVs on stdin, no --batch-id: each is its own batch (the id is the SM3 of
# the bytes read, not of a second read of "-", which is empty)
sed -n '1p;3,4p' "$T/rows.csv" >"$T/s1.csv"; sed -n '1p;5,6p' "$T/rows.csv" >"$T/s2.csv"
mkdir -p "$T/s1" "$T/s2"
run 0 "batch from stdin" -- as operator license batch --type $TYPE --es-id "$ESID" --csv - --out "$T/s1" <"$T/s1.csv"
contains "batch from stdin" "2 rows: 2 issued, 0 failed"
run 0 "another batch from stdin" -- as operator license batch --type $TYPE --es-id "$ESID" --csv - --out "$T/s2" <"$T/s2.csv"
contains "another batch from stdin" "2 rows: 2 issued, 0 failed"
grep -q "earlier run" "$T/out" && bad "the second stdin batch was taken for the first" || ok

# ---- a field changed on the page of an issued file --------------------------------------------
F=$(ls "$T/lics"/*.ofd | head -n 1)
python3 - "$F" "$T/tampered.ofd" <<'EOF'
import sys, zipfile
zi = zipfile.ZipFile(sys.argv[1])
with zipfile.ZipFile(sys.argv[2], "w") as zo:
    for info in zi.infolist():
        data = zi.read(info)
        if info.filename.endswith("Page_0/Content.xml"):
            old = "某某科技有限公司".encode()
            assert old in data, "holder name not on the page"
            data = data.replace(old, "某某贸易有限公司".encode(), 1)
        zo.writestr(info, data)
EOF
expect 1 "seal-verify a tampered licence" -- "$SEAL_VERIFY" "${TRUST[@]}" "$T/tampered.ofd"
contains "tampered" "[FAIL] license"
contains "tampered" "CZZT (持证主体) reads"

# ---- revoke: the status makes seal-verify fail -------------------------------------------------
run 2 "suspend with --text" -- as officer1 license suspend "$ONE" --reason "under review" --text "dropped before"
contains "suspend with --text" "--text is for revoke"
run 0 "suspend" -- as officer1 license suspend "$ONE" --reason "under review"
contains "suspend" "licence $ONE: suspended"
expect 1 "seal-verify while suspended" -- "$SEAL_VERIFY" "${TRUST[@]}" "${STATUS[@]}" "$T/one.ofd"
contains "seal-verify while suspended" "[FAIL] license"
run 1 "suspend again" -- as officer1 license suspend "$ONE" --reason again
contains "suspend again" "HTTP 409"
run 0 "resume" -- as officer2 license resume "$ONE" --reason "cleared"
contains "resume" "licence $ONE: valid"
run 1 "revoke as operator" -- as operator license revoke "$ONE" --reason keyCompromise
run 0 "revoke" -- as officer1 license revoke "$ONE" --reason cessationOfOperation --text "business closed"
contains "revoke" "licence $ONE: revoked"
run 0 "license status" -- as operator license status "$ONE"
contains "status" "licence $ONE: revoked, cessationOfOperation: business closed"
run 0 "license status -o" -- as operator license status "$ONE" -o "$T/st.der"
[ -s "$T/st.der" ] && ok || bad "no signed status written"
expect 1 "seal-verify after revoke" -- "$SEAL_VERIFY" "${TRUST[@]}" "${STATUS[@]}" "$T/one.ofd"
contains "seal-verify after revoke" "[FAIL] license"
contains "seal-verify after revoke" "revoked"

# ---- stamping existing licence files (存量证照批量加盖) -----------------------------------------
"$SEALCTL" ofd new -o "$T/old1.ofd" --text "20,30,5,营业执照" >/dev/null 2>&1 &&
  "$SEALCTL" ofd new -o "$T/old2.ofd" --text "20,30,5,营业执照 2" >/dev/null 2>&1 && ok || bad "ofd new failed"
mkdir -p "$T/sealed"
run 1 "license seal without a signing grant" -- as operator license seal --type $TYPE --es-id "$ESID" --out "$T/sealed" "$T/old1.ofd" "$T/old2.ofd"
contains "seal without grant" "2 files: 0 sealed, 0 already there, 2 failed"
run 0 "grant add" -- as admin grant add --client "$OPER" --es-id "$ESID"
run 0 "license seal" -- as operator license seal --type $TYPE --es-id "$ESID" --out "$T/sealed" --progress "$T/old1.ofd" "$T/old2.ofd"
contains "license seal" "2 files: 2 sealed, 0 already there, 0 failed"
expect 0 "seal-verify a stamped file" -- "$SEAL_VERIFY" "${TRUST[@]}" "$T/sealed/old2.ofd"
run 0 "license seal again: kept" -- as operator license seal --type $TYPE --es-id "$ESID" --out "$T/sealed" "$T/old1.ofd"
contains "seal again" "1 files: 0 sealed, 1 already there, 0 failed"
# issued, but the file cannot be written here: the licence's id is still told
run 2 "issue into a missing directory" -- as operator license issue --type $TYPE --es-id "$ESID" --data "$T/row.json" -o "$T/no/such/dir/x.ofd"
contains "issue into a missing directory" "licence 1.2.156.3005.2.$TYPE.11330000MB0000000X."
contains "issue into a missing directory" "issued, but its file"

stop_server
[ "$SERVER_RC" = 0 ] && ok || { bad "seal-server exit $SERVER_RC after SIGTERM"; sed 's/^/    /' "$T/server.log" | tail -40; }
echo "batch of 1000 rows through the API: ${RATE:-?}"
finish
