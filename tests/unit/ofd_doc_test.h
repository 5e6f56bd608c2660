/* ofd_doc_test.h: what test_ofd_doc_tags.c (IDs, custom tags, font files) and
 * test_ofd_doc_qr.c (QR codes) share: documents written and read back with our package
 * reader, their XML parts queried with XPath (prefixes ofd: OFD, sc: our tag documents), and
 * the ID check. Defined in ofd_doc_test.c, which tests/meson.build compiles into both. */
#ifndef SC_OFD_DOC_TEST_H
#define SC_OFD_DOC_TEST_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "sealcore/ofd.h"
#include "sealcore/ofd_doc.h"

/* One XML part of a package, parsed with sc__ofd_xml_parse; part_close frees it. */
typedef struct part {
    xmlDoc *doc;
    xmlXPathContext *ctx;
} part;

part part_open(sc_ofd_pkg *pkg, const char *name);
void part_close(part *p);
/* The string value of an XPath expression (printf-style): new, free(). */
char *part_str(part *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* expr (with one %ld for k) as a number. */
long part_long(part *p, const char *expr, long k);
/* Fail naming the expression unless its string value is want. */
#define PART_IS(p, want, ...)                                                              \
    do {                                                                                   \
        char *got_ = part_str((p), __VA_ARGS__);                                           \
        if (strcmp(got_, (want)) != 0)                                                     \
            fail_msg("%s: got \"%s\", want \"%s\"", #__VA_ARGS__, got_, (want));           \
        free(got_);                                                                        \
    } while (0)

/* An A4 document of n empty pages (a random DocID: nothing here compares whole packages). */
sc_ofd_doc *doc_with_pages(size_t n);
/* A 4 mm text in the default font at (20, y) on page. */
void add_text(sc_ofd_doc *doc, size_t page, double y, const char *s);

/* A written document, read back by our package reader. */
typedef struct written {
    uint8_t *buf;
    size_t len;
    sc_ofd_pkg *pkg;
} written;

written write_read(const sc_ofd_doc *doc);
/* Free w and doc. */
void done(written *w, sc_ofd_doc *doc);

/* Every @ID in Document.xml, both Res files and every page is unique; MaxUnitID the largest. */
void ids_unique(sc_ofd_pkg *pkg, size_t npages);

#endif
