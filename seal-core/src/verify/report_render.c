/* report_render.c: the report as JSON (shape in spec/verify-report.md) and as text for people.
 * Not here: the report's data (report.c). */
#include "verify_int.h"
#include "sealcore/license_file.h"
#include "sealcore/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Millimetre coordinates ("206.5199") print as written, not as 206.51990000000001. */
#define REAL JSON_REAL_PRECISION(10)

static const char *result_name(sc_result r)
{
    return r == SC_RESULT_PASSED ? "passed" : r == SC_RESULT_FAILED ? "failed" : "skipped";
}

/* Vendors' seals may carry names that are not UTF-8; JSON must stay valid, so such bytes
 * are shown as U+FFFD rather than dropping the field. */
static json_t *text(const char *s)
{
    json_t *j;
    char *fixed;
    size_t o = 0;

    if (s == NULL)
        s = "";
    if ((j = json_string(s)) != NULL)
        return j;
    if ((fixed = malloc(strlen(s) * 3 + 1)) == NULL)
        return json_string("");
    for (const unsigned char *p = (const unsigned char *)s; *p != 0;) {
        size_t n = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;
        size_t k = 1;
        while (n > 1 && k < n && (p[k] & 0xc0) == 0x80)
            k++;
        if (n == 0 || k != n) {
            memcpy(fixed + o, "\xef\xbf\xbd", 3);
            o += 3;
            p++;
            continue;
        }
        memcpy(fixed + o, p, n);
        o += n;
        p += n;
    }
    fixed[o] = '\0';
    j = json_string(fixed);   /* still NULL for overlong forms: then an empty string */
    free(fixed);
    return j != NULL ? j : json_string("");
}

static json_t *str_or_null(const char *s)
{
    return s != NULL ? text(s) : json_null();
}

static int is_license(const sc_item *it)
{
    return strcmp(it->kind, "license") == 0;
}

static json_t *item_json(const sc_item *it)
{
    json_t *o = json_object(), *checks = json_object(), *reasons = json_object();
    char tbuf[32];

    if (o == NULL || checks == NULL || reasons == NULL) {
        json_decref(o);
        json_decref(checks);
        json_decref(reasons);
        return NULL;
    }
    json_object_set_new(o, "kind", json_string(it->kind));
    if (!is_license(it)) {   /* a licence item's fields are its own (extra) */
        json_object_set_new(o, "version", json_integer(it->version));
        json_object_set_new(o, "seal_id", text(it->seal_id));
        json_object_set_new(o, "seal_name", text(it->seal_name));
        json_object_set_new(o, "signer", text(it->signer));
        json_object_set_new(o, "sign_time", it->has_time ? json_string(sc_time_format(
                                   it->sign_time, tbuf, sizeof(tbuf))) : json_null());
    }
    for (int k = 0; k < SC_CHECK_COUNT; k++) {
        sc_check c = sc__check_order[k];
        if (it->res[c] == SC_RESULT_NONE)
            continue;
        json_object_set_new(checks, sc_check_name(c), json_string(result_name(it->res[c])));
        if (it->reason[c] != NULL)
            json_object_set_new(reasons, sc_check_name(c), text(it->reason[c]));
    }
    json_object_set_new(o, "checks", checks);
    json_object_set_new(o, "reasons", reasons);
    if (it->extra != NULL)
        json_object_update(o, it->extra);
    return o;
}

static json_t *finding_json(const sc_finding *f)
{
    json_t *o = json_object();

    if (o == NULL)
        return NULL;
    json_object_set_new(o, "code", json_string(f->code));
    json_object_set_new(o, "file", str_or_null(f->file));
    json_object_set_new(o, "message", text(f->msg));
    return o;
}

int sc_report_to_json(const sc_report *r, char **out, sc_err *err)
{
    json_t *o = json_object(), *items = json_array(), *errors = json_array();
    json_t *findings = json_array();
    int rc = 0;

    *out = NULL;
    if (o == NULL || items == NULL || errors == NULL || findings == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        json_decref(items);
        json_decref(errors);
        json_decref(findings);
        goto out;
    }
    json_object_set_new(o, "file", str_or_null(r->file));
    json_object_set_new(o, "format", str_or_null(r->format));
    json_object_set_new(o, "valid", json_boolean(sc_report_valid(r)));
    for (size_t i = 0; i < r->n; i++)
        json_array_append_new(items, item_json(&r->items[i]));
    for (size_t i = 0; i < r->nerr; i++)
        json_array_append_new(errors, text(r->errors[i]));
    for (size_t i = 0; i < r->nfind; i++)
        json_array_append_new(findings, finding_json(&r->findings[i]));
    json_object_set_new(o, "items", items);
    json_object_set_new(o, "findings", findings);
    if (r->find_omitted > 0)
        json_object_set_new(o, "findings_omitted", json_integer((json_int_t)r->find_omitted));
    json_object_set_new(o, "errors", errors);
    if ((*out = json_dumps(o, JSON_INDENT(2) | REAL)) == NULL)
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
out:
    json_decref(o);
    return rc;
}

/* A growing text buffer; on ENOMEM it stops growing and the caller reports it. */
typedef struct tbuf {
    char *p;
    size_t len, cap;
    int oom;
} tbuf;

static void tb_add(tbuf *b, const char *fmt, ...) SC_PRINTF(2, 3);
static void tb_add(tbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (b->oom)
        return;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = (b->cap + (size_t)n + 1) * 2;
        char *q = realloc(b->p, cap);
        if (q == NULL) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Text from the input goes to a terminal: control characters (C0, DEL, C1) could move the
 * cursor and overwrite the verdict a person reads, so they become '?'. Returns buf. */
static const char *clean(const char *s, char *buf, size_t n)
{
    size_t o = 0;

    if (s == NULL)
        s = "";
    for (const unsigned char *p = (const unsigned char *)s; *p != 0 && o + 1 < n; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            buf[o++] = '?';
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            buf[o++] = '?';
            p++;
        } else {
            buf[o++] = (char)*p;
        }
    }
    buf[o] = '\0';
    return buf;
}

/* A licence item: its identifier, then every element as "CODE  名称: value". */
static void license_text(tbuf *b, const sc_item *it, size_t i)
{
    json_t *els = it->extra != NULL ? json_object_get(it->extra, "elements") : NULL;
    json_t *id = it->extra != NULL ? json_object_get(it->extra, "license_id") : NULL;
    char c1[1100], c2[1100];
    const char *k;
    json_t *v;

    tb_add(b, "\n%s %zu: %s\n", it->kind, i + 1, json_is_string(id)
           ? clean(json_string_value(id), c1, sizeof(c1)) : "(identifier unknown)");
    json_object_foreach(els, k, v) {
        const char *label = sc_lic_element_label(k);
        tb_add(b, "  %-10s %s%s%s\n", clean(k, c1, sizeof(c1)), label ? label : "",
               label ? ": " : "", clean(json_string_value(v), c2, sizeof(c2)));
    }
}

int sc_report_to_text(const sc_report *r, char **out, sc_err *err)
{
    char c1[1100], c2[1100];
    tbuf b = { 0 };
    char t[32];
    static const char *marks[] = { "", "ok  ", "FAIL", "skip" };

    *out = NULL;
    /* errors beside items (a status response seal-verify could not fetch): the input was
     * read, so it is not "unreadable"; the error lines below say what is missing */
    tb_add(&b, "%s: %s (%s)\n", r->file ? clean(r->file, c1, sizeof(c1)) : "(input)",
           sc_report_valid(r) ? "VALID" : sc_report_exit_code(r) == 2 && r->n == 0 ? "UNREADABLE"
                                                                                : "NOT VALID",
           r->format ? r->format : "unknown format");
    for (size_t i = 0; i < r->n; i++) {
        const sc_item *it = &r->items[i];
        if (is_license(it))
            license_text(&b, it, i);
        else if (it->seal_id != NULL || it->seal_name != NULL)
            tb_add(&b, "\n%s %zu (V%lld): seal %s \"%s\"\n", it->kind, i + 1,
                   (long long)it->version, clean(it->seal_id, c1, sizeof(c1)),
                   clean(it->seal_name, c2, sizeof(c2)));
        else   /* no seal read: an OFD Type="Sign" SignedData, or a signature left unread */
            tb_add(&b, "\n%s %zu (V%lld)\n", it->kind, i + 1, (long long)it->version);
        if (it->signer != NULL && it->signer[0] != '\0')
            tb_add(&b, "  signer:    %s\n", clean(it->signer, c1, sizeof(c1)));
        if (it->has_time)
            tb_add(&b, "  signed at: %s\n", sc_time_format(it->sign_time, t, sizeof(t)));
        if (it->extra != NULL && !is_license(it)) {
            const char *k;
            json_t *v;
            json_object_foreach(it->extra, k, v) {
                char *s = json_is_string(v) ? NULL
                                            : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | REAL);
                tb_add(&b, "  %-10s %s\n", k, clean(s ? s : json_string_value(v), c1, sizeof(c1)));
                free(s);
            }
        }
        for (int k = 0; k < SC_CHECK_COUNT; k++) {
            sc_check c = sc__check_order[k];
            if (it->res[c] == SC_RESULT_NONE)
                continue;
            tb_add(&b, "  [%s] %-16s%s%s\n", marks[it->res[c]], sc_check_name(c),
                   it->reason[c] ? " " : "", clean(it->reason[c], c1, sizeof(c1)));
        }
    }
    if (r->nfind > 0)   /* after the verdicts: they do not change them, but are worth reading */
        tb_add(&b, "\nfindings (they do not change the verdict):\n");
    for (size_t i = 0; i < r->nfind; i++) {
        const sc_finding *f = &r->findings[i];
        tb_add(&b, "  [%s] %s%s%s\n", f->code, f->file ? clean(f->file, c1, sizeof(c1)) : "",
               f->file ? ": " : "", clean(f->msg, c2, sizeof(c2)));
    }
    if (r->find_omitted > 0)
        tb_add(&b, "  ... and %zu more findings\n", r->find_omitted);
    for (size_t i = 0; i < r->nerr; i++)
        tb_add(&b, "error: %s\n", clean(r->errors[i], c1, sizeof(c1)));
    if (b.oom || b.p == NULL) {
        free(b.p);
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    *out = b.p;
    return 0;
}
