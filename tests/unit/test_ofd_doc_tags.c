/* test_ofd_doc_tags.c: what the OFD document writer (sealcore/ofd_doc.h) adds for licence
 * files: object IDs handed back to the caller. Written packages are read back with our package
 * reader and libxml2 (through sc__ofd_xml_parse) and checked with XPath. The writer's base
 * behaviour: test_ofd_write.c. */
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

#define PNG "\x89PNG\r\n\x1a\n-a stand-in for image bytes-"
#define DOC_ID "00112233445566778899aabbccddeeff"

/* ---- one XML part of a written package, queried with XPath --------------------------- */

typedef struct part {
    xmlDoc *doc;
    xmlXPathContext *ctx;       /* prefix ofd: the OFD namespace */
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
    return p;
}

static void part_close(part *p)
{
    xmlXPathFreeContext(p->ctx);
    xmlFreeDoc(p->doc);
}

/* The string value of an XPath expression (printf-style), compared with want. */
static void part_is(part *p, const char *want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void part_is(part *p, const char *want, const char *fmt, ...)
{
    char expr[512];
    va_list ap;
    xmlXPathObject *o;
    xmlChar *got;

    va_start(ap, fmt);
    vsnprintf(expr, sizeof(expr), fmt, ap);
    va_end(ap);
    if ((o = xmlXPathEvalExpression(BAD_CAST expr, p->ctx)) == NULL)
        fail_msg("bad XPath %s", expr);
    got = xmlXPathCastToString(o);
    xmlXPathFreeObject(o);
    if (got == NULL || strcmp((const char *)got, want) != 0) {
        char copy[256];
        snprintf(copy, sizeof(copy), "%s", got != NULL ? (const char *)got : "(null)");
        xmlFree(got);
        fail_msg("%s: got \"%s\", want \"%s\"", expr, copy, want);
    }
    xmlFree(got);
}

static sc_ofd_doc *doc_with_pages(size_t n)
{
    sc_ofd_doc *doc = NULL;

    OK(sc_ofd_doc_new(&doc, 210, 297, &e_));
    OK(sc_ofd_doc_set_doc_id(doc, DOC_ID, &e_));
    for (size_t i = 0; i < n; i++)
        OK(sc_ofd_doc_add_page(doc, NULL, &e_));
    return doc;
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
    uint8_t *out;
    size_t len;
    sc_ofd_pkg *pkg;
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

    OK(sc_ofd_doc_write_mem(doc, &out, &len, &e_));
    pkg = open_ok(out, len);
    p = part_open(pkg, "Doc_0/Pages/Page_1/Content.xml");
    part_is(&p, "持证主体", "string(//ofd:TextObject[@ID = '%u']/ofd:TextCode)",
            (unsigned)ids[0]);
    part_is(&p, "150 20 30 30", "string(//ofd:ImageObject[@ID = '%u']/@Boundary)",
            (unsigned)ids[1]);
    part_is(&p, "0.5", "string(//ofd:PathObject[@ID = '%u']/@LineWidth)", (unsigned)ids[2]);
    part_is(&p, "0.3", "string(//ofd:PathObject[@ID = '%u']/@LineWidth)", (unsigned)ids[3]);
    part_close(&p);
    p = part_open(pkg, "Doc_0/Pages/Page_0/Content.xml");
    part_is(&p, "第一页", "string(//ofd:TextObject[@ID = '%u'])", (unsigned)ids[4]);
    part_close(&p);
    p = part_open(pkg, "Doc_0/Document.xml");
    part_is(&p, "1 3", "concat(//ofd:Page[1]/@ID, ' ', //ofd:Page[2]/@ID)");
    part_close(&p);
    sc_ofd_pkg_free(pkg);
    free(out);
    sc_ofd_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ofd_doc_last_id__names_each_new_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
