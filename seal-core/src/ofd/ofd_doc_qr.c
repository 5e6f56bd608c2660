/* ofd_doc_qr.c: the OFD document writer's 2-D codes (sealcore/ofd_doc.h, sc_ofd_doc_add_qr):
 * QR Code (ISO/IEC 18004) encoding through libqrencode (ofd_qr_encode.c), drawn as one filled vector path: the
 * outlines of the dark areas, which ofd_doc_xml.c writes as they are.
 * Licence faces carry the licence identifier and a verification URL this way (issue 6;
 * GB/T 36905 names Grid Matrix, GB/T 27766, for which no encoder is packaged: QR is what
 * licence apps and bank counters scan today).
 * Not here: the objects and IDs (ofd_doc.c), the XML around the path data (ofd_doc_xml.c). */
#include "ofd/ofd_doc_int.h"
#include "ofd/ofd_qr_encode.h"
#include "sc_int.h"

#include <stdlib.h>
#include <string.h>

/* Threads: Debian's libqrencode is built with pthread (its Reed-Solomon tables are made once
 * behind a mutex), so documents on different threads may add codes at the same time. */

/* Highest capacity of a version 40 code, numeric mode at level L: more can never fit, so
 * longer data is refused before anything is copied or encoded. */
#define QR_MAX_DIGITS 7089u

/* Outline tracing. Vertices are the module corners, (w + 1)^2 of them, y growing downwards
 * as on an OFD page; an edge joins two neighbouring vertices where a dark and a light module
 * meet, directed so that the dark one is on its right. Shared sides cancel, so what is left
 * is closed loops: outer outlines clockwise, holes anticlockwise. A filled path of them paints
 * exactly the dark modules under both fill rules (NonZero: winding 1 inside, 0 in holes),
 * with a vertex only where the outline turns: about 7 KB for a version 5 code where one
 * rectangle per run took 12 KB, which is less to deflate and hash on every licence. */
enum { QR_RIGHT, QR_DOWN, QR_LEFT, QR_UP };
static const int qr_dx[4] = { 1, 0, -1, 0 }, qr_dy[4] = { 0, 1, 0, -1 };

/* out[y * (w + 1) + x], bit d: an edge leaves vertex (x, y) in direction d. pad: the
 * modules, 1 = dark, with a light border (w + 2 square), so no neighbour needs a bounds
 * check. Returns the number of edges, which bounds the vertices the path data names. */
static size_t qr_edges(const uint8_t *pad, size_t w, uint8_t *out)
{
    static const uint8_t bits[16] = { 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4 };
    size_t pw = w + 2, n = 0;

    for (size_t y = 0; y <= w; y++) {
        const uint8_t *up = pad + y * pw, *dn = up + pw;   /* modules y - 1 and y, from x - 1 */
        for (size_t x = 0; x <= w; x++) {
            unsigned ul = up[x], ur = up[x + 1], dl = dn[x], dr = dn[x + 1];
            unsigned m = (dr & !ur) << QR_RIGHT | (dl & !dr) << QR_DOWN |
                         (ul & !dl) << QR_LEFT | (ur & !ul) << QR_UP;
            out[y * (w + 1) + x] = (uint8_t)m;
            n += bits[m];
        }
    }
    return n;
}

/* Append "<cmd> x y " (x, y < 1000: module positions plus the quiet zone) at s + at, no
 * printf, as a code has hundreds of corners. Returns the new end; QR_PT_MAX bytes at most. */
#define QR_PT_MAX 10
static size_t put_pt(char *s, size_t at, char cmd, unsigned x, unsigned y)
{
    unsigned v[2] = { x + SC_OFD_DOC_QR_QUIET, y + SC_OFD_DOC_QR_QUIET };

    s[at++] = cmd;
    for (size_t k = 0; k < 2; k++) {
        s[at++] = ' ';
        if (v[k] >= 100)
            s[at++] = (char)('0' + v[k] / 100);
        if (v[k] >= 10)
            s[at++] = (char)('0' + v[k] / 10 % 10);
        s[at++] = (char)('0' + v[k] % 10);
    }
    s[at++] = ' ';
    return at;
}

/* One loop from its first vertex in row order (always a corner, left by its top edge),
 * using up its edges. Where two dark modules touch only at a corner the vertex has two ways
 * out: the right turn keeps to the module the loop came along, so such modules get loops of
 * their own and the outline never crosses itself. */
static size_t qr_loop(uint8_t *out, unsigned vw, unsigned x0, unsigned y0, char *s, size_t at)
{
    static const int turns[3] = { 1, 0, 3 };            /* right, straight, left */
    unsigned x = x0, y = y0;
    int d = 0;

    while (!(out[y0 * vw + x0] & (1u << d)))
        d++;
    at = put_pt(s, at, 'M', x0, y0);
    for (;;) {
        int nd = -1;
        out[y * vw + x] &= (uint8_t)~(1u << d);
        x = (unsigned)((int)x + qr_dx[d]);
        y = (unsigned)((int)y + qr_dy[d]);
        for (size_t t = 0; t < 3 && nd < 0; t++)
            if (out[y * vw + x] & (1u << ((d + turns[t]) & 3)))
                nd = (d + turns[t]) & 3;
        /* Back at the start: its only other way out, if any, is another loop's. Edges
         * come in closed loops, so nd < 0 elsewhere cannot happen; it ends the loop too. */
        if ((x == x0 && y == y0) || nd < 0)
            break;
        if (nd != d)
            at = put_pt(s, at, 'L', x, y);
        d = nd;
    }
    s[at++] = 'C';
    s[at++] = ' ';
    return at;
}

/* The path data of qr's dark modules (new, NUL-terminated, *len without the NUL). */
static int qr_path(const QRcode *qr, char **path, size_t *len, sc_err *err)
{
    size_t w = (size_t)qr->width, pw = w + 2, vw = w + 1, edges, at = 0;
    uint8_t *pad, *out;
    char *s = NULL;

    if ((pad = sc__malloc(pw * pw + vw * vw, err)) == NULL)     /* w <= 177 */
        return SC_ENOMEM;
    memset(pad, 0, pw * pw);
    out = pad + pw * pw;
    for (size_t r = 0; r < w; r++)
        for (size_t c = 0; c < w; c++)
            pad[(r + 1) * pw + c + 1] = qr->data[r * w + c] & 1;  /* the rest is libqrencode's */
    edges = qr_edges(pad, w, out);
    /* a point (QR_PT_MAX bytes) starts each edge at most, a loop has 4 or more edges: "C "
     * (2 bytes) a loop */
    if ((s = sc__malloc(edges * QR_PT_MAX + edges / 2 + 1, err)) == NULL) {
        free(pad);
        return SC_ENOMEM;
    }
    for (unsigned y = 0; y < vw; y++)
        for (unsigned x = 0; x < vw; x++)
            while (out[y * vw + x] != 0)
                at = qr_loop(out, (unsigned)vw, x, y, s, at);
    free(pad);
    at -= at > 0;                                   /* no space after the last 'C' */
    s[at] = '\0';
    *path = s;
    *len = at;
    return 0;
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
    char *path = NULL;
    size_t path_len = 0;
    sc__ofd_doc_page *p;
    sc__ofd_obj *bg, *fg;
    size_t n, w;
    double module;
    int rc;

    if (doc == NULL)
        return sc_err_set(err, SC_EINVAL, "QR code: no document");
    if ((rc = check_args(doc, page, x_mm, y_mm, size_mm, data, len, ecl, err)) != 0 ||
        (rc = sc__ofd_qr_encode(data, len, ecl, 1, &qr, err)) != 0)
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
    if ((rc = qr_path(qr, &path, &path_len, err)) != 0)
        goto out;
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
    fg->qr = path;
    fg->qr_len = path_len;
    fg->qr_width = (uint32_t)w;
    path = NULL;
    sc__ofd_doc_commit_obj(doc, page, bg);
    sc__ofd_doc_commit_obj(doc, page, fg);
out:
    QRcode_free(qr);
    free(path);
    if (rc != 0)
        sc_err_prefix(err, "page %zu: QR code", page);
    return rc;
}
