/* ofd_doc_sign.h: a document written and stamped in one pass (internal; used by sc_lic_issue).
 *
 * Why: a document made with sc_ofd_doc and stamped at once went through sc_ofd_doc_write_mem,
 * then sc_ofd_pkg_open_mem and sc_ofd_sign: every XML part deflated, inflated again, hashed
 * and parsed back, and OFD.xml deflated twice: three quarters of a one-page licence's time
 * besides its signature. Here the writer hands its parts over uncompressed
 * (sc__ofd_doc_parts), the stamper hashes the References from those bytes, takes the pages
 * from the document instead of parsing Document.xml (sc__ofd_doc_model), and the zip is
 * written once. The stamping itself is sc_ofd_sign's code (ofd_stamp.c): the output has the
 * same entries, in the same order, with the same uncompressed bytes as stamping the written
 * package (but for the randomised SM2 value in SignedValue.dat); only the deflate level of
 * its XML differs (level 1, parts under 4 KiB stored: sc__zipw_set_deflate). */
#ifndef SC_OFD_DOC_SIGN_H
#define SC_OFD_DOC_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "ofd/ofd_model.h"
#include "sealcore/ofd_doc.h"
#include "sealcore/ofd_sign.h"

/* One part of a written document, in package order. */
typedef struct sc__ofd_part {
    char *name;              /* entry name (owned) */
    const uint8_t *data;     /* its bytes: own below, or the document's (an image, a font) */
    size_t len;
    int deflate;             /* 1: compressed in the zip (XML, BMP), 0: stored */
    uint8_t *own;            /* the XML written (free()); NULL: data is borrowed */
} sc__ofd_part;

typedef struct sc__ofd_parts {
    sc__ofd_part *p;
    size_t n, cap;
} sc__ofd_parts;

/* The parts sc_ofd_doc_write would zip, same names, order and bytes, into *out (empty on
 * entry). Parts borrow the document's image and font bytes: doc must outlive *out and not
 * change. On failure *out is emptied. @return as sc_ofd_doc_write, without sink errors */
int sc__ofd_doc_parts(const sc_ofd_doc *doc, sc__ofd_parts *out, sc_err *err);
void sc__ofd_parts_free(sc__ofd_parts *ps);   /* frees the contents; ps itself is the caller's */

/* What sc__ofd_model_load reads from those parts: DocRoot, PhysicalBox, MaxUnitID, the pages
 * (ID, Content.xml entry); no signatures. @param[out] out free with sc__ofd_model_free()
 * @return 0, SC_ENOMEM */
int sc__ofd_doc_model(const sc_ofd_doc *doc, sc__ofd_model **out, sc_err *err);

/* sc_ofd_sign on the package sc_ofd_doc_write(doc) would write, without writing and reading
 * it back (see above). Parameters, refusals, sink rules and info as sc_ofd_sign. */
int sc__ofd_sign_doc(const sc_ofd_doc *doc, const sc_ofd_sign_params *p, sc_ofd_sink sink,
                     void *ctx, sc_ofd_sign_info *info, sc_err *err);

#endif
