/* test_ofd_doc_tags.c: what the OFD document writer (sealcore/ofd_doc.h) adds for licence
 * files: object IDs handed back to the caller, custom tags linking fields to them, embedded
 * font files. Written packages are read back with our package reader and libxml2 (through
 * sc__ofd_xml_parse) and checked with XPath; tags also by python3's zipfile and xml.etree
 * where installed. QR codes: test_ofd_doc_qr.c; that a signature covers all of it:
 * test_ofd_doc_sign.c; the writer's base behaviour: test_ofd_write.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "ofd/ofd_doc_int.h"
#include "ofd/ofd_int.h"
#include "ofd_doc_test.h"
#include "ofd_write_test.h"
#include "sealcore/ofd.h"
#include "sealcore/ofd_doc.h"
#include "testutil.h"

#define PNG "\x89PNG\r\n\x1a\n-a stand-in for image bytes-"

/* ---- object IDs ---------------------------------------------------------------------- */

static void ofd_doc_last_id__names_each_new_object(void **state)
{
    sc_ofd_doc *doc = doc_with_pages(2);
    sc_ofd_rgb red = { 255, 0, 0 };
    uint32_t ids[5];
    written w;
    part p;

    (void)state;
    assert_int_equal(sc_ofd_doc_last_id(doc), 0);
    assert_int_equal(sc_ofd_doc_last_id(NULL), 0);
    add_text(doc, 1, 30, "持证主体");
    ids[0] = sc_ofd_doc_last_id(doc);
    OK(sc_ofd_doc_add_image(doc, 1, 150, 20, 30, 30, U(PNG), sizeof(PNG) - 1, NULL, &e_));
    ids[1] = sc_ofd_doc_last_id(doc);
    OK(sc_ofd_doc_add_line(doc, 1, 10, 50, 200, 50, 0.5, NULL, &e_));
    ids[2] = sc_ofd_doc_last_id(doc);
    OK(sc_ofd_doc_add_rect(doc, 1, 10, 60, 50, 20, 0.3, &red, NULL, &e_));
    ids[3] = sc_ofd_doc_last_id(doc);
    add_text(doc, 0, 30, "第一页");
    ids[4] = sc_ofd_doc_last_id(doc);
    /* a refused call leaves the last ID as it was */
    REFUSES(SC_EINVAL, "no such page", sc_ofd_doc_add_line(doc, 7, 0, 0, 1, 1, 1, NULL, &e_));
    assert_int_equal(sc_ofd_doc_last_id(doc), ids[4]);
    /* pages 1, 3 and their layers 2, 4; then font 5, text 6, image 7 then object 8, ... */
    assert_int_equal(sc_ofd_doc_page_id(doc, 0), 1);
    assert_int_equal(sc_ofd_doc_page_id(doc, 1), 3);
    assert_int_equal(sc_ofd_doc_page_id(doc, 2), 0);
    assert_int_equal(sc_ofd_doc_page_id(NULL, 0), 0);
    assert_int_equal(ids[0], 6);
    assert_int_equal(ids[1], 8);

    w = write_read(doc);
    p = part_open(w.pkg, "Doc_0/Pages/Page_1/Content.xml");
    PART_IS(&p, "持证主体", "string(//ofd:TextObject[@ID = '%u']/ofd:TextCode)",
            (unsigned)ids[0]);
    PART_IS(&p, "150 20 30 30", "string(//ofd:ImageObject[@ID = '%u']/@Boundary)",
            (unsigned)ids[1]);
    PART_IS(&p, "0.5", "string(//ofd:PathObject[@ID = '%u']/@LineWidth)", (unsigned)ids[2]);
    PART_IS(&p, "0.3", "string(//ofd:PathObject[@ID = '%u']/@LineWidth)", (unsigned)ids[3]);
    part_close(&p);
    p = part_open(w.pkg, "Doc_0/Pages/Page_0/Content.xml");
    PART_IS(&p, "第一页", "string(//ofd:TextObject[@ID = '%u'])", (unsigned)ids[4]);
    part_close(&p);
    p = part_open(w.pkg, "Doc_0/Document.xml");
    PART_IS(&p, "1 3", "concat(//ofd:Page[1]/@ID, ' ', //ofd:Page[2]/@ID)");
    part_close(&p);
    done(&w, doc);
}

/* ---- custom tags --------------------------------------------------------------------- */

/* What a reader does with our tags, from the package alone: Document.xml CustomTags ->
 * CustomTags.xml -> each CustomTag's FileLoc -> each sc:Tag -> each ofd:ObjectRef -> the
 * Content.xml of the page whose ID is PageRef -> the TextObject with that ID -> TextCode.
 * One line per tag into out: "TypeID|Name|Value|page text of its objects". */
static void read_tags(sc_ofd_pkg *pkg, char *out, size_t cap)
{
    part d = part_open(pkg, "Doc_0/Document.xml"), ct, tg, pg;
    char ct_name[SC_OFD_MAX_NAME + 1], tg_name[SC_OFD_MAX_NAME + 1], pg_name[256];
    char *loc = part_str(&d, "string(/ofd:Document/ofd:CustomTags)"), *s;
    size_t at = 0;

    OK(sc_ofd_path_resolve("Doc_0", loc, ct_name, sizeof(ct_name), &e_));
    free(loc);
    ct = part_open(pkg, ct_name);
    out[0] = '\0';
    for (long k = 1; k <= part_long(&ct, "count(//ofd:CustomTag)", 0); k++) {
        char *type = part_str(&ct, "string((//ofd:CustomTag)[%ld]/@TypeID)", k);
        PART_IS(&ct, SC_OFD_DOC_TAGS_NS, "string((//ofd:CustomTag)[%ld]/@NameSpace)", k);
        loc = part_str(&ct, "string((//ofd:CustomTag)[%ld]/ofd:FileLoc)", k);
        OK(sc_ofd_path_resolve("Doc_0/Tags", loc, tg_name, sizeof(tg_name), &e_));
        free(loc);
        tg = part_open(pkg, tg_name);
        PART_IS(&tg, type, "string(/sc:Tags/@TypeID)");
        for (long i = 1; i <= part_long(&tg, "count(/sc:Tags/sc:Tag)", 0); i++) {
            char *name = part_str(&tg, "string(/sc:Tags/sc:Tag[%ld]/@Name)", i);
            char *value = part_str(&tg, "string(/sc:Tags/sc:Tag[%ld]/sc:Value)", i);
            at += (size_t)snprintf(out + at, cap - at, "%s|%s|%s|", type, name, value);
            for (long r = 1; r <= part_long(&tg, "count(/sc:Tags/sc:Tag[%ld]/ofd:ObjectRef)",
                                            i); r++) {
                char *page = part_str(&tg, "string(/sc:Tags/sc:Tag[%ld]/ofd:ObjectRef[%ld]/"
                                      "@PageRef)", i, r);
                char *id = part_str(&tg, "string(/sc:Tags/sc:Tag[%ld]/ofd:ObjectRef[%ld])", i,
                                    r);
                loc = part_str(&d, "string(//ofd:Page[@ID = '%s']/@BaseLoc)", page);
                OK(sc_ofd_path_resolve("Doc_0", loc, pg_name, sizeof(pg_name), &e_));
                pg = part_open(pkg, pg_name);
                s = part_str(&pg, "string(//ofd:TextObject[@ID = '%s']/ofd:TextCode)", id);
                at += (size_t)snprintf(out + at, cap - at, "%s", s);
                assert_true(at < cap);
                free(s);
                part_close(&pg);
                free(loc);
                free(id);
                free(page);
            }
            at += (size_t)snprintf(out + at, cap - at, "\n");
            assert_true(at < cap);
            free(name);
            free(value);
        }
        part_close(&tg);
        free(type);
    }
    part_close(&ct);
    part_close(&d);
}

/* An independent reader: python3's zipfile and xml.etree walk the same path as read_tags
 * and require every tag's Value to equal its objects' page text; want = number of tags. */
static const char py_tags[] =
    "import sys, zipfile, posixpath, xml.etree.ElementTree as ET\n"
    "O = '{http://www.ofdspec.org/2016}'; S = '{" SC_OFD_DOC_TAGS_NS "}'\n"
    "z = zipfile.ZipFile(sys.argv[1]); x = lambda n: ET.fromstring(z.read(n))\n"
    "doc = x('Doc_0/Document.xml')\n"
    "pages = {p.get('ID'): x('Doc_0/' + p.get('BaseLoc')) for p in doc.iter(O + 'Page')}\n"
    "ct = 'Doc_0/' + doc.find(O + 'CustomTags').text; n = 0\n"
    "for t in x(ct).iter(O + 'CustomTag'):\n"
    "    for tag in x(posixpath.dirname(ct) + '/' + t.find(O + 'FileLoc').text).iter(S + 'Tag'):\n"
    "        txt = ''\n"
    "        for r in tag.iter(O + 'ObjectRef'):\n"
    "            o = [e for e in pages[r.get('PageRef')].iter(O + 'TextObject')\n"
    "                 if e.get('ID') == r.text.strip()]\n"
    "            txt += o[0].find(O + 'TextCode').text\n"
    "        if len(list(tag.iter(O + 'ObjectRef'))) and txt != tag.find(S + 'Value').text:\n"
    "            sys.exit('%s: page text %r, value %r' % (tag.get('Name'), txt,\n"
    "                     tag.find(S + 'Value').text))\n"
    "        n += 1\n"
    "sys.exit(0 if n == int(sys.argv[2]) else 'tags: %d' % n)\n";

static void python_reads_tags(const uint8_t *buf, size_t len, int want)
{
    const char *dir = sc_test_tmpdir(), *ofd, *py;

    if (sc_test_sh("command -v python3 >/dev/null 2>&1") != 0) {
        print_message("python3 missing: the independent tag reader is skipped\n");
        return;
    }
    ofd = sc_test_path(dir, "tags.ofd");
    py = sc_test_path(dir, "tags.py");
    assert_int_equal(sc_test_write(ofd, buf, len), 0);
    assert_int_equal(sc_test_write(py, py_tags, sizeof(py_tags) - 1), 0);
    assert_int_equal(sc_test_sh("python3 '%s' '%s' %d", py, ofd, want), 0);
}

/* A licence face: each field a label and a value text; the holder's name in two objects. */
static sc_ofd_doc *licence(uint32_t ids[4])
{
    sc_ofd_doc *doc = doc_with_pages(2);

    add_text(doc, 0, 20, "营业执照");
    ids[0] = sc_ofd_doc_last_id(doc);
    add_text(doc, 0, 40, "统一社会信用代码");
    add_text(doc, 0, 50, "91350100M000100Y43");
    ids[1] = sc_ofd_doc_last_id(doc);
    add_text(doc, 0, 60, "某某科技");
    ids[2] = sc_ofd_doc_last_id(doc);
    add_text(doc, 0, 70, "有限公司 & <分公司>");
    ids[3] = sc_ofd_doc_last_id(doc);
    return doc;
}

static void ofd_doc_add_tag__links_fields_to_page_text(void **state)
{
    static const char want[] =
        "license|ZZMC|营业执照|营业执照\n"
        "license|CZZTDM|91350100M000100Y43|91350100M000100Y43\n"
        "license|CZZT|某某科技有限公司 & <分公司>|某某科技有限公司 & <分公司>\n"
        "license|ZZBS|1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U|\n"
        "extra|备注|第二页|第二页\n";
    sc_ofd_doc *doc;
    uint32_t ids[4], p2;
    written w;
    char got[2048];
    part p;

    (void)state;
    doc = licence(ids);
    add_text(doc, 1, 20, "第二页");
    p2 = sc_ofd_doc_last_id(doc);
    OK(sc_ofd_doc_add_tag(doc, "license", "ZZMC", "营业执照", 0, &ids[0], 1, &e_));
    OK(sc_ofd_doc_add_tag(doc, "license", "CZZTDM", "91350100M000100Y43", 0, &ids[1], 1,
                          &e_));
    OK(sc_ofd_doc_add_tag(doc, "extra", "备注", "第二页", 1, &p2, 1, &e_));
    OK(sc_ofd_doc_add_tag(doc, "license", "CZZT", "某某科技有限公司 & <分公司>", 0, &ids[2], 2,
                          &e_));
    OK(sc_ofd_doc_add_tag(doc, "license", "ZZBS", "1.2.156.3005.2.11100000000013338W011."
                          "11430000006122244L.20230000403.001.U", 0, NULL, 0, &e_));
    w = write_read(doc);
    assert_int_equal(sc_ofd_pkg_count(w.pkg), 9);      /* 4 + 2 pages + CustomTags + 2 tags */
    assert_string_equal(sc_ofd_pkg_name(w.pkg, 6), "Doc_0/Tags/CustomTags.xml");
    assert_string_equal(sc_ofd_pkg_name(w.pkg, 7), "Doc_0/Tags/Tag_license.xml");
    assert_string_equal(sc_ofd_pkg_name(w.pkg, 8), "Doc_0/Tags/Tag_extra.xml");
    read_tags(w.pkg, got, sizeof(got));
    assert_string_equal(got, want);
    /* Document.xml children in XSD order; the tag documents' exact shape */
    p = part_open(w.pkg, "Doc_0/Document.xml");
    PART_IS(&p, "CommonData Pages CustomTags|Tags/CustomTags.xml",
            "concat(local-name(/*/*[1]), ' ', local-name(/*/*[2]), ' ', "
            "local-name(/*/*[3]), '|', /*/ofd:CustomTags)");
    PART_IS(&p, "3", "count(/*/*)");
    part_close(&p);
    p = part_open(w.pkg, "Doc_0/Tags/CustomTags.xml");
    PART_IS(&p, "license Tag_license.xml extra Tag_extra.xml",
            "concat(//ofd:CustomTag[1]/@TypeID, ' ', //ofd:CustomTag[1]/ofd:FileLoc, ' ', "
            "//ofd:CustomTag[2]/@TypeID, ' ', //ofd:CustomTag[2]/ofd:FileLoc)");
    part_close(&p);
    p = part_open(w.pkg, "Doc_0/Tags/Tag_license.xml");
    PART_IS(&p, "4|1|0|1|2|1|1|6|8", "concat(count(/sc:Tags/sc:Tag), '|', "
            "count(//sc:Tag[@Name = 'ZZMC']/sc:Value), '|', "
            "count(//sc:Tag[@Name = 'ZZBS']/ofd:ObjectRef), '|', "
            "count(//sc:Tag[@Name = 'ZZBS']/sc:Value), '|', "
            "count(//sc:Tag[@Name = 'CZZT']/ofd:ObjectRef), '|', "
            "//sc:Tag[@Name = 'CZZT']/ofd:ObjectRef[1]/@PageRef, '|', "
            "//sc:Tag[@Name = 'CZZT']/ofd:ObjectRef[2]/@PageRef, '|', "
            "//sc:Tag[@Name = 'ZZMC']/ofd:ObjectRef, '|', "
            "//sc:Tag[@Name = 'CZZTDM']/ofd:ObjectRef)");
    part_close(&p);
    ids_unique(w.pkg, 2);
    python_reads_tags(w.buf, w.len, 5);
    external_readers_accept(w.buf, w.len, "tags.ofd");
    done(&w, doc);
}

static void ofd_doc_add_tag__refuses_each_bad_argument(void **state)
{
    char long_type[SC_OFD_DOC_MAX_TYPE_ID + 2];
    sc_ofd_doc *doc;
    uint32_t ids[4], other, two[2];

    (void)state;
    memset(long_type, 'a', sizeof(long_type) - 1);
    long_type[sizeof(long_type) - 1] = '\0';
    doc = licence(ids);
    add_text(doc, 1, 20, "第二页");
    other = sc_ofd_doc_last_id(doc);
    two[0] = two[1] = ids[1];
    REFUSES(SC_EINVAL, "no document", sc_ofd_doc_add_tag(NULL, "t", "n", "v", 0, NULL, 0, &e_));
    REFUSES(SC_EINVAL, "TypeID: empty", sc_ofd_doc_add_tag(doc, NULL, "n", "v", 0, NULL, 0, &e_));
    REFUSES(SC_EINVAL, "TypeID: empty", sc_ofd_doc_add_tag(doc, "", "n", "v", 0, NULL, 0, &e_));
    REFUSES(SC_EINVAL, "names the file", sc_ofd_doc_add_tag(doc, "../x", "n", "v", 0, NULL, 0,
                                                            &e_));
    REFUSES(SC_EINVAL, "names the file", sc_ofd_doc_add_tag(doc, "a b", "n", "v", 0, NULL, 0,
                                                            &e_));
    REFUSES(SC_EINVAL, "65 bytes, more than 64", sc_ofd_doc_add_tag(doc, long_type, "n", "v",
                                                                    0, NULL, 0, &e_));
    long_type[SC_OFD_DOC_MAX_TYPE_ID] = '\0';                          /* 64: accepted */
    OK(sc_ofd_doc_add_tag(doc, long_type, "n", "v", 0, NULL, 0, &e_));
    REFUSES(SC_EINVAL, "empty name", sc_ofd_doc_add_tag(doc, "t", NULL, "v", 0, NULL, 0, &e_));
    REFUSES(SC_EINVAL, "empty name", sc_ofd_doc_add_tag(doc, "t", "", "v", 0, NULL, 0, &e_));
    REFUSES(SC_EINVAL, "name: not UTF-8", sc_ofd_doc_add_tag(doc, "t", "\xff", "v", 0, NULL, 0,
                                                             &e_));
    REFUSES(SC_EINVAL, "value: character U+0001", sc_ofd_doc_add_tag(doc, "t", "n", "a\x01", 0,
                                                                     NULL, 0, &e_));
    REFUSES(SC_EINVAL, "neither a value nor objects",
            sc_ofd_doc_add_tag(doc, "t", "n", NULL, 0, NULL, 0, &e_));
    REFUSES(SC_EINVAL, "1 objects but no ID array",
            sc_ofd_doc_add_tag(doc, "t", "n", "v", 0, NULL, 1, &e_));
    REFUSES(SC_EINVAL, "no page 2 (2 in the document)",
            sc_ofd_doc_add_tag(doc, "t", "n", "v", 2, ids, 1, &e_));
    REFUSES(SC_EINVAL, "is not an object of page 0",                 /* on page 1 */
            sc_ofd_doc_add_tag(doc, "t", "n", "v", 0, &other, 1, &e_));
    ids[3] = sc_ofd_doc_page_id(doc, 0);                                /* a page, no object */
    REFUSES(SC_EINVAL, "object ID 1 is not an object",
            sc_ofd_doc_add_tag(doc, "t", "n", "v", 0, &ids[3], 1, &e_));
    REFUSES(SC_EINVAL, "given twice", sc_ofd_doc_add_tag(doc, "t", "n", "v", 0, two, 2, &e_));
    REFUSES(SC_ELIMIT, "1001 objects, more than 1000",
            sc_ofd_doc_add_tag(doc, "t", "n", "v", 0, ids, SC_OFD_DOC_MAX_TAG_REFS + 1, &e_));
    assert_int_equal(doc->ntags, 1);                                /* nothing else recorded */
    sc_ofd_doc_free(doc);
}

static void ofd_doc_add_tag__limits_at_n_and_n_plus_1(void **state)
{
    sc_ofd_doc *doc = doc_with_pages(1);
    uint32_t ids[SC_OFD_DOC_MAX_TAG_REFS];
    char type[16];
    written w;
    part p;

    (void)state;
    for (size_t i = 0; i < SC_OFD_DOC_MAX_TAG_REFS; i++) {
        OK(sc_ofd_doc_add_line(doc, 0, 0, (double)i / 10, 10, (double)i / 10, 0.1, NULL, &e_));
        ids[i] = sc_ofd_doc_last_id(doc);
    }
    OK(sc_ofd_doc_add_tag(doc, "t0", "all", NULL, 0, ids, SC_OFD_DOC_MAX_TAG_REFS, &e_));
    for (unsigned i = 1; i < SC_OFD_DOC_MAX_TAG_TYPES; i++) {
        snprintf(type, sizeof(type), "t%u", i);
        OK(sc_ofd_doc_add_tag(doc, type, "n", "v", 0, NULL, 0, &e_));
    }
    REFUSES(SC_ELIMIT, "more than 16 TypeIDs",
            sc_ofd_doc_add_tag(doc, "t16", "n", "v", 0, NULL, 0, &e_));
    while (doc->ntags < SC_OFD_DOC_MAX_TAGS)
        OK(sc_ofd_doc_add_tag(doc, "t1", "n", "v", 0, &ids[doc->ntags % 1000], 1, &e_));
    REFUSES(SC_ELIMIT, "more than 10000 tags",
            sc_ofd_doc_add_tag(doc, "t1", "n", "v", 0, NULL, 0, &e_));
    w = write_read(doc);
    assert_int_equal(sc_ofd_pkg_count(w.pkg), 4 + 1 + 1 + SC_OFD_DOC_MAX_TAG_TYPES);
    p = part_open(w.pkg, "Doc_0/Tags/Tag_t0.xml");
    PART_IS(&p, "1000", "count(//ofd:ObjectRef)");
    part_close(&p);
    p = part_open(w.pkg, "Doc_0/Tags/Tag_t1.xml");
    PART_IS(&p, "9985", "count(//sc:Tag)");
    part_close(&p);
    done(&w, doc);
}

/* ---- font files ---------------------------------------------------------------------- */

/* The smallest sfnt: version 1.0, one table ('head', 4 bytes at offset 28). */
#define TTF "\x00\x01\x00\x00\x00\x01\x00\x10\x00\x00\x00\x00" \
            "head\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x04" "abcd"

static void ofd_doc_add_font_file__embeds_it_for_texts_naming_it(void **state)
{
    static const uint8_t otf[] = "OTTO\x00\x01\x00\x10\x00\x00\x00\x00"
                                 "CFF \x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x04" "wxyz";
    const char *dejavu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    sc_ofd_doc *doc = doc_with_pages(1);
    sc_ofd_text t = { 20, 20, 5, "方正小标宋简体", "营业执照", NULL };
    uint8_t *got, *real = NULL;
    size_t glen, rlen = 0, ix;
    written w;
    sc__ofd_raw_stat st;
    struct zip_file *zf;
    part p;

    (void)state;
    OK(sc_ofd_doc_add_font_file(doc, "方正小标宋简体", "FZXiaoBiaoSong-B05S", U(TTF),
                                sizeof(TTF) - 1, &e_));                        /* font 3 */
    OK(sc_ofd_doc_add_text(doc, 0, &t, &e_));                                  /* text 4 */
    add_text(doc, 0, 40, "宋体 stays a name");                         /* font 5, text 6 */
    t.font = "Body";
    t.y_mm = 60;
    OK(sc_ofd_doc_add_text(doc, 0, &t, &e_));                         /* font 7, text 8 */
    OK(sc_ofd_doc_add_font_file(doc, "Body", NULL, otf, sizeof(otf) - 1, &e_));  /* later */
    if (sc_test_read(dejavu, &real, &rlen) == 0) {           /* a real font, where installed */
        t.font = "DejaVu Sans";
        OK(sc_ofd_doc_add_font_file(doc, t.font, "DejaVu Sans", real, rlen, &e_));   /* 9 */
        OK(sc_ofd_doc_add_text(doc, 0, &t, &e_));
    } else {
        print_message("%s missing: no real font embedded\n", dejavu);
    }
    w = write_read(doc);
    p = part_open(w.pkg, "Doc_0/PublicRes.xml");
    PART_IS(&p, "方正小标宋简体|FZXiaoBiaoSong-B05S|font_3.ttf|0|Body|font_7.otf",
            "concat(//ofd:Font[@ID = 3]/@FontName, '|', //ofd:Font[@ID = 3]/@FamilyName, '|', "
            "//ofd:Font[@ID = 3]/ofd:FontFile, '|', count(//ofd:Font[@ID = 5]/ofd:FontFile), "
            "'|', //ofd:Font[@ID = 7]/@FamilyName, '|', //ofd:Font[@ID = 7]/ofd:FontFile)");
    PART_IS(&p, real != NULL ? "font_9.ttf" : "", "string(//ofd:Font[@ID = 9]/ofd:FontFile)");
    part_close(&p);
    p = part_open(w.pkg, "Doc_0/Pages/Page_0/Content.xml");
    PART_IS(&p, "3 5 7", "concat(//ofd:TextObject[@ID = 4]/@Font, ' ', "
            "//ofd:TextObject[@ID = 6]/@Font, ' ', //ofd:TextObject[@ID = 8]/@Font)");
    part_close(&p);
    got = read_entry(w.pkg, "Doc_0/Res/font_3.ttf", &glen);
    assert_int_equal(glen, sizeof(TTF) - 1);
    assert_memory_equal(got, TTF, glen);
    free(got);
    got = read_entry(w.pkg, "Doc_0/Res/font_7.otf", &glen);
    assert_int_equal(glen, sizeof(otf) - 1);
    free(got);
    if (real != NULL) {
        got = read_entry(w.pkg, "Doc_0/Res/font_9.ttf", &glen);
        assert_int_equal(glen, rlen);
        assert_memory_equal(got, real, rlen);
        free(got);
        OK(sc_ofd_pkg_find(w.pkg, NULL, "Doc_0/Res/font_9.ttf", &ix, &e_));
        OK(sc__ofd_pkg_raw_open(w.pkg, ix, &st, &zf, &e_));
        assert_int_equal(st.method, 0);                          /* stored, not deflated */
        zip_fclose(zf);
    }
    ids_unique(w.pkg, 1);
    external_readers_accept(w.buf, w.len, "fonts.ofd");
    free(real);
    done(&w, doc);
}

static uint8_t ttf_buf[64];

/* TTF with byte at set to v (at >= 0). */
static const uint8_t *ttf_with(int at, uint8_t v)
{
    memcpy(ttf_buf, TTF, sizeof(TTF) - 1);
    if (at >= 0)
        ttf_buf[at] = v;
    return ttf_buf;
}

static void ofd_doc_add_font_file__refuses_each_bad_argument(void **state)
{
    static const struct {
        const char *name, *family;
        int at;             /* byte of TTF to change (-1: none) */
        uint8_t v;
        size_t len;         /* 0: TTF's; SIZE_MAX: no bytes (NULL) */
        int code;
        const char *frag;
    } rows[] = {
        { NULL, NULL, -1, 0, 0, SC_EINVAL, "empty font name" },
        { "", NULL, -1, 0, 0, SC_EINVAL, "empty font name" },
        { "\xc3", NULL, -1, 0, 0, SC_EINVAL, "font name: not UTF-8" },
        { "F", "", -1, 0, 0, SC_EINVAL, "empty family name" },
        { "F", "a\x02", -1, 0, 0, SC_EINVAL, "family name: character U+0002" },
        { "F", NULL, -1, 0, SIZE_MAX, SC_EINVAL, "no bytes" },
        { "F", NULL, -1, 0, 11, SC_EFORMAT, "11 bytes, too short for a font" },
        { "F", NULL, 0, 't', 0, SC_EFORMAT, "not TrueType or OpenType (starts 74 01 00 00)" },
        { "F", NULL, -1, 0, 27, SC_EFORMAT, "1 tables do not fit its 27 bytes" },
        { "F", NULL, -1, 0, 30, SC_EFORMAT, "table 0 (head) at 28 + 4 lies outside its 30" },
        /* a tag that is not printable is shown as hex, not copied into the message */
        { "F", NULL, 13, 1, 30, SC_EFORMAT, "table 0 (0x68016164) at 28 + 4 lies outside" },
        { "F", NULL, 5, 0, 0, SC_EFORMAT, "0 tables do not fit its 32 bytes" },
        { "F", NULL, 5, 2, 0, SC_EFORMAT, "2 tables do not fit its 32 bytes" },
        { "F", NULL, 20, 0xff, 0, SC_EFORMAT, "table 0 (head) at 4278190108 + 4 lies outside" },
        { "F", NULL, 24, 0xff, 0, SC_EFORMAT, "table 0 (head) at 28 + 4278190084 lies outside" },
        { "F", NULL, 27, 5, 0, SC_EFORMAT, "table 0 (head) at 28 + 5 lies outside its 32" },
    };
    static const uint8_t ttc[] = "ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x0c";
    sc_ofd_doc *doc = doc_with_pages(1);

    (void)state;
    for (size_t i = 0; i < NROWS(rows); i++) {
        sc_err err = SC_ERR_INIT;
        size_t len = rows[i].len == 0 ? sizeof(TTF) - 1 : rows[i].len;
        const uint8_t *file = rows[i].len == SIZE_MAX ? NULL : ttf_with(rows[i].at, rows[i].v);
        int rc = sc_ofd_doc_add_font_file(doc, rows[i].name, rows[i].family, file,
                                          rows[i].len == SIZE_MAX ? 0 : len, &err);
        char row[32];
        snprintf(row, sizeof(row), "row %zu", i);
        expect_rc(rc, &err, rows[i].code, rows[i].frag, row);
    }
    REFUSES(SC_EINVAL, "no document", sc_ofd_doc_add_font_file(NULL, "F", NULL, U(TTF),
                                                               sizeof(TTF) - 1, &e_));
    REFUSES(SC_EFORMAT, "a font collection (.ttc)",
            sc_ofd_doc_add_font_file(doc, "F", NULL, ttc, sizeof(ttc) - 1, &e_));
    REFUSES(SC_ELIMIT, "more than the 268435456 allowed",           /* checked before reading */
            sc_ofd_doc_add_font_file(doc, "F", NULL, U(TTF), SC_OFD_MAX_ENTRY + 1, &e_));
    assert_int_equal(doc->nfonts, 0);                       /* nothing registered by refusals */
    OK(sc_ofd_doc_add_font_file(doc, "F", NULL, U(TTF), sizeof(TTF) - 1, &e_));
    REFUSES(SC_EINVAL, "font \"F\": it has a font file already",
            sc_ofd_doc_add_font_file(doc, "F", NULL, U(TTF), sizeof(TTF) - 1, &e_));
    sc_ofd_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ofd_doc_last_id__names_each_new_object),
        cmocka_unit_test(ofd_doc_add_tag__links_fields_to_page_text),
        cmocka_unit_test(ofd_doc_add_tag__refuses_each_bad_argument),
        cmocka_unit_test(ofd_doc_add_tag__limits_at_n_and_n_plus_1),
        cmocka_unit_test(ofd_doc_add_font_file__embeds_it_for_texts_naming_it),
        cmocka_unit_test(ofd_doc_add_font_file__refuses_each_bad_argument),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
