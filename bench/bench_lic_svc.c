/* bench_lic_svc.c: licence batch issuance end to end through the service (ss_svc_lic_batch:
 * grant and row checks, serials, drawing and sealing on one thread per CPU, the files written
 * and flushed, the licence rows, status and audit records committed in groups), next to raw
 * SM2 signing on as many threads in the same run. Not a test: it prints figures (README.md).
 *
 * Usage: bench_lic_svc [N]   (N licences, 1,000..1e7, default 10,000; batches of 1,000)
 * Needs the test environment the service fixture reads: from the build directory,
 *   SC_MAKE_DEV_PKI=../certs-dev/make-dev-pki SC_TEST_DATA=../tests/data bench/bench_lic_svc
 * The store and its files live in the fixture's scratch directory (TMPDIR), so the figure
 * includes that file system's fsync. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "sealcore/license.h"
#include "testutil.h"
#include "svc_test.h"

#define TYPE FX_LIC_TYPE
#define NFIELDS FX_LIC_NFIELDS
#define CHUNK 1000              /* rows a batch call: SS_SVC_BATCH_MAX */
#define RAW_SHARE 0.25          /* raw signing after each batch, for this share of its time */
#define FLAT_KIB 1024

static void setup_type(fx *f, const char *es)
{
    sc_err err = SC_ERR_INIT;
    char code[SS_LIC_CODE_MAX + 1];
    uint8_t *xml = NULL;
    size_t xml_len = 0;
    ss_lic_type_file files[2];

    fx_lic_files(f, files);
    if (sc_test_read(sc_test_path(sc_test_data(), "license-template-yyzz.xml"), &xml,
                     &xml_len) != 0)
        bu_die("tests/data/license-template-yyzz.xml: cannot read it", NULL);
    if (ss_svc_lic_type_add(f->svc, &f->admin, xml, xml_len, files, 2, code, &err) != 0 ||
        ss_svc_lic_grant_add(f->svc, &f->admin, f->oper.client_id, es, TYPE, 0, NULL,
                             &err) != 0)
        bu_die("licence type and grant", &err);
    free(xml);
}

/* BENCH_SINGLE=N: N licences issued one request at a time (ss_svc_lic_issue, as POST
 * /api/v1/licenses: type, grant, seal and template found per request, one transaction and
 * fdatasync each), on one thread, against raw SM2 signing on one thread after them. */
static void single(fx *f, bu_pki *pki, const ss_svc_lic_req *batch_req, long n)
{
    sc_lic_kv kv[NFIELDS];
    char no[16], zzbs[SS_LIC_ID_MAX + 1];
    ss_svc_lic_req req = *batch_req;
    double t0, t, raw;
    long raw_n;

    if (n < 1 || n > 100000)
        return;
    req.batch_id = NULL;
    req.row = kv;
    req.row_len = NFIELDS;
    t0 = bu_now();
    for (long i = 0; i < n; i++) {
        sc_err err = SC_ERR_INIT;
        for (size_t k = 0; k < NFIELDS; k++)
            kv[k] = (sc_lic_kv){ fx_lic_names[k], fx_lic_good[k] };
        snprintf(no, sizeof(no), "3399%010ld", i);
        kv[1].value = no;
        if (ss_svc_lic_issue(f->svc, &f->oper, &req, zzbs, NULL, NULL, NULL, &err) != 0)
            bu_die("ss_svc_lic_issue", &err);
    }
    t = bu_now() - t0;
    t0 = bu_now();
    raw_n = bu_raw_sign_for(pki, 1, t * RAW_SHARE);
    raw = (double)raw_n / (bu_now() - t0);
    printf("single requests: %ld in %.1f s = %.1f/s (%.2f ms each, 1 thread); raw SM2 sign on "
           "1 thread %.1f/s: ratio %.3f\n", n, t, (double)n / t, t * 1e3 / (double)n, raw,
           (double)n / t / raw);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000, raw_n = 0, rss_first = 0, rss_tenth = 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus;
    void *state = NULL;
    char es[SS_ES_ID_MAX + 1];
    sc_lic_kv *kv = calloc((size_t)CHUNK * NFIELDS, sizeof(*kv));
    char (*no)[16] = calloc(CHUNK, sizeof(*no));
    ss_svc_lic_row *rows = calloc(CHUNK, sizeof(*rows));
    ss_svc_lic_result *res = calloc(CHUNK, sizeof(*res));
    ss_svc_lic_req req = { TYPE, NULL, NULL, 0, "bench", 0, "330105",
                           "https://zz.example.gov.cn/v", "bench" };
    double t_issue = 0, t_raw = 0, c_issue = 0, c_raw = 0;
    bu_pki pki;
    fx *f;
    int met, flat;

    if (n < CHUNK || n > 10000000 || kv == NULL || no == NULL || rows == NULL || res == NULL) {
        fprintf(stderr, "usage: bench_lic_svc [N]  (N licences, 1000..1e7, default 10000)\n");
        return 2;
    }
    if (fx_setup(&state) != 0)
        return 1;
    f = state;
    bu_pki_load(&pki, sc_test_pki());
    fx_make_seal(f, es);
    req.es_id = es;
    setup_type(f, es);
    printf("bench_lic_svc: %ld licences in batches of %d, %d CPUs (the service's makers), "
           "store %s\n", n, CHUNK, threads, f->db);
    for (long done = 0; done < n;) {
        sc_err err = SC_ERR_INIT;
        ss_svc_lic_summary sum;
        long m = n - done < CHUNK ? n - done : CHUNK;
        double t0, c0, dt;

        for (long i = 0; i < m; i++) {
            for (size_t k = 0; k < NFIELDS; k++)
                kv[i * NFIELDS + k] = (sc_lic_kv){ fx_lic_names[k], fx_lic_good[k] };
            snprintf(no[i], sizeof(no[i]), "3301%010ld", done + i);
            kv[i * NFIELDS + 1].value = no[i];
            rows[i] = (ss_svc_lic_row){ &kv[i * NFIELDS], NFIELDS };
        }
        c0 = bu_cpu_self();
        t0 = bu_now();
        if (ss_svc_lic_batch(f->svc, &f->oper, &req, done, rows, (size_t)m, res, &sum,
                             &err) != 0)
            bu_die("ss_svc_lic_batch", &err);
        dt = bu_now() - t0;
        if ((long)sum.issued != m) {
            fprintf(stderr, "row %ld: %s\n", done, res[0].msg);
            bu_die("a batch did not issue every row", NULL);
        }
        t_issue += dt;
        c_issue += bu_cpu_self() - c0;
        c0 = bu_cpu_self();
        t0 = bu_now();
        raw_n += bu_raw_sign_for(&pki, threads, dt * RAW_SHARE);
        t_raw += bu_now() - t0;
        c_raw += bu_cpu_self() - c0;
        done += m;
        if (done == CHUNK)
            rss_first = bu_peak_rss_kib();
        if (rss_tenth == 0 && done >= n / 10)
            rss_tenth = bu_peak_rss_kib();
        printf("  %ld/%ld licences, %.0f/s in this batch\n", done, n, (double)m / dt);
        fflush(stdout);
    }
    double lic = (double)n / t_issue, raw = (double)raw_n / t_raw;
    long rss_end = bu_peak_rss_kib();
    printf("licences: %ld in %.1f s = %.1f/s (%.2f ms each, %d threads)\n", n, t_issue, lic,
           1000.0 / lic, threads);
    printf("raw SM2 sign on %d threads: %ld in %.1f s = %.1f/s (interleaved)\n", threads,
           raw_n, t_raw, raw);
    /* CPU a licence against CPU a raw signature does not depend on the share of the CPUs the
     * process got; the busy figures say how much of the threads' time the batches left idle */
    printf("CPU: %.0f us a licence, %.0f us a raw signature (%.2f raw signatures a licence); "
           "busy %.2f of %d CPUs in batches, %.2f in raw signing\n", c_issue / n * 1e6,
           c_raw / raw_n * 1e6, (c_issue / n) / (c_raw / raw_n), c_issue / t_issue, threads,
           c_raw / t_raw);
    printf("audit records: %lld licence.issue\n", (long long)fx_audit_count(f, "license.issue",
                                                                             NULL));
    if (getenv("BENCH_SINGLE") != NULL)
        single(f, &pki, &req, atol(getenv("BENCH_SINGLE")));
    met = bu_ratio("licences/s : raw SM2 sign/s (same threads)", lic, raw, 0.40);
    flat = rss_end - rss_tenth <= FLAT_KIB;
    printf("peak RSS: %ld KiB after the first batch, %ld KiB at N/10, %ld KiB at N: %s\n",
           rss_first, rss_tenth, rss_end, flat ? "flat" : "GROWS");
    printf("targets met: %s\n", met == 1 && flat ? "yes" : "no");
    bu_pki_free(&pki);
    free(kv);
    free(no);
    free(rows);
    free(res);
    fx_teardown(&state);
    return met == 1 && flat ? 0 : 1;
}
