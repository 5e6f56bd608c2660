/* ofd_text.c: where a keyword is drawn on an OFD page (GB/T 33190-2016 11.3 text
 * positioning), for `sealctl sign ofd --keyword`, which centres a seal on a hit. The rules
 * (whitespace, joins across TextCodes, short Delta lists, glyph boxes) are in ofd_text.h.
 * Not here: finding the page's Content.xml in the package, parsing it (ofd_xml.c), fonts
 * (never read: glyph widths are estimated), templates, drawing the seal (ofd_stamp.c).
 *
 * One pass over the DOM, without recursion (PageBlocks are walked through parent links, so
 * nesting needs no depth counter beyond the parser's), collects the page's non-blank glyphs
 * with their boxes; then a plain scan matches the needle. Delta lists are read through a
 * cursor, one value per glyph, so "g 1000000000 1" costs nothing; numbers are parsed here,
 * not with strtod(), which follows LC_NUMERIC and would read "3.175" as 3 under a comma
 * locale. Attribute values are read in place (no allocation per object). */
#include "ofd/ofd_int.h"
#include "ofd/ofd_text.h"
#include "sc_int.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct glyph {
    uint32_t cp;
    size_t run;              /* which TextCode (page-wide count): same run = always joined */
    sc__ofd_box box;
} glyph;

typedef struct page {
    glyph *g;
    size_t n, cap, runs;
} page;

typedef struct object {      /* one TextObject: where it is, for positions and messages */
    const xmlNode *node;
    double bx, by, size;     /* Boundary origin, Size (object units) */
    double m[6];             /* CTM a b c d e f: page = (bx, by) + (a x + c y + e, b x + d y + f) */
} object;

typedef struct deltas {      /* cursor over a DeltaX / DeltaY value */
    const char *all, *p;     /* the value and its next token; NULL: attribute absent */
    const char *what;        /* "DeltaX", for messages */
    uint64_t left;           /* repeats of val still to hand out */
    double val;
    int have;                /* val is set (the last value, reused when the list runs out) */
} deltas;

/* ---- small readers --------------------------------------------------------------------- */

static int is_blank_byte(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_blank(uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0xA0 ||
           (cp >= 0x2000 && cp <= 0x200B) || cp == 0x3000;
}

/* East Asian wide code points (CJK, Hangul, fullwidth forms): a glyph one Size wide. */
static int is_wide(uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
           (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
           (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

/* A decimal number as OFD writes them ("3.175", "-0.7935", "1e-3"), locale-independent.
 * Returns the bytes read, 0 if s does not start with one. Keeps 19 significant digits and
 * scales by a power of ten built from exact factors, so "3.175" is the double nearest
 * 3.175; exponents past ±400 are clamped (the range check then refuses or zeroes them). */
static size_t parse_num(const char *s, double *out)
{
    static const double p10[] = { 1e1, 1e2, 1e4, 1e8, 1e16, 1e32, 1e64, 1e128, 1e256 };
    const char *p = s;
    uint64_t m = 0;
    long exp = 0;
    int neg = 0, sig = 0, digits = 0;
    double v, scale = 1;

    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        if (sig < 19) {
            m = m * 10 + (uint64_t)(*p - '0');
            sig += m != 0;
        } else {
            exp++;
        }
    }
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (sig < 19) {
                m = m * 10 + (uint64_t)(*p - '0');
                sig += m != 0;
                exp--;
            }
    if (digits == 0)
        return 0;
    if ((*p == 'e' || *p == 'E') && ((p[1] >= '0' && p[1] <= '9') ||
        ((p[1] == '+' || p[1] == '-') && p[2] >= '0' && p[2] <= '9'))) {
        long e = 0, sign = 1;
        p++;
        if (*p == '+' || *p == '-')
            sign = *p++ == '-' ? -1 : 1;
        for (; *p >= '0' && *p <= '9'; p++)
            e = e < 100000 ? e * 10 + (*p - '0') : e;
        exp += sign * e;
    }
    exp = exp > 400 ? 400 : exp < -400 ? -400 : exp;
    for (unsigned i = 0; i < 9; i++)
        if ((labs(exp) >> i) & 1)
            scale *= p10[i];
    v = m == 0 ? 0 : exp < 0 ? (double)m / scale : (double)m * scale;
    *out = neg ? -v : v;
    return (size_t)(p - s);
}

/* ---- errors naming the object ---------------------------------------------------------- */

static int obj_fail(sc_err *err, int code, const object *o, const char *what, const char *val,
                    const char *fmt, ...) SC_PRINTF(6, 7);

static int obj_fail(sc_err *err, int code, const object *o, const char *what, const char *val,
                    const char *fmt, ...)
{
    const char *id = sc__ofd_attr(o->node, "ID");
    char why[120];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    return sc_err_set(err, code, "TextObject ID=%.20s (line %ld): %s \"%.40s%s\": %s",
                      id != NULL ? id : "(none)", xmlGetLineNo(o->node), what, val,
                      strlen(val) > 40 ? "..." : "", why);
}

/* The number at *pp (after blanks) into *v; moves *pp past it. 0 or an error naming what. */
static int read_num(const char **pp, double *v, const object *o, const char *what,
                    const char *val, sc_err *err)
{
    const char *p = *pp;
    size_t used;

    while (is_blank_byte(*p))
        p++;
    if ((used = parse_num(p, v)) == 0 || (p[used] != '\0' && !is_blank_byte(p[used])))
        return obj_fail(err, SC_EFORMAT, o, what, val, "not a number at byte %zu",
                        (size_t)(p - val));
    if (!(*v <= SC__OFD_TEXT_MAX_NUM && *v >= -SC__OFD_TEXT_MAX_NUM))
        return obj_fail(err, SC_ELIMIT, o, what, val, "a number beyond 1e7");
    *pp = p + used;
    return 0;
}

/* Exactly n numbers (Boundary 4, CTM 6, Size/X/Y 1). */
static int read_nums(const char *val, double *v, size_t n, const object *o, const char *what,
                     sc_err *err)
{
    const char *p = val;
    int rc;

    for (size_t i = 0; i < n; i++) {
        while (is_blank_byte(*p))
            p++;
        if (*p == '\0')
            return obj_fail(err, SC_EFORMAT, o, what, val, "%zu number%s, expected %zu", i,
                            i == 1 ? "" : "s", n);
        if ((rc = read_num(&p, &v[i], o, what, val, err)) != 0)
            return rc;
    }
    while (is_blank_byte(*p))
        p++;
    if (*p != '\0')
        return obj_fail(err, SC_EFORMAT, o, what, val, "more than %zu number%s", n,
                        n == 1 ? "" : "s");
    return 0;
}

/* The next advance: 1 with *d set, 0 when the list is absent or empty (caller's default),
 * negative on error. "g N v" hands out v N times; a list that runs out repeats its last. */
static int delta_next(deltas *c, double *d, const object *o, sc_err *err)
{
    const char *start = c->all;
    uint64_t count = 0;
    double v;
    int rc;

    if (c->p == NULL)
        return 0;
    for (;;) {
        if (c->left > 0) {
            c->left--;
            *d = c->val;
            return 1;
        }
        while (is_blank_byte(*c->p))
            c->p++;
        if (*c->p == '\0') {
            *d = c->val;
            return c->have;
        }
        if (c->p[0] != 'g' || !is_blank_byte(c->p[1])) {
            if ((rc = read_num(&c->p, &c->val, o, c->what, start, err)) != 0)
                return rc;
            c->have = 1;
            *d = c->val;
            return 1;
        }
        for (c->p++; is_blank_byte(*c->p); c->p++)
            ;
        if (*c->p < '0' || *c->p > '9')
            return obj_fail(err, SC_EFORMAT, o, c->what, start, "\"g\" without a count");
        for (count = 0; *c->p >= '0' && *c->p <= '9'; c->p++)  /* saturates: never expanded */
            count = count < UINT64_MAX / 10 ? count * 10 + (uint64_t)(*c->p - '0') : count;
        if (!is_blank_byte(*c->p))
            return obj_fail(err, SC_EFORMAT, o, c->what, start, "\"g\" count not followed "
                            "by a value");
        if ((rc = read_num(&c->p, &v, o, c->what, start, err)) != 0)
            return rc;
        if (count > 0) {  /* "g 0 v" hands out nothing, not even as the last value */
            c->val = v;
            c->have = 1;
            c->left = count;
        }
    }
}

/* ---- collecting glyphs ----------------------------------------------------------------- */

static int push_glyph(page *pg, const object *o, uint32_t cp, double x, double y, double w,
                      sc_err *err)
{
    const double *m = o->m;
    const double cx[4] = { x, x + w, x, x + w }, cy[4] = { y - o->size, y - o->size, y, y };
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;

    if (pg->n == pg->cap) {
        size_t cap = pg->cap == 0 ? 256 : pg->cap * 2;
        glyph *g;
        if (pg->n >= SC__OFD_TEXT_MAX_GLYPHS)
            return sc_err_set(err, SC_ELIMIT, "page text: more than %u glyphs",
                              SC__OFD_TEXT_MAX_GLYPHS);
        cap = cap > SC__OFD_TEXT_MAX_GLYPHS ? SC__OFD_TEXT_MAX_GLYPHS : cap;
        if ((g = realloc(pg->g, cap * sizeof(*g))) == NULL)
            return sc_err_set(err, SC_ENOMEM, "page text: out of memory for %zu glyphs", cap);
        pg->g = g;
        pg->cap = cap;
    }
    for (int i = 0; i < 4; i++) {   /* the glyph rectangle's corners through CTM, then bbox */
        double px = o->bx + m[0] * cx[i] + m[2] * cy[i] + m[4];
        double py = o->by + m[1] * cx[i] + m[3] * cy[i] + m[5];
        x0 = i == 0 || px < x0 ? px : x0;
        x1 = i == 0 || px > x1 ? px : x1;
        y0 = i == 0 || py < y0 ? py : y0;
        y1 = i == 0 || py > y1 ? py : y1;
    }
    pg->g[pg->n++] = (glyph){ cp, pg->runs, { x0, y0, x1 - x0, y1 - y0 } };
    return 0;
}

/* One TextCode: the glyph waiting for its width (which needs the next advance) is emitted
 * when the next code point arrives, or with its estimated width at the end. */
static int text_code(page *pg, const object *o, const xmlNode *tc, double x, double y,
                     sc_err *err)
{
    const char *vx = sc__ofd_attr(tc, "DeltaX"), *vy = sc__ofd_attr(tc, "DeltaY");
    deltas dx = { vx, vx, "DeltaX", 0, 0, 0 }, dy = { vy, vy, "DeltaY", 0, 0, 0 };
    int64_t pend = -1;                      /* the waiting code point, -1 for none */
    double est = 0, adv, down;
    int rc;

    pg->runs++;
    for (const xmlNode *t = tc->children; t != NULL; t = t->next) {
        const unsigned char *s = t->content;
        size_t len, used;
        if ((t->type != XML_TEXT_NODE && t->type != XML_CDATA_SECTION_NODE) || s == NULL)
            continue;
        for (len = strlen((const char *)s); len > 0; s += used, len -= used) {
            int64_t cp = sc__utf8_next(s, len, &used);
            if (cp < 0) {                   /* libxml2 checked the encoding; be safe anyway */
                cp = 0xFFFD;
                used = 1;
            }
            if (pend >= 0) {
                if ((rc = delta_next(&dx, &adv, o, err)) < 0)
                    return rc;
                adv = rc == 0 ? est : adv;
                if ((rc = delta_next(&dy, &down, o, err)) < 0)
                    return rc;
                down = rc == 0 ? 0 : down;
                if (!is_blank((uint32_t)pend) &&
                    (rc = push_glyph(pg, o, (uint32_t)pend, x, y,
                                     adv > 0 && adv < est ? adv : est, err)) != 0)
                    return rc;
                x += adv;
                y += down;
            }
            pend = cp;
            est = is_wide((uint32_t)cp) ? o->size : o->size / 2;
        }
    }
    if (pend >= 0 && !is_blank((uint32_t)pend))
        return push_glyph(pg, o, (uint32_t)pend, x, y, est, err);
    return 0;
}

static int text_object(page *pg, const xmlNode *node, sc_err *err)
{
    object o = { node, 0, 0, 0, { 1, 0, 0, 1, 0, 0 } };
    const char *v, *vis = sc__ofd_attr(node, "Visible");
    double box[4], x = 0, y = 0;
    int rc;

    if (vis != NULL && (strcmp(vis, "false") == 0 || strcmp(vis, "0") == 0))
        return 0;
    if ((v = sc__ofd_attr(node, "Boundary")) == NULL)
        return obj_fail(err, SC_EFORMAT, &o, "Boundary", "", "missing (required)");
    if ((rc = read_nums(v, box, 4, &o, "Boundary", err)) != 0)
        return rc;
    o.bx = box[0];
    o.by = box[1];
    if ((v = sc__ofd_attr(node, "Size")) == NULL)
        return obj_fail(err, SC_EFORMAT, &o, "Size", "", "missing (required)");
    if ((rc = read_nums(v, &o.size, 1, &o, "Size", err)) != 0)
        return rc;
    if (o.size <= 0)
        return obj_fail(err, SC_EFORMAT, &o, "Size", v, "not positive");
    if ((v = sc__ofd_attr(node, "CTM")) != NULL && (rc = read_nums(v, o.m, 6, &o, "CTM", err)) != 0)
        return rc;
    for (const xmlNode *tc = node->children; tc != NULL; tc = tc->next) {
        if (!sc__ofd_is(tc, "TextCode"))
            continue;
        /* 11.3: without X (Y) a TextCode takes the previous TextCode's X (Y) */
        if ((v = sc__ofd_attr(tc, "X")) != NULL && (rc = read_nums(v, &x, 1, &o, "TextCode X", err)))
            return rc;
        if ((v = sc__ofd_attr(tc, "Y")) != NULL && (rc = read_nums(v, &y, 1, &o, "TextCode Y", err)))
            return rc;
        if ((rc = text_code(pg, &o, tc, x, y, err)) != 0)
            return rc;
    }
    return 0;
}

/* A Layer or PageBlock and the PageBlocks inside it, in document order; no recursion: the
 * walk goes down into a PageBlock and back up through parent links. */
static int block(const xmlNode *top, sc__ofd_text_visit visit, void *ctx, sc_err *err)
{
    const xmlNode *n = top->children;
    int rc;

    while (n != NULL) {
        if (sc__ofd_is(n, "TextObject") && (rc = visit(ctx, n, err)) != 0)
            return rc;
        if (sc__ofd_is(n, "PageBlock") && n->children != NULL) {
            n = n->children;
            continue;
        }
        while (n != NULL && n->next == NULL)
            n = n->parent == top ? NULL : n->parent;
        n = n != NULL ? n->next : NULL;
    }
    return 0;
}

int sc__ofd_text_walk(const xmlDoc *content, sc__ofd_text_visit visit, void *ctx, sc_err *err)
{
    const xmlNode *root = content != NULL ? xmlDocGetRootElement(content) : NULL;
    int rc;

    for (const xmlNode *c = root != NULL ? root->children : NULL; c != NULL; c = c->next) {
        if (!sc__ofd_is(c, "Content"))
            continue;
        for (const xmlNode *l = c->children; l != NULL; l = l->next)
            if (sc__ofd_is(l, "Layer") && (rc = block(l, visit, ctx, err)) != 0)
                return rc;
    }
    return 0;
}

static int visit_glyphs(void *ctx, const xmlNode *obj, sc_err *err)
{
    return text_object(ctx, obj, err);
}

/* ---- matching -------------------------------------------------------------------------- */

static int joined(const glyph *a, const glyph *b)
{
    double gx, gy, h = a->box.h > b->box.h ? a->box.h : b->box.h;

    if (a->run == b->run)
        return 1;
    gx = b->box.x - (a->box.x + a->box.w);
    gx = a->box.x - (b->box.x + b->box.w) > gx ? a->box.x - (b->box.x + b->box.w) : gx;
    gy = b->box.y - (a->box.y + a->box.h);
    gy = a->box.y - (b->box.y + b->box.h) > gy ? a->box.y - (b->box.y + b->box.h) : gy;
    return gx <= SC__OFD_TEXT_JOIN * h && gy <= SC__OFD_TEXT_JOIN * h;
}

static int match_at(const page *pg, size_t i, const uint32_t *nd, size_t m)
{
    if (m > pg->n - i)
        return 0;
    for (size_t k = 0; k < m; k++)
        if (pg->g[i + k].cp != nd[k] || (k > 0 && !joined(&pg->g[i + k - 1], &pg->g[i + k])))
            return 0;
    return 1;
}

/* Non-blank code points of the needle. */
static int needle_cps(const char *needle, uint32_t *nd, size_t *m, sc_err *err)
{
    const unsigned char *s = (const unsigned char *)needle;
    size_t len = strlen(needle), used;

    *m = 0;
    for (size_t off = 0; off < len; off += used) {
        int64_t cp = sc__utf8_next(s + off, len - off, &used);
        if (cp < 0)
            return sc_err_set(err, SC_EINVAL, "keyword: not UTF-8 (byte %zu)", off);
        if (is_blank((uint32_t)cp))
            continue;
        if (*m == SC__OFD_TEXT_MAX_NEEDLE)
            return sc_err_set(err, SC_ELIMIT, "keyword: more than %u characters",
                              SC__OFD_TEXT_MAX_NEEDLE);
        nd[(*m)++] = (uint32_t)cp;
    }
    if (*m == 0)
        return sc_err_set(err, SC_EINVAL, "keyword: empty (or only blanks)");
    return 0;
}

int sc__ofd_text_find(const xmlDoc *content, const char *needle, sc__ofd_box **hits,
                      size_t *n, sc_err *err)
{
    uint32_t nd[SC__OFD_TEXT_MAX_NEEDLE];
    page pg = { NULL, 0, 0, 0 };
    sc__ofd_box *out = NULL;
    size_t m, count = 0, k = 0;
    int rc;

    if (hits != NULL)
        *hits = NULL;
    if (n != NULL)
        *n = 0;
    if (content == NULL || needle == NULL || hits == NULL || n == NULL)
        return sc_err_set(err, SC_EINVAL, "page text: NULL argument");
    if ((rc = needle_cps(needle, nd, &m, err)) != 0)
        return rc;
    if ((rc = sc__ofd_text_walk(content, visit_glyphs, &pg, err)) != 0)
        goto out;
    for (size_t i = 0; i < pg.n;)                 /* count, then fill an exact array */
        if (match_at(&pg, i, nd, m))
            count++, i += m;
        else
            i++;
    if (count == 0)
        goto out;
    if ((out = sc__malloc(count * sizeof(*out), err)) == NULL) {   /* count <= glyph max */
        rc = SC_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < pg.n;) {
        double x0, y0, x1, y1;
        if (!match_at(&pg, i, nd, m)) {
            i++;
            continue;
        }
        x0 = pg.g[i].box.x, y0 = pg.g[i].box.y;
        x1 = x0 + pg.g[i].box.w, y1 = y0 + pg.g[i].box.h;
        for (size_t j = i + 1; j < i + m; j++) {
            const sc__ofd_box *b = &pg.g[j].box;
            x0 = b->x < x0 ? b->x : x0;
            y0 = b->y < y0 ? b->y : y0;
            x1 = b->x + b->w > x1 ? b->x + b->w : x1;
            y1 = b->y + b->h > y1 ? b->y + b->h : y1;
        }
        out[k++] = (sc__ofd_box){ x0, y0, x1 - x0, y1 - y0 };
        i += m;
    }
    *hits = out;
    *n = count;
    out = NULL;
out:
    free(out);
    free(pg.g);
    return rc;
}
