/* ofd_doc.c: the simple OFD document writer, recording half (sealcore/ofd_doc.h): the
 * document, its pages and objects, IDs given out in call order, and every input checked on the
 * way in (UTF-8, XML 1.0 characters, numbers, formats, limits), so that writing can fail only
 * for sizes, memory or the sink. Not here: serialization (ofd_doc_xml.c), zip output
 * (ofd_zipw.c), reading (ofd_pkg.c, ofd_model.c), signing (ofd_stamp.c). */
#include "ofd/ofd_doc_int.h"
#include "ofd/ofd_doc_sign.h"
#include "sc_int.h"

#include <math.h>                   /* isfinite only: seal-core does not link libm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#define DEFAULT_FONT "宋体"
#define MAX_SIZE_MM 1000.0         /* font size and line width */

const char *const sc__ofd_doc_field_names[SC__OFD_DOC_FIELDS] = {
    "Title", "Author", "Subject", "Creator", "CreatorVersion", "CreationDate"
};

/* ---- input checks -------------------------------------------------------------------- */

/* UTF-8 and XML 1.0 Char (#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
 * [#x10000-#x10FFFF]); counts characters and the ASCII ones among them. */
int sc__ofd_doc_check_str(const char *s, const char *what, size_t *nchars, size_t *nascii,
                          sc_err *err)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t n = strlen(s), chars = 0, ascii = 0;

    if (n > SC_OFD_DOC_MAX_STRING)
        return sc_err_set(err, SC_ELIMIT, "%s: %zu bytes, more than the %u allowed", what, n,
                          SC_OFD_DOC_MAX_STRING);
    for (size_t i = 0; i < n; chars++) {
        size_t used;
        int32_t cp = sc__utf8_next(p + i, n - i, &used);
        if (cp == SC_UTF8_CUT)
            return sc_err_set(err, SC_EINVAL, "%s: not UTF-8 (cut off at offset %zu)", what, i);
        if (cp == SC_UTF8_BAD_BYTE)
            return sc_err_set(err, SC_EINVAL, "%s: not UTF-8 (byte 0x%02x at offset %zu)", what,
                              p[i + used], i + used);
        if (cp < 0)
            return sc_err_set(err, SC_EINVAL, "%s: not UTF-8 (bad sequence at offset %zu)", what,
                              i);
        if ((cp < 0x20 && cp != 0x9 && cp != 0xA && cp != 0xD) || cp == 0xFFFE || cp == 0xFFFF)
            return sc_err_set(err, SC_EINVAL, "%s: character U+%04X at offset %zu is not allowed "
                              "in XML", what, (unsigned)cp, i);
        ascii += cp < 0x80;
        i += used;
    }
    if (nchars != NULL)
        *nchars = chars;
    if (nascii != NULL)
        *nascii = ascii;
    return 0;
}

int sc__ofd_doc_check_num(double v, double lo, double hi, const char *what, sc_err *err)
{
    if (!isfinite(v) || v < lo || v > hi)
        return sc_err_set(err, SC_EINVAL, "%s: not a number in [%g, %g]", what, lo, hi);
    return 0;
}

static int check_pos(double x, double y, sc_err *err)
{
    int rc;

    if ((rc = sc__ofd_doc_check_num(x, -SC_OFD_DOC_MAX_MM, SC_OFD_DOC_MAX_MM, "x", err)) != 0)
        return rc;
    return sc__ofd_doc_check_num(y, -SC_OFD_DOC_MAX_MM, SC_OFD_DOC_MAX_MM, "y", err);
}

static int check_date(const char *s)
{
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int y, m, d;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return -1;
    if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return -1;
    return 0;
}

int sc__ofd_doc_grow(void **arr, size_t n, size_t *cap, size_t sz, sc_err *err)
{
    void *na;

    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 8;
    if ((na = realloc(*arr, ncap * sz)) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    *arr = na;
    *cap = ncap;
    return 0;
}

/* ---- building the document ----------------------------------------------------------- */

int sc_ofd_doc_new(sc_ofd_doc **out, double width_mm, double height_mm, sc_err *err)
{
    static const char hex[] = "0123456789abcdef";
    sc_ofd_doc *doc = NULL;
    uint8_t rnd[16];
    int rc;

    *out = NULL;
    if ((rc = sc__ofd_doc_check_num(width_mm, 0, SC_OFD_DOC_MAX_MM, "page width", err)) != 0 ||
        (rc = sc__ofd_doc_check_num(height_mm, 0, SC_OFD_DOC_MAX_MM, "page height", err)) != 0)
        return rc;
    if (width_mm <= 0 || height_mm <= 0)
        return sc_err_set(err, SC_EINVAL, "page size: %g x %g mm is empty", width_mm, height_mm);
    ERR_clear_error();
    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
        return sc__err_openssl(err, SC_ECRYPTO, "DocID: no random bytes");
    if ((doc = calloc(1, sizeof(*doc))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    doc->w = width_mm;
    doc->h = height_mm;
    for (size_t i = 0; i < sizeof(rnd); i++) {
        doc->doc_id[2 * i] = hex[rnd[i] >> 4];
        doc->doc_id[2 * i + 1] = hex[rnd[i] & 15];
    }
    doc->next_id = 1;
    *out = doc;
    return 0;
}

void sc_ofd_doc_free(sc_ofd_doc *doc)
{
    if (doc == NULL)
        return;
    for (size_t i = 0; i < SC__OFD_DOC_FIELDS; i++)
        free(doc->info[i]);
    for (size_t i = 0; i < doc->ncustom; i++) {
        free(doc->customs[i].name);
        free(doc->customs[i].value);
    }
    for (size_t i = 0; i < doc->npages; i++) {
        for (size_t j = 0; j < doc->pages[i].n; j++) {
            free(doc->pages[i].objs[j].text);
            free(doc->pages[i].objs[j].qr);
        }
        free(doc->pages[i].objs);
    }
    sc__ofd_doc_free_fonts(doc);
    for (size_t i = 0; i < doc->nimages; i++)
        free(doc->images[i].data);
    sc__ofd_doc_free_tags(doc);
    free(doc->customs);
    free(doc->pages);
    free(doc->images);
    free(doc);
}

int sc__ofd_doc_check_bytes(const uint8_t *p, size_t len, const char *what, sc_err *err)
{
    if (p == NULL || len == 0)
        return sc_err_set(err, SC_EINVAL, "%s: no bytes", what);
    if (len > SC_OFD_MAX_ENTRY)
        return sc_err_set(err, SC_ELIMIT, "%s: %zu bytes, more than the %llu allowed", what, len,
                          (unsigned long long)SC_OFD_MAX_ENTRY);
    return 0;
}

char *sc__ofd_doc_dup(const char *s, sc_err *err)
{
    return sc__memdup(s, strlen(s) + 1, err);
}

int sc_ofd_doc_set_info(sc_ofd_doc *doc, sc_ofd_doc_field field, const char *value,
                        sc_err *err)
{
    const char *const *names = sc__ofd_doc_field_names;
    char *copy = NULL;
    int rc;

    if ((unsigned)field >= SC__OFD_DOC_FIELDS)
        return sc_err_set(err, SC_EINVAL, "DocInfo: unknown field %d", (int)field);
    if (value != NULL) {
        if ((rc = sc__ofd_doc_check_str(value, names[field], NULL, NULL, err)) != 0)
            return rc;
        if (field == SC_OFD_DOC_CREATION_DATE && check_date(value) != 0)
            return sc_err_set(err, SC_EINVAL, "CreationDate \"%.40s\": not a date YYYY-MM-DD",
                              value);
        if ((copy = sc__ofd_doc_dup(value, err)) == NULL)
            return SC_ENOMEM;
    }
    free(doc->info[field]);
    doc->info[field] = copy;
    return 0;
}

int sc_ofd_doc_set_doc_id(sc_ofd_doc *doc, const char *hex32, sc_err *err)
{
    if (hex32 == NULL || strlen(hex32) != 32 || strspn(hex32, "0123456789abcdefABCDEF") != 32)
        return sc_err_set(err, SC_EINVAL, "DocID \"%.40s\": not 32 hex digits",
                          hex32 != NULL ? hex32 : "");
    memcpy(doc->doc_id, hex32, 33);
    return 0;
}

const char *sc_ofd_doc_get_doc_id(const sc_ofd_doc *doc)
{
    return doc->doc_id;
}

uint32_t sc_ofd_doc_last_id(const sc_ofd_doc *doc)
{
    return doc != NULL ? doc->last_obj : 0;
}

uint32_t sc_ofd_doc_page_id(const sc_ofd_doc *doc, size_t page)
{
    return doc != NULL && page < doc->npages ? doc->pages[page].id : 0;
}

int sc_ofd_doc_add_custom(sc_ofd_doc *doc, const char *name, const char *value, sc_err *err)
{
    sc__ofd_custom c = { NULL, NULL };
    int rc;

    if (name == NULL || name[0] == '\0' || value == NULL)
        return sc_err_set(err, SC_EINVAL, "CustomData: empty name or no value");
    if (doc->ncustom >= SC_OFD_DOC_MAX_CUSTOM)
        return sc_err_set(err, SC_ELIMIT, "CustomData \"%.100s\": more than %u", name,
                          SC_OFD_DOC_MAX_CUSTOM);
    if ((rc = sc__ofd_doc_check_str(name, "CustomData name", NULL, NULL, err)) != 0 ||
        (rc = sc__ofd_doc_check_str(value, "CustomData value", NULL, NULL, err)) != 0)
        return rc;
    if ((rc = sc__ofd_doc_grow((void **)&doc->customs, doc->ncustom, &doc->ccustom, sizeof(c),
                               err)) != 0)
        return rc;
    if ((c.name = sc__ofd_doc_dup(name, err)) == NULL ||
        (c.value = sc__ofd_doc_dup(value, err)) == NULL) {
        free(c.name);
        return SC_ENOMEM;
    }
    doc->customs[doc->ncustom++] = c;
    return 0;
}

int sc_ofd_doc_add_page(sc_ofd_doc *doc, size_t *index, sc_err *err)
{
    int rc;

    if (doc->npages >= SC_OFD_DOC_MAX_PAGES)
        return sc_err_set(err, SC_ELIMIT, "OFD document: more than %u pages",
                          SC_OFD_DOC_MAX_PAGES);
    if ((rc = sc__ofd_doc_grow((void **)&doc->pages, doc->npages, &doc->cpages,
                               sizeof(sc__ofd_doc_page), err)) != 0)
        return rc;
    doc->pages[doc->npages] = (sc__ofd_doc_page){ doc->next_id, doc->next_id + 1, NULL, 0, 0 };
    doc->next_id += 2;
    if (index != NULL)
        *index = doc->npages;
    doc->npages++;
    return 0;
}

int sc__ofd_doc_new_obj(sc_ofd_doc *doc, size_t pg, sc__ofd_obj **o, sc_err *err)
{
    sc__ofd_doc_page *p;
    int rc;

    if (pg >= doc->npages)
        return sc_err_set(err, SC_EINVAL, "no such page (%zu in the document)", doc->npages);
    if (doc->nobjs >= SC_OFD_DOC_MAX_OBJECTS)
        return sc_err_set(err, SC_ELIMIT, "OFD document: more than %u objects",
                          SC_OFD_DOC_MAX_OBJECTS);
    p = &doc->pages[pg];
    if ((rc = sc__ofd_doc_grow((void **)&p->objs, p->n, &p->cap, sizeof(sc__ofd_obj), err)) != 0)
        return rc;
    *o = &p->objs[p->n];
    memset(*o, 0, sizeof(**o));
    return 0;
}

void sc__ofd_doc_commit_obj(sc_ofd_doc *doc, size_t pg, sc__ofd_obj *o)
{
    o->id = doc->next_id++;
    doc->last_obj = o->id;
    doc->pages[pg].n++;
    doc->nobjs++;
}

int sc_ofd_doc_add_text(sc_ofd_doc *doc, size_t page_ix, const sc_ofd_text *t, sc_err *err)
{
    const char *fname = t->font != NULL ? t->font : DEFAULT_FONT;
    size_t nchars = 0, nascii = 0, font;
    sc__ofd_obj *o;
    int rc;

    if ((rc = check_pos(t->x_mm, t->y_mm, err)) != 0 ||
        (rc = sc__ofd_doc_check_num(t->size_mm, 0, MAX_SIZE_MM, "font size", err)) != 0)
        goto out;
    if (t->size_mm <= 0) {
        rc = sc_err_set(err, SC_EINVAL, "font size: 0");
        goto out;
    }
    if (t->text == NULL || t->text[0] == '\0') {
        rc = sc_err_set(err, SC_EINVAL, "no text");
        goto out;
    }
    if ((rc = sc__ofd_doc_check_str(t->text, "text", &nchars, &nascii, err)) != 0 ||
        (rc = sc__ofd_doc_check_str(fname, "font name", NULL, NULL, err)) != 0)
        goto out;
    if (fname[0] == '\0') {
        rc = sc_err_set(err, SC_EINVAL, "empty font name");
        goto out;
    }
    if ((rc = sc__ofd_doc_new_obj(doc, page_ix, &o, err)) != 0 ||
        (rc = sc__ofd_doc_font(doc, fname, &font, err)) != 0)
        goto out;
    o->font = doc->fonts[font].id;
    if ((o->text = sc__ofd_doc_dup(t->text, err)) == NULL) {
        rc = SC_ENOMEM;
        goto out;
    }
    o->kind = SC__OFD_TEXT;
    o->size = t->size_mm;
    o->box[0] = t->x_mm;
    o->box[1] = t->y_mm - t->size_mm;
    o->box[2] = t->size_mm * ((double)(nchars - nascii) + (double)nascii / 2);
    o->box[3] = t->size_mm * 1.25;
    if (t->color != NULL) {
        o->has_fill = 1;
        o->fill = *t->color;
    }
    sc__ofd_doc_commit_obj(doc, page_ix, o);
out:
    if (rc != 0)
        sc_err_prefix(err, "page %zu: text", page_ix);
    return rc;
}

static int check_box(double x, double y, double w, double h, sc_err *err)
{
    int rc;

    if ((rc = check_pos(x, y, err)) != 0 ||
        (rc = sc__ofd_doc_check_num(w, 0, SC_OFD_DOC_MAX_MM, "width", err)) != 0 ||
        (rc = sc__ofd_doc_check_num(h, 0, SC_OFD_DOC_MAX_MM, "height", err)) != 0)
        return rc;
    if (w <= 0 || h <= 0)
        return sc_err_set(err, SC_EINVAL, "box %g x %g mm is empty", w, h);
    return 0;
}

/* Format name and file extension for format (NULL: from the bytes); checks the bytes. */
static int image_kind(const uint8_t *p, size_t n, const char *format, const char **fmt,
                      const char **ext, sc_err *err)
{
    static const struct {
        const char *name, *alias, *fmt, *ext, *magic;
        size_t mlen;
    } kinds[] = {
        { "PNG", NULL, "PNG", "png", "\x89PNG\r\n\x1a\n", 8 },
        { "JPEG", "JPG", "JPEG", "jpg", "\xff\xd8\xff", 3 },
        { "BMP", NULL, "BMP", "bmp", "BM", 2 },
    };

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        int magic = n >= kinds[i].mlen && memcmp(p, kinds[i].magic, kinds[i].mlen) == 0;
        if (format == NULL ? !magic
                           : strcasecmp(format, kinds[i].name) != 0 &&
                                 (kinds[i].alias == NULL ||
                                  strcasecmp(format, kinds[i].alias) != 0))
            continue;
        if (!magic)
            return sc_err_set(err, SC_EFORMAT, "image: the bytes are not %s", kinds[i].name);
        *fmt = kinds[i].fmt;
        *ext = kinds[i].ext;
        return 0;
    }
    if (format == NULL)
        return sc_err_set(err, SC_EFORMAT, "image: not PNG, JPEG or BMP");
    return sc_err_set(err, SC_EINVAL, "image format \"%.40s\": not PNG, JPEG or BMP", format);
}

int sc_ofd_doc_add_image(sc_ofd_doc *doc, size_t page_ix, double x_mm, double y_mm,
                         double w_mm, double h_mm, const uint8_t *img, size_t len,
                         const char *format, sc_err *err)
{
    const char *fmt = NULL, *ext = NULL;
    sc__ofd_image *im = NULL;
    sc__ofd_obj *o;
    int rc;

    if ((rc = check_box(x_mm, y_mm, w_mm, h_mm, err)) != 0 ||
        (rc = sc__ofd_doc_check_bytes(img, len, "image", err)) != 0 ||
        (rc = image_kind(img, len, format, &fmt, &ext, err)) != 0 ||
        (rc = sc__ofd_doc_new_obj(doc, page_ix, &o, err)) != 0)
        goto out;
    for (size_t i = 0; i < doc->nimages && im == NULL; i++)
        if (doc->images[i].len == len && memcmp(doc->images[i].data, img, len) == 0)
            im = &doc->images[i];
    if (im == NULL) {
        if (doc->nimages >= SC_OFD_DOC_MAX_IMAGES) {
            rc = sc_err_set(err, SC_ELIMIT, "image: more than %u images",
                            SC_OFD_DOC_MAX_IMAGES);
            goto out;
        }
        if ((rc = sc__ofd_doc_grow((void **)&doc->images, doc->nimages, &doc->cimages,
                                   sizeof(sc__ofd_image), err)) != 0)
            goto out;
        im = &doc->images[doc->nimages];
        if ((im->data = sc__memdup(img, len, err)) == NULL) {
            rc = SC_ENOMEM;
            goto out;
        }
        im->len = len;
        im->format = fmt;
        im->ext = ext;
        im->id = doc->next_id++;
        doc->nimages++;
    }
    o->kind = SC__OFD_IMAGE;
    o->res = im->id;
    o->box[0] = x_mm, o->box[1] = y_mm, o->box[2] = w_mm, o->box[3] = h_mm;
    sc__ofd_doc_commit_obj(doc, page_ix, o);
out:
    if (rc != 0)
        sc_err_prefix(err, "page %zu", page_ix);
    return rc;
}

/* ---- paths --------------------------------------------------------------------- */

static int add_path(sc_ofd_doc *doc, size_t pg, const double *pts, size_t npts, int close,
                    double lw, const sc_ofd_rgb *stroke, const sc_ofd_rgb *fill, sc_err *err)
{
    double minx = pts[0], miny = pts[1], maxx = pts[0], maxy = pts[1];
    double margin = stroke != NULL ? lw : 0;
    sc__ofd_obj *o;
    int rc;

    for (size_t i = 1; i < npts; i++) {
        double x = pts[2 * i], y = pts[2 * i + 1];
        minx = x < minx ? x : minx, maxx = x > maxx ? x : maxx;
        miny = y < miny ? y : miny, maxy = y > maxy ? y : maxy;
    }
    if ((rc = sc__ofd_doc_new_obj(doc, pg, &o, err)) != 0)
        return rc;
    o->kind = SC__OFD_PATH;
    /* The Boundary clips in some readers: keep a line width around the path. */
    o->box[0] = minx - margin, o->box[1] = miny - margin;
    o->box[2] = maxx - minx + 2 * margin, o->box[3] = maxy - miny + 2 * margin;
    o->line_width = lw;
    o->has_stroke = stroke != NULL;
    o->has_fill = fill != NULL;
    if (stroke != NULL)
        o->stroke = *stroke;
    if (fill != NULL)
        o->fill = *fill;
    memcpy(o->pts, pts, npts * 2 * sizeof(*pts));
    o->npts = npts;
    o->close = close;
    sc__ofd_doc_commit_obj(doc, pg, o);
    return 0;
}

int sc_ofd_doc_add_line(sc_ofd_doc *doc, size_t page_ix, double x1_mm, double y1_mm,
                        double x2_mm, double y2_mm, double width_mm, const sc_ofd_rgb *color,
                        sc_err *err)
{
    static const sc_ofd_rgb black = { 0, 0, 0 };
    double pts[4] = { x1_mm, y1_mm, x2_mm, y2_mm };
    int rc;

    if ((rc = check_pos(x1_mm, y1_mm, err)) != 0 || (rc = check_pos(x2_mm, y2_mm, err)) != 0 ||
        (rc = sc__ofd_doc_check_num(width_mm, 0, MAX_SIZE_MM, "line width", err)) != 0)
        goto out;
    if (width_mm <= 0) {
        rc = sc_err_set(err, SC_EINVAL, "line width: 0");
        goto out;
    }
    rc = add_path(doc, page_ix, pts, 2, 0, width_mm, color != NULL ? color : &black, NULL, err);
out:
    if (rc != 0)
        sc_err_prefix(err, "page %zu: line", page_ix);
    return rc;
}

int sc_ofd_doc_add_rect(sc_ofd_doc *doc, size_t page_ix, double x_mm, double y_mm,
                        double w_mm, double h_mm, double width_mm, const sc_ofd_rgb *stroke,
                        const sc_ofd_rgb *fill, sc_err *err)
{
    double pts[8] = { x_mm, y_mm, x_mm + w_mm, y_mm, x_mm + w_mm, y_mm + h_mm, x_mm, y_mm + h_mm };
    int rc;

    if ((rc = check_box(x_mm, y_mm, w_mm, h_mm, err)) != 0)
        goto out;
    if (stroke == NULL && fill == NULL) {
        rc = sc_err_set(err, SC_EINVAL, "neither outline nor fill");
        goto out;
    }
    if (stroke != NULL &&
        ((rc = sc__ofd_doc_check_num(width_mm, 0, MAX_SIZE_MM, "line width", err)) != 0 ||
         (width_mm <= 0 && (rc = sc_err_set(err, SC_EINVAL, "line width: 0")))))
        goto out;
    rc = add_path(doc, page_ix, pts, 4, 1, stroke != NULL ? width_mm : 0, stroke, fill, err);
out:
    if (rc != 0)
        sc_err_prefix(err, "page %zu: rectangle", page_ix);
    return rc;
}

/* The reading side of what ofd_doc_xml.c writes in OFD.xml and Document.xml, for the stamper. */
int sc__ofd_doc_model(const sc_ofd_doc *doc, sc__ofd_model **out, sc_err *err)
{
    sc__ofd_model *m;
    char entry[64];

    *out = NULL;
    if ((m = calloc(1, sizeof(*m))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    m->ndocbody = 1;
    m->box[2] = doc->w;
    m->box[3] = doc->h;
    m->max_unit_id = doc->next_id - 1;
    if ((m->doc_root = sc__ofd_doc_dup(SC__OFD_DOC_ROOT, err)) == NULL ||
        (doc->npages > 0 && (m->pages = calloc(doc->npages, sizeof(*m->pages))) == NULL))
        goto oom;
    for (size_t i = 0; i < doc->npages; i++, m->npages++) {
        snprintf(entry, sizeof(entry), SC__OFD_DOC_PAGE_ENTRY, i);
        m->pages[i].id = doc->pages[i].id;
        if ((m->pages[i].entry = sc__ofd_doc_dup(entry, err)) == NULL)
            goto oom;
    }
    *out = m;
    return 0;
oom:
    sc__ofd_model_free(m);
    return sc_err_set(err, SC_ENOMEM, "out of memory");
}
