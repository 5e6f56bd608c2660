#!/usr/bin/env bash
# test_cli.sh: sealctl and seal-verify driven as an administrator and a verifier would, with a
# fresh development PKI: make a seal, show it, sign, verify (text and JSON), and every refusal
# with its exit code and message; and seal-verify on signed OFD documents from the vectors. Prints "N passed, N failed" and exits non-zero on failure.
set -u
: "${SEALCTL:?run through meson test}" "${SEAL_VERIFY:?}" "${SC_MAKE_DEV_PKI:?}" "${SC_TEST_DATA:?}"
: "${SC_VECTORS_DIR:?}"
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

finish
