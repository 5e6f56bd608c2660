#!/usr/bin/env bash
# test-dev-pki.sh: self-check of make-dev-pki. Builds PKIs in a mktemp dir, checks files, modes,
# keys, extensions and signatures (SM2 with ID 1234567812345678), refusal and clean failure.
# Exit 0 when every check passes; otherwise 1, with a FAIL line per failed check.
# MAKE_DEV_PKI overrides the script under test.
set -euo pipefail
shopt -s inherit_errexit
umask 077

here=$(cd -- "$(dirname -- "$0")" && pwd)
mk=${MAKE_DEV_PKI:-$here/make-dev-pki}
readonly ID=1234567812345678
readonly DAY=86400
real_openssl=$(command -v openssl) || { echo "FAIL: openssl not found" >&2; exit 1; }
# 'openssl verify' without -vfyopt means the empty ID up to 3.x; OpenSSL 4 defaults to our ID.
ossl_major=$(openssl version | sed -n 's/^OpenSSL \([0-9]*\)\..*/\1/p')

t=$(mktemp -d)
trap 'rm -rf -- "$t"' EXIT
# A top-level command outside the expect_* helpers failed: say where instead of dying silently.
trap 'echo "FAIL  test-dev-pki.sh: unexpected error at line $LINENO: $BASH_COMMAND" >&2' ERR

failures=0
checks=0
ok()   { checks=$((checks + 1)); printf 'ok    %s\n' "$*"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); printf 'FAIL  %s\n' "$*" >&2; }
# expect_ok DESC CMD...: CMD must succeed; its output is shown only when it does not
expect_ok()
{
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then ok "$desc"; else fail "$desc"; printf '%s\n' "$out" | sed 's/^/      /' >&2; fi
}
expect_eq()         # DESC GOT WANT
{
    if [[ $2 == "$3" ]]; then ok "$1"; else fail "$1: got '$2', want '$3'"; fi
}
expect_re()         # DESC GOT REGEX
{
    if [[ $2 =~ $3 ]]; then ok "$1"; else fail "$1: '$2' does not match /$3/"; fi
}
expect_fail()
{
    local desc=$1
    shift
    if "$@" >/dev/null 2>&1; then fail "$desc (unexpectedly succeeded)"; else ok "$desc"; fi
}
mode() { stat -c %a -- "$1"; }
cert_text() { openssl x509 -in "$1" -noout -text; }
key_text()  { openssl pkey -in "$1" -passin "file:$2" -noout -text; }
# Everything about a directory a run could change: names, modes, sizes, mtimes, contents.
snapshot()
{
    (cd -- "$1" && find . -printf '%p %m %s %T@\n' | LC_ALL=C sort &&
        find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}

sm2=(root-ca seal-ca seal-maker signer-prov signer-city status-signer tsa)
sm2_leaves=(seal-maker signer-prov signer-city status-signer tsa)
tls=(tls-ca tls-server tls-client)
expected_files()    # WITH_PASSWORD_FILE(0/1): the exact listing of a finished DIR
{
    local n
    for n in "${sm2[@]}" "${tls[@]}"; do printf '%s.pem\n%s.key\n' "$n" "$n"; done
    printf 'seal-ca-chain.pem\nMANIFEST\n'
    (($1)) && printf 'key-password\n'
    true
}

# ext CERT NAME -> "critical: VALUE" or "VALUE" for an extension as 'x509 -text' shows it
ext()
{
    local text
    text=$(openssl x509 -in "$1" -noout -text) || return 0    # unreadable: the caller reports ''
    awk -v name="X509v3 $2:" '
        found { sub(/^ +/, ""); print crit $0; exit }
        index($0, name) { found = 1; crit = ($0 ~ /: critical *$/) ? "critical: " : "" }' <<<"$text"
}
expect_ext()        # CERT NAME EXPECTED
{
    local got
    got=$(ext "$1" "$2")
    if [[ $got == "$3" ]]; then ok "${1##*/} $2 = $3"; else fail "${1##*/} $2: want '$3', got '$got'"; fi
}
# Check one certificate's signature with its issuer's public key and an explicit SM2 ID, from
# the DER: independent of 'openssl verify', which sets the ID on the target certificate only.
sm2_sig_ok()        # CERT ISSUER_CERT ID
{
    local cert=$1 issuer=$2 id=$3 w sigoff
    w=$(mktemp -d "$t/sig.XXXX")
    sigoff=$(openssl asn1parse -in "$cert" | awk -F: '/d=1 / && /BIT STRING/ { print $1 + 0 }')
    openssl asn1parse -in "$cert" -strparse 4 -noout -out "$w/tbs" >/dev/null
    openssl asn1parse -in "$cert" -strparse "$sigoff" -noout -out "$w/sig" >/dev/null
    openssl x509 -in "$issuer" -noout -pubkey >"$w/pub"
    openssl pkeyutl -verify -pubin -inkey "$w/pub" -rawin -digest sm3 -pkeyopt "distid:$id" \
        -in "$w/tbs" -sigfile "$w/sig"
}
lifetime_days()
{
    local a b
    a=$(date -ud "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s)
    b=$(date -ud "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s)
    echo $(((b - a) / DAY))
}

# ============================================================================================
echo "== run 1: generated password =="
p=$t/pki
start=$(date +%s%N)
if "$mk" "$p" >"$t/run1.out" 2>&1; then
    ok "make-dev-pki $p ($(( ($(date +%s%N) - start) / 1000000 )) ms)"
else
    fail "make-dev-pki $p"; sed 's/^/      /' "$t/run1.out" >&2
    echo "FAILED: first run did not produce a PKI, $failures failure(s)" >&2
    exit 1
fi
pw=$p/key-password

expect_eq "DIR mode" "$(mode "$p")" 700
if diff <(expected_files 1 | LC_ALL=C sort) <(cd "$p" && find . -mindepth 1 -printf '%P\n' |
        LC_ALL=C sort) >"$t/diff"; then
    ok "DIR holds exactly the expected files (no .srl, .csr, temp dir)"
else
    fail "DIR listing differs (< missing, > unexpected):"; sed 's/^/      /' "$t/diff" >&2
fi
expect_eq "key-password mode" "$(mode "$pw")" 600
expect_re "key-password is 24 random bytes in hex" "$(wc -l <"$pw") $(head -n1 "$pw")" \
    '^1 [0-9a-f]{48}$'

expect_fail "password not printed" grep -qF -- "$(head -n1 "$pw")" "$t/run1.out"
printf 'not-the-password\n' >"$t/wrong"

for n in "${sm2[@]}" "${tls[@]}"; do
    k=$p/$n.key c=$p/$n.pem
    expect_eq "$n.key mode" "$(mode "$k")" 600
    expect_eq "$n.pem mode" "$(mode "$c")" 644
    expect_eq "$n.key is encrypted PKCS#8" "$(head -n1 "$k")" \
        '-----BEGIN ENCRYPTED PRIVATE KEY-----'
    expect_eq "$n.key uses PBES2, PBKDF2, AES-256-CBC" \
        "$(openssl asn1parse -in "$k" | grep -Eo ':(PBES2|PBKDF2|aes-256-cbc)' | tr -d '\n')" \
        ':PBES2:PBKDF2:aes-256-cbc'
    expect_ok "$n.key opens with the right password" \
        openssl pkey -in "$k" -passin "file:$pw" -noout
    expect_fail "$n.key does not open with a wrong password" \
        openssl pkey -in "$k" -passin "file:$t/wrong" -noout
    if cmp -s <(openssl pkey -in "$k" -passin "file:$pw" -pubout) \
              <(openssl x509 -in "$c" -noout -pubkey); then
        ok "$n.key matches $n.pem"
    else
        fail "$n.key does not match $n.pem"
    fi
    serial=$(openssl x509 -in "$c" -noout -serial | cut -d= -f2) || serial=unreadable
    expect_re "$n serial 16 bytes, positive" "$serial" '^[4-7][0-9A-F]{31}$'
    echo "$serial" >>"$t/serials"
done
expect_eq "serials unique" "$(sort "$t/serials" | uniq -d)" ""

echo "== SM2 hierarchy =="
for n in "${sm2[@]}"; do
    c=$p/$n.pem
    expect_eq "$n key curve" "$(key_text "$p/$n.key" "$pw" | grep -o 'ASN1 OID: .*')" \
        'ASN1 OID: SM2'
    expect_eq "$n signature algorithm" \
        "$(cert_text "$c" | grep -m1 -o 'Signature Algorithm: .*')" \
        'Signature Algorithm: SM2-with-SM3'
done
expect_ext "$p/root-ca.pem" "Basic Constraints" "critical: CA:TRUE"
expect_ext "$p/root-ca.pem" "Key Usage" "critical: Certificate Sign, CRL Sign"
expect_re "root-ca has SKI" "$(ext "$p/root-ca.pem" "Subject Key Identifier")" '^[0-9A-F:]{59}$'
expect_eq "root-ca has no AKI" "$(ext "$p/root-ca.pem" "Authority Key Identifier")" ""
expect_ext "$p/seal-ca.pem" "Basic Constraints" "critical: CA:TRUE, pathlen:0"
expect_ext "$p/seal-ca.pem" "Key Usage" "critical: Certificate Sign, CRL Sign"
for n in seal-ca "${sm2_leaves[@]}" "${tls[@]:1}"; do
    case $n in
        seal-ca) issuer=root-ca ;;
        tls-*)   issuer='tls-ca' ;;   # quoted: shellcheck SC2100 misreads tls-ca
        *)       issuer=seal-ca ;;
    esac
    expect_re "$n has SKI" "$(ext "$p/$n.pem" "Subject Key Identifier")" '^[0-9A-F:]{59}$'
    expect_eq "$n AKI = $issuer SKI" "$(ext "$p/$n.pem" "Authority Key Identifier")" \
        "$(ext "$p/$issuer.pem" "Subject Key Identifier")"
done
for n in "${sm2_leaves[@]}"; do
    expect_ext "$p/$n.pem" "Basic Constraints" "critical: CA:FALSE"
    expect_ext "$p/$n.pem" "Key Usage" "critical: Digital Signature, Non Repudiation"
done
expect_ext "$p/tsa.pem" "Extended Key Usage" "critical: Time Stamping"
expect_ext "$p/status-signer.pem" "Extended Key Usage" "OCSP Signing"
for n in seal-maker signer-prov signer-city; do
    expect_eq "$n has no EKU" "$(ext "$p/$n.pem" "Extended Key Usage")" ""
done
subj() { openssl x509 -in "$p/$1.pem" -noout -subject -nameopt utf8,sep_comma_plus_space; }
expect_eq "root-ca subject" "$(subj root-ca)" 'subject=C=CN, O=sealpki 开发测试, CN=sealpki Dev Root CA'
for pair in 'seal-ca:某省电子印章 CA (dev)' 'seal-maker:某省电子印章制作中心 (dev)' \
            'signer-prov:某省人力资源和社会保障厅' 'signer-city:某市行政审批局'; do
    n=${pair%%:*} cn=${pair#*:}
    expect_eq "$n CN" "$(subj "$n" | sed 's/.*, CN=//')" "$cn"
done
# Chinese RDNs must be UTF8String, not T61/BMP: what GB/T 20518 certificates use.
expect_eq "Chinese CN encoded as UTF8String" \
    "$(openssl asn1parse -in "$p/seal-ca.pem" | grep -o '[A-Z0-9]* *:某省电子印章 CA (dev)')" \
    'UTF8STRING        :某省电子印章 CA (dev)'
expect_eq "root-ca lifetime (days)" "$(lifetime_days "$p/root-ca.pem")" 7305
expect_eq "seal-ca lifetime (days)" "$(lifetime_days "$p/seal-ca.pem")" 3653
expect_eq "tls-ca lifetime (days)" "$(lifetime_days "$p/tls-ca.pem")" 3653
expect_eq "tsa lifetime, default leaf (days)" "$(lifetime_days "$p/tsa.pem")" 1096
expect_ok "seal-ca-chain.pem = seal-ca + root-ca" \
    cmp "$p/seal-ca-chain.pem" <(cat "$p/seal-ca.pem" "$p/root-ca.pem")
expect_eq "MANIFEST lists every file" "$(grep -v '^#' "$p/MANIFEST" | cut -d' ' -f1 | LC_ALL=C sort)" \
    "$(expected_files 1 | LC_ALL=C sort)"

echo "== SM2 signatures with ID $ID =="
expect_ok "verify seal-ca against root-ca (-vfyopt distid)" \
    openssl verify -x509_strict -CAfile "$p/root-ca.pem" -vfyopt "distid:$ID" "$p/seal-ca.pem"
for n in "${sm2_leaves[@]}"; do
    expect_ok "verify $n against seal-ca (-partial_chain, -vfyopt distid)" \
        openssl verify -x509_strict -partial_chain -CAfile "$p/seal-ca.pem" \
            -vfyopt "distid:$ID" "$p/$n.pem"
done
expect_ok "verify tsa for purpose timestampsign" \
    openssl verify -purpose timestampsign -partial_chain -CAfile "$p/seal-ca.pem" \
        -vfyopt "distid:$ID" "$p/tsa.pem"
if ((ossl_major < 4)); then
    expect_fail "verify signer-city WITHOUT distid fails (signed with the ID, not the empty one)" \
        openssl verify -partial_chain -CAfile "$p/seal-ca.pem" "$p/signer-city.pem"
    expect_fail "verify seal-ca WITHOUT distid fails" \
        openssl verify -CAfile "$p/root-ca.pem" "$p/seal-ca.pem"
else
    echo "skip  no-distid checks: OpenSSL $ossl_major defaults to ID $ID"
fi
expect_fail "verify signer-city with a wrong distid fails" \
    openssl verify -partial_chain -CAfile "$p/seal-ca.pem" -vfyopt distid:1234567812345679 \
        "$p/signer-city.pem"
# The whole 3-level chain, signature by signature (covers the root's self-signature, which
# 'openssl verify' never checks with the ID, even under -check_ss_sig).
expect_ok "root-ca self-signature with ID" sm2_sig_ok "$p/root-ca.pem" "$p/root-ca.pem" "$ID"
expect_fail "root-ca self-signature with empty ID fails" \
    sm2_sig_ok "$p/root-ca.pem" "$p/root-ca.pem" ""
expect_ok "seal-ca signature by root-ca with ID" sm2_sig_ok "$p/seal-ca.pem" "$p/root-ca.pem" "$ID"
for n in "${sm2_leaves[@]}"; do
    expect_ok "$n signature by seal-ca with ID" sm2_sig_ok "$p/$n.pem" "$p/seal-ca.pem" "$ID"
done
expect_fail "tsa signature by seal-ca with empty ID fails" \
    sm2_sig_ok "$p/tsa.pem" "$p/seal-ca.pem" ""

echo "== TLS (ECDSA P-256) =="
for n in "${tls[@]}"; do
    expect_eq "$n key curve" "$(key_text "$p/$n.key" "$pw" | grep -o 'NIST CURVE: .*')" \
        'NIST CURVE: P-256'
    expect_eq "$n signature algorithm" \
        "$(cert_text "$p/$n.pem" | grep -m1 -o 'Signature Algorithm: .*')" \
        'Signature Algorithm: ecdsa-with-SHA256'
done
expect_ok "verify tls-server and tls-client against tls-ca" \
    openssl verify -x509_strict -CAfile "$p/tls-ca.pem" "$p/tls-server.pem" "$p/tls-client.pem"
expect_ok "tls-server for purpose sslserver" \
    openssl verify -purpose sslserver -CAfile "$p/tls-ca.pem" "$p/tls-server.pem"
expect_ok "tls-client for purpose sslclient" \
    openssl verify -purpose sslclient -CAfile "$p/tls-ca.pem" "$p/tls-client.pem"
expect_fail "tls-server does not chain to the SM2 root" \
    openssl verify -CAfile "$p/root-ca.pem" "$p/tls-server.pem"
expect_ext "$p/tls-ca.pem" "Basic Constraints" "critical: CA:TRUE"
expect_ext "$p/tls-ca.pem" "Key Usage" "critical: Certificate Sign, CRL Sign"
expect_ext "$p/tls-server.pem" "Subject Alternative Name" \
    "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"
expect_ext "$p/tls-server.pem" "Extended Key Usage" "TLS Web Server Authentication"
expect_ext "$p/tls-client.pem" "Extended Key Usage" "TLS Web Client Authentication"
expect_eq "tls-client CN" "$(subj tls-client | sed 's/.*, CN=//')" 'sealpki admin client (dev)'

echo "== run 2: same DIR again =="
snapshot "$p" >"$t/before"
if "$mk" "$p" >/dev/null 2>"$t/run2.err"; then
    fail "second run into $p succeeded"
else
    ok "second run refused (exit non-zero)"
fi
expect_re "refusal says why" "$(cat "$t/run2.err")" 'already contains .*refusing'
printf '      (%s)\n' "$(cat "$t/run2.err")"
snapshot "$p" >"$t/after"
expect_ok "DIR unchanged (names, modes, sizes, mtimes, sha256)" diff "$t/before" "$t/after"

echo "== run 3: --pass-file, --days-leaf =="
# No trailing newline and a second line: only the first line is the password.
printf 'dev pass phrase\nsecond line ignored' >"$t/pass"
printf 'dev pass phrase\n' >"$t/pass1"
# Record every openssl argv to prove the password never reaches a command line.
mkdir "$t/bin"
cat >"$t/bin/openssl" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$t/argv.log"
exec "$real_openssl" "\$@"
EOF
chmod 700 "$t/bin/openssl"
p3=$t/pki3
expect_ok "make-dev-pki --pass-file --days-leaf 30" \
    env PATH="$t/bin:$PATH" "$mk" --pass-file "$t/pass" --days-leaf 30 "$p3"
expect_re "openssl calls recorded" "$(wc -l <"$t/argv.log")" '^[1-9][0-9]+$'
expect_fail "password on no openssl command line" grep -q 'dev pass phrase' "$t/argv.log"
expect_eq "no key-password file with --pass-file" "$(ls "$p3/key-password" 2>/dev/null)" ""
expect_fail "password not stored in DIR" grep -rqF 'dev pass phrase' "$p3"
expect_ok "tsa.key opens with the first line of --pass-file" \
    openssl pkey -in "$p3/tsa.key" -passin "file:$t/pass1" -noout
expect_eq "--days-leaf 30: signer-prov" "$(lifetime_days "$p3/signer-prov.pem")" 30
expect_eq "--days-leaf 30: tls-server" "$(lifetime_days "$p3/tls-server.pem")" 30
expect_eq "--days-leaf leaves seal-ca alone" "$(lifetime_days "$p3/seal-ca.pem")" 3653

echo "== bad input fails before touching DIR =="
expect_fail "missing --pass-file fails" "$mk" --pass-file "$t/nope" "$t/pki4"
expect_fail "... and DIR was not created" test -e "$t/pki4"
mkdir "$t/empty"
snapshot "$t/empty" >"$t/before"
expect_fail "missing --pass-file into an existing empty DIR fails" \
    "$mk" --pass-file "$t/nope" "$t/empty"
snapshot "$t/empty" >"$t/after"
expect_ok "... and DIR is untouched" diff "$t/before" "$t/after"
: >"$t/emptypass"
expect_fail "empty --pass-file fails" "$mk" --pass-file "$t/emptypass" "$t/pki5"
printf 'crlf\r\n' >"$t/crlfpass"
expect_fail "CRLF --pass-file fails" "$mk" --pass-file "$t/crlfpass" "$t/pki5"
for d in 0 abc 3654; do
    expect_fail "--days-leaf $d fails" "$mk" --days-leaf "$d" "$t/pki5"
done
expect_fail "no DIR fails" "$mk"
expect_fail "... none of them created DIR" test -e "$t/pki5"

echo "== failure half-way leaves DIR as it was =="
# openssl that fails when the last certificate is issued: everything else has been made.
cat >"$t/bin/openssl" <<EOF
#!/bin/sh
case "\$*" in *-req*tls-client.pem*) echo "injected failure" >&2; exit 1 ;; esac
exec "$real_openssl" "\$@"
EOF
expect_fail "run with an openssl failing on the last certificate fails" \
    env PATH="$t/bin:$PATH" "$mk" "$t/pki6"
expect_fail "... and the DIR it created is gone" test -e "$t/pki6"
mkdir "$t/pki7"
expect_fail "same into an existing empty DIR fails" env PATH="$t/bin:$PATH" "$mk" "$t/pki7"
expect_eq "... and DIR is still empty" "$(find "$t/pki7" -mindepth 1)" ""
# Someone else writes MANIFEST (placed last) while we work: the files already linked go again.
cat >"$t/bin/openssl" <<EOF
#!/bin/sh
case "\$*" in *-req*tls-client.pem*) echo foreign >"$t/pki8/MANIFEST" ;; esac
exec "$real_openssl" "\$@"
EOF
mkdir "$t/pki8"
expect_fail "run racing with a foreign MANIFEST fails" env PATH="$t/bin:$PATH" "$mk" "$t/pki8"
expect_eq "... our files rolled back, foreign MANIFEST kept" \
    "$(find "$t/pki8" -mindepth 1 -printf '%P ')$(cat "$t/pki8/MANIFEST")" "MANIFEST foreign"

echo
if ((failures)); then
    echo "FAILED: $failures of $checks checks" >&2
    exit 1
fi
echo "PASSED: all $checks checks"
