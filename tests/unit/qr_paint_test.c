/* qr_paint_test.c: the QR path reader qr_paint_test.h declares, compiled into test_ofd_doc_qr
 * and test_license_issue. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ofd/ofd_doc_int.h"
#include "qr_paint_test.h"

/* One subpath: each side a whole number of modules, turning at every vertex (the closing
 * side included); its vertical sides are appended to ve. */
typedef struct { long x, y0, y1; } vedge;      /* a vertical side, from y0 to y1 */

static size_t read_loop(const char **at, size_t w, vedge *ve, size_t nve, size_t cap)
{
    long first[2] = { 0, 0 }, prev[2] = { 0, 0 };
    size_t k = 0;
    int prev_vertical = -1, first_vertical = -1;
    char *end;

    for (;; k++) {
        long p[2];
        int closing;
        while (**at == ' ')
            (*at)++;
        closing = **at == 'C';
        if (closing) {
            (*at)++;
            p[0] = first[0], p[1] = first[1];
        } else {
            if (**at != (k == 0 ? 'M' : 'L'))
                fail_msg("path data at \"%.30s\": want %c", *at, k == 0 ? 'M' : 'L');
            (*at)++;
            for (size_t j = 0; j < 2; j++) {
                p[j] = strtol(*at, &end, 10) - SC_OFD_DOC_QR_QUIET;
                if (end == *at || (*end != ' ' && *end != '\0'))
                    fail_msg("path data at \"%.30s\": not a whole number of modules", *at);
                if (p[j] < 0 || (size_t)p[j] > w)
                    fail_msg("vertex %ld outside the symbol (%zu modules)", p[j], w);
                *at = end;
            }
        }
        if (k == 0) {
            first[0] = prev[0] = p[0], first[1] = prev[1] = p[1];
            continue;
        }
        if ((p[0] == prev[0]) == (p[1] == prev[1]))
            fail_msg("side %ld %ld to %ld %ld: not one straight side of modules", prev[0],
                     prev[1], p[0], p[1]);
        if ((p[0] == prev[0]) == prev_vertical)
            fail_msg("vertex %ld %ld: the outline does not turn there", prev[0], prev[1]);
        prev_vertical = p[0] == prev[0];
        if (first_vertical < 0)
            first_vertical = prev_vertical;
        if (prev_vertical) {
            assert_true(nve < cap);
            ve[nve++] = (vedge){ p[0], prev[1], p[1] };
        }
        prev[0] = p[0], prev[1] = p[1];
        if (closing)
            break;
    }
    if (k < 4 || first_vertical == prev_vertical)
        fail_msg("a loop of %zu sides, or one that does not turn at its start", k);
    return nve;
}

/* The corners the outlines of mx's dark modules must have: a vertex whose four modules hold
 * one or three dark ones is one corner, two dark ones diagonally opposite are two. */
size_t qr_corners(const uint8_t *mx, size_t w)
{
    size_t n = 0;

    for (size_t y = 0; y <= w; y++) {
        for (size_t x = 0; x <= w; x++) {
            int q[4], dark = 0;                 /* up-left, up-right, down-left, down-right */
            for (size_t k = 0; k < 4; k++) {
                size_t r = y + k / 2, c = x + k % 2;          /* one past: module r-1, c-1 */
                q[k] = r >= 1 && c >= 1 && r <= w && c <= w && mx[(r - 1) * w + c - 1];
                dark += q[k];
            }
            n += dark == 1 || dark == 3 ? 1 : dark == 2 && q[0] == q[3] ? 2 : 0;
        }
    }
    return n;
}

/* Winding number and crossings to the left of each module's centre, from the vertical sides
 * (upwards on the left of a module: inside, as the tracer's clockwise outlines run). */
uint8_t *qr_paint(const char *d, size_t w, size_t *loops, size_t *corners)
{
    size_t cap = strlen(d) / 4 + 1, nve = 0;   /* a side takes more than 4 bytes */
    vedge *ve = calloc(cap, sizeof(*ve));
    uint8_t *mx = calloc(w * w, 1);
    const char *at = d;

    assert_non_null(mx);
    assert_non_null(ve);
    *loops = *corners = 0;
    while (*at != '\0') {
        size_t before = nve;
        nve = read_loop(&at, w, ve, nve, cap);
        *loops += 1;
        *corners += 2 * (nve - before);         /* vertical and horizontal sides alternate */
        while (*at == ' ')
            at++;
    }
    /* per row: the sides crossing it, by column (d: winding, n: crossings), summed from the
     * left, so a version 40 code is w * (sides + w) steps, not w^2 * sides */
    long *dw = calloc(w + 1, sizeof(*dw)), *n = calloc(w + 1, sizeof(*n));
    assert_true(dw != NULL && n != NULL);
    for (size_t r = 0; r < w; r++) {
        long wind = 0, cross = 0;
        memset(dw, 0, (w + 1) * sizeof(*dw));
        memset(n, 0, (w + 1) * sizeof(*n));
        for (size_t i = 0; i < nve; i++) {
            long lo = ve[i].y0 < ve[i].y1 ? ve[i].y0 : ve[i].y1;
            long hi = ve[i].y0 < ve[i].y1 ? ve[i].y1 : ve[i].y0;
            if (lo <= (long)r && (long)r < hi) {
                dw[ve[i].x] += ve[i].y1 < ve[i].y0 ? 1 : -1;   /* upwards on the left: inside */
                n[ve[i].x]++;
            }
        }
        for (size_t c = 0; c < w; c++) {
            wind += dw[c];                       /* sides at x <= c are left of c's centre */
            cross += n[c];
            if (wind != 0 && wind != 1)
                fail_msg("module %zu %zu: winding number %ld", r, c, wind);
            if (wind != cross % 2)
                fail_msg("module %zu %zu: NonZero and Even-Odd disagree", r, c);
            mx[r * w + c] = (uint8_t)wind;
        }
    }
    free(dw);
    free(n);
    free(ve);
    return mx;
}
