/* lic_face.c: the text of a licence's face: breaking a value into lines that fit its box and
 * drawing one TextObject per line (spec/license-file.md §4). Used by lic_issue.c; the
 * verifier's license check relies on the result only through the tag file (a value is the
 * TextCodes of its objects concatenated), never on where the breaks fall.
 *
 * Why this metric and no glyph widths: the OFD writer advances every character by the font
 * size and ASCII by half (TextCode DeltaX, sealcore/ofd_doc.h), so a reader draws each glyph
 * at exactly those positions whatever the font; measuring with the same rule makes "fits the
 * box" exact for what is drawn, with no font file to read. CJK punctuation rules (避头尾) are
 * not applied. */
#include "license/lic_issue_int.h"
#include "sc_int.h"

#include <stdlib.h>
#include <string.h>

/* Half-ems a character takes (the writer's DeltaX, in half sizes). */
static unsigned long cost(int32_t cp)
{
    return cp < 0x80 ? 1 : 2;
}

int sc__lic_wrap(const char *text, size_t len, unsigned long width_half, size_t **starts,
                 size_t *n, sc_err *err)
{
    const uint8_t *s = (const uint8_t *)text;
    size_t *st, count = 0, pos = 0, line = 0, brk = 0, cap;
    unsigned long used = 0;

    *starts = NULL;
    *n = 0;
    /* at most one line per character, plus the end */
    if (sc__size_add(&cap, len, 2) != 0 || cap > SIZE_MAX / sizeof(size_t) ||
        (st = sc__malloc(cap * sizeof(size_t), err)) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    st[count++] = 0;
    while (pos < len) {
        size_t clen = 1;
        int32_t cp = sc__utf8_next(s + pos, len - pos, &clen);
        if (cp < 0 || clen == 0) {   /* not reached for checked values: take the byte alone */
            cp = 0xFFFD;
            clen = 1;
        }
        if (used + cost(cp) > width_half && pos > line) {
            if (cp == ' ') {                  /* hangs past the margin, invisible */
                pos += clen;
                st[count++] = line = pos;
                used = 0;
                brk = 0;
                continue;
            }
            /* inside an ASCII word: back to just after its space (or the character before
             * it); only ASCII non-space characters lie between brk and pos */
            line = cp < 0x80 && brk > line ? brk : pos;
            st[count++] = line;
            used = (unsigned long)(pos - line);
            brk = 0;
        }
        used += cost(cp);
        pos += clen;
        if (cp == ' ' || cp >= 0x80)
            brk = pos;
    }
    if (len > 0)
        st[count++] = len;
    *starts = st;
    *n = count - 1;
    return 0;
}

size_t sc__lic_box_lines(const sc_lic_box *b)
{
    double free_mm = b->height - b->size;

    if (b->height <= 0 || free_mm < 0)
        return 1;
    /* the 1e-9 keeps a box drawn to the exact height of k lines from losing the last one;
     * the quotient is >= 0, so the cast is floor() */
    return (size_t)(free_mm / (SC_LIC_LINE_PITCH * b->size) + 1e-9) + 1;
}

/* Width of s[0..n) in half-ems, trailing spaces (hanging) left out. */
static unsigned long line_width(const char *s, size_t n)
{
    unsigned long w = 0;
    size_t pos = 0;

    while (n > 0 && s[n - 1] == ' ')
        n--;
    while (pos < n) {
        size_t clen = 1;
        int32_t cp = sc__utf8_next((const uint8_t *)s + pos, n - pos, &clen);
        if (cp < 0 || clen == 0)
            clen = 1;
        w += cost(cp < 0 ? 0xFFFD : cp);
        pos += clen;
    }
    return w;
}

int sc__lic_draw(sc_ofd_doc *doc, const sc_lic_box *b, const char *text, const char *what,
                 int misfit, uint32_t **ids, size_t *n, sc_err *err)
{
    size_t len = strlen(text), *starts = NULL, lines = 0, max = sc__lic_box_lines(b);
    unsigned long width_half = (unsigned long)(2.0 * b->width / b->size + 1e-9);   /* floor */
    uint32_t *out = NULL;
    char *buf = NULL;
    int rc;

    *ids = NULL;
    *n = 0;
    if ((rc = sc__lic_wrap(text, len, width_half, &starts, &lines, err)) != 0)
        return rc;
    if (lines > max) {
        rc = sc_err_set(err, misfit, "%s: %zu lines do not fit the box (max %zu)", what, lines,
                        max);
        goto out;
    }
    if ((out = sc__malloc((lines > 0 ? lines : 1) * sizeof(*out), err)) == NULL ||
        (buf = sc__malloc(len + 1, err)) == NULL) {
        rc = SC_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < lines; i++) {
        size_t k = starts[i + 1] - starts[i];
        double w = (double)line_width(text + starts[i], k) * b->size / 2.0;
        sc_ofd_text t = { b->x, b->y + b->size * (1.0 + SC_LIC_LINE_PITCH * (double)i),
                          b->size, b->font, buf, NULL };
        if (b->align == SC_LIC_ALIGN_CENTER)
            t.x_mm += (b->width - w) / 2.0;
        else if (b->align == SC_LIC_ALIGN_RIGHT)
            t.x_mm += b->width - w;
        memcpy(buf, text + starts[i], k);
        buf[k] = '\0';
        if ((rc = sc_ofd_doc_add_text(doc, 0, &t, err)) != 0) {
            sc_err_prefix(err, "%s, line %zu", what, i + 1);
            goto out;
        }
        out[i] = sc_ofd_doc_last_id(doc);
    }
    *ids = out;
    *n = lines;
    out = NULL;
out:
    free(out);
    free(buf);
    free(starts);
    return rc;
}
