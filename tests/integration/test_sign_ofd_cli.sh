#!/usr/bin/env bash
# test_sign_ofd_cli.sh: sealctl sign ofd driven as an administrator would, with a fresh
# development PKI and seal: stamping a 3-page document by page, keyword and riding, three
# stacked signatures, --lock then a refused fourth, -i = -o, and every refusal with its exit
# code, leaving neither OUT nor a temporary file. The outputs are checked outside the project:
# unzip -t, python3 zipfile + ElementTree + hashlib SM3 recomputing every Reference, and one
# CheckValue with openssl dgst -sm3; seal-verify on every output. Prints "N passed, N failed".
set -u
: "${SEALCTL:?run through meson test}" "${SEAL_VERIFY:?}" "${SC_MAKE_DEV_PKI:?}" "${SC_TEST_DATA:?}"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" sign-ofd-cli

dev_seal "某省人力资源和社会保障厅"
"$SEALCTL" ofd new -o "$T/doc.ofd" --pages 3 --text "20,30,5,电子证照" \
  --text "3:20,60,5,电子证照 副本" 2>/dev/null || { echo "ofd new failed"; exit 1; }
cp "$T/doc.ofd" "$T/doc.orig"
sign() { "$SEALCTL" sign ofd --seal "$T/s.esl" --cert "$P/signer-prov.pem" \
  --key "$P/signer-prov.key" "${PW[@]}" "$@"; }
# nothing but the named files in $T: no temporary file, no refused output
clean() { if ls "$T"/*.tmp.* >/dev/null 2>&1; then bad "$1: temporary files left behind"; else ok; fi; }
absent() { if [ -e "$2" ]; then bad "$1: $2 was written"; else ok; fi; }

expect 0 "--help" -- "$SEALCTL" sign ofd --help
contains "--help" "usage: sealctl sign ofd"
expect 0 "sealctl --help" -- "$SEALCTL" --help
contains "sealctl --help" "sign ofd"

# one signature each way
expect 0 "by page" -- sign -i "$T/doc.ofd" -o "$T/page.ofd" --page 2 --x 105 --y 150
contains "by page" "(signature 1, 1 stamp, 8 references)"
expect 0 "by keyword" -- sign -i "$T/doc.ofd" -o "$T/kw.ofd" --keyword 电子证照
contains "by keyword" "2 stamps"
expect 0 "by keyword, last" -- sign -i "$T/doc.ofd" -o "$T/kw-last.ofd" --keyword 电子证照 --occurrence last
contains "by keyword, last" "1 stamp,"
expect 0 "riding" -- sign -i "$T/doc.ofd" -o "$T/ride.ofd" --riding right --size 40x40
contains "riding" "3 stamps"
expect 0 "riding both, pages 2-3" -- sign -i "$T/doc.ofd" -o "$T/ride2.ofd" --riding both --pages 2-3
contains "riding both" "4 stamps"

# three stacked, then locked
expect 0 "second" -- sign -i "$T/page.ofd" -o "$T/two.ofd" --keyword 电子证照 --occurrence 2
contains "second" "signature 3"
expect 0 "third" -- sign -i "$T/two.ofd" -o "$T/three.ofd" --riding left
contains "third" "signature 5, 3 stamps"
expect 0 "locked" -- sign -i "$T/three.ofd" -o "$T/locked.ofd" --page 1 --x 150 --y 250 --lock
contains "locked" "signature 9"
expect 1 "after the lock" -- sign -i "$T/locked.ofd" -o "$T/refused.ofd" --page 1 --x 50 --y 50
contains "after the lock" "the document is locked"
absent "after the lock" "$T/refused.ofd"
clean "after the lock"

# -i and -o the same file: replaced through the temporary file, the input read to the end
cp "$T/page.ofd" "$T/same.ofd"
expect 0 "-i = -o" -- sign -i "$T/same.ofd" -o "$T/same.ofd" --page 3 --x 100 --y 100
contains "-i = -o" "signature 3"

for f in page kw ride ride2 two three locked same; do
  if command -v unzip >/dev/null 2>&1; then expect 0 "unzip -t $f" -- unzip -tq "$T/$f.ofd"; fi
done

# every Reference recomputed by python (zipfile, ElementTree, hashlib SM3): the structure of
# ofd-signature.md 3-5, IDs shared by signatures and stamps, the lock covering Signatures.xml
if command -v python3 >/dev/null 2>&1 && python3 -c "import hashlib; hashlib.new('sm3')" 2>/dev/null; then
  expect 0 "python3 recomputes every reference" -- python3 - "$T" <<'EOF'
import base64, hashlib, sys, zipfile, xml.etree.ElementTree as ET
NS = {"ofd": "http://www.ofdspec.org/2016"}
def check(name, nsigs, locked=False):
    z = zipfile.ZipFile(f"{sys.argv[1]}/{name}.ofd"); assert z.testzip() is None
    ofd = ET.fromstring(z.read("OFD.xml"))
    assert ofd.find("ofd:DocBody/ofd:Signatures", NS).text == "/Doc_0/Signs/Signatures.xml"
    sigs = ET.fromstring(z.read("Doc_0/Signs/Signatures.xml"))
    entries = sigs.findall("ofd:Signature", NS)
    assert len(entries) == nsigs, (name, len(entries))
    ids = []
    for k, s in enumerate(entries):
        assert s.get("Type") == "Seal" and s.get("BaseLoc") == f"/Doc_0/Signs/Sign_{k}/Signature.xml"
        x = ET.fromstring(z.read(s.get("BaseLoc")[1:]))
        si = x.find("ofd:SignedInfo", NS)
        assert si.find("ofd:Provider", NS).get("ProviderName") == "sealpki"
        assert si.find("ofd:SignatureMethod", NS).text == "1.2.156.10197.1.501"
        refs = si.find("ofd:References", NS)
        assert refs.get("CheckMethod") == "1.2.156.10197.1.401"
        files = []
        for r in refs.findall("ofd:Reference", NS):
            f = r.get("FileRef"); files.append(f)
            want = base64.b64encode(hashlib.new("sm3", z.read(f[1:])).digest()).decode()
            assert r.find("ofd:CheckValue", NS).text == want, (name, f)
        mine = f"/Doc_0/Signs/Sign_{k}/"
        assert mine + "Seal.esl" in files and mine + "Signature.xml" not in files
        assert ("/Doc_0/Signs/Signatures.xml" in files) == (locked and k == nsigs - 1)
        assert x.find("ofd:SignedValue", NS).text == mine + "SignedValue.dat"
        ids.append(int(s.get("ID")))
        ids += [int(a.get("ID")) for a in si.findall("ofd:StampAnnot", NS)]
    assert ids == list(range(1, len(ids) + 1)), ids
    assert int(sigs.find("ofd:MaxSignId", NS).text) == len(ids)
for name, n in [("page", 1), ("kw", 1), ("ride", 1), ("ride2", 1), ("two", 2), ("three", 3),
                ("same", 2)]:
    check(name, n)
check("locked", 4, locked=True)
z = zipfile.ZipFile(sys.argv[1] + "/ride.ofd")
x = ET.fromstring(z.read("Doc_0/Signs/Sign_0/Signature.xml"))
clips = [a.get("Clip") for a in x.iter("{%s}StampAnnot" % NS["ofd"])]
assert clips == ["0 0 13.333 40", "13.333 0 13.333 40", "26.667 0 13.333 40"], clips
EOF
fi

# one CheckValue recomputed with openssl alone
if command -v unzip >/dev/null 2>&1; then
  want=$(unzip -p "$T/three.ofd" Doc_0/Pages/Page_0/Content.xml | openssl dgst -sm3 -binary | base64)
  unzip -p "$T/three.ofd" Doc_0/Signs/Sign_2/Signature.xml >"$T/sig.xml"
  if grep -qF "FileRef=\"/Doc_0/Pages/Page_0/Content.xml\"><ofd:CheckValue>$want<" "$T/sig.xml"; then ok
  else bad "openssl dgst -sm3 of Content.xml ($want) is not the CheckValue in Signature.xml"; fi
fi

# the SES_Signature of the third seal checked with openssl alone: its dataHash is SM3 of
# Signature.xml as stored, and the signer's SM2 signature over TBS_Sign verifies with the
# certificate it carries (python3 only cuts the DER apart; openssl does all the crypto)
if command -v unzip >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
  unzip -p "$T/three.ofd" Doc_0/Signs/Sign_2/SignedValue.dat >"$T/sv.dat"
  python3 - "$T" <<'PYEOF'
import sys
d = sys.argv[1]
b = open(d + "/sv.dat", "rb").read()
def tlv(buf, i):
    tag, n = buf[i], buf[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[i:i + k], "big")
        i += k
    return tag, i, n   # tag, start of content, content length
def children(buf, start, n):
    out, i = [], start
    while i < start + n:
        tag, c, m = tlv(buf, i)
        out.append((tag, i, c, m))
        i = c + m
    return out
_, c, n = tlv(b, 0)
top = children(b, c, n)   # toSign, cert, signatureAlgorithm, signature
tbs_tag, tbs_at, tbs_c, tbs_n = top[0]
open(d + "/tbs.der", "wb").write(b[tbs_at:tbs_c + tbs_n])
_, _, cc, cn = top[1]
open(d + "/cert.der", "wb").write(b[cc:cc + cn])
_, _, sc, sn = top[3]
assert b[sc] == 0, "signature BIT STRING has unused bits"
open(d + "/sig.der", "wb").write(b[sc + 1:sc + sn])
fields = children(b, tbs_c, tbs_n)   # version, eseal, timeInfo, dataHash, propertyInfo
_, _, hc, hn = fields[3]
assert b[hc] == 0
open(d + "/datahash.bin", "wb").write(b[hc + 1:hc + hn])
PYEOF
  unzip -p "$T/three.ofd" Doc_0/Signs/Sign_2/Signature.xml | openssl dgst -sm3 -binary >"$T/sigxml.sm3"
  if cmp -s "$T/sigxml.sm3" "$T/datahash.bin"; then ok
  else bad "dataHash in Sign_2/SignedValue.dat is not openssl's SM3 of Sign_2/Signature.xml"; fi
  openssl x509 -inform DER -in "$T/cert.der" -pubkey -noout >"$T/signer-pub.pem"
  if openssl pkeyutl -verify -pubin -inkey "$T/signer-pub.pem" -rawin -digest sm3 \
      -pkeyopt distid:1234567812345678 -in "$T/tbs.der" -sigfile "$T/sig.der" >/dev/null 2>&1
  then ok; else bad "openssl does not verify the signer's SM2 signature over TBS_Sign"; fi
  # control: openssl does reject the signature over a changed TBS_Sign
  python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[40] ^= 1; open(p, "wb").write(b)' "$T/tbs.der"
  if openssl pkeyutl -verify -pubin -inkey "$T/signer-pub.pem" -rawin -digest sm3 \
      -pkeyopt distid:1234567812345678 -in "$T/tbs.der" -sigfile "$T/sig.der" >/dev/null 2>&1
  then bad "openssl accepted a changed TBS_Sign"; else ok; fi
fi

# the project's verifier: every signature of every output passes every check
for f in page kw kw-last ride ride2 two three locked same; do
  expect 0 "seal-verify $f" -- "$SEAL_VERIFY" --trust "$P/root-ca.pem" --ca-certs "$P/seal-ca.pem" "$T/$f.ofd"
  contains "seal-verify $f" "VALID (ofd)"
done

# refusals: the exit code, the message, no OUT, no temporary file; an old OUT kept
printf 'not a zip' >"$T/junk.ofd"
expect 2 "no mode" -- sign -i "$T/doc.ofd" -o "$T/x.ofd"
contains "no mode" "give exactly one of --page/--x/--y, --keyword or --riding"
expect 2 "two modes" -- sign -i "$T/doc.ofd" -o "$T/x.ofd" --keyword a --riding right
expect 2 "page without x" -- sign -i "$T/doc.ofd" -o "$T/x.ofd" --page 1 --y 3
contains "page without x" "--page, --x and --y go together"
expect 2 "occurrence alone" -- sign -i "$T/doc.ofd" -o "$T/x.ofd" --page 1 --x 1 --y 1 --occurrence 2
expect 2 "bad occurrence" -- sign -i "$T/doc.ofd" -o "$T/x.ofd" --keyword a --occurrence 0
expect 2 "bad pages" -- sign -i "$T/doc.ofd" -o "$T/x.ofd" --riding right --pages 3
contains "bad pages" "--pages: A-B"
expect 2 "bad side" -- sign -i "$T/doc.ofd" -o "$T/x.ofd" --riding top
expect 2 "bad size" -- sign -i "$T/doc.ofd" -o "$T/x.ofd" --page 1 --x 1 --y 1 --size 40
expect 2 "stray argument" -- sign -i "$T/doc.ofd" -o "$T/x.ofd" --page 1 --x 1 --y 1 extra
contains "stray argument" "unexpected argument \"extra\""
expect 2 "no -o" -- sign -i "$T/doc.ofd" --page 1 --x 1 --y 1
expect 2 "not a zip" -- sign -i "$T/junk.ofd" -o "$T/x.ofd" --page 1 --x 1 --y 1
expect 2 "missing input" -- sign -i "$T/nope.ofd" -o "$T/x.ofd" --page 1 --x 1 --y 1
expect 1 "page 4 of 3" -- sign -i "$T/doc.ofd" -o "$T/x.ofd" --page 4 --x 1 --y 1
contains "page 4 of 3" "page 4: the document has pages 1 to 3"
expect 1 "off the page" -- sign -i "$T/doc.ofd" -o "$T/x.ofd" --page 1 --x 500 --y 100
contains "off the page" "lies entirely outside the page"
expect 1 "keyword not found" -- sign -i "$T/doc.ofd" -o "$T/x.ofd" --keyword 营业执照
contains "keyword not found" "keyword \"营业执照\" does not occur"
expect 1 "signer not in the seal" -- "$SEALCTL" sign ofd --seal "$T/s.esl" --cert "$P/signer-city.pem" \
  --key "$P/signer-city.key" "${PW[@]}" -i "$T/doc.ofd" -o "$T/x.ofd" --page 1 --x 1 --y 1
contains "signer not in the seal" "not in the certificate list"
expect 2 "no such directory" -- sign -i "$T/doc.ofd" -o "$T/no/such/x.ofd" --page 1 --x 1 --y 1
absent "refusals" "$T/x.ofd"
clean "refusals"
cp "$T/page.ofd" "$T/keep.ofd"
expect 1 "refusal keeps an old OUT" -- sign -i "$T/doc.ofd" -o "$T/keep.ofd" --keyword 营业执照
cmp -s "$T/page.ofd" "$T/keep.ofd" && ok || bad "a refused sign ofd changed an existing OUT"
cmp -s "$T/doc.ofd" "$T/doc.orig" && ok || bad "IN was changed"
clean "at the end"

finish
