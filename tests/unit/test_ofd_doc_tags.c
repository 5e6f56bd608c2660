/* test_ofd_doc_tags.c: what the OFD document writer (sealcore/ofd_doc.h) adds for licence
 * files: object IDs handed back to the caller, custom tags linking fields to them, QR codes
 * drawn as paths, embedded font files. Written packages are read back with our package reader and libxml2
 * (through sc__ofd_xml_parse) and checked with XPath; tags also by python3's zipfile and
 * xml.etree, QR codes by rebuilding the module matrix from the path data (compared with
 * libqrencode's) and decoding it with zbarimg (zbar-tools), each where installed. That a
 * signature covers all of it: test_ofd_doc_sign.c.
 * The writer's base behaviour: test_ofd_write.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpath.h>
#include <qrencode.h>
#include <zip.h>
#include <libxml/xpathInternals.h>

#include "ofd/ofd_doc_int.h"
#include "ofd/ofd_int.h"
#include "ofd_write_test.h"
#include "sealcore/ofd.h"
#include "sealcore/ofd_doc.h"
#include "testutil.h"

#define PNG "\x89PNG\r\n\x1a\n-a stand-in for image bytes-"

/* ---- one XML part of a written package, queried with XPath --------------------------- */

typedef struct part {
    xmlDoc *doc;
    xmlXPathContext *ctx;       /* prefixes: ofd (OFD), sc (our tag documents) */
} part;

static part part_open(sc_ofd_pkg *pkg, const char *name)
{
    part p = { NULL, NULL };
    size_t len;
    uint8_t *buf = read_entry(pkg, name, &len);

    OK(sc__ofd_xml_parse(buf, len, name, &p.doc, &e_));
    free(buf);
    assert_non_null(p.ctx = xmlXPathNewContext(p.doc));
    assert_int_equal(xmlXPathRegisterNs(p.ctx, BAD_CAST "ofd",
                                        BAD_CAST "http://www.ofdspec.org/2016"), 0);
    assert_int_equal(xmlXPathRegisterNs(p.ctx, BAD_CAST "sc",
                                        BAD_CAST SC_OFD_DOC_TAGS_NS), 0);
    return p;
}

static void part_close(part *p)
{
    xmlXPathFreeContext(p->ctx);
    xmlFreeDoc(p->doc);
}

/* The string value of an XPath expression (printf-style): new, free(). */
static char *part_str(part *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *part_str(part *p, const char *fmt, ...)
{
    char expr[512], *copy;
    va_list ap;
    xmlXPathObject *o;
    xmlChar *got;

    va_start(ap, fmt);
    vsnprintf(expr, sizeof(expr), fmt, ap);
    va_end(ap);
    if ((o = xmlXPathEvalExpression(BAD_CAST expr, p->ctx)) == NULL)
        fail_msg("bad XPath %s", expr);
    assert_non_null(got = xmlXPathCastToString(o));
    xmlXPathFreeObject(o);
    assert_non_null(copy = strdup((const char *)got));
    xmlFree(got);
    return copy;
}

#define PART_IS(p, want, ...)                                                              \
    do {                                                                                   \
        char *got_ = part_str((p), __VA_ARGS__);                                           \
        if (strcmp(got_, (want)) != 0)                                                     \
            fail_msg("%s: got \"%s\", want \"%s\"", #__VA_ARGS__, got_, (want));           \
        free(got_);                                                                        \
    } while (0)

static long part_long(part *p, const char *expr, long k)
{
    char *s = part_str(p, expr, k);
    long v = strtol(s, NULL, 10);

    free(s);
    return v;
}

/* An A4 document of n empty pages (a random DocID: nothing here compares whole packages). */
static sc_ofd_doc *doc_with_pages(size_t n)
{
    sc_ofd_doc *doc = NULL;

    OK(sc_ofd_doc_new(&doc, 210, 297, &e_));
    while (n-- > 0)
        OK(sc_ofd_doc_add_page(doc, NULL, &e_));
    return doc;
}

/* A written document, read back by our package reader. */
typedef struct written {
    uint8_t *buf;
    size_t len;
    sc_ofd_pkg *pkg;
} written;

static written write_read(const sc_ofd_doc *doc)
{
    written w = { NULL, 0, NULL };

    OK(sc_ofd_doc_write_mem(doc, &w.buf, &w.len, &e_));
    w.pkg = open_ok(w.buf, w.len);
    return w;
}

/* Free w and doc. */
static void done(written *w, sc_ofd_doc *doc)
{
    sc_ofd_pkg_free(w->pkg);
    free(w->buf);
    sc_ofd_doc_free(doc);
}

static void add_text(sc_ofd_doc *doc, size_t page, double y, const char *s)
{
    sc_ofd_text t = { 20, y, 4, NULL, s, NULL };

    OK(sc_ofd_doc_add_text(doc, page, &t, &e_));
}

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

/* Every @ID in Document.xml, both Res files and every page is unique; MaxUnitID the largest. */
static void ids_unique(sc_ofd_pkg *pkg, size_t npages)
{
    part d = part_open(pkg, "Doc_0/Document.xml");
    long max = part_long(&d, "number(//ofd:MaxUnitID)", 0), top = 0;
    uint8_t *seen = calloc((size_t)max + 1, 1);
    char name[64];

    assert_non_null(seen);
    for (size_t i = 0; i < 3 + npages; i++) {
        part p;
        if (i < 3)
            snprintf(name, sizeof(name), "Doc_0/%s",
                     i == 0 ? "Document.xml" : i == 1 ? "PublicRes.xml" : "DocumentRes.xml");
        else
            snprintf(name, sizeof(name), "Doc_0/Pages/Page_%zu/Content.xml", i - 3);
        p = part_open(pkg, name);
        for (long k = 1; k <= part_long(&p, "count(//@ID)", 0); k++) {
            long id = part_long(&p, "number((//@ID)[%ld])", k);
            if (id < 1 || id > max || seen[id]++)
                fail_msg("%s: ID %ld out of 1..%ld or used twice", name, id, max);
            top = id > top ? id : top;
        }
        part_close(&p);
    }
    assert_int_equal(top, max);
    free(seen);
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

/* ---- QR codes ------------------------------------------------------------------------ */

#define URL "https://zz.example.gov.cn/v?id=1.2.156.3005.2.11100000000013338W011." \
            "11430000006122244L.20230000403.001.U"

/* The modules a QR PathObject's AbbreviatedData paints, as a w x w matrix (new, free()):
 * every subpath must be "M x0 y0 L x1 y0 L x1 y1 L x0 y1 C" in whole modules (the CTM scales
 * them), inside the symbol after the 4-module quiet zone, one row high, and no two in a row
 * may touch (runs are merged). Fails the test otherwise. */
static uint8_t *matrix_from_path(const char *d, size_t w)
{
    uint8_t *mx = calloc(w * w, 1);
    const char *at = d;
    char *end;

    assert_non_null(mx);
    while (*at != '\0') {
        long g[8];
        for (size_t k = 0; k < 8; k++) {
            while (*at == ' ')
                at++;
            if (k % 2 == 0 && *at != (k == 0 ? 'M' : 'L'))
                fail_msg("path data at \"%.30s\": want %c", at, k == 0 ? 'M' : 'L');
            at += k % 2 == 0;
            g[k] = strtol(at, &end, 10) - SC_OFD_DOC_QR_QUIET;
            if (end == at || (*end != ' ' && *end != '\0'))
                fail_msg("path data at \"%.30s\": not a whole number of modules", at);
            at = end;
        }
        while (*at == ' ')
            at++;
        assert_int_equal(*at++, 'C');
        /* x0 y0, x1 y0, x1 y1, x0 y1: a rectangle one module high inside the symbol */
        assert_true(g[1] == g[3] && g[5] == g[7] && g[0] == g[6] && g[2] == g[4]);
        assert_true(g[5] == g[1] + 1 && g[2] > g[0] && g[0] >= 0 && (size_t)g[2] <= w);
        assert_true(g[1] >= 0 && (size_t)g[1] < w);
        for (long c = g[0]; c < g[2]; c++) {
            assert_int_equal(mx[(size_t)g[1] * w + (size_t)c], 0);
            mx[(size_t)g[1] * w + (size_t)c] = 1;
        }
        if ((g[0] > 0 && mx[(size_t)g[1] * w + (size_t)g[0] - 1]) ||
            ((size_t)g[2] < w && mx[(size_t)g[1] * w + (size_t)g[2]]))
            fail_msg("row %ld: runs at column %ld and its neighbour are not merged", g[1], g[0]);
    }
    return mx;
}

/* zbarimg on the matrix as a PBM (4 pixels a module, the quiet zone white) must print
 * want; skipped, saying so, where zbar-tools is not installed. */
static void zbar_decodes(const uint8_t *mx, size_t w, const char *want)
{
    const char *dir = sc_test_tmpdir(), *pbm = sc_test_path(dir, "qr.pbm");
    const char *txt = sc_test_path(dir, "qr.txt");
    size_t px = (w + 2 * SC_OFD_DOC_QR_QUIET) * 4, at = 0;
    char *img = malloc(px * px * 2 + 64);
    uint8_t *got;
    size_t len;

    if (sc_test_sh("command -v zbarimg >/dev/null 2>&1") != 0) {
        print_message("zbarimg missing (apt-get install zbar-tools): QR decoding skipped\n");
        free(img);
        return;
    }
    assert_non_null(img);
    at = (size_t)snprintf(img, 64, "P1\n%zu %zu\n", px, px);
    for (size_t y = 0; y < px; y++)
        for (size_t x = 0; x < px; x++) {
            size_t r = y / 4, c = x / 4, q = SC_OFD_DOC_QR_QUIET;
            int dark = r >= q && c >= q && r - q < w && c - q < w && mx[(r - q) * w + c - q];
            img[at++] = dark ? '1' : '0';
            img[at++] = x + 1 == px ? '\n' : ' ';
        }
    assert_int_equal(sc_test_write(pbm, img, at), 0);
    free(img);
    assert_int_equal(sc_test_sh("zbarimg -q --raw '%s' > '%s' 2>/dev/null", pbm, txt), 0);
    assert_int_equal(sc_test_read(txt, &got, &len), 0);
    while (len > 0 && got[len - 1] == '\n')
        len--;
    got[len] = '\0';
    assert_string_equal((char *)got, want);
    free(got);
}

/* Add a QR code of data at level ecl on a fresh page, write, and return the path data of
 * its dark object (new) after checking both objects' attributes; *module gets the scale of
 * its CTM ("m 0 0 m 0 0", mm a module). */
static char *qr_round_trip(const uint8_t *data, size_t len, sc_ofd_qr_ecl ecl, double size,
                           double *module)
{
    sc_ofd_doc *doc = doc_with_pages(1);
    written w;
    part p;
    uint32_t id;
    char *d, *ctm, *end, *rest;

    add_text(doc, 0, 20, "电子证照");
    OK(sc_ofd_doc_add_qr(doc, 0, 150, 240, size, data, len, ecl, &e_));
    id = sc_ofd_doc_last_id(doc);
    assert_int_equal(id, 6);               /* page 1, layer 2, font 3, text 4, white 5 */
    w = write_read(doc);
    p = part_open(w.pkg, "Doc_0/Pages/Page_0/Content.xml");
    PART_IS(&p, "5|150 240 25 25|false|true|255 255 255|M 0 0 L 25 0 L 25 25 L 0 25 C",
            "concat(//ofd:PathObject[1]/@ID, '|', //ofd:PathObject[1]/@Boundary, '|', "
            "//ofd:PathObject[1]/@Stroke, '|', //ofd:PathObject[1]/@Fill, '|', "
            "//ofd:PathObject[1]/ofd:FillColor/@Value, '|', //ofd:PathObject[1]/"
            "ofd:AbbreviatedData)");
    PART_IS(&p, "6|150 240 25 25|false|true|0 0 0|2", "concat(//ofd:PathObject[2]/@ID, '|', "
            "//ofd:PathObject[2]/@Boundary, '|', //ofd:PathObject[2]/@Stroke, '|', "
            "//ofd:PathObject[2]/@Fill, '|', //ofd:PathObject[2]/ofd:FillColor/@Value, '|', "
            "count(//ofd:PathObject))");
    d = part_str(&p, "string(//ofd:PathObject[@ID = '%u']/ofd:AbbreviatedData)", (unsigned)id);
    ctm = part_str(&p, "string(//ofd:PathObject[@ID = '%u']/@CTM)", (unsigned)id);
    *module = strtod(ctm, &end);
    if (strncmp(end, " 0 0 ", 5) != 0 || strtod(end + 5, &rest) != *module ||
        strcmp(rest, " 0 0") != 0)
        fail_msg("CTM \"%s\": not \"m 0 0 m 0 0\"", ctm);
    free(ctm);
    part_close(&p);
    ids_unique(w.pkg, 1);
    done(&w, doc);
    return d;
}

static void ofd_doc_add_qr__paths_redraw_the_encoded_matrix(void **state)
{
    static const uint8_t bin[] = { 'I', 'D', 0, 1, 2, 0xff, 0xfe, 'x' };
    static const struct { sc_ofd_qr_ecl ecl; QRecLevel level; } levels[] = {
        { SC_OFD_QR_L, QR_ECLEVEL_L }, { SC_OFD_QR_M, QR_ECLEVEL_M },
        { SC_OFD_QR_Q, QR_ECLEVEL_Q }, { SC_OFD_QR_H, QR_ECLEVEL_H } };

    (void)state;
    for (size_t i = 0; i < NROWS(levels) + 1; i++) {
        int binary = i == NROWS(levels);           /* last row: bytes with NULs, level M */
        QRcode *want = binary ? QRcode_encodeData(sizeof(bin), bin, 0, QR_ECLEVEL_M)
                              : QRcode_encodeString(URL, 0, levels[i].level, QR_MODE_8, 1);
        double m;
        char *d = binary ? qr_round_trip(bin, sizeof(bin), SC_OFD_QR_M, 25, &m)
                         : qr_round_trip(U(URL), strlen(URL), levels[i].ecl, 25, &m);
        size_t w = (size_t)want->width, runs = 0;
        uint8_t *mx = matrix_from_path(d, w);
        double exact = 25.0 / (double)(w + 2 * SC_OFD_DOC_QR_QUIET);

        if (m < exact - 0.0005 || m > exact + 0.0005)                /* 3 decimals */
            fail_msg("CTM scale %g, want %g mm a module", m, exact);

        for (size_t k = 0; k < w * w; k++) {
            if (mx[k] != (want->data[k] & 1))
                fail_msg("row %zu: module %zu differs from libqrencode's", i, k);
            runs += mx[k] && (k % w == 0 || !mx[k - 1]);
        }
        if (!binary)
            zbar_decodes(mx, w, URL);
        print_message("level %zu%s: version %d, %zu modules, %zu rectangles, %zu bytes\n", i,
                      binary ? " (binary)" : "", want->version, w, runs, strlen(d));
        free(mx);
        free(d);
        QRcode_free(want);
    }
}

static void ofd_doc_add_qr__refuses_each_bad_argument(void **state)
{
    static char big[1275];
    sc_ofd_doc *doc = doc_with_pages(1);

    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    REFUSES(SC_EINVAL, "no document", sc_ofd_doc_add_qr(NULL, 0, 0, 0, 20, U("x"), 1,
                                                        SC_OFD_QR_M, &e_));
    REFUSES(SC_EINVAL, "no data", sc_ofd_doc_add_qr(doc, 0, 0, 0, 20, NULL, 1, SC_OFD_QR_M,
                                                    &e_));
    REFUSES(SC_EINVAL, "no data", sc_ofd_doc_add_qr(doc, 0, 0, 0, 20, U("x"), 0, SC_OFD_QR_M,
                                                    &e_));
    REFUSES(SC_EINVAL, "no such page", sc_ofd_doc_add_qr(doc, 1, 0, 0, 20, U("x"), 1,
                                                         SC_OFD_QR_M, &e_));
    REFUSES(SC_EINVAL, "not L, M, Q or H", sc_ofd_doc_add_qr(doc, 0, 0, 0, 20, U("x"), 1,
                                                             (sc_ofd_qr_ecl)7, &e_));
    REFUSES(SC_EINVAL, "size: not a number", sc_ofd_doc_add_qr(doc, 0, 0, 0, 0.0 / 0.0, U("x"),
                                                               1, SC_OFD_QR_M, &e_));
    REFUSES(SC_EINVAL, "x: not a number", sc_ofd_doc_add_qr(doc, 0, 1e9, 0, 20, U("x"), 1,
                                                            SC_OFD_QR_M, &e_));
    /* version 1 (21 modules + 8 quiet): 2.9 mm is the least at 0.1 mm a module */
    REFUSES(SC_EINVAL, "make it at least 2.9 mm", sc_ofd_doc_add_qr(doc, 0, 0, 0, 2.8, U("x"),
                                                                    1, SC_OFD_QR_M, &e_));
    OK(sc_ofd_doc_add_qr(doc, 0, 0, 0, 2.9, U("x"), 1, SC_OFD_QR_M, &e_));
    /* 1273 bytes of 8-bit data is what version 40 holds at level H; one more does not fit */
    OK(sc_ofd_doc_add_qr(doc, 0, 0, 0, 100, U(big), 1273, SC_OFD_QR_H, &e_));
    REFUSES(SC_ELIMIT, "1274 bytes do not fit a QR code (version 40) at level H",
            sc_ofd_doc_add_qr(doc, 0, 0, 0, 100, U(big), 1274, SC_OFD_QR_H, &e_));
    OK(sc_ofd_doc_add_qr(doc, 0, 0, 0, 100, U(big), 1274, SC_OFD_QR_L, &e_));
    REFUSES(SC_ELIMIT, "more than any QR code holds", sc_ofd_doc_add_qr(doc, 0, 0, 0, 100,
            U(big), SIZE_MAX, SC_OFD_QR_L, &e_));
    assert_int_equal(doc->pages[0].n, 6);                /* three codes, two objects each */
    sc_ofd_doc_free(doc);
}

/* A code is two objects: it fits when two more are allowed, and adds neither when one is. */
static void ofd_doc_add_qr__object_limit_at_n_and_n_plus_1(void **state)
{
    (void)state;
    for (size_t before = SC_OFD_DOC_MAX_OBJECTS - 2; before <= SC_OFD_DOC_MAX_OBJECTS - 1;
         before++) {
        sc_ofd_doc *doc = doc_with_pages(1);
        for (size_t i = 0; i < before; i++)
            OK(sc_ofd_doc_add_line(doc, 0, 0, 0, 1, 1, 0.1, NULL, &e_));
        if (before == SC_OFD_DOC_MAX_OBJECTS - 2) {
            OK(sc_ofd_doc_add_qr(doc, 0, 0, 0, 20, U("x"), 1, SC_OFD_QR_M, &e_));
            assert_int_equal(doc->nobjs, SC_OFD_DOC_MAX_OBJECTS);
        } else {
            REFUSES(SC_ELIMIT, "more than 100000 objects",
                    sc_ofd_doc_add_qr(doc, 0, 0, 0, 20, U("x"), 1, SC_OFD_QR_M, &e_));
            assert_int_equal(doc->nobjs, before);
        }
        sc_ofd_doc_free(doc);
    }
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
        cmocka_unit_test(ofd_doc_add_qr__paths_redraw_the_encoded_matrix),
        cmocka_unit_test(ofd_doc_add_qr__refuses_each_bad_argument),
        cmocka_unit_test(ofd_doc_add_qr__object_limit_at_n_and_n_plus_1),
        cmocka_unit_test(ofd_doc_add_font_file__embeds_it_for_texts_naming_it),
        cmocka_unit_test(ofd_doc_add_font_file__refuses_each_bad_argument),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
