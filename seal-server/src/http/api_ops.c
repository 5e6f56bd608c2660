/* api_ops.c: the service's part of /healthz and /metrics (api_svc.h).
 *
 * /healthz: each configured key pair proves its private half works (sc_key_selftest: a probe signed and verified, not only a public-key
 * comparison) and says how long its certificate has left: a seal CA or status signer that
 * cannot sign stops seal making and status publication, which a monitor must see before the
 * first refused request does. */
#include "api_svc.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/asn1.h>
#include <openssl/x509.h>

#include "service.h"

/* Whole days from now to the certificate's notAfter (negative once expired). */
static int days_left(const uint8_t *der, size_t len, int64_t now, long *days)
{
    const uint8_t *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    ASN1_TIME *t = ASN1_TIME_new();
    int d = 0, s = 0, ok = x != NULL && t != NULL && ASN1_TIME_set(t, (time_t)now) != NULL &&
                           ASN1_TIME_diff(&d, &s, t, X509_get0_notAfter(x)) == 1;

    ASN1_TIME_free(t);
    X509_free(x);
    /* d and s share a sign: expired by hours is d == 0, s < 0, which must not read as 0 */
    *days = d == 0 && s < 0 ? -1 : d;
    return ok;
}

static void fail(char *why, size_t n, const char *name, const char *what)
{
    if (why[0] == '\0')
        snprintf(why, n, "%s key: %s", name, what);
}

int ss_api_svc_check_keys(const ss_api_svc *a, int64_t now, json_t *out, char *why, size_t n)
{
    int all = 1;

    for (int i = 0; a != NULL && i < SS_CONFIG_PAIR_COUNT; i++) {
        const char *name = ss_config_pair_name(i);
        json_t *o;
        sc_err err = SC_ERR_INIT;
        long days = 0;
        int ok = 1;

        if (a->key[i] == NULL)
            continue;
        if ((o = json_object()) == NULL)
            return -1;
        if (sc_key_selftest(a->key[i], &err) != 0) {
            ok = 0;
            json_object_set_new(o, "error", json_string(err.msg));
            fail(why, n, name, err.msg);
        }
        if (!days_left(a->cert[i], a->cert_len[i], now, &days)) {
            ok = 0;
            fail(why, n, name, "its certificate cannot be read");
        } else {
            json_object_set_new(o, "cert_days_left", json_integer(days));
            if (days < 0) {
                ok = 0;
                fail(why, n, name, "its certificate has expired");
            }
        }
        json_object_set_new(o, "ok", json_boolean(ok));
        json_object_set_new(out, name, o);
        all &= ok;
    }
    return all;
}

/* ---- /metrics -------------------------------------------------------------------------- */

typedef struct text {
    char *p;
    size_t len, cap;
    int failed;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (t->failed)
        return;
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(t->p != NULL ? t->p + t->len : NULL, t->p != NULL ? t->cap - t->len : 0,
                      fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = 1;
            return;
        }
        if (t->p != NULL && (size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap != 0 ? t->cap * 2 : 4096;
        while (cap - t->len <= (size_t)n)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (p == NULL) {
            t->failed = 1;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
}

/* esIDs the service makes are digits; a label value is escaped anyway (exposition format:
 * backslash, double quote, newline). */
static void put_label(text *t, const char *v)
{
    for (; !t->failed && *v != '\0'; v++)
        put(t, *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : *v == '\n' ? "\\n" : "%c", *v);
}

static void seal_line(void *ctx, const char *es_id, uint64_t sigs, uint64_t refusals)
{
    text *t = ctx;

    (void)refusals;
    put(t, "sealpki_seal_signatures_total{seal=\"");
    put_label(t, es_id != NULL ? es_id : "_other");
    put(t, "\"} %llu\n", (unsigned long long)sigs);
}

static void seal_refusal_line(void *ctx, const char *es_id, uint64_t sigs, uint64_t refusals)
{
    text *t = ctx;

    (void)sigs;
    if (refusals == 0)
        return;
    put(t, "sealpki_seal_refusals_total{seal=\"");
    put_label(t, es_id != NULL ? es_id : "_other");
    put(t, "\"} %llu\n", (unsigned long long)refusals);
}

static void counter(text *t, const char *name, const char *help, uint64_t v)
{
    put(t, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
        (unsigned long long)v);
}

int ss_api_svc_metrics(const ss_api_svc *a, char **out, size_t *len)
{
    text t = { NULL, 0, 0, 0 };
    ss_svc_stats st;

    *out = NULL;
    *len = 0;
    if (a == NULL || a->svc == NULL)
        return 0;
    ss_svc_get_stats(a->svc, &st);
    counter(&t, "sealpki_signatures_total", "Signatures committed.", st.signatures);
    counter(&t, "sealpki_signing_refusals_total",
            "Signings refused by a grant or the seal's status (audited).", st.refusals);
    counter(&t, "sealpki_signing_replays_total",
            "Idempotent retries answered from the store.", st.replays);
    counter(&t, "sealpki_signing_commits_total",
            "Signing transactions (one per group of requests).", st.commits);
    counter(&t, "sealpki_signing_commit_requests_total",
            "Requests those transactions carried.", st.commit_jobs);
    put(&t, "# HELP sealpki_signing_commit_seconds_total Time spent in signing transactions.\n"
            "# TYPE sealpki_signing_commit_seconds_total counter\n"
            "sealpki_signing_commit_seconds_total %.6f\n", (double)st.commit_us / 1e6);
    counter(&t, "sealpki_key_cache_hits_total", "Signings that found the unit key unlocked.",
            st.cache_hits);
    counter(&t, "sealpki_key_cache_misses_total", "Unit keys decrypted.", st.cache_misses);
    counter(&t, "sealpki_key_cache_evictions_total", "Unlocked keys dropped and wiped.",
            st.cache_evictions);
    counter(&t, "sealpki_license_type_cache_hits_total",
            "Licence requests that found their type's template parsed.", st.ltype_hits);
    counter(&t, "sealpki_license_type_cache_misses_total",
            "Licence type templates parsed and files loaded.", st.ltype_misses);
    put(&t, "# HELP sealpki_key_cache_keys Unit keys held unlocked now.\n"
            "# TYPE sealpki_key_cache_keys gauge\nsealpki_key_cache_keys %u\n", st.cache_size);
    put(&t, "# HELP sealpki_seal_signatures_total Signatures committed since the start, by seal "
            "(seal=\"_other\": seals past the counted bound).\n"
            "# TYPE sealpki_seal_signatures_total counter\n");
    ss_svc_seal_counts(a->svc, seal_line, &t);
    put(&t, "# HELP sealpki_seal_refusals_total Signings refused since the start, by seal.\n"
            "# TYPE sealpki_seal_refusals_total counter\n");
    ss_svc_seal_counts(a->svc, seal_refusal_line, &t);
    if (t.failed) {
        free(t.p);
        return SC_ENOMEM;
    }
    *out = t.p;
    *len = t.len;
    return 0;
}
