#!/usr/bin/env bash
# test_ofd_cli.sh: sealctl ofd new driven as an administrator would: a document with metadata,
# text on chosen pages and an image, read back with python3 (zipfile, ElementTree) where
# installed; the same options give the same bytes; every refusal with its exit code and
# message, and nothing left behind. Prints "N passed, N failed" and exits non-zero on failure.
set -u
: "${SEALCTL:?run through meson test}" "${SC_TEST_DATA:?}"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" ofd-cli
PNG=$SC_TEST_DATA/seal.png
ID=0123456789abcdef0123456789abcdef
new() { "$SEALCTL" ofd new --doc-id "$ID" --date 2026-03-01 "$@"; }
TEXT='电子证照, commas & <tags> "quotes"'

expect 0 "--help" -- "$SEALCTL" ofd new --help
contains "--help" "usage: sealctl ofd new"
expect 0 "sealctl --help" -- "$SEALCTL" --help
contains "sealctl --help" "ofd new"

expect 0 "ofd new" -- new -o "$T/a.ofd" --pages 3 --title "营业执照 & co" --author A --subject S \
  --meta "统一社会信用代码=91350100M000100Y43" --meta "k=v=w" --font 黑体 \
  --text "20,30,5,$TEXT" --text "*:10,285,3,footer" --image "2:150,20,30,30,$PNG"
contains "ofd new" "written to $T/a.ofd (3 pages"
[ -s "$T/a.ofd" ] && ok || bad "no $T/a.ofd"

if command -v python3 >/dev/null 2>&1; then
  expect 0 "python3 reads it" -- python3 - "$T/a.ofd" "$PNG" "$TEXT" <<'EOF'
import sys, zipfile, xml.etree.ElementTree as ET
z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None
ns = {"ofd": "http://www.ofdspec.org/2016"}
names = z.namelist()
assert names[:4] == ["OFD.xml", "Doc_0/Document.xml", "Doc_0/PublicRes.xml",
                     "Doc_0/DocumentRes.xml"], names
ofd = ET.fromstring(z.read("OFD.xml"))
info = ofd.find("ofd:DocBody/ofd:DocInfo", ns)
assert info.find("ofd:DocID", ns).text == "0123456789abcdef0123456789abcdef"
assert info.find("ofd:Title", ns).text == "营业执照 & co"
assert info.find("ofd:CreationDate", ns).text == "2026-03-01"
cd = {c.get("Name"): c.text for c in info.findall("ofd:CustomDatas/ofd:CustomData", ns)}
assert cd == {"统一社会信用代码": "91350100M000100Y43", "k": "v=w"}, cd
doc = ET.fromstring(z.read("Doc_0/Document.xml"))
assert doc.find("ofd:CommonData/ofd:PageArea/ofd:PhysicalBox", ns).text == "0 0 210 297"
pages = doc.findall("ofd:Pages/ofd:Page", ns)
assert len(pages) == 3
texts = []
for p in pages:
    page = ET.fromstring(z.read("Doc_0/" + p.get("BaseLoc")))
    texts.append([t.text for t in page.iter("{%s}TextCode" % ns["ofd"])])
assert texts == [[sys.argv[3], "footer"], ["footer"], ["footer"]], texts
res = ET.fromstring(z.read("Doc_0/DocumentRes.xml"))
media = res.find("ofd:MultiMedias/ofd:MultiMedia/ofd:MediaFile", ns).text
assert z.read("Doc_0/Res/" + media) == open(sys.argv[2], "rb").read()
font = ET.fromstring(z.read("Doc_0/PublicRes.xml")).find("ofd:Fonts/ofd:Font", ns)
assert font.get("FontName") == "黑体"
EOF
fi
if command -v unzip >/dev/null 2>&1; then expect 0 "unzip -t" -- unzip -tq "$T/a.ofd"; fi

# the same options give the same bytes; "-o -" writes them to standard output
expect 0 "again" -- new -o "$T/b.ofd" --pages 3 --title "营业执照 & co" --author A --subject S \
  --meta "统一社会信用代码=91350100M000100Y43" --meta "k=v=w" --font 黑体 \
  --text "20,30,5,$TEXT" --text "*:10,285,3,footer" --image "2:150,20,30,30,$PNG"
cmp -s "$T/a.ofd" "$T/b.ofd" && ok || bad "same options, different bytes"
new -o - --page-size 100x50 --text "1,10,4,x" >"$T/stdout.ofd" 2>"$T/out" && ok || bad "-o -"
[ ! -s "$T/out" ] && ok || bad "-o - printed to stderr: $(cat "$T/out")"
expect 0 "page size" -- new -o "$T/c.ofd" --page-size 100x50 --text "1,10,4,x"
cmp -s "$T/c.ofd" "$T/stdout.ofd" && ok || bad "-o - differs from -o FILE"
expect 0 "A3" -- new -o "$T/d.ofd" --page-size a3
expect 0 "random DocID" -- "$SEALCTL" ofd new -o "$T/e.ofd"
expect 0 "random DocID again" -- "$SEALCTL" ofd new -o "$T/f.ofd"
cmp -s "$T/e.ofd" "$T/f.ofd" && bad "two random DocIDs gave the same bytes" || ok

# refusals: exit 2 with a message, no output file, no temporary file
printf 'not an image' >"$T/junk.png"
expect 2 "no -o" -- new
contains "no -o" "-o OUT.ofd is required"
expect 2 "stray argument" -- new -o "$T/x.ofd" extra
contains "stray argument" "unexpected argument \"extra\""
expect 2 "bad page size" -- new -o "$T/x.ofd" --page-size B9
contains "bad page size" "--page-size \"B9\": not A3, A4, A5 or WxH"
expect 2 "zero pages" -- new -o "$T/x.ofd" --pages 0
expect 2 "1001 pages" -- new -o "$T/x.ofd" --pages 1001
contains "1001 pages" "not 1..1000"
expect 2 "text without numbers" -- new -o "$T/x.ofd" --text "hello"
contains "text without numbers" "expected \"[PAGE:]X,Y,SIZE,TEXT\""
expect 2 "text on page 2 of 1" -- new -o "$T/x.ofd" --text "2:1,1,1,x"
expect 2 "text empty" -- new -o "$T/x.ofd" --text "1,1,1,"
expect 2 "text size 0" -- new -o "$T/x.ofd" --text "1,1,0,x"
contains "text size 0" "font size"
expect 2 "text not UTF-8" -- new -o "$T/x.ofd" --text "$(printf '1,1,1,\xff')"
contains "text not UTF-8" "not UTF-8"
expect 2 "control character" -- new -o "$T/x.ofd" --title "$(printf 'a\033b')"
contains "control character" "U+001B"
expect 2 "bad doc id" -- "$SEALCTL" ofd new -o "$T/x.ofd" --doc-id 1234
contains "bad doc id" "not 32 hex digits"
expect 2 "bad date" -- new -o "$T/x.ofd" --date 2026-02-30
expect 2 "bad meta" -- new -o "$T/x.ofd" --meta novalue
contains "bad meta" "expected NAME=VALUE"
expect 2 "missing image" -- new -o "$T/x.ofd" --image "1,1,10,10,$T/nope.png"
expect 2 "not an image" -- new -o "$T/x.ofd" --image "1,1,10,10,$T/junk.png"
contains "not an image" "not PNG, JPEG or BMP"
expect 2 "image box" -- new -o "$T/x.ofd" --image "1,1,0,10,$PNG"
expect 2 "no such directory" -- new -o "$T/no/such/dir.ofd"
[ -e "$T/x.ofd" ] && bad "a refused ofd new left $T/x.ofd" || ok
ls "$T"/*.tmp.* >/dev/null 2>&1 && bad "temporary files left behind" || ok
cp "$T/a.ofd" "$T/keep.ofd"
expect 2 "refusal keeps an old file" -- new -o "$T/keep.ofd" --text "bad"
cmp -s "$T/a.ofd" "$T/keep.ofd" && ok || bad "a refused ofd new changed an existing file"

finish
