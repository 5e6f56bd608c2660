/* ofd_doc_qr.c: the OFD document writer's 2-D codes (sealcore/ofd_doc.h, sc_ofd_doc_add_qr):
 * QR Code (ISO/IEC 18004) encoding through libqrencode, kept as its module matrix, which
 * ofd_doc_xml.c draws as vector paths (one rectangle per run of dark modules in a row).
 * Licence faces carry the licence identifier and a verification URL this way (issue 6;
 * GB/T 36905 names Grid Matrix, GB/T 27766, for which no encoder is packaged: QR is what
 * licence apps and bank counters scan today).
 * Not here: the objects and IDs (ofd_doc.c), the path data (ofd_doc_xml.c). */
#include "ofd/ofd_doc_int.h"
#include "sc_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

/* Threads: Debian's libqrencode is built with pthread (its Reed-Solomon tables are made once
 * behind a mutex), so documents on different threads may add codes at the same time. */

/* Highest capacity of a version 40 code, numeric mode at level L: more can never fit, so
 * longer data is refused before anything is copied or encoded. */
#define QR_MAX_DIGITS 7089u

static const char *const ecl_names[] = { "L", "M", "Q", "H" };

/* libqrencode's symbol for data. Without NUL bytes the data is split into numeric,
 * alphanumeric and 8-bit segments (QRcode_encodeString, case-sensitive, no Kanji mode), so a
 * URL with an upper-case identifier takes a smaller code; with NUL bytes all 8-bit. */
static int encode(const uint8_t *data, size_t len, sc_ofd_qr_ecl ecl, QRcode **out,
                  sc_err *err)
{
    QRecLevel level = (QRecLevel)((int)QR_ECLEVEL_L + (int)ecl);
    char *str = NULL;

    errno = 0;
    if (memchr(data, 0, len) != NULL) {
        *out = QRcode_encodeData((int)len, data, 0, level);
    } else {
        if ((str = sc__malloc(len + 1, err)) == NULL)
            return SC_ENOMEM;
        memcpy(str, data, len);
        str[len] = '\0';
        *out = QRcode_encodeString(str, 0, level, QR_MODE_8, 1);
        free(str);
    }
    if (*out != NULL)
        return 0;
    if (errno == ERANGE)
        return sc_err_set(err, SC_ELIMIT, "%zu bytes do not fit a QR code (version 40) at "
                          "level %s; shorten the data or use a lower level", len,
                          ecl_names[ecl]);
    if (errno == ENOMEM)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    return sc_err_set(err, SC_EINVAL, "libqrencode refused the data (errno %d)", errno);
}

static int check_args(const sc_ofd_doc *doc, size_t page, double x, double y, double size,
                      const uint8_t *data, size_t len, sc_ofd_qr_ecl ecl, sc_err *err)
{
    int rc;

    if (page >= doc->npages)
        return sc_err_set(err, SC_EINVAL, "no such page (%zu in the document)", doc->npages);
    if ((rc = sc__ofd_doc_check_num(x, -SC_OFD_DOC_MAX_MM, SC_OFD_DOC_MAX_MM, "x", err)) != 0 ||
        (rc = sc__ofd_doc_check_num(y, -SC_OFD_DOC_MAX_MM, SC_OFD_DOC_MAX_MM, "y", err)) != 0 ||
        (rc = sc__ofd_doc_check_num(size, 0, SC_OFD_DOC_MAX_MM, "size", err)) != 0)
        return rc;
    if ((unsigned)ecl > (unsigned)SC_OFD_QR_H)
        return sc_err_set(err, SC_EINVAL, "error correction level %d: not L, M, Q or H",
                          (int)ecl);
    if (data == NULL || len == 0)
        return sc_err_set(err, SC_EINVAL, "no data");
    if (len > QR_MAX_DIGITS)
        return sc_err_set(err, SC_ELIMIT, "%zu bytes, more than any QR code holds (%u digits "
                          "at most)", len, QR_MAX_DIGITS);
    if (doc->nobjs > SC_OFD_DOC_MAX_OBJECTS - 2)
        return sc_err_set(err, SC_ELIMIT, "OFD document: more than %u objects",
                          SC_OFD_DOC_MAX_OBJECTS);
    return 0;
}

int sc_ofd_doc_add_qr(sc_ofd_doc *doc, size_t page, double x_mm, double y_mm, double size_mm,
                      const uint8_t *data, size_t len, sc_ofd_qr_ecl ecl, sc_err *err)
{
    QRcode *qr = NULL;
    uint8_t *matrix = NULL;
    sc__ofd_doc_page *p;
    sc__ofd_obj *bg, *fg;
    size_t n, w;
    double module;
    int rc;

    if (doc == NULL)
        return sc_err_set(err, SC_EINVAL, "QR code: no document");
    if ((rc = check_args(doc, page, x_mm, y_mm, size_mm, data, len, ecl, err)) != 0 ||
        (rc = encode(data, len, ecl, &qr, err)) != 0)
        goto out;
    w = (size_t)qr->width;
    module = size_mm / (double)(w + 2 * SC_OFD_DOC_QR_QUIET);
    if (module < SC_OFD_DOC_QR_MIN_MODULE * (1 - 1e-9)) {   /* 2.9 mm / 29 is 0.0999… */
        rc = sc_err_set(err, SC_EINVAL, "version %d (%zu modules and a quiet zone of %d) in "
                        "%g mm gives modules under %g mm; make it at least %g mm", qr->version,
                        w, SC_OFD_DOC_QR_QUIET, size_mm, SC_OFD_DOC_QR_MIN_MODULE,
                        SC_OFD_DOC_QR_MIN_MODULE * (double)(w + 2 * SC_OFD_DOC_QR_QUIET));
        goto out;
    }
    if ((matrix = sc__malloc(w * w, err)) == NULL) {
        rc = SC_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < w * w; i++)
        matrix[i] = qr->data[i] & 1;                 /* bit 0: dark; the rest is libqrencode's */
    /* Room for both objects before either is committed: the pair goes in whole or not at
     * all (the limit was checked above). */
    p = &doc->pages[page];
    n = p->n;
    if ((rc = sc__ofd_doc_grow((void **)&p->objs, n, &p->cap, sizeof(*p->objs), err)) != 0 ||
        (rc = sc__ofd_doc_grow((void **)&p->objs, n + 1, &p->cap, sizeof(*p->objs), err)) != 0)
        goto out;
    bg = &p->objs[n];
    fg = &p->objs[n + 1];
    memset(bg, 0, 2 * sizeof(*bg));
    /* White under the whole square: the quiet zone stays clear over a background image */
    bg->kind = fg->kind = SC__OFD_PATH;
    bg->box[0] = fg->box[0] = x_mm;
    bg->box[1] = fg->box[1] = y_mm;
    bg->box[2] = bg->box[3] = fg->box[2] = fg->box[3] = size_mm;
    bg->has_fill = fg->has_fill = 1;
    bg->fill = (sc_ofd_rgb){ 255, 255, 255 };
    bg->pts[0] = bg->pts[6] = x_mm, bg->pts[2] = bg->pts[4] = x_mm + size_mm;
    bg->pts[1] = bg->pts[3] = y_mm, bg->pts[5] = bg->pts[7] = y_mm + size_mm;
    bg->npts = 4;
    bg->close = 1;
    fg->fill = (sc_ofd_rgb){ 0, 0, 0 };
    fg->qr = matrix;
    fg->qr_width = (uint32_t)w;
    matrix = NULL;
    sc__ofd_doc_commit_obj(doc, page, bg);
    sc__ofd_doc_commit_obj(doc, page, fg);
out:
    QRcode_free(qr);
    free(matrix);
    if (rc != 0)
        sc_err_prefix(err, "page %zu: QR code", page);
    return rc;
}
