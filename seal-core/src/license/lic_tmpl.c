/* lic_tmpl.c: reads a licence type template (XML, spec/license-template.md) into an
 * sc_lic_template, and its getters. Not here: checking data rows (lic_row.c), drawing the page
 * (the OFD writer), storing templates (seal-server).
 *
 * The XML goes through the OFD module's hardened reader (no entities, no DTD loading, no
 * network, our own depth limit), with a template's own, much smaller size limit. The reader
 * here is strict: an element or attribute it does not know is an error, not ignored, so a
 * misspelt "requried" cannot silently make a field optional. */
#include "license/lic_int.h"
#include "ofd/ofd_int.h"
#include "sc_int.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TMPL "licence template"
#define NAME_MAX_CHARS 64
#define TEXT_MAX_CHARS 256
#define FILE_MAX 64
#define PATTERN_MAX 256
#define FIELD_NAME_MAX 32

typedef struct kid {
    const char *name;
    unsigned max;
} kid;

/* "line 12: <Field>: " + the message. */
static int fail(sc_err *err, int code, const xmlNode *n, const char *fmt, ...) SC_PRINTF(4, 5);
static int fail(sc_err *err, int code, const xmlNode *n, const char *fmt, ...)
{
    char msg[320];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sc_err_set(err, code, "line %ld: <%.40s>: %s", xmlGetLineNo(n),
                      (const char *)n->name, msg);
}

static int blank(const xmlChar *s)
{
    for (; s != NULL && *s != '\0'; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 0;
    return 1;
}

/* Every attribute of n is in attrs and every child element in kids (at most max times each);
 * only a leaf (kids NULL) may hold text. */
static int check_node(const xmlNode *n, const char *const *attrs, const kid *kids, sc_err *err)
{
    unsigned count[8] = { 0 };

    for (const xmlAttr *a = n->properties; a != NULL; a = a->next) {
        size_t i = 0;
        while (attrs != NULL && attrs[i] != NULL && strcmp(attrs[i], (const char *)a->name) != 0)
            i++;
        if (a->ns != NULL || attrs == NULL || attrs[i] == NULL)
            return fail(err, SC_EFORMAT, n, "unknown attribute '%.40s'", (const char *)a->name);
    }
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            size_t i = 0;
            while (kids != NULL && kids[i].name != NULL && !sc__ofd_is(c, kids[i].name))
                i++;
            if (kids == NULL || kids[i].name == NULL)
                return fail(err, SC_EFORMAT, c, "unknown element inside <%.40s>",
                            (const char *)n->name);
            if (++count[i] > kids[i].max)
                return fail(err, kids[i].max > 1 ? SC_ELIMIT : SC_EFORMAT, c,
                            "more than %u inside <%.40s>", kids[i].max, (const char *)n->name);
        } else if (c->type == XML_ENTITY_REF_NODE) {
            return fail(err, SC_EFORMAT, n, "entity reference &%.40s; (none is defined)",
                        (const char *)c->name);
        } else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
                   kids != NULL && !blank(c->content)) {
            return fail(err, SC_EFORMAT, n, "holds text; only elements belong here");
        }
    }
    return 0;
}

static int need_child(const xmlNode *n, const char *name, const xmlNode **out, sc_err *err)
{
    if ((*out = sc__ofd_child(n, name)) == NULL)
        return fail(err, SC_EFORMAT, n, "needs a <%s>", name);
    return 0;
}

static size_t utf8_chars(const char *s)
{
    size_t k = 0;
    for (; *s != '\0'; s++)
        k += ((unsigned char)*s & 0xc0) != 0x80;
    return k;
}

/* Attribute name of n: *out borrowed, NULL when absent and !need. */
static int attr_get(const xmlNode *n, const char *name, int need, const char **out, sc_err *err)
{
    *out = sc__ofd_attr(n, name);
    if (*out == NULL && need)
        return fail(err, SC_EFORMAT, n, "needs attribute '%s'", name);
    return 0;
}

/* A copy of 1..max characters of text; absent and !need leaves *out NULL. */
static int text_copy(const xmlNode *n, const char *what, const char *v, size_t max, char **out,
                     sc_err *err)
{
    size_t chars;

    if (v == NULL)
        return 0;
    if ((chars = utf8_chars(v)) == 0)
        return fail(err, SC_EFORMAT, n, "%s is empty", what);
    if (chars > max)
        return fail(err, SC_ELIMIT, n, "%s has %zu characters, more than the %zu allowed", what,
                    chars, max);
    return (*out = sc__strndup(v, strlen(v), err)) == NULL ? SC_ENOMEM : 0;
}

static int str_attr(const xmlNode *n, const char *name, int need, size_t max, char **out,
                    sc_err *err)
{
    const char *v;
    int rc = attr_get(n, name, need, &v, err);
    char what[48];

    snprintf(what, sizeof(what), "attribute '%s'", name);
    return rc != 0 ? rc : text_copy(n, what, v, max, out, err);
}

/* Millimetres: up to 4 integer digits and 3 decimals, no sign or exponent, within lo..hi.
 * Parsed by hand: strtod would take "1e309", "inf", hex and the locale's decimal point. */
static int mm_attr(const xmlNode *n, const char *name, int need, double lo, double hi,
                   double *out, sc_err *err)
{
    const char *v, *p;
    long whole = 0, frac = 0, scale = 1;
    size_t id = 0, fd = 0;
    char shown[48];
    int rc;

    if ((rc = attr_get(n, name, need, &v, err)) != 0 || v == NULL)
        return rc;
    for (p = v; *p >= '0' && *p <= '9' && id < 5; p++, id++)
        whole = whole * 10 + (*p - '0');
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9' && fd < 4; p++, fd++, scale *= 10)
            frac = frac * 10 + (*p - '0');
    sc__lic_show(shown, sizeof(shown), v, strlen(v));
    if (id == 0 || id > 4 || fd > 3 || *p != '\0' || (p[-1] == '.'))
        return fail(err, SC_EFORMAT, n, "%s='%s' is not a number of millimetres "
                    "(up to 4 digits and 3 decimals)", name, shown);
    *out = (double)whole + (double)frac / (double)scale;
    if (*out < lo || *out > hi)
        return fail(err, SC_EFORMAT, n, "%s='%s' is outside %g..%g mm", name, shown, lo, hi);
    return 0;
}

/* A file stored beside the template: a plain name, never a path. */
static int file_attr(const xmlNode *n, const char *name, int need, char **out, sc_err *err)
{
    const char *v;
    char shown[48];
    size_t len;
    int rc;

    if ((rc = attr_get(n, name, need, &v, err)) != 0 || v == NULL)
        return rc;
    len = strlen(v);
    sc__lic_show(shown, sizeof(shown), v, len);
    if (len == 0 || len > FILE_MAX || v[0] == '.' ||
        strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != len)
        return fail(err, SC_EFORMAT, n, "%s='%s' must be a file name of 1..%d characters "
                    "A-Z a-z 0-9 . _ - (no path, not starting with '.')", name, shown,
                    FILE_MAX);
    return (*out = sc__strndup(v, len, err)) == NULL ? SC_ENOMEM : 0;
}

static int pick(const xmlNode *n, const char *name, const char *v, const char *const *names,
                int *out, sc_err *err)
{
    char shown[48];

    for (int i = 0; names[i] != NULL; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = i + 1;
            return 0;
        }
    }
    sc__lic_show(shown, sizeof(shown), v, strlen(v));
    return fail(err, SC_EFORMAT, n, "%s='%s' is not one of the allowed values", name, shown);
}

static void box_free(sc_lic_box *b)
{
    free((char *)b->font);
    free((char *)b->font_file);
    free((char *)b->text);
    memset(b, 0, sizeof(*b));
}

static const char *const box_attrs[] = { "x", "y", "width", "height", "font", "size",
                                         "fontFile", "align", NULL };

/* <Layout>, <Caption> or <Text>: a box on the page; with_text reads the element's text. */
static int read_box(const sc_lic_template *t, const xmlNode *n, int with_text, sc_lic_box *b,
                    sc_err *err)
{
    static const char *const aligns[] = { "left", "center", "right", NULL };
    const char *align;
    char *font = NULL, *file = NULL, *text = NULL;
    int rc;

    memset(b, 0, sizeof(*b));
    b->align = SC_LIC_ALIGN_LEFT;
    if ((rc = check_node(n, box_attrs, NULL, err)) != 0 ||
        (rc = mm_attr(n, "x", 1, 0, t->page_w, &b->x, err)) != 0 ||
        (rc = mm_attr(n, "y", 1, 0, t->page_h, &b->y, err)) != 0 ||
        (rc = mm_attr(n, "width", 1, 1, t->page_w, &b->width, err)) != 0 ||
        (rc = mm_attr(n, "height", 0, 0, t->page_h, &b->height, err)) != 0 ||
        (rc = mm_attr(n, "size", 1, 0.5, 100, &b->size, err)) != 0 ||
        (rc = str_attr(n, "font", 1, NAME_MAX_CHARS, &font, err)) != 0 ||
        (rc = file_attr(n, "fontFile", 0, &file, err)) != 0 ||
        (rc = attr_get(n, "align", 0, &align, err)) != 0 ||
        (align != NULL && (rc = pick(n, "align", align, aligns, &b->align, err)) != 0))
        goto out;
    if (b->x + b->width > t->page_w) {
        rc = fail(err, SC_EFORMAT, n, "x + width = %g mm, past the page's %g mm",
                  b->x + b->width, t->page_w);
        goto out;
    }
    if (b->y + (b->height > b->size ? b->height : b->size) > t->page_h) {
        rc = fail(err, SC_EFORMAT, n, "the box ends past the page's %g mm height", t->page_h);
        goto out;
    }
    if (with_text) {
        char *raw = sc__ofd_text(n, err);
        if (raw == NULL) {
            rc = SC_ENOMEM;
            goto out;
        }
        rc = text_copy(n, "the text", raw, TEXT_MAX_CHARS, &text, err);
        free(raw);
        if (rc != 0)
            goto out;
    }
    b->font = font;
    b->font_file = file;
    b->text = text;
    font = file = text = NULL;
out:
    free(font);
    free(file);
    free(text);
    return rc;
}

static int read_type(sc_lic_template *t, const xmlNode *n, sc_err *err)
{
    static const char *const attrs[] = { "code", "name", NULL };
    static const kid kids[] = { { "Authority", 1 }, { NULL, 0 } };
    static const char *const auth_attrs[] = { "code", NULL };
    const xmlNode *a;
    const char *code;
    char *raw = NULL;
    int rc;

    if ((rc = check_node(n, attrs, kids, err)) != 0 ||
        (rc = attr_get(n, "code", 1, &code, err)) != 0)
        return rc;
    if ((rc = sc__lic_part_ok("type code", code, strlen(code), err)) != 0) {
        sc_err_prefix(err, "line %ld: <Type>", xmlGetLineNo(n));
        return rc;
    }
    if ((t->type_code = sc__strndup(code, strlen(code), err)) == NULL)
        return SC_ENOMEM;
    if ((rc = str_attr(n, "name", 1, NAME_MAX_CHARS, &t->name, err)) != 0 ||
        (rc = need_child(n, "Authority", &a, err)) != 0 ||
        (rc = check_node(a, auth_attrs, NULL, err)) != 0 ||
        (rc = attr_get(a, "code", 1, &code, err)) != 0)
        return rc;
    if ((rc = sc_lic_uscc_check(code, strlen(code), err)) != 0) {
        sc_err_prefix(err, "line %ld: <Authority>: code (统一社会信用代码)", xmlGetLineNo(a));
        return rc;
    }
    if ((t->authority_code = sc__strndup(code, strlen(code), err)) == NULL ||
        (raw = sc__ofd_text(a, err)) == NULL)
        return SC_ENOMEM;
    rc = text_copy(a, "the authority's name", raw, NAME_MAX_CHARS, &t->authority, err);
    free(raw);
    return rc;
}

static int read_page(sc_lic_template *t, const xmlNode *n, sc_err *err)
{
    static const char *const attrs[] = { "width", "height", NULL };
    static const kid kids[] = { { "Background", 1 }, { NULL, 0 } };
    static const char *const bg_attrs[] = { "src", NULL };
    const xmlNode *bg;
    int rc;

    if ((rc = check_node(n, attrs, kids, err)) != 0 ||
        (rc = mm_attr(n, "width", 1, 10, 2000, &t->page_w, err)) != 0 ||
        (rc = mm_attr(n, "height", 1, 10, 2000, &t->page_h, err)) != 0)
        return rc;
    if ((bg = sc__ofd_child(n, "Background")) == NULL)
        return 0;
    if ((rc = check_node(bg, bg_attrs, NULL, err)) != 0)
        return rc;
    return file_attr(bg, "src", 1, &t->background, err);
}

static void field_clear(struct sc_lic_field *f)
{
    free(f->name);
    free(f->label);
    free(f->meta);
    free(f->pattern);
    box_free(&f->box);
    box_free(&f->caption);
    if (f->has_re)
        regfree(&f->re);
    memset(f, 0, sizeof(*f));
}

#define FMT(x) (1u << SC_LIC_FMT_##x)
#define ANY_FMT (~0u)

/* The GB/T 36903 elements a field may fill, and the formats each takes (e-license.md §3). */
static const struct meta_rule {
    const char *code;
    unsigned formats;
} meta_rules[] = {
    { "ZZBH", ANY_FMT }, { "CZZT", FMT(TEXT) }, { "CZZTDM", ANY_FMT },
    { "CZZTDMLX", FMT(TEXT) }, { "CZZTDMLXDM", FMT(DIGITS) | FMT(REGEX) | FMT(TEXT) },
    { "ZZBFRQ", FMT(DATE) }, { "ZZYXQQSRQ", FMT(DATE) },
    { "ZZYXQJZRQ", FMT(DATE) | FMT(ENDDATE) }, { NULL, 0 }
};
/* Elements the issuing service sets itself: a row must not be able to forge them. */
static const char *const meta_reserved[] = {
    "ZZMC", "ZZLXDM", "ZZBS", "ZZBFJG", "ZZBFJGDM", "ZZQZR", "ZZQZSJ", "ZZQZMC",
    "JZJZZSJ", "JZJZZZ", "JZJZZSY", "JZJYXQJZSJ", NULL
};

static int meta_ok(const xmlNode *n, const char *meta, int format, sc_err *err)
{
    char shown[48];
    size_t len = strlen(meta);

    sc__lic_show(shown, sizeof(shown), meta, len);
    for (size_t i = 0; meta_reserved[i] != NULL; i++)
        if (strcmp(meta, meta_reserved[i]) == 0)
            return fail(err, SC_EFORMAT, n, "meta='%s' is set by the issuing service, not by a "
                        "field", shown);
    for (size_t i = 0; meta_rules[i].code != NULL; i++) {
        if (strcmp(meta, meta_rules[i].code) != 0)
            continue;
        if ((meta_rules[i].formats & (1u << format)) == 0)
            return fail(err, SC_EFORMAT, n, "meta='%s' does not take this field's format",
                        shown);
        return 0;
    }
    if (len > 3 && len <= 3 + FIELD_NAME_MAX && strncmp(meta, "KZ_", 3) == 0 &&
        strspn(meta + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == len - 3)
        return 0;
    return fail(err, SC_EFORMAT, n, "meta='%s' is neither an element a field may fill (ZZBH, "
                "CZZT, CZZTDM, CZZTDMLX, CZZTDMLXDM, ZZBFRQ, ZZYXQQSRQ, ZZYXQJZRQ) nor an "
                "extension KZ_[A-Z0-9_]", shown);
}

static int field_name_ok(const xmlNode *n, const char *v, sc_err *err)
{
    size_t len = strlen(v);
    char shown[48];

    if (len >= 1 && len <= FIELD_NAME_MAX && v[0] >= 'a' && v[0] <= 'z' &&
        strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_") == len)
        return 0;
    sc__lic_show(shown, sizeof(shown), v, len);
    return fail(err, SC_EFORMAT, n, "name='%s' must be 1..%d characters a-z 0-9 _, starting "
                "with a letter", shown, FIELD_NAME_MAX);
}

/* pattern, compiled as "^(pattern)$" so it must match the whole value. */
static int field_pattern(const xmlNode *n, struct sc_lic_field *f, const char *p, sc_err *err)
{
    char anchored[PATTERN_MAX + 8], why[128];
    size_t len = strlen(p);
    int rc;

    if (f->format != SC_LIC_FMT_REGEX)
        return fail(err, SC_EFORMAT, n, "pattern is only for format='regex'");
    if (len == 0 || len > PATTERN_MAX)
        return fail(err, SC_ELIMIT, n, "pattern must have 1..%d bytes, has %zu", PATTERN_MAX,
                    len);
    snprintf(anchored, sizeof(anchored), "^(%s)$", p);
    if ((rc = regcomp(&f->re, anchored, REG_EXTENDED | REG_NOSUB)) != 0) {
        regerror(rc, NULL, why, sizeof(why));
        return fail(err, SC_EFORMAT, n, "pattern does not compile: %s", why);
    }
    f->has_re = 1;
    return (f->pattern = sc__strndup(p, len, err)) == NULL ? SC_ENOMEM : 0;
}

static const char *const formats[] = { "text", "date", "enddate", "uscc", "idcard", "digits",
                                       "regex", NULL };

static int read_field(const sc_lic_template *t, const xmlNode *n, struct sc_lic_field *f,
                      sc_err *err)
{
    static const char *const attrs[] = { "name", "label", "required", "format", "maxLength",
                                         "pattern", "meta", NULL };
    static const kid kids[] = { { "Layout", 1 }, { "Caption", 1 }, { NULL, 0 } };
    const char *name, *req, *fmt, *pattern, *max;
    const xmlNode *layout, *caption;
    unsigned fixed;
    int rc;

    if ((rc = check_node(n, attrs, kids, err)) != 0 ||
        (rc = attr_get(n, "name", 1, &name, err)) != 0 ||
        (rc = field_name_ok(n, name, err)) != 0)
        return rc;
    if ((f->name = sc__strndup(name, strlen(name), err)) == NULL)
        return SC_ENOMEM;
    f->format = SC_LIC_FMT_TEXT;
    if ((rc = str_attr(n, "label", 1, NAME_MAX_CHARS, &f->label, err)) != 0 ||
        (rc = attr_get(n, "required", 0, &req, err)) != 0 ||
        (rc = attr_get(n, "format", 0, &fmt, err)) != 0 ||
        (fmt != NULL && (rc = pick(n, "format", fmt, formats, &f->format, err)) != 0) ||
        (rc = attr_get(n, "pattern", f->format == SC_LIC_FMT_REGEX, &pattern, err)) != 0 ||
        (pattern != NULL && (rc = field_pattern(n, f, pattern, err)) != 0) ||
        (rc = str_attr(n, "meta", 0, 3 + FIELD_NAME_MAX, &f->meta, err)) != 0 ||
        (f->meta != NULL && (rc = meta_ok(n, f->meta, f->format, err)) != 0) ||
        (rc = attr_get(n, "maxLength", 0, &max, err)) != 0)
        goto out;
    if (req != NULL && strcmp(req, "true") != 0 && strcmp(req, "false") != 0) {
        rc = fail(err, SC_EFORMAT, n, "required must be 'true' or 'false'");
        goto out;
    }
    f->required = req != NULL && strcmp(req, "true") == 0;
    /* codes and dates have one length; maxLength may only leave room for it */
    fixed = f->format == SC_LIC_FMT_USCC || f->format == SC_LIC_FMT_IDCARD ? 18
          : f->format == SC_LIC_FMT_DATE || f->format == SC_LIC_FMT_ENDDATE ? 10 : 0;
    f->max_len = fixed != 0 ? fixed : 256;
    if (max != NULL) {
        size_t digits = strspn(max, "0123456789");
        unsigned long v = digits > 0 && digits <= 4 && max[digits] == '\0' ? strtoul(max, NULL, 10)
                                                                           : 0;
        if (v < (fixed ? fixed : 1) || v > SC_LIC_FIELD_MAX_LEN) {
            char shown[48];
            sc__lic_show(shown, sizeof(shown), max, strlen(max));
            rc = fail(err, SC_EFORMAT, n, "maxLength='%s' is not %u..%d", shown,
                      fixed ? fixed : 1, SC_LIC_FIELD_MAX_LEN);
            goto out;
        }
        f->max_len = (unsigned)v;
    }
    if ((rc = need_child(n, "Layout", &layout, err)) != 0 ||
        (rc = read_box(t, layout, 0, &f->box, err)) != 0)
        goto out;
    if ((caption = sc__ofd_child(n, "Caption")) != NULL) {
        if ((rc = read_box(t, caption, 1, &f->caption, err)) != 0)
            goto out;
        f->has_caption = 1;
    }
out:
    if (rc != 0)
        sc_err_prefix(err, "field '%s'", f->name);
    return rc;
}

/* What no single field shows: unique names and elements, a holder (CZZT, CZZTDM) in every
 * licence, and a holder code type that is known. */
static int fields_agree(sc_lic_template *t, const xmlNode *n, sc_err *err)
{
    const struct sc_lic_field *holder = NULL, *holder_name = NULL, *holder_type = NULL;

    for (size_t i = 0; i < t->n_fields; i++) {
        const struct sc_lic_field *f = &t->fields[i];
        for (size_t j = 0; j < i; j++) {
            if (strcmp(f->name, t->fields[j].name) == 0)
                return fail(err, SC_EFORMAT, n, "two fields are named '%s'", f->name);
            if (f->meta != NULL && t->fields[j].meta != NULL &&
                strcmp(f->meta, t->fields[j].meta) == 0)
                return fail(err, SC_EFORMAT, n, "fields '%s' and '%s' both fill %s",
                            t->fields[j].name, f->name, f->meta);
        }
        if (f->meta != NULL && strcmp(f->meta, "CZZTDM") == 0)
            holder = f;
        if (f->meta != NULL && strcmp(f->meta, "CZZT") == 0)
            holder_name = f;
        if (f->meta != NULL && strcmp(f->meta, "CZZTDMLXDM") == 0)
            holder_type = f;
    }
    if (holder_name == NULL || !holder_name->required || holder == NULL || !holder->required)
        return fail(err, SC_EFORMAT, n, "a licence needs required fields filling CZZT (持证主体) "
                    "and CZZTDM (持证主体代码)");
    if (holder_type != NULL)
        return 0;
    if (holder->format == SC_LIC_FMT_USCC)
        t->holder_type = "001";
    else if (holder->format == SC_LIC_FMT_IDCARD)
        t->holder_type = "111";
    else
        return fail(err, SC_EFORMAT, n, "field '%s' (CZZTDM) is neither format uscc nor idcard: "
                    "a field must fill CZZTDMLXDM (持证主体代码类型代码)", holder->name);
    return 0;
}

/* A list element (<Fields>, <Texts>): checked, and an array of one zeroed item of size bytes
 * a child; *out NULL when there is none. */
static int list_alloc(const xmlNode *n, const kid *kids, size_t size, void **out, size_t *count,
                      sc_err *err)
{
    size_t k = 0;
    int rc;

    *out = NULL;
    if ((rc = check_node(n, NULL, kids, err)) != 0)
        return rc;
    for (const xmlNode *c = n->children; c != NULL; c = c->next)
        k += c->type == XML_ELEMENT_NODE;
    *count = k;
    if (k > 0 && (*out = calloc(k, size)) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory for %zu <%s>", k, kids[0].name);
    return 0;
}

static const xmlNode *next_element(const xmlNode *c)
{
    while (c != NULL && c->type != XML_ELEMENT_NODE)
        c = c->next;
    return c;
}

static int read_fields(sc_lic_template *t, const xmlNode *n, sc_err *err)
{
    static const kid kids[] = { { "Field", SC_LIC_TMPL_MAX_FIELDS }, { NULL, 0 } };
    const xmlNode *c = n->children;
    void *fields;
    size_t k;
    int rc;

    if ((rc = list_alloc(n, kids, sizeof(*t->fields), &fields, &k, err)) != 0)
        return rc;
    if ((t->fields = fields) == NULL)
        return fail(err, SC_EFORMAT, n, "holds no <Field>");
    for (; (c = next_element(c)) != NULL; c = c->next) {
        rc = read_field(t, c, &t->fields[t->n_fields], err);
        t->n_fields++;   /* freed with the template even when half read */
        if (rc != 0)
            return rc;
    }
    return fields_agree(t, n, err);
}

static int read_texts(sc_lic_template *t, const xmlNode *n, sc_err *err)
{
    static const kid kids[] = { { "Text", SC_LIC_TMPL_MAX_TEXTS }, { NULL, 0 } };
    const xmlNode *c = n->children;
    void *texts;
    size_t k;
    int rc;

    if ((rc = list_alloc(n, kids, sizeof(*t->texts), &texts, &k, err)) != 0)
        return rc;
    t->texts = texts;
    for (; (c = next_element(c)) != NULL; c = c->next)
        if ((rc = read_box(t, c, 1, &t->texts[t->n_texts++], err)) != 0)
            return rc;
    return 0;
}

static int read_marks(sc_lic_template *t, const xmlNode *seal, const xmlNode *code, sc_err *err)
{
    static const char *const seal_attrs[] = { "x", "y", NULL };
    static const char *const code_attrs[] = { "x", "y", "size", NULL };
    int rc;

    if ((rc = check_node(seal, seal_attrs, NULL, err)) != 0 ||
        (rc = mm_attr(seal, "x", 1, 0, t->page_w, &t->seal_x, err)) != 0 ||
        (rc = mm_attr(seal, "y", 1, 0, t->page_h, &t->seal_y, err)) != 0 ||
        (rc = check_node(code, code_attrs, NULL, err)) != 0 ||
        (rc = mm_attr(code, "x", 1, 0, t->page_w, &t->code_x, err)) != 0 ||
        (rc = mm_attr(code, "y", 1, 0, t->page_h, &t->code_y, err)) != 0 ||
        (rc = mm_attr(code, "size", 1, 10, 100, &t->code_size, err)) != 0)
        return rc;
    if (t->code_x + t->code_size > t->page_w || t->code_y + t->code_size > t->page_h)
        return fail(err, SC_EFORMAT, code, "the code ends past the page (%g x %g mm)",
                    t->page_w, t->page_h);
    return 0;
}

static int read_root(sc_lic_template *t, const xmlNode *root, sc_err *err)
{
    static const char *const attrs[] = { "version", NULL };
    static const kid kids[] = { { "Type", 1 }, { "Page", 1 }, { "Fields", 1 }, { "Texts", 1 },
                                { "Seal", 1 }, { "Code", 1 }, { NULL, 0 } };
    const xmlNode *type, *page, *fields, *texts, *seal, *code;
    const char *version;
    char shown[48];
    int rc;

    if (!sc__ofd_is(root, "LicenseTemplate"))
        return fail(err, SC_EFORMAT, root, "the root element must be <LicenseTemplate>");
    if ((rc = check_node(root, attrs, kids, err)) != 0 ||
        (rc = attr_get(root, "version", 1, &version, err)) != 0)
        return rc;
    if (strcmp(version, "1") != 0) {
        sc__lic_show(shown, sizeof(shown), version, strlen(version));
        return fail(err, SC_EUNSUPPORTED, root, "version '%s' is not supported (1 is)", shown);
    }
    if ((rc = need_child(root, "Type", &type, err)) != 0 ||
        (rc = need_child(root, "Page", &page, err)) != 0 ||
        (rc = need_child(root, "Fields", &fields, err)) != 0 ||
        (rc = need_child(root, "Seal", &seal, err)) != 0 ||
        (rc = need_child(root, "Code", &code, err)) != 0)
        return rc;
    texts = sc__ofd_child(root, "Texts");
    if ((rc = read_type(t, type, err)) != 0 || (rc = read_page(t, page, err)) != 0 ||
        (rc = read_fields(t, fields, err)) != 0 ||
        (texts != NULL && (rc = read_texts(t, texts, err)) != 0))
        return rc;
    return read_marks(t, seal, code, err);
}

int sc_lic_template_parse(sc_lic_template **out, const uint8_t *xml, size_t len, sc_err *err)
{
    sc_lic_template *t = NULL;
    xmlDoc *doc = NULL;
    int rc;

    if (out == NULL || xml == NULL)
        return sc_err_set(err, SC_EINVAL, TMPL ": no input (NULL)");
    *out = NULL;
    if (len > SC_LIC_TMPL_MAX)
        return sc_err_set(err, SC_ELIMIT, TMPL ": %zu bytes, more than the %u allowed", len,
                          SC_LIC_TMPL_MAX);
    if ((rc = sc__ofd_xml_parse_depth(xml, len, TMPL, SC_LIC_TMPL_MAX_DEPTH, &doc, err)) != 0)
        return rc;   /* the message starts with TMPL already */
    if ((t = calloc(1, sizeof(*t))) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, TMPL ": out of memory");
        goto out;
    }
    if ((rc = read_root(t, xmlDocGetRootElement(doc), err)) != 0) {
        sc_err_prefix(err, TMPL);
        goto out;
    }
    *out = t;
    t = NULL;
out:
    sc_lic_template_free(t);
    xmlFreeDoc(doc);
    return rc;
}

void sc_lic_template_free(sc_lic_template *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n_fields; i++)
        field_clear(&t->fields[i]);
    for (size_t i = 0; i < t->n_texts; i++)
        box_free(&t->texts[i]);
    free(t->fields);
    free(t->texts);
    free(t->type_code);
    free(t->name);
    free(t->authority);
    free(t->authority_code);
    free(t->background);
    free(t);
}
