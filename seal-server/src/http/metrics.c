/* metrics.c: lock-free counters and their Prometheus rendering (metrics.h).
 * Not here: deciding what a request's route or status was (server.c). Status counts are kept
 * per (route, status) in a dense array: 500 slots × a few dozen routes is a few hundred KB at
 * most and makes recording one relaxed atomic add. */
#include "metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSTATUS 500                     /* 100..599 */
/* Upper bounds in seconds; the last bucket is +Inf. Signing is milliseconds, a large OFD
 * stamp can take seconds. */
static const double BUCKETS[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                  1, 2.5, 5, 10 };
#define NBUCKETS (sizeof(BUCKETS) / sizeof(BUCKETS[0]))

struct route_ctr {
    char *method, *pattern;
    _Atomic uint64_t status[NSTATUS];
    _Atomic uint64_t bucket[NBUCKETS + 1];   /* non-cumulative; rendered cumulative */
    _Atomic uint64_t sum_us;
    _Atomic uint64_t count;
};

struct ss_metrics {
    size_t n, nerr;
    struct route_ctr *routes;           /* n + 1: the last one is "unmatched" */
    char **err_names;
    _Atomic uint64_t *errors;
};

int ss_metrics_new(ss_metrics **out, const char *const *route_methods,
                   const char *const *route_patterns, size_t n,
                   const char *const *error_names, size_t nerr, sc_err *err)
{
    ss_metrics *m = NULL;
    int rc = 0;

    *out = NULL;
    if ((m = calloc(1, sizeof(*m))) == NULL ||
        (m->routes = calloc(n + 1, sizeof(*m->routes))) == NULL ||
        (m->err_names = calloc(nerr + 1, sizeof(*m->err_names))) == NULL ||
        (m->errors = calloc(nerr + 1, sizeof(*m->errors))) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "metrics: out of memory");
        goto out;
    }
    m->n = n;
    m->nerr = nerr;
    for (size_t i = 0; i <= n; i++) {
        const char *meth = i < n ? route_methods[i] : "";
        const char *pat = i < n ? route_patterns[i] : "unmatched";

        if ((m->routes[i].method = strdup(meth)) == NULL ||
            (m->routes[i].pattern = strdup(pat)) == NULL) {
            rc = sc_err_set(err, SC_ENOMEM, "metrics: out of memory");
            goto out;
        }
    }
    for (size_t i = 0; i < nerr; i++) {
        if ((m->err_names[i] = strdup(error_names[i])) == NULL) {
            rc = sc_err_set(err, SC_ENOMEM, "metrics: out of memory");
            goto out;
        }
    }
    *out = m;
    m = NULL;
out:
    ss_metrics_free(m);
    return rc;
}

void ss_metrics_free(ss_metrics *m)
{
    if (m == NULL)
        return;
    if (m->routes != NULL) {
        for (size_t i = 0; i <= m->n; i++) {
            free(m->routes[i].method);
            free(m->routes[i].pattern);
        }
    }
    if (m->err_names != NULL)
        for (size_t i = 0; i < m->nerr; i++)
            free(m->err_names[i]);
    free(m->routes);
    free(m->err_names);
    free((void *)m->errors);
    free(m);
}

void ss_metrics_request(ss_metrics *m, size_t route, int status, double seconds)
{
    struct route_ctr *r;
    size_t b = 0;

    if (m == NULL)
        return;
    r = &m->routes[route < m->n ? route : m->n];
    if (status < 100 || status > 599)
        status = 599;
    if (seconds < 0)
        seconds = 0;
    while (b < NBUCKETS && seconds > BUCKETS[b])
        b++;
    atomic_fetch_add_explicit(&r->status[status - 100], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->sum_us, (uint64_t)(seconds * 1e6), memory_order_relaxed);
    atomic_fetch_add_explicit(&r->count, 1, memory_order_relaxed);
}

void ss_metrics_error(ss_metrics *m, size_t e)
{
    if (m != NULL && e < m->nerr)
        atomic_fetch_add_explicit(&m->errors[e], 1, memory_order_relaxed);
}

/* A growing text buffer; on allocation failure it remembers that and stops growing. */
struct out {
    char *p;
    size_t len, cap;
    int oom;
};

static void put(struct out *o, const char *fmt, ...) SC_PRINTF(2, 3);

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int w;

    if (o->oom)
        return;
    for (;;) {
        va_start(ap, fmt);
        w = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (w < 0) {
            o->oom = 1;
            return;
        }
        if ((size_t)w < o->cap - o->len) {
            o->len += (size_t)w;
            return;
        }
        size_t ncap = o->cap * 2 + (size_t)w;
        char *np = realloc(o->p, ncap);
        if (np == NULL) {
            o->oom = 1;
            return;
        }
        o->p = np;
        o->cap = ncap;
    }
}

static uint64_t ld(const _Atomic uint64_t *a)
{
    return atomic_load_explicit(a, memory_order_relaxed);
}

int ss_metrics_render(const ss_metrics *m, long in_flight, const char *labels, char **out,
                      size_t *len, sc_err *err)
{
    struct out o = { malloc(8192), 0, 8192, 0 };
    int rc = 0;

    *out = NULL;
    *len = 0;
    if (o.p == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "metrics: out of memory");
        goto out;
    }
    o.p[0] = '\0';
    put(&o, "# HELP sealpki_build_info Constant 1; labels say what this node is.\n"
            "# TYPE sealpki_build_info gauge\nsealpki_build_info{%s} 1\n",
        labels != NULL ? labels : "");
    put(&o, "# HELP sealpki_http_in_flight Requests being handled now.\n"
            "# TYPE sealpki_http_in_flight gauge\nsealpki_http_in_flight %ld\n", in_flight);

    put(&o, "# HELP sealpki_http_requests_total Requests answered, by route and status.\n"
            "# TYPE sealpki_http_requests_total counter\n");
    for (size_t i = 0; i <= m->n; i++) {
        const struct route_ctr *r = &m->routes[i];
        for (int s = 0; s < NSTATUS; s++) {
            uint64_t v = ld(&r->status[s]);
            if (v != 0)
                put(&o, "sealpki_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"}"
                        " %llu\n", r->method, r->pattern, s + 100, (unsigned long long)v);
        }
    }

    put(&o, "# HELP sealpki_http_request_duration_seconds Time from request headers read to "
            "response sent.\n# TYPE sealpki_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= m->n; i++) {
        const struct route_ctr *r = &m->routes[i];
        uint64_t cum = 0, count = ld(&r->count);

        if (count == 0)
            continue;
        for (size_t b = 0; b <= NBUCKETS; b++) {
            char le[32];
            cum += ld(&r->bucket[b]);
            if (b < NBUCKETS)
                snprintf(le, sizeof(le), "%g", BUCKETS[b]);
            else
                snprintf(le, sizeof(le), "+Inf");
            put(&o, "sealpki_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                    "le=\"%s\"} %llu\n", r->method, r->pattern, le, (unsigned long long)cum);
        }
        put(&o, "sealpki_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} "
                "%.6f\n", r->method, r->pattern, (double)ld(&r->sum_us) / 1e6);
        put(&o, "sealpki_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} "
                "%llu\n", r->method, r->pattern, (unsigned long long)count);
    }

    put(&o, "# HELP sealpki_http_errors_total Error responses, by error code.\n"
            "# TYPE sealpki_http_errors_total counter\n");
    for (size_t e = 0; e < m->nerr; e++)
        put(&o, "sealpki_http_errors_total{code=\"%s\"} %llu\n", m->err_names[e],
            (unsigned long long)ld(&m->errors[e]));
    if (o.oom) {
        rc = sc_err_set(err, SC_ENOMEM, "metrics: out of memory");
        goto out;
    }
    *out = o.p;
    *len = o.len;
    o.p = NULL;
out:
    free(o.p);
    return rc;
}
