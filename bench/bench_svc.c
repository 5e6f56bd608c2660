/* bench_svc.c: signatures per second through ss_svc_sign_data (grant check, cached key,
 * SM2, group commit with audit record and fsync) next to raw SM2 signing (sc_key_sign over
 * 32 bytes) with the same number of threads, in one run. Not a test: it prints figures.
 *
 * Usage: bench_svc [SECONDS_PER_CASE [THREADS...]]   (defaults 3; 2 and 8 threads)
 * BENCH_SVC_ONLY=1 skips the raw case (for profilers).
 * Needs the test environment the fixture reads: from the build directory,
 *   SC_MAKE_DEV_PKI=../certs-dev/make-dev-pki SC_TEST_DATA=../tests/data bench/bench_svc 3 8 16 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "testutil.h"
#include "svc_test.h"

typedef struct run {
    fx *f;
    const char *es;
    sc_key *raw;
    int service;
    double until;
    _Atomic long ops, fails;
} run;

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
    run *r = arg;
    uint8_t msg[32];

    memset(msg, 0x5a, sizeof(msg));
    while (now_s() < r->until) {
        sc_err err = SC_ERR_INIT;
        uint8_t *sig = NULL;
        size_t len = 0;
        int rc;
        if (r->service) {
            ss_svc_sign_item it = { r->es, NULL, 0, msg, NULL };
            rc = ss_svc_sign_data(r->f->svc, &r->f->oper, &it, NULL, &sig, &len, NULL, &err);
        } else {
            rc = sc_key_sign(r->raw, msg, sizeof(msg), &sig, &len, &err);
        }
        free(sig);
        if (rc != 0 && atomic_fetch_add(&r->fails, 1) == 0)
            fprintf(stderr, "sign failed: %s\n", err.msg);
        else if (rc == 0)
            atomic_fetch_add(&r->ops, 1);
        msg[0]++;
    }
    return NULL;
}

static double cpu_s(void)
{
    struct rusage u;

    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 +
           (double)u.ru_stime.tv_sec + (double)u.ru_stime.tv_usec / 1e6;
}

/* ops per second; *cpu_us: CPU time (user + system, all threads) per operation */
static double measure(run *r, int threads, double secs, double *cpu_us)
{
    pthread_t t[64];
    double start = now_s(), cpu = cpu_s();

    atomic_store(&r->ops, 0);
    atomic_store(&r->fails, 0);
    r->until = start + secs;
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, worker, r);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    *cpu_us = (cpu_s() - cpu) * 1e6 / (double)(atomic_load(&r->ops) > 0 ? atomic_load(&r->ops)
                                                                        : 1);
    return (double)atomic_load(&r->ops) / (now_s() - start);
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 3.0;
    int svc_only = getenv("BENCH_SVC_ONLY") != NULL;
    int counts[16] = { 2, 8 }, n = 2;
    void *state = NULL;
    char es[SS_ES_ID_MAX + 1];
    ss_svc_stats a, b;
    run r;
    fx *f;

    if (argc > 2) {
        n = 0;
        for (int i = 2; i < argc && n < 16; i++)
            counts[n++] = atoi(argv[i]);
    }
    if (fx_setup(&state) != 0)
        return 1;
    f = state;
    fx_make_seal(f, es);
    fx_grant(f, f->oper.client_id, es, 0, 0);
    memset(&r, 0, sizeof(r));
    r.f = f;
    r.es = es;
    r.raw = sc_test_key(sc_test_pki(), "signer-prov");
    printf("bench_svc: %.1f s per case, store %s\n", secs, f->db);
    for (int i = 0; i < n; i++) {
        int th = counts[i] < 1 ? 1 : counts[i] > 64 ? 64 : counts[i];
        r.service = 0;
        double raw_cpu = 0, svc_cpu, raw = svc_only ? 0 : measure(&r, th, secs, &raw_cpu);
        ss_svc_get_stats(f->svc, &a);
        r.service = 1;
        double svc = measure(&r, th, secs, &svc_cpu);
        ss_svc_get_stats(f->svc, &b);
        printf("  %2d threads: raw SM2 sign %7.1f/s (%4.0f us CPU)   ss_svc_sign_data %7.1f/s "
               "(%4.0f us CPU)   ratio %.3f\n      %llu signatures in %llu commits, "
               "%.0f us a commit\n", th, raw, raw_cpu, svc, svc_cpu, raw > 0 ? svc / raw : 0,
               (unsigned long long)(b.signatures - a.signatures),
               (unsigned long long)(b.commits - a.commits),
               (double)(b.commit_us - a.commit_us) /
                   (double)(b.commits > a.commits ? b.commits - a.commits : 1));
    }
    sc_key_free(r.raw);
    fx_teardown(&state);
    return 0;
}
