#!/usr/bin/env bash
# test_ofdjs.sh: OFD files stamped by `sealctl sign ofd` checked by an independent implementation,
# ofd.js (npm ofd.js 0.2.6, the last open-source release: jszip + sm-crypto + jsrsasign) running
# in headless Chromium through ofd-verify.js. Every signature we write must come out as its demo
# viewer puts it, "文件摘要值验证成功 签名值验证成功": the signer's SM2 signature over TBS_Sign
# verifies (VerifyRet) and every Reference's CheckValue is recomputed (digestCheck), with every
# stamp placed and drawn; and, checked beside it, the SES dataHash is SM3 of Signature.xml.
# A licence from the document writer (custom tags, a QR code drawn as paths) is stamped too, and
# the QR code on the page ofd.js renders must decode with zbarimg (when installed).
# Controls: two ofdrw-made vectors pass the same way; a copy with one byte of a page changed
# fails the digest check of every signature; a copy with one byte of the last SM2 signature
# changed fails that signature only. Needs node, tests/interop/node_modules (npm ci) and Chromium:
# when one is missing the test FAILS and says how to install it. Prints "N passed, N failed".
set -u
: "${SEALCTL:?run through meson test}" "${SC_MAKE_DEV_PKI:?}" "${SC_VECTORS_DIR:?}" "${SC_TEST_DATA:?}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../integration/lib.sh" ofdjs

# --- what the test needs, or how to install it ---------------------------------------------
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
missing=()
if ! command -v node >/dev/null 2>&1; then missing+=("node (>= 20): apt-get install -y nodejs")
elif [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  missing+=("node >= 20 (playwright-core needs it; this is $(node --version))")
fi
for m in ofd.js playwright-core; do
  [ -f "$HERE/node_modules/$m/package.json" ] || missing+=("$m: npm ci --prefix tests/interop")
done
[ -x "$CHROMIUM" ] || missing+=("$CHROMIUM: apt-get install -y chromium")
command -v python3 >/dev/null 2>&1 || missing+=("python3: apt-get install -y python3")
if [ "${#missing[@]}" -gt 0 ]; then
  for m in "${missing[@]}"; do bad "missing $m (scripts/setup installs it; see tests/interop/README.md)"; done
  finish; exit 1
fi

# --- a dev PKI, a seal, a 3-page document, stamped every way -------------------------------
P=$T/pki
"$SC_MAKE_DEV_PKI" "$P" >/dev/null || { bad "make-dev-pki failed"; finish; exit 1; }
PW=(--key-pass-file "$P/key-password")
expect 0 "seal make" -- "$SEALCTL" seal make --maker-cert "$P/seal-maker.pem" \
  --maker-key "$P/seal-maker.key" "${PW[@]}" --cert "$P/signer-prov.pem" --id 33000020260001 \
  --name "某省人力资源和社会保障厅" --type 1 --image "$SC_TEST_DATA/seal.png" --width-mm 42 \
  --height-mm 42 --valid-from 2026-01-01 --valid-to 2099-12-31 -o "$T/s.esl"
expect 0 "ofd new" -- "$SEALCTL" ofd new -o "$T/doc.ofd" --pages 3 --text "20,30,5,电子证照" \
  --text "3:20,60,5,电子证照 副本"
sign() { "$SEALCTL" sign ofd --seal "$T/s.esl" --cert "$P/signer-prov.pem" \
  --key "$P/signer-prov.key" "${PW[@]}" "$@"; }
expect 0 "by page" -- sign -i "$T/doc.ofd" -o "$T/page.ofd" --page 2 --x 105 --y 150
expect 0 "by keyword" -- sign -i "$T/doc.ofd" -o "$T/kw.ofd" --keyword 电子证照
expect 0 "riding" -- sign -i "$T/doc.ofd" -o "$T/ride.ofd" --riding right --size 40x40
expect 0 "second" -- sign -i "$T/page.ofd" -o "$T/two.ofd" --keyword 电子证照 --occurrence 2
expect 0 "third" -- sign -i "$T/two.ofd" -o "$T/three.ofd" --riding left
expect 0 "locked" -- sign -i "$T/three.ofd" -o "$T/locked.ofd" --page 1 --x 150 --y 250 --lock
V=$SC_VECTORS_DIR/ofdrw
expect 0 "over an ofdrw signature" -- sign -i "$V/SESV4SignDoc.ofd" -o "$T/ofdrw-plus.ofd" \
  --page 1 --x 50 --y 50
# a licence from the document writer: CustomTags (Doc_0/Tags/*) and a QR code drawn as paths
expect 0 "licence document" -- "${SC_MAKE_LICENCE_OFD:?run through meson test}" "$T/lic.ofd"
expect 0 "licence stamped" -- sign -i "$T/lic.ofd" -o "$T/licence.ofd" --keyword 电子证照
# a licence issued in one call (sc_lic_issue): the example 营业执照 template, a plain
# background made here, DejaVu Sans standing in for the template's font file. Its QR code is
# not scanned from the screenshot (30 mm on a 297 mm page: under 2 pixels a module there);
# test_license_issue compares its modules with libqrencode's.
python3 -c 'import sys, zlib, struct
c = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
sys.stdout.buffer.write(b"\x89PNG\r\n\x1a\n" + c(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
  + c(b"IDAT", zlib.compress(b"\x00\xfb\xf8\xf0")) + c(b"IEND", b""))' >"$T/bg.png"
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
[ -f "$FONT" ] || bad "missing $FONT (apt-get install -y fonts-dejavu-core)"
expect 0 "licence issued" -- "${SC_ISSUE_LICENCE:?run through meson test}" "$P" "$T/s.esl" \
  "$SC_TEST_DATA/license-template-yyzz.xml" "$T/issued.ofd" "yyzz-a4.png=$T/bg.png" \
  "NotoSerifCJKsc-Regular.otf=$FONT"

# --- the controls that must fail: the zip rebuilt with one byte changed ---------------------
expect 0 "tampered copies" -- python3 - "$T" <<'EOF'
import sys, zipfile
d = sys.argv[1]
def rebuild(src, dst, name, change):
    zi = zipfile.ZipFile(src)
    with zipfile.ZipFile(dst, "w") as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename == name:
                data = change(bytearray(data))
            zo.writestr(info, bytes(data))
def page_byte(b):          # one digit of the first Boundary of page 1: still well-formed XML
    i = b.index(b'Boundary="') + len(b'Boundary="')
    assert 0x30 <= b[i] <= 0x39, b[i:i + 10]
    b[i] = 0x30 + (b[i] - 0x30 + 1) % 10
    return b
def sig_byte(b):           # the last octet of the SM2 signature of SES_Signature (V4)
    def tlv(i):
        n = b[i + 1]; i += 2
        if n & 0x80:
            k = n & 0x7F; n = int.from_bytes(b[i:i + k], "big"); i += k
        return i, n
    c, n = tlv(0)
    i, kids = c, []
    while i < c + n:
        s, m = tlv(i); kids.append((b[i], s, m)); i = s + m
    tag, s, m = kids[3]     # toSign, cert, signatureAlgID, signature
    assert tag == 0x03, hex(tag)
    b[s + m - 1] ^= 0x01
    return b
rebuild(f"{d}/three.ofd", f"{d}/three-page-changed.ofd", "Doc_0/Pages/Page_0/Content.xml", page_byte)
rebuild(f"{d}/three.ofd", f"{d}/three-sig-changed.ofd", "Doc_0/Signs/Sign_2/SignedValue.dat", sig_byte)
EOF

# --- what ofd.js says ----------------------------------------------------------------------
FILES=(page kw ride three locked ofdrw-plus licence issued three-page-changed three-sig-changed)
args=("$V/SESV4SignDoc.ofd" "$V/signedFile.ofd")
for f in "${FILES[@]}"; do args+=("$T/$f.ofd"); done
start=$SECONDS
mkdir -p "$T/shots"
expect 0 "ofd-verify.js" -- env OFDJS_SCREENSHOTS="$T/shots" node "$HERE/ofd-verify.js" "${args[@]}"
cp "$T/out" "$T/ofdjs.json"
echo "ofd.js verdicts ($((SECONDS - start)) s):"
node - "$T/ofdjs.json" <<'EOF' || true
const o = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8').replace(/^[^{]*/, ''));
for (const f of o.files) {
  console.log(`  ${require('path').basename(f.file)}${f.error ? ': ERROR ' + f.error : ''}`);
  for (const s of f.signatures || [])
    console.log(`    signature ${s.signatureID}: ${s.message} (VerifyRet ${s.VerifyRet}, digestCheck ${s.digestCheck}, ` +
      `${s.referencesChecked}/${s.referencesInSignatureXml} references, ${s.stampsDrawn} stamps drawn, dataHash ${s.dataHashMatches})`);
}
EOF

# expected, per file: signature ID -> [stamps drawn, "ok" | "page" (digest fails) | "sig" (SM2 fails)]
expect 0 "ofd.js verdicts as expected" -- node - "$T/ofdjs.json" <<'EOF'
const o = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const want = {
  'SESV4SignDoc.ofd': { 1: [1, 'ok'] },
  'signedFile.ofd': { 2: [1, 'ok'] },
  'page.ofd': { 1: [1, 'ok'] },
  'kw.ofd': { 1: [2, 'ok'] },
  'ride.ofd': { 1: [3, 'ok'] },
  'three.ofd': { 1: [1, 'ok'], 3: [1, 'ok'], 5: [3, 'ok'] },
  'locked.ofd': { 1: [1, 'ok'], 3: [1, 'ok'], 5: [3, 'ok'], 9: [1, 'ok'] },
  'ofdrw-plus.ofd': { 1: [1, 'ok'], 3: [1, 'ok'] },
  'licence.ofd': { 1: [1, 'ok'] },
  'issued.ofd': { 1: [1, 'ok'] },
  'three-page-changed.ofd': { 1: [1, 'page'], 3: [1, 'page'], 5: [3, 'page'] },
  'three-sig-changed.ofd': { 1: [1, 'ok'], 3: [1, 'ok'], 5: [3, 'sig'] },
};
const OK = '文件摘要值验证成功 签名值验证成功';
const msg = { ok: OK, page: '文件摘要值验证失败 签名值验证成功', sig: '文件摘要值验证成功 签名值验证失败' };
let bad = 0;
const fail = (f, m) => { bad++; console.log(`${f}: ${m}`); };
for (const f of o.files) {
  const name = require('path').basename(f.file);
  const w = want[name];
  if (!w) { fail(name, 'not expected'); continue; }
  if (f.error) { fail(name, 'ofd.js could not parse it: ' + f.error); continue; }
  if ((name === 'licence.ofd' || name === 'issued.ofd') && f.renderError) fail(name, 'ofd.js could not render it: ' + f.renderError);
  const ids = (f.signatures || []).map((s) => s.signatureID).sort().join(',');
  if (ids !== Object.keys(w).sort().join(',')) fail(name, `signatures ${ids}, expected ${Object.keys(w)}`);
  for (const s of f.signatures || []) {
    const e = w[s.signatureID];
    if (!e) continue;
    const [stamps, verdict] = e;
    const where = `${name} signature ${s.signatureID}`;
    if (s.message !== msg[verdict]) fail(where, `ofd.js says "${s.message}", expected "${msg[verdict]}"`);
    if (s.VerifyRet !== (verdict !== 'sig')) fail(where, `VerifyRet ${s.VerifyRet}`);
    if (s.digestCheck !== (verdict !== 'page')) fail(where, `digestCheck ${s.digestCheck} ${s.digestError || ''}`);
    if (!s.shownByOfdJs) fail(where, 'ofd.js did not place its stamps (SES or seal picture not understood)');
    if (s.stampsDrawn !== stamps) fail(where, `${s.stampsDrawn} stamps drawn, expected ${stamps}`);
    if (s.referencesChecked !== s.referencesInSignatureXml || !s.referencesChecked)
      fail(where, `ofd.js checked ${s.referencesChecked} of ${s.referencesInSignatureXml} references`);
    if (s.dataHashMatches !== true) fail(where, `SES dataHash (as ofd.js parsed it) is not SM3(Signature.xml)`);
  }
}
for (const name of Object.keys(want))
  if (!o.files.some((f) => require('path').basename(f.file) === name)) fail(name, 'not checked');
process.exit(bad ? 1 : 0);
EOF

# the QR code as ofd.js rendered it must scan back to what make_licence_ofd put in it
if command -v zbarimg >/dev/null 2>&1; then
  expect 0 "QR code of licence.ofd, as ofd.js drew it, decodes" -- \
    bash -c 'zbarimg -q --raw "$1" 2>/dev/null | grep -qx "https://zz.example.gov.cn/v?id=1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"' _ "$T/shots/licence.png"
else
  echo "zbarimg missing (apt-get install zbar-tools): the rendered QR code is not decoded"
fi
finish
