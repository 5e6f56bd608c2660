/* test_ofd_write.c: the OFD document writer (sealcore/ofd_doc.h). Written documents are read
 * back by our package reader and where installed by unzip -t / zipinfo and python3's zipfile;
 * XML parts are parsed with sc__ofd_xml_parse and checked with XPath; limits are checked at N
 * and N+1. The zip writer under it: test_ofd_zipw.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "ofd/ofd_int.h"
#include "ofd_write_test.h"
#include "sealcore/ofd.h"
#include "sealcore/ofd_doc.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------------------- */

#define PNG "\x89PNG\r\n\x1a\n-a stand-in for image bytes-"
#define NS "http://www.ofdspec.org/2016"
#define DOC_ID "0123456789abcdef0123456789ABCDEF"

static xmlDoc *parse_entry(sc_ofd_pkg *pkg, const char *name)
{
    size_t len;
    uint8_t *buf = read_entry(pkg, name, &len);
    xmlDoc *d = NULL;

    OK(sc__ofd_xml_parse(buf, len, name, &d, &e_));
    assert_memory_equal(buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 38);
    free(buf);
    return d;
}

/* XPath (prefix ofd bound to the OFD namespace) as a string: new, free(). */
static char *xp(xmlDoc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *xp(xmlDoc *d, const char *fmt, ...)
{
    xmlXPathContext *ctx = xmlXPathNewContext(d);
    xmlXPathObject *o;
    xmlChar *v;
    char expr[512], *s;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(expr, sizeof(expr), fmt, ap);
    va_end(ap);
    assert_non_null(ctx);
    assert_int_equal(xmlXPathRegisterNs(ctx, BAD_CAST "ofd", BAD_CAST NS), 0);
    if ((o = xmlXPathEvalExpression(BAD_CAST expr, ctx)) == NULL)
        fail_msg("xpath %s", expr);
    v = xmlXPathCastToString(o);
    s = strdup((const char *)v);
    xmlFree(v);
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return s;
}

static void xp_is(xmlDoc *d, const char *expr, const char *want)
{
    char *got = xp(d, "%s", expr);

    if (strcmp(got, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", expr, got, want);
    free(got);
}

static long xp_long(xmlDoc *d, const char *expr, long k)
{
    char *s = xp(d, expr, k);
    long v = strtol(s, NULL, 10);

    free(s);
    return v;
}

/* The element child of el called name, and that el's element children are exactly want
 * (space-separated, in order, all in the ofd: namespace, no text between them). */
static xmlNode *child(xmlNode *el, const char *name)
{
    for (xmlNode *c = el->children; c != NULL; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    fail_msg("<%s> has no <%s>", (const char *)el->name, name);
    return NULL;
}

static void children_are(xmlNode *el, const char *want)
{
    char got[512] = "";

    for (xmlNode *c = el->children; c != NULL; c = c->next) {
        assert_int_equal(c->type, XML_ELEMENT_NODE);
        assert_string_equal((const char *)c->ns->href, NS);
        assert_string_equal((const char *)c->ns->prefix, "ofd");
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", got[0] ? " " : "",
                 (const char *)c->name);
    }
    if (strcmp(got, want) != 0)
        fail_msg("<%s>: children \"%s\", want \"%s\"", (const char *)el->name, got, want);
}

static sc_ofd_doc *doc_new(size_t pages)
{
    sc_ofd_doc *doc = NULL;

    OK(sc_ofd_doc_new(&doc, 210, 297, &e_));
    OK(sc_ofd_doc_set_doc_id(doc, DOC_ID, &e_));
    for (size_t i = 0; i < pages; i++)
        OK(sc_ofd_doc_add_page(doc, NULL, &e_));
    return doc;
}

static void text(sc_ofd_doc *doc, size_t page, const char *font, const char *s)
{
    sc_ofd_text t = { 10, 10, 4, font, s, NULL };

    OK(sc_ofd_doc_add_text(doc, page, &t, &e_));
}

static sc_ofd_pkg *write_open(const sc_ofd_doc *doc, uint8_t **out, size_t *len)
{
    OK(sc_ofd_doc_write_mem(doc, out, len, &e_));
    return open_ok(*out, *len);
}

/* Every ID across the parts is unique and MaxUnitID is the largest; every Page BaseLoc is a
 * Content.xml, every Font and ResourceID reference a resource, every MediaFile an entry. */
static void check_ids_and_refs(sc_ofd_pkg *pkg, size_t npages)
{
    xmlDoc *d = parse_entry(pkg, "Doc_0/Document.xml");
    xmlDoc *pub = parse_entry(pkg, "Doc_0/PublicRes.xml");
    xmlDoc *res = parse_entry(pkg, "Doc_0/DocumentRes.xml");
    long max = xp_long(d, "string(//ofd:MaxUnitID)", 0), top = 0;
    uint8_t *seen = calloc((size_t)max + 1, 1);
    char name[SC_OFD_MAX_NAME + 1], *s, *r;
    size_t ix;

    assert_non_null(seen);
    assert_int_equal(xp_long(d, "count(//ofd:Page)", 0), (long)npages);
    for (size_t p = 0; p < 3 + npages; p++) {
        xmlDoc *x = p == 0 ? d : p == 1 ? pub : p == 2 ? res : NULL;
        if (x == NULL) {
            s = xp(d, "string(//ofd:Page[%zu]/@BaseLoc)", p - 2);
            OK(sc_ofd_path_resolve("Doc_0", s, name, sizeof(name), &e_));
            x = parse_entry(pkg, name);
            free(s);
        }
        for (long k = 1; k <= xp_long(x, "count(//@ID)", 0); k++) {
            long id = xp_long(x, "string((//@ID)[%ld])", k);
            assert_true(id >= 1 && id <= max);
            if (seen[id]++)
                fail_msg("ID %ld used twice", id);
            top = id > top ? id : top;
        }
        for (long k = 1; p >= 3 && k <= xp_long(x, "count(//ofd:TextObject)", 0); k++) {
            s = xp(x, "string((//ofd:TextObject)[%ld]/@Font)", k);
            assert_int_equal(xp_long(pub, "count(//ofd:Font[@ID = '%ld'])", (long)atol(s)), 1);
            free(s);
        }
        for (long k = 1; p >= 3 && k <= xp_long(x, "count(//ofd:ImageObject)", 0); k++) {
            r = xp(x, "string((//ofd:ImageObject)[%ld]/@ResourceID)", k);
            s = xp(res, "string(//ofd:MultiMedia[@ID = '%s']/ofd:MediaFile)", r);
            OK(sc_ofd_pkg_find(pkg, "Doc_0/Res", s, &ix, &e_));
            free(s);
            free(r);
        }
        if (p >= 3)
            xmlFreeDoc(x);
    }
    assert_int_equal(top, max);
    free(seen);
    xmlFreeDoc(d);
    xmlFreeDoc(pub);
    xmlFreeDoc(res);
}

static void ofd_doc_write__one_page_has_the_spec_structure(void **state)
{
    static const char *const entries[] = { "OFD.xml", "Doc_0/Document.xml",
        "Doc_0/PublicRes.xml", "Doc_0/DocumentRes.xml", "Doc_0/Pages/Page_0/Content.xml",
        "Doc_0/Res/image_7.png" };
    sc_ofd_doc *doc = doc_new(1);                                    /* page 1, layer 2 */
    sc_ofd_rgb red = { 200, 0, 0 };
    sc_ofd_text t = { 20, 30, 5, "黑体", "电子证照 A1", &red };
    uint8_t *out, *img;
    size_t len, ilen;
    sc_ofd_pkg *pkg;
    xmlDoc *d;
    xmlNode *root, *layer;

    (void)state;
    OK(sc_ofd_doc_set_info(doc, SC_OFD_DOC_CREATOR, "sealpki", &e_));
    OK(sc_ofd_doc_set_info(doc, SC_OFD_DOC_TITLE, "营业执照", &e_));
    OK(sc_ofd_doc_set_info(doc, SC_OFD_DOC_CREATION_DATE, "2024-02-29", &e_));
    OK(sc_ofd_doc_add_custom(doc, "统一社会信用代码", "91350100M000100Y43", &e_));
    OK(sc_ofd_doc_add_custom(doc, "b", "2", &e_));
    OK(sc_ofd_doc_add_text(doc, 0, &t, &e_));                       /* font 3, object 4 */
    text(doc, 0, NULL, "x");                                        /* font 5, object 6 */
    OK(sc_ofd_doc_add_image(doc, 0, 150, 20, 30, 30, U(PNG), sizeof(PNG) - 1, NULL, &e_));
    OK(sc_ofd_doc_add_line(doc, 0, 10, 50, 200, 50, 0.5, NULL, &e_));            /* 9 */
    OK(sc_ofd_doc_add_rect(doc, 0, 10, 60, 50, 20, 0.353, &red, &red, &e_));     /* 10 */
    pkg = write_open(doc, &out, &len);
    assert_int_equal(sc_ofd_pkg_count(pkg), 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(sc_ofd_pkg_name(pkg, i), entries[i]);
    img = read_entry(pkg, "Doc_0/Res/image_7.png", &ilen);
    assert_int_equal(ilen, sizeof(PNG) - 1);
    assert_memory_equal(img, PNG, ilen);
    free(img);

    root = xmlDocGetRootElement(d = parse_entry(pkg, "OFD.xml"));
    xp_is(d, "concat(/ofd:OFD/@Version, ' ', /ofd:OFD/@DocType)", "1.0 OFD");
    children_are(root, "DocBody");
    children_are(child(root, "DocBody"), "DocInfo DocRoot");
    children_are(child(child(root, "DocBody"), "DocInfo"),
                 "DocID Title CreationDate Creator CustomDatas");
    xp_is(d, "concat(//ofd:DocID, '|', //ofd:Title, '|', //ofd:CreationDate, '|', "
             "//ofd:Creator, '|', count(//ofd:CustomData), '|', //ofd:DocRoot)",
          DOC_ID "|营业执照|2024-02-29|sealpki|2|Doc_0/Document.xml");
    xp_is(d, "string(//ofd:CustomData[@Name = '统一社会信用代码'])", "91350100M000100Y43");
    xmlFreeDoc(d);
    root = xmlDocGetRootElement(d = parse_entry(pkg, "Doc_0/Document.xml"));
    children_are(root, "CommonData Pages");
    children_are(child(root, "CommonData"), "MaxUnitID PageArea PublicRes DocumentRes");
    xp_is(d, "concat(//ofd:MaxUnitID, '|', //ofd:PhysicalBox, '|', //ofd:Page/@ID, '|', "
             "//ofd:Page/@BaseLoc)", "10|0 0 210 297|1|Pages/Page_0/Content.xml");
    xmlFreeDoc(d);
    d = parse_entry(pkg, "Doc_0/PublicRes.xml");
    xp_is(d, "concat(/ofd:Res/@BaseLoc, '|', count(//ofd:Font), '|', //ofd:Font/@ID, '|', "
             "//ofd:Font/@FontName, '|', (//ofd:Font)[2]/@FontName)", "Res|2|3|黑体|宋体");
    xmlFreeDoc(d);
    d = parse_entry(pkg, "Doc_0/DocumentRes.xml");
    xp_is(d, "concat(//ofd:MultiMedia/@ID, ' ', //ofd:MultiMedia/@Type, ' ', "
             "//ofd:MultiMedia/@Format, ' ', //ofd:MediaFile)", "7 Image PNG image_7.png");
    xmlFreeDoc(d);

    root = xmlDocGetRootElement(d = parse_entry(pkg, "Doc_0/Pages/Page_0/Content.xml"));
    children_are(root, "Content");
    children_are(layer = child(child(root, "Content"), "Layer"),
                 "TextObject TextObject ImageObject PathObject PathObject");
    children_are(child(layer, "TextObject"), "FillColor TextCode");
    xp_is(d, "concat(//ofd:Layer/@ID, ' ', //ofd:Layer/@Type)", "2 Body");
    xp_is(d, "concat(//ofd:TextObject/@ID, '|', //ofd:TextObject/@Boundary, '|', "
             "//ofd:TextObject/@Font, '|', //ofd:TextObject/@Size, '|', "
             "//ofd:TextObject/ofd:FillColor/@Value)", "4|20 25 27.5 6.25|3|5|200 0 0");
    xp_is(d, "concat(//ofd:TextCode/@X, ' ', //ofd:TextCode/@Y, '|', //ofd:TextCode/@DeltaX, "
             "'|', //ofd:TextCode)", "0 5|5 5 5 5 2.5 2.5|电子证照 A1");
    xp_is(d, "concat((//ofd:TextObject)[2]/@ID, (//ofd:TextObject)[2]/@Font, "
             "count((//ofd:TextCode)[2]/@DeltaX))", "650");         /* one glyph: no DeltaX */
    xp_is(d, "concat(//ofd:ImageObject/@ID, '|', //ofd:ImageObject/@Boundary, '|', "
             "//ofd:ImageObject/@CTM, '|', //ofd:ImageObject/@ResourceID)",
          "8|150 20 30 30|30 0 0 30 0 0|7");
    xp_is(d, "concat((//ofd:PathObject)[1]/@Boundary, '|', (//ofd:PathObject)[1]/@LineWidth,"
             " '|', (//ofd:PathObject)[1]/ofd:AbbreviatedData)",
          "9.5 49.5 191 1|0.5|M 0.5 0.5 L 190.5 0.5");
    xp_is(d, "concat((//ofd:PathObject)[2]/@Fill, '|', (//ofd:PathObject)[2]/ofd:"
             "AbbreviatedData)", "true|M 0.353 0.353 L 50.353 0.353 L 50.353 20.353 L 0.353 "
             "20.353 C");
    xmlFreeDoc(d);
    check_ids_and_refs(pkg, 1);
    external_readers_accept(out, len, "one.ofd");
    sc_ofd_pkg_free(pkg);
    free(out);
    sc_ofd_doc_free(doc);
}

static void ofd_doc_write__hundred_pages_share_one_image(void **state)
{
    sc_ofd_doc *doc = doc_new(100);
    uint8_t *out;
    size_t len;
    sc_ofd_pkg *pkg;
    xmlDoc *d;
    char s[64];

    (void)state;
    for (size_t i = 0; i < 100; i++) {
        snprintf(s, sizeof(s), "第 %zu 页 & page %zu", i + 1, i + 1);
        text(doc, i, NULL, s);
        OK(sc_ofd_doc_add_image(doc, i, 150, 250, 40, 40, U(PNG), sizeof(PNG) - 1, "png", &e_));
    }
    pkg = write_open(doc, &out, &len);
    assert_int_equal(sc_ofd_pkg_count(pkg), 4 + 100 + 1);     /* the image once */
    check_ids_and_refs(pkg, 100);
    d = parse_entry(pkg, "Doc_0/Pages/Page_99/Content.xml");
    xp_is(d, "string(//ofd:TextCode)", s);
    xmlFreeDoc(d);
    external_readers_accept(out, len, "hundred.ofd");
    sc_ofd_pkg_free(pkg);
    free(out);
    sc_ofd_doc_free(doc);
}

/* Each string as text, font name, Title, CustomData name and value, read back exactly. */
static void ofd_doc_text__round_trips_each_special_string(void **state)
{
    static const char *const rows[] = {
        "a & b", "<ofd:Page>", "\"double\" 'single'", "&amp; &lt; &#38;", "]]>", "电子证照",
        "tab\there", "line\nfeed", "cr\rreturn", "cr lf\r\n", "  spaces  ", " ", "😀 U+1F600",
        "\xef\xbf\xbd U+FFFD", "\xee\x80\x80 U+E000",
    };
    static const char *const where[] = { "Doc_0/Pages/Page_0/Content.xml", "Doc_0/PublicRes.xml",
        "OFD.xml", "OFD.xml", "OFD.xml" };
    static const char *const expr[] = { "//ofd:TextCode", "//ofd:Font/@FontName",
        "//ofd:Title", "//ofd:CustomData/@Name", "//ofd:CustomData" };

    (void)state;
    for (size_t i = 0; i < NROWS(rows); i++) {
        sc_ofd_doc *doc = doc_new(1);
        uint8_t *out;
        size_t len;
        sc_ofd_pkg *pkg;

        text(doc, 0, rows[i], rows[i]);
        OK(sc_ofd_doc_set_info(doc, SC_OFD_DOC_TITLE, rows[i], &e_));
        OK(sc_ofd_doc_add_custom(doc, rows[i], rows[i], &e_));
        pkg = write_open(doc, &out, &len);
        for (size_t k = 0; k < NROWS(where); k++) {
            xmlDoc *d = parse_entry(pkg, where[k]);
            char *got = xp(d, "string(%s)", expr[k]);
            if (strcmp(got, rows[i]) != 0)
                fail_msg("row %zu: %s \"%s\" came back as \"%s\"", i, expr[k], rows[i], got);
            free(got);
            xmlFreeDoc(d);
        }
        sc_ofd_pkg_free(pkg);
        free(out);
        sc_ofd_doc_free(doc);
    }
}

/* The exact bytes of escaped text and attribute values (libxml2 2.9's serialiser, which
 * ofd_doc_xml.c reproduces so that earlier documents' hashes hold): text escapes & < > and
 * CR; an attribute also " and LF, TAB; ' and UTF-8 are copied. A change here changes every
 * document's bytes even where a parser reads the same values back. */
static void ofd_doc_write__escapes_to_the_exact_bytes(void **state)
{
    static const char raw[] = "a<b>c&d\"e'f\rg\nh\ti 电子证照";
#define TXT "a&lt;b&gt;c&amp;d\"e'f&#13;g\nh\ti 电子证照"
#define ATT "a&lt;b&gt;c&amp;d&quot;e'f&#13;g&#10;h&#9;i 电子证照"
    static const char ofd_xml[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<ofd:OFD xmlns:ofd=\"" NS "\" Version=\"1.0\" DocType=\"OFD\"><ofd:DocBody>"
        "<ofd:DocInfo><ofd:DocID>" DOC_ID "</ofd:DocID><ofd:Title>" TXT "</ofd:Title>"
        "<ofd:CustomDatas><ofd:CustomData Name=\"" ATT "\">" TXT "</ofd:CustomData>"
        "<ofd:CustomData Name=\"n\"></ofd:CustomData></ofd:CustomDatas></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>\n";
    static const char *const in_part[][2] = {
        { "Doc_0/PublicRes.xml", " FontName=\"" ATT "\" FamilyName=\"" ATT "\"" },
        { "Doc_0/Pages/Page_0/Content.xml", ">" TXT "</ofd:TextCode>" },
    };
#undef TXT
#undef ATT
    sc_ofd_doc *doc = doc_new(1);
    uint8_t *out, *part;
    size_t len, plen;
    sc_ofd_pkg *pkg;

    (void)state;
    text(doc, 0, raw, raw);
    OK(sc_ofd_doc_set_info(doc, SC_OFD_DOC_TITLE, raw, &e_));
    OK(sc_ofd_doc_add_custom(doc, raw, raw, &e_));
    OK(sc_ofd_doc_add_custom(doc, "n", "", &e_));   /* "" text: an end tag */
    pkg = write_open(doc, &out, &len);
    part = read_entry(pkg, "OFD.xml", &plen);
    if (plen != sizeof(ofd_xml) - 1 || memcmp(part, ofd_xml, plen) != 0)
        fail_msg("OFD.xml is\n%.*s\nwant\n%s", (int)plen, (const char *)part, ofd_xml);
    free(part);
    for (size_t i = 0; i < NROWS(in_part); i++) {
        const char *want = in_part[i][1];
        size_t wl = strlen(want), at = 0;

        part = read_entry(pkg, in_part[i][0], &plen);
        while (at + wl <= plen && memcmp(part + at, want, wl) != 0)
            at++;
        if (at + wl > plen)
            fail_msg("%s has no %s:\n%.*s", in_part[i][0], want, (int)plen,
                     (const char *)part);
        free(part);
    }
    sc_ofd_pkg_free(pkg);
    free(out);
    sc_ofd_doc_free(doc);
}

static void ofd_doc__refuses_each_bad_string(void **state)
{
    static const struct {
        const char *s, *frag;
    } rows[] = {
        { "a\xff", "not UTF-8 (byte 0xff at offset 1)" },
        { "\xc0\x80", "not UTF-8 (byte 0xc0" },                  /* overlong NUL */
        { "\xe0\x80\xaf", "not UTF-8 (bad sequence" },           /* overlong "/" */
        { "\xed\xa0\x80", "not UTF-8 (bad sequence" },           /* surrogate */
        { "\xf4\x90\x80\x80", "not UTF-8 (bad sequence" },       /* above U+10FFFF */
        { "电\xe5\xad", "not UTF-8 (cut off at offset 3)" },
        { "\xe5x\xad", "not UTF-8 (byte 0x78" },
        { "bell\x07", "character U+0007 at offset 4 is not allowed in XML" },
        { "\x1b[0m", "character U+001B" },
        { "\xef\xbf\xbe", "character U+FFFE" },
        { "\xef\xbf\xbf", "character U+FFFF" },
    };
    sc_ofd_doc *doc = doc_new(1);

    (void)state;
    for (size_t i = 0; i < NROWS(rows); i++) {
        const char *s = rows[i].s, *f = rows[i].frag;
        sc_ofd_text t = { 10, 10, 4, NULL, s, NULL }, tf = { 10, 10, 4, s, "ok", NULL };
        REFUSES(SC_EINVAL, f, sc_ofd_doc_add_text(doc, 0, &t, &e_));
        REFUSES(SC_EINVAL, f, sc_ofd_doc_add_text(doc, 0, &tf, &e_));
        REFUSES(SC_EINVAL, f, sc_ofd_doc_set_info(doc, SC_OFD_DOC_AUTHOR, s, &e_));
        REFUSES(SC_EINVAL, f, sc_ofd_doc_add_custom(doc, s, "v", &e_));
        REFUSES(SC_EINVAL, f, sc_ofd_doc_add_custom(doc, "n", s, &e_));
    }
    sc_ofd_doc_free(doc);
}

static void ofd_doc__refuses_each_bad_argument(void **state)
{
    sc_ofd_doc *doc = doc_new(0), *d2 = (sc_ofd_doc *)1;
    sc_ofd_text t = { 10, 10, 0, NULL, "x", NULL };
    uint8_t dummy = 0, *out = &dummy;
    size_t len;

    (void)state;
    REFUSES(SC_EINVAL, "no pages", sc_ofd_doc_write_mem(doc, &out, &len, &e_));
    assert_null(out);
    OK(sc_ofd_doc_add_page(doc, NULL, &e_));
    REFUSES(SC_EINVAL, "is empty", sc_ofd_doc_new(&d2, 0, 297, &e_));
    assert_null(d2);
    REFUSES(SC_EINVAL, "page height", sc_ofd_doc_new(&d2, 210, 0.0 / 0.0, &e_));
    REFUSES(SC_EINVAL, "not 32 hex", sc_ofd_doc_set_doc_id(doc, "0123", &e_));
    REFUSES(SC_EINVAL, "not 32 hex", sc_ofd_doc_set_doc_id(doc, DOC_ID "0", &e_));
    REFUSES(SC_EINVAL, "not 32 hex",
            sc_ofd_doc_set_doc_id(doc, "g123456789abcdef0123456789ABCDEF", &e_));
    assert_string_equal(sc_ofd_doc_get_doc_id(doc), DOC_ID);
    REFUSES(SC_EINVAL, "not a date YYYY-MM-DD",
            sc_ofd_doc_set_info(doc, SC_OFD_DOC_CREATION_DATE, "2023-02-29", &e_));
    REFUSES(SC_EINVAL, "unknown field 6", sc_ofd_doc_set_info(doc, 6, "x", &e_));
    REFUSES(SC_EINVAL, "font size", sc_ofd_doc_add_text(doc, 0, &t, &e_));
    t.size_mm = 4;
    REFUSES(SC_EINVAL, "page 1: text: no such page (1 in the document)",
            sc_ofd_doc_add_text(doc, 1, &t, &e_));
    t.text = "";
    REFUSES(SC_EINVAL, "no text", sc_ofd_doc_add_text(doc, 0, &t, &e_));
    REFUSES(SC_EFORMAT, "bytes are not PNG",
            sc_ofd_doc_add_image(doc, 0, 0, 0, 10, 10, U("\xff\xd8\xff"), 3, "PNG", &e_));
    REFUSES(SC_EINVAL, "\"GIF\": not PNG, JPEG or BMP",
            sc_ofd_doc_add_image(doc, 0, 0, 0, 10, 10, U("GIF89a"), 6, "GIF", &e_));
    REFUSES(SC_EFORMAT, "image: not PNG, JPEG or BMP",
            sc_ofd_doc_add_image(doc, 0, 0, 0, 10, 10, U("GIF89a"), 6, NULL, &e_));
    REFUSES(SC_EINVAL, "width", sc_ofd_doc_add_image(doc, 0, 0, 0, -1, 10, U(PNG), 8, NULL, &e_));
    REFUSES(SC_EINVAL, "neither outline nor fill",
            sc_ofd_doc_add_rect(doc, 0, 0, 0, 10, 10, 1, NULL, NULL, &e_));
    REFUSES(SC_EINVAL, "x: not a number in",
            sc_ofd_doc_add_line(doc, 0, 0, 0, 1e9, 0, 1, NULL, &e_));
    REFUSES(SC_EINVAL, "line width: 0", sc_ofd_doc_add_line(doc, 0, 0, 0, 1, 0, 0, NULL, &e_));
    OK(sc_ofd_doc_add_image(doc, 0, 0, 0, 10, 10, U("\xff\xd8\xff"), 3, "jpg", &e_));
    OK(sc_ofd_doc_add_image(doc, 0, 0, 0, 10, 10, U("BM"), 2, NULL, &e_));
    sc_ofd_doc_free(doc);
}

static void ofd_doc_write__same_calls_give_same_bytes(void **state)
{
    uint8_t *out[2];
    size_t len[2];
    char ids[2][33];

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        sc_ofd_doc *doc = doc_new(1), *rnd = NULL;
        text(doc, 0, NULL, "reproducible 可重复");
        OK(sc_ofd_doc_write_mem(doc, &out[i], &len[i], &e_));
        OK(sc_ofd_doc_new(&rnd, 210, 297, &e_));
        memcpy(ids[i], sc_ofd_doc_get_doc_id(rnd), 33);
        assert_int_equal(strspn(ids[i], "0123456789abcdef"), 32);
        sc_ofd_doc_free(rnd);
        sc_ofd_doc_free(doc);
    }
    assert_int_equal(len[0], len[1]);
    assert_memory_equal(out[0], out[1], len[0]);
    assert_true(strcmp(ids[0], ids[1]) != 0);     /* the default DocID is random */
    free(out[0]);
    free(out[1]);
}

static void ofd_doc__limits_at_n_and_n_plus_1(void **state)
{
    sc_ofd_doc *doc = doc_new(SC_OFD_DOC_MAX_PAGES);
    sc_ofd_rgb c = { 1, 2, 3 };
    char *big = malloc(SC_OFD_DOC_MAX_STRING + 2), name[32];
    uint8_t dummy = 0, *out = &dummy, img[16] = "BM";
    size_t len;

    (void)state;
    assert_non_null(big);
    memset(big, 'a', SC_OFD_DOC_MAX_STRING + 1);
    big[SC_OFD_DOC_MAX_STRING + 1] = '\0';
    REFUSES(SC_ELIMIT, "65537 bytes, more than the 65536 allowed",
            sc_ofd_doc_set_info(doc, SC_OFD_DOC_SUBJECT, big, &e_));
    big[SC_OFD_DOC_MAX_STRING] = '\0';
    OK(sc_ofd_doc_set_info(doc, SC_OFD_DOC_SUBJECT, big, &e_));
    REFUSES(SC_ELIMIT, "more than 1000 pages", sc_ofd_doc_add_page(doc, NULL, &e_));
    for (unsigned i = 0; i < SC_OFD_DOC_MAX_CUSTOM; i++)
        OK(sc_ofd_doc_add_custom(doc, "n", "v", &e_));
    REFUSES(SC_ELIMIT, "more than 1000", sc_ofd_doc_add_custom(doc, "n", "v", &e_));
    for (unsigned i = 0; i < SC_OFD_DOC_MAX_FONTS; i++) {
        snprintf(name, sizeof(name), "font %u", i);
        text(doc, i, name, "x");
    }
    sc_ofd_text tf = { 1, 1, 1, "one more font", "x", NULL };
    REFUSES(SC_ELIMIT, "more than 100 fonts", sc_ofd_doc_add_text(doc, 0, &tf, &e_));
    for (unsigned i = 0; i < SC_OFD_DOC_MAX_IMAGES; i++) {
        memcpy(img + 2, &i, sizeof(i));             /* distinct bytes: distinct images */
        OK(sc_ofd_doc_add_image(doc, i, 0, 0, 1, 1, img, sizeof(img), NULL, &e_));
    }
    REFUSES(SC_ELIMIT, "more than 1000 images",
            sc_ofd_doc_add_image(doc, 0, 0, 0, 1, 1, U("BMnew"), 5, NULL, &e_));
    OK(sc_ofd_doc_add_image(doc, 5, 0, 0, 1, 1, img, sizeof(img), NULL, &e_));   /* shared */
    for (size_t n = SC_OFD_DOC_MAX_FONTS + SC_OFD_DOC_MAX_IMAGES + 1;
         n < SC_OFD_DOC_MAX_OBJECTS; n++)
        OK(sc_ofd_doc_add_rect(doc, n % 1000, 0, 0, 1, 1, 0, NULL, &c, &e_));
    REFUSES(SC_ELIMIT, "more than 100000 objects",
            sc_ofd_doc_add_line(doc, 0, 0, 0, 1, 1, 1, NULL, &e_));
    sc_ofd_doc_free(doc);

    doc = doc_new(1);                  /* a Content.xml over SC_OFD_MAX_XML: refused */
    for (size_t i = 0; i < 100; i++)       /* 100 x (64 KiB text + 128 KiB DeltaX) */
        text(doc, 0, NULL, big);
    REFUSES(SC_ELIMIT, "Doc_0/Pages/Page_0/Content.xml: ",
            sc_ofd_doc_write_mem(doc, &out, &len, &e_));
    REFUSES(SC_ELIMIT, "more than the 16777216 a reader takes",
            sc_ofd_doc_write_mem(doc, &out, &len, &e_));
    assert_null(out);
    sc_ofd_doc_free(doc);
    free(big);
}

static void ofd_doc_write__sink_errors_propagate(void **state)
{
    sc_ofd_doc *doc = doc_new(1);

    (void)state;
    text(doc, 0, NULL, "x");
    struct mem all = { 0 };
    OK(sc_ofd_doc_write(doc, mem_sink, &all, &e_));
    free(all.buf);
    for (size_t at = 1; at < all.len; at += 37) {   /* in each entry, then the directory */
        struct mem m = { NULL, 0, 0, at, SC_EIO };
        REFUSES(SC_EIO, "writing the OFD document: test sink: disk full",
                sc_ofd_doc_write(doc, mem_sink, &m, &e_));
        free(m.buf);
    }
    sc_ofd_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ofd_doc_write__one_page_has_the_spec_structure),
        cmocka_unit_test(ofd_doc_write__hundred_pages_share_one_image),
        cmocka_unit_test(ofd_doc_text__round_trips_each_special_string),
        cmocka_unit_test(ofd_doc_write__escapes_to_the_exact_bytes),
        cmocka_unit_test(ofd_doc__refuses_each_bad_string),
        cmocka_unit_test(ofd_doc__refuses_each_bad_argument),
        cmocka_unit_test(ofd_doc_write__same_calls_give_same_bytes),
        cmocka_unit_test(ofd_doc__limits_at_n_and_n_plus_1),
        cmocka_unit_test(ofd_doc_write__sink_errors_propagate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
