/* ofd_doc_test.c: the helpers ofd_doc_test.h declares, compiled into test_ofd_doc_tags and
 * test_ofd_doc_qr. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpathInternals.h>

#include "ofd/ofd_int.h"
#include "ofd_doc_test.h"
#include "ofd_write_test.h"

part part_open(sc_ofd_pkg *pkg, const char *name)
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

void part_close(part *p)
{
    xmlXPathFreeContext(p->ctx);
    xmlFreeDoc(p->doc);
}

/* The string value of an XPath expression (printf-style): new, free(). */
char *part_str(part *p, const char *fmt, ...)
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

long part_long(part *p, const char *expr, long k)
{
    char *s = part_str(p, expr, k);
    long v = strtol(s, NULL, 10);

    free(s);
    return v;
}

/* An A4 document of n empty pages (a random DocID: nothing here compares whole packages). */
sc_ofd_doc *doc_with_pages(size_t n)
{
    sc_ofd_doc *doc = NULL;

    OK(sc_ofd_doc_new(&doc, 210, 297, &e_));
    while (n-- > 0)
        OK(sc_ofd_doc_add_page(doc, NULL, &e_));
    return doc;
}

written write_read(const sc_ofd_doc *doc)
{
    written w = { NULL, 0, NULL };

    OK(sc_ofd_doc_write_mem(doc, &w.buf, &w.len, &e_));
    w.pkg = open_ok(w.buf, w.len);
    return w;
}

/* Free w and doc. */
void done(written *w, sc_ofd_doc *doc)
{
    sc_ofd_pkg_free(w->pkg);
    free(w->buf);
    sc_ofd_doc_free(doc);
}

void add_text(sc_ofd_doc *doc, size_t page, double y, const char *s)
{
    sc_ofd_text t = { 20, y, 4, NULL, s, NULL };

    OK(sc_ofd_doc_add_text(doc, page, &t, &e_));
}

/* Every @ID in Document.xml, both Res files and every page is unique; MaxUnitID the largest. */
void ids_unique(sc_ofd_pkg *pkg, size_t npages)
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
