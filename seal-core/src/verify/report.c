/* report.c: the verification report object (sealcore/verify.h): items, results, errors, the
 * validity rule and the exit code. Not here: rendering (report_render.c), checks (verify.c). */
#include "verify_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const check_names[SC_CHECK_COUNT] = {
    "structure", "signer_signature", "signer_cert", "cert_chain", "signer_in_seal",
    "seal_signature", "seal_validity", "data_hash", "timestamp",
    "ofd_references", "ofd_seal_file", "seal_status", "license",
};

/* The order reports list the checks in (spec/verify-report.md): seal_status, added after the
 * enum's values were public, is reported next to seal_validity, its neighbour in meaning. */
const sc_check sc__check_order[SC_CHECK_COUNT] = {
    SC_CHECK_STRUCTURE, SC_CHECK_SIGNER_SIGNATURE, SC_CHECK_SIGNER_CERT, SC_CHECK_CERT_CHAIN,
    SC_CHECK_SIGNER_IN_SEAL, SC_CHECK_SEAL_SIGNATURE, SC_CHECK_SEAL_VALIDITY,
    SC_CHECK_SEAL_STATUS, SC_CHECK_DATA_HASH, SC_CHECK_TIMESTAMP, SC_CHECK_OFD_REFERENCES,
    SC_CHECK_OFD_SEAL_FILE, SC_CHECK_LICENSE,
};

const char *sc_check_name(sc_check c)
{
    return (unsigned)c < SC_CHECK_COUNT ? check_names[c] : NULL;
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

int sc_report_new(sc_report **out, const char *file, const char *format, sc_err *err)
{
    sc_report *r = calloc(1, sizeof(*r));

    *out = NULL;
    if (r == NULL || (file != NULL && (r->file = strdup(file)) == NULL) ||
        (format != NULL && (r->format = strdup(format)) == NULL)) {
        sc_report_free(r);
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    *out = r;
    return 0;
}

void sc_report_free(sc_report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++) {
        sc_item *it = &r->items[i];
        free(it->seal_id);
        free(it->seal_name);
        free(it->signer);
        for (int c = 0; c < SC_CHECK_COUNT; c++)
            free(it->reason[c]);
        json_decref(it->extra);
    }
    for (size_t i = 0; i < r->nerr; i++)
        free(r->errors[i]);
    free(r->errors);
    for (size_t i = 0; i < r->nfind; i++) {
        free(r->findings[i].file);
        free(r->findings[i].msg);
    }
    free(r->findings);
    free(r->items);
    free(r->file);
    free(r->format);
    free(r);
}

int sc_report_set_format(sc_report *r, const char *format, sc_err *err)
{
    char *f = dup_or_null(format);

    if (format != NULL && f == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    free(r->format);
    r->format = f;
    return 0;
}

int sc_report_add_error(sc_report *r, const char *msg, sc_err *err)
{
    char **e;

    if (r->nerr >= SC_REPORT_MAX_ERRORS)
        return 0;   /* the first hundred say enough */
    if ((e = realloc(r->errors, (r->nerr + 1) * sizeof(*e))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    r->errors = e;
    if ((e[r->nerr] = strdup(msg)) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    r->nerr++;
    return 0;
}

int sc__report_add_finding(sc_report *r, const char *code, const char *file, sc_err *err,
                           const char *fmt, ...)
{
    sc_finding *f;
    char buf[1024];
    va_list ap;

    if (r->nfind >= SC_REPORT_MAX_FINDINGS) {
        r->find_omitted++;   /* a package of 10000 stray files needs no 10000 lines */
        return 0;
    }
    if (r->nfind == r->find_cap) {
        size_t cap = r->find_cap ? r->find_cap * 2 : 8;
        if ((f = realloc(r->findings, cap * sizeof(*f))) == NULL)
            return sc_err_set(err, SC_ENOMEM, "out of memory");
        r->findings = f;
        r->find_cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    f = &r->findings[r->nfind];
    memset(f, 0, sizeof(*f));
    snprintf(f->code, sizeof(f->code), "%s", code);
    if ((f->msg = strdup(buf)) == NULL || (file != NULL && (f->file = strdup(file)) == NULL)) {
        free(f->msg);
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    r->nfind++;
    return 0;
}

size_t sc_report_finding_count(const sc_report *r)
{
    return r->nfind;
}

const char *sc_report_get_finding(const sc_report *r, size_t i, const char **file,
                                  const char **message)
{
    if (file != NULL)
        *file = NULL;
    if (message != NULL)
        *message = NULL;
    if (i >= r->nfind)
        return NULL;
    if (file != NULL)
        *file = r->findings[i].file;
    if (message != NULL)
        *message = r->findings[i].msg;
    return r->findings[i].code;
}

sc_item *sc__report_add_item(sc_report *r, const char *kind, sc_err *err)
{
    sc_item *it;

    if (r->n >= SC_REPORT_MAX_ITEMS) {
        sc_err_set(err, SC_ELIMIT, "report: more than %d items", SC_REPORT_MAX_ITEMS);
        return NULL;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4;
        sc_item *ni = realloc(r->items, cap * sizeof(*ni));
        if (ni == NULL) {
            sc_err_set(err, SC_ENOMEM, "out of memory");
            return NULL;
        }
        r->items = ni;
        r->cap = cap;
    }
    it = &r->items[r->n++];
    memset(it, 0, sizeof(*it));
    snprintf(it->kind, sizeof(it->kind), "%s", kind);
    return it;
}

void sc__item_text(char **field, const char *s)
{
    free(*field);
    *field = dup_or_null(s);
}

void sc__item_set(sc_item *it, sc_check c, sc_result res, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    it->res[c] = res;
    it->blocking &= ~(1u << c);
    free(it->reason[c]);
    it->reason[c] = NULL;
    if (fmt == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    it->reason[c] = strdup(buf);
}

void sc__item_skip_no_trust(sc_item *it, sc_check c)
{
    sc__item_skip_blocking(it, c, "no trust anchors were given (--trust CA.pem), so the "
                           "certificates could not be chained to a trusted root");
}

void sc__item_skip_blocking(sc_item *it, sc_check c, const char *reason)
{
    sc__item_set(it, c, SC_RESULT_SKIPPED, "%s", reason);
    it->blocking |= 1u << c;
}

size_t sc_report_item_count(const sc_report *r)
{
    return r->n;
}

sc_result sc_report_get_check(const sc_report *r, size_t i, sc_check c, const char **reason)
{
    if (reason != NULL)
        *reason = NULL;
    if (i >= r->n || (unsigned)c >= SC_CHECK_COUNT)
        return SC_RESULT_NONE;
    if (reason != NULL)
        *reason = r->items[i].reason[c];
    return r->items[i].res[c];
}

int sc_report_exit_code(const sc_report *r)
{
    if (r->nerr > 0 || r->n == 0)
        return 2;
    for (size_t i = 0; i < r->n; i++)
        for (int c = 0; c < SC_CHECK_COUNT; c++)
            if (r->items[i].res[c] == SC_RESULT_FAILED || (r->items[i].blocking & (1u << c)))
                return 1;
    return 0;
}

int sc_report_valid(const sc_report *r)
{
    return sc_report_exit_code(r) == 0;
}
