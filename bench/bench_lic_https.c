/* bench_lic_https.c: licence batch issuance end to end over HTTPS: CSV rows POSTed to
 * /api/v1/licenses/batch of a real seal-server, 1,000 a request as `sealctl license batch`
 * sends them (parsing, grant and row checks, drawing and sealing on the server's makers, the
 * files written and flushed, rows, status and audit committed), next to raw SM2 signing on
 * as many threads in the same run. Not a test: it prints figures (README.md).
 *
 * Usage: bench_lic_https [N]   (N licences, 4,000..1e7, default 10,000)
 * The server is the integration tests' fixture (server_fixture.h), configured as `sealctl
 * init` does but without a TSA policy: one SM2 signature a licence, as in bench_lic_svc. Its
 * store and files live in the fixture's scratch directory (TMPDIR), so the figure includes
 * that file system's fsync. The client (libcurl, one thread) runs on the same CPUs; its CPU
 * is counted with the server's. */
#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bench_srv.h"
#include "bench_util.h"
#include "testutil.h"

#define TYPE "11100000000013127D001"    /* tests/data/license-template-yyzz.xml */
#define CHUNK 1000                      /* rows a request: the API's maximum, sealctl's chunk */
#define RAW_SHARE 0.25                  /* raw signing after each batch, this share of its time */
#define FLAT_KIB 1024
#define HEAD "uscc,licence_no,name,kind,legal_rep,scope,founded,term_start,term_end,address," \
             "issued_on\n"

/* The example type (the template, a PNG background, the smallest sfnt the OFD writer takes)
 * and a licence grant for it and es to the operator. */
static void setup_type(const sf_server *s, const char *es)
{
    static const char font[] = "\x00\x01\x00\x00\x00\x01\x00\x10\x00\x00\x00\x00"
                               "head\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x04"
                               "abcd";
    const sf_env *e = sf_env_get();
    uint8_t *xml = NULL, *png = NULL;
    size_t xl = 0, pl = 0;
    char *p64, *f64, *text, who[32], out[64];
    json_t *doc;

    if (sc_test_read(sc_test_path(sc_test_data(), "license-template-yyzz.xml"), &xml, &xl) != 0 ||
        sc_test_read(sc_test_path(sc_test_data(), "seal.png"), &png, &pl) != 0)
        bs_die("cannot read the example template or seal.png in", sc_test_data());
    p64 = bs_b64(png, pl);
    f64 = bs_b64((const uint8_t *)font, sizeof(font) - 1);
    doc = json_pack("{s:s%,s:{s:s,s:s}}", "template", (const char *)xml, xl, "files",
                    "yyzz-a4.png", p64, "NotoSerifCJKsc-Regular.otf", f64);
    if (doc == NULL || (text = json_dumps(doc, JSON_COMPACT)) == NULL)
        bs_die("out of memory", NULL);
    bs_call(s, "/api/v1/license-types", e->tok_admin, text, 201, "code", out, sizeof(out));
    free(text);
    json_decref(doc);
    bs_call(s, "/api/v1/whoami", e->tok_operator, NULL, 200, "client_id", who, sizeof(who));
    if ((text = malloc(512)) == NULL)
        bs_die("out of memory", NULL);
    snprintf(text, 512, "{\"client_id\": %s, \"es_id\": \"%s\", \"type\": \"" TYPE "\"}", who,
             es);
    bs_call(s, "/api/v1/license-grants", e->tok_admin, text, 201, "id", out, sizeof(out));
    free(text);
    free(p64);
    free(f64);
    free(xml);
    free(png);
}

/* Rows [first, first + m) as the CSV sealctl sends: the header, then one line a row. */
static size_t make_csv(char *buf, size_t cap, long first, long m)
{
    size_t n = (size_t)snprintf(buf, cap, "%s", HEAD);

    for (long i = first; i < first + m && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "91350100M000100Y43,3301%011ld,某某科技有限公司"
                              "第%ld号,有限责任公司,张三,软件开发；信息技术咨询服务。,2020-01-02,"
                              "2020-01-02,长期,浙江省杭州市西湖区文三路1号,2026-03-04\n", i, i);
    if (n >= cap)
        bs_die("the CSV buffer is too small", NULL);
    return n;
}

/* One batch request; exits unless every row was issued. */
static void post_batch(const sf_server *s, const char *es, const char *csv, size_t len,
                       long first, long m)
{
    char path[256];
    sf_req q = { .method = "POST", .path = path, .token = sf_env_get()->tok_operator,
                 .content_type = "text/csv", .body = csv, .body_len = len };
    sf_resp r;
    json_t *doc;

    snprintf(path, sizeof(path), "/api/v1/licenses/batch?type=" TYPE "&es_id=%s&batch_id="
             "bench-%ld&first_row=%ld", es, first, first);
    sf_http(s, &q, &r);
    doc = r.status == 200 && r.body != NULL ? json_loads(r.body, 0, NULL) : NULL;
    if (doc == NULL || json_integer_value(json_object_get(doc, "issued")) != m) {
        fprintf(stderr, "bench_lic_https: row %ld: HTTP %ld (%s): %.500s\n", first, r.status,
                r.curl_error, r.body ? r.body : "");
        bs_die("a batch did not issue every row", NULL);
    }
    json_decref(doc);
    sf_resp_free(&r);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000, raw_n = 0;
    long hwm_first = 0, hwm_half = 0, hwm_end;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus, met, flat;
    size_t cap = (size_t)CHUNK * 400 + sizeof(HEAD);
    char *csv = NULL, es[96];
    double t_issue = 0, t_raw = 0, c_srv = 0, c_cli = 0, c_raw = 0;
    sf_server s;
    bu_pki pki;

    if (n < 4 * CHUNK || n > 10000000) {
        fprintf(stderr, "usage: bench_lic_https [N]  (N licences, 4000..1e7, default 10000: "
                "the memory is judged from N/2 to N)\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    bs_prog = "bench_lic_https";
    if ((csv = malloc(cap)) == NULL)
        bs_die("out of memory", NULL);
    setenv("SEAL_SERVER", BENCH_SEAL_SERVER, 0);
    setenv("SC_MAKE_DEV_PKI", BENCH_MAKE_DEV_PKI, 0);
    setenv("SC_TEST_DATA", BENCH_TEST_DATA, 0);
    bu_pki_load(&pki, sf_env_get()->pki);
    bs_server_start(&s, 8, 0);
    bs_make_granted_seal(&s, es, sizeof(es));
    setup_type(&s, es);
    printf("bench_lic_https: %ld licences in requests of %d rows to seal-server (pid %d, store "
           "in %s), %d CPUs shared by the server and this client\n", n, CHUNK, (int)s.pid,
           sf_env_get()->dir, threads);
    for (long done = 0; done < n;) {
        long m = n - done < CHUNK ? n - done : CHUNK;
        size_t len = make_csv(csv, cap, done, m);
        double t0, cs0, cc0, dt;

        cs0 = bs_proc_cpu(s.pid);
        cc0 = bu_cpu_self();
        t0 = bu_now();
        post_batch(&s, es, csv, len, done, m);
        dt = bu_now() - t0;
        t_issue += dt;
        c_srv += bs_proc_cpu(s.pid) - cs0;
        c_cli += bu_cpu_self() - cc0;
        cc0 = bu_cpu_self();
        t0 = bu_now();
        raw_n += bu_raw_sign_for(&pki, threads, dt * RAW_SHARE);
        t_raw += bu_now() - t0;
        c_raw += bu_cpu_self() - cc0;
        done += m;
        if (done == CHUNK)
            hwm_first = bs_proc_status_kib(s.pid, "VmHWM");
        if (hwm_half == 0 && done >= n / 2)
            hwm_half = bs_proc_status_kib(s.pid, "VmHWM");
        printf("  %ld/%ld licences, %.0f/s in this request; server VmHWM %ld KiB, VmRSS %ld "
               "KiB\n", done, n, (double)m / dt, bs_proc_status_kib(s.pid, "VmHWM"),
               bs_proc_status_kib(s.pid, "VmRSS"));
    }
    hwm_end = bs_proc_status_kib(s.pid, "VmHWM");
    double lic = (double)n / t_issue, raw = (double)raw_n / t_raw;
    printf("licences: %ld in %.1f s = %.1f/s (%.2f ms each)\n", n, t_issue, lic, 1000.0 / lic);
    printf("raw SM2 sign on %d threads: %ld in %.1f s = %.1f/s (interleaved)\n", threads, raw_n,
           t_raw, raw);
    printf("CPU a licence: server %.0f us, client %.0f us; a raw signature %.0f us (%.2f raw "
           "signatures a licence, both sides); busy %.2f of %d CPUs in requests, %.2f in raw "
           "signing\n", c_srv / n * 1e6, c_cli / n * 1e6, c_raw / raw_n * 1e6,
           ((c_srv + c_cli) / n) / (c_raw / raw_n), (c_srv + c_cli) / t_issue, threads,
           c_raw / t_raw);
    met = bu_ratio("licences/s : raw SM2 sign/s (same threads)", lic, raw, 0.40);
    /* Judged over the second half: the server's peak rises over its first requests while
     * the workers' malloc arenas (one a CPU) and the store connections' page caches (2 MiB
     * each) fill, then must stay (bench/README.md: 30,000 licences) */
    flat = hwm_half > 0 && hwm_end > 0 && hwm_end - hwm_half <= FLAT_KIB;
    printf("server VmHWM: %ld KiB after the first request, %ld KiB at N/2, %ld KiB at N: %s\n",
           hwm_first, hwm_half, hwm_end, flat ? "flat" : "GROWS");
    if (bs_server_stop(&s) != 0)
        bs_die("seal-server did not exit 0 on SIGTERM; log", s.log);
    printf("targets met: %s\n", met == 1 && flat ? "yes" : "no");
    bu_pki_free(&pki);
    free(csv);
    return met == 1 && flat ? 0 : 1;
}
