/* bench_util.c: the shared parts of the benchmarks (see bench_util.h). */
#include "bench_util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define SM2_ID "1234567812345678"
#define ROUNDS 10   /* each case's time is cut into this many slices, cases taking turns */

static const char *prog_name = "bench";
static const char *only;        /* BENCH_ONLY */
static long fixed_iters;        /* BENCH_ITERS, 0 = by time */
static double seconds = 2.0;

void bu_die(const char *what, const sc_err *err)
{
    unsigned long e = ERR_get_error();

    fprintf(stderr, "%s: %s", prog_name, what);
    if (err != NULL && err->code != 0)
        fprintf(stderr, ": %s (%s)", err->msg, sc_err_name(err->code));
    if (e != 0)
        fprintf(stderr, " (OpenSSL: %s)", ERR_reason_error_string(e));
    fputc('\n', stderr);
    exit(1);
}

uint8_t *bu_read_file(const char *dir, const char *name, size_t max, size_t *len)
{
    char path[4096];
    FILE *f;
    uint8_t *buf;
    size_t n;

    if (dir != NULL)
        snprintf(path, sizeof(path), "%s/%s", dir, name);
    else
        snprintf(path, sizeof(path), "%s", name);
    if ((f = fopen(path, "rb")) == NULL) {
        fprintf(stderr, "%s: cannot open %s\n", prog_name, path);
        exit(1);
    }
    if ((buf = malloc(max + 1)) == NULL)
        bu_die("out of memory", NULL);
    n = fread(buf, 1, max, f);
    if (ferror(f) || n == 0 || n == max) {
        fprintf(stderr, "%s: cannot read %s (empty, unreadable or over %zu bytes)\n", prog_name,
                path, max);
        exit(1);
    }
    fclose(f);
    buf[n] = '\0';   /* so PEM text and the password can be used as strings */
    *len = n;
    return buf;
}

static uint8_t *pem_cert_to_der(const uint8_t *pem, size_t len, size_t *der_len)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    unsigned char *der = NULL;
    int n = x ? i2d_X509(x, &der) : -1;
    uint8_t *out;

    if (n <= 0 || (out = malloc((size_t)n)) == NULL)
        bu_die("cannot read a PEM certificate", NULL);
    memcpy(out, der, (size_t)n);
    *der_len = (size_t)n;
    OPENSSL_free(der);
    X509_free(x);
    BIO_free(bio);
    return out;
}

double bu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long bu_peak_rss_kib(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* ---- the development PKI --------------------------------------------------------------- */

static sc_key *load_key(const char *dir, const char *name, const uint8_t *pass, size_t pass_len,
                        EVP_PKEY **raw)
{
    sc_err err = SC_ERR_INIT;
    size_t len;
    uint8_t *buf = bu_read_file(dir, name, 1024 * 1024, &len);
    sc_key *key = NULL;

    if (raw != NULL) {   /* the baseline's key, loaded without sealcore */
        BIO *bio = BIO_new_mem_buf(buf, (int)len);
        if (bio == NULL || (*raw = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)pass)) == NULL)
            bu_die("cannot load the signer key with PEM_read_bio_PrivateKey", NULL);
        BIO_free(bio);
        if (!EVP_PKEY_is_a(*raw, "SM2"))
            bu_die("the signer key is not an SM2 key", NULL);
    }
    if (sc_key_soft_load(&key, buf, len, (const char *)pass, pass_len, &err) != 0)
        bu_die(name, &err);
    OPENSSL_cleanse(buf, len);
    free(buf);
    return key;
}

static uint8_t *load_cert(const char *dir, const char *name, size_t *der_len)
{
    size_t len;
    uint8_t *buf = bu_read_file(dir, name, 1024 * 1024, &len);
    uint8_t *der = pem_cert_to_der(buf, len, der_len);

    free(buf);
    return der;
}

static void add_trust(sc_trust *t, const char *dir, const char *name, int anchor)
{
    sc_err err = SC_ERR_INIT;
    size_t len;
    uint8_t *buf = bu_read_file(dir, name, 1024 * 1024, &len);

    if (sc_trust_add(t, buf, len, anchor, &err) != 0)
        bu_die(name, &err);
    free(buf);
}

void bu_pki_load(bu_pki *k, const char *dir)
{
    sc_err err = SC_ERR_INIT;
    size_t pass_len;
    uint8_t *pass = bu_read_file(dir, "key-password", 4096, &pass_len);
    const unsigned char *p;
    X509 *x;

    pass_len = strcspn((char *)pass, "\r\n");
    pass[pass_len] = '\0';
    k->signer = load_key(dir, "signer-prov.key", pass, pass_len, &k->raw_key);
    k->maker = load_key(dir, "seal-maker.key", pass, pass_len, NULL);
    OPENSSL_cleanse(pass, pass_len);
    free(pass);
    k->signer_cert = load_cert(dir, "signer-prov.pem", &k->signer_cert_len);
    k->maker_cert = load_cert(dir, "seal-maker.pem", &k->maker_cert_len);
    p = k->signer_cert;
    if ((x = d2i_X509(NULL, &p, (long)k->signer_cert_len)) == NULL ||
        (k->raw_pub = X509_get_pubkey(x)) == NULL)
        bu_die("cannot read the public key of signer-prov.pem", NULL);
    X509_free(x);

    for (size_t i = 0; i < sizeof(k->msg); i++)
        k->msg[i] = (uint8_t)(0xa5 ^ i);
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    if (mctx == NULL || EVP_DigestSignInit(mctx, &pctx, EVP_sm3(), NULL, k->raw_key) != 1 ||
        EVP_PKEY_CTX_set1_id(pctx, SM2_ID, strlen(SM2_ID)) != 1 ||
        EVP_DigestSign(mctx, NULL, &k->raw_sig_len, k->msg, sizeof(k->msg)) != 1 ||
        (k->raw_sig = malloc(k->raw_sig_len)) == NULL ||
        EVP_DigestSign(mctx, k->raw_sig, &k->raw_sig_len, k->msg, sizeof(k->msg)) != 1)
        bu_die("raw SM2 sign (setup) failed", NULL);
    EVP_MD_CTX_free(mctx);

    if (sc_trust_new(&k->trust, &err) != 0)
        bu_die("sc_trust_new", &err);
    add_trust(k->trust, dir, "root-ca.pem", 1);
    add_trust(k->trust, dir, "seal-ca.pem", 0);
}

void bu_pki_free(bu_pki *k)
{
    EVP_PKEY_free(k->raw_key);
    EVP_PKEY_free(k->raw_pub);
    free(k->raw_sig);
    sc_key_free(k->signer);
    sc_key_free(k->maker);
    free(k->signer_cert);
    free(k->maker_cert);
    sc_trust_free(k->trust);
}

sc_ses_seal *bu_make_seal(const bu_pki *k, const uint8_t *pic, size_t pic_len, const char *es_id)
{
    const uint8_t *certs[1] = { k->signer_cert };
    size_t lens[1] = { k->signer_cert_len };
    int64_t t = (int64_t)time(NULL);
    sc_ses_seal_params p = { 0 };
    sc_err err = SC_ERR_INIT;
    sc_ses_seal *s = NULL;

    p.es_id = es_id;
    p.name = "基准测试专用章";
    p.type = 1;
    p.cert_list_type = 1;
    p.certs = certs;
    p.cert_lens = lens;
    p.cert_count = 1;
    p.valid_start = t - 86400;
    p.valid_end = t + 365 * 86400;
    p.picture_type = "PNG";
    p.picture = pic;
    p.picture_len = pic_len;
    p.width_mm = 40;
    p.height_mm = 40;
    if (sc_ses_seal_make(&s, &p, k->maker, k->maker_cert, k->maker_cert_len, &err) != 0)
        bu_die("sc_ses_seal_make", &err);
    return s;
}

int bu_raw_sign(void *ctx, const void *arg)
{
    const bu_pki *k = ctx;
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    uint8_t sig[128];
    size_t n = sizeof(sig);

    (void)arg;
    if (mctx == NULL || EVP_DigestSignInit(mctx, &pctx, EVP_sm3(), NULL, k->raw_key) != 1 ||
        EVP_PKEY_CTX_set1_id(pctx, SM2_ID, strlen(SM2_ID)) != 1 ||
        EVP_DigestSign(mctx, sig, &n, k->msg, sizeof(k->msg)) != 1)
        bu_die("raw SM2 sign failed", NULL);
    EVP_MD_CTX_free(mctx);
    return 0;
}

int bu_key_sign(void *ctx, const void *arg)
{
    const bu_pki *k = ctx;
    uint8_t *sig = NULL;
    size_t n = 0;
    sc_err err = SC_ERR_INIT;

    (void)arg;
    if (sc_key_sign(k->signer, k->msg, sizeof(k->msg), &sig, &n, &err) != 0)
        bu_die("sc_key_sign failed", &err);
    free(sig);
    return 0;
}

int bu_raw_verify(void *ctx, const void *arg)
{
    const bu_pki *k = ctx;
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;

    (void)arg;
    if (mctx == NULL || EVP_DigestVerifyInit(mctx, &pctx, EVP_sm3(), NULL, k->raw_pub) != 1 ||
        EVP_PKEY_CTX_set1_id(pctx, SM2_ID, strlen(SM2_ID)) != 1 ||
        EVP_DigestVerify(mctx, k->raw_sig, k->raw_sig_len, k->msg, sizeof(k->msg)) != 1)
        bu_die("raw SM2 verify failed", NULL);
    EVP_MD_CTX_free(mctx);
    return 0;
}

/* ---- running --------------------------------------------------------------------------- */

const char *bu_args(const char *prog, int argc, char **argv)
{
    const char *it;

    prog_name = prog;
    if (argc < 2 || argc > 3 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: %s PKI_DIR [SECONDS_PER_CASE]\n"
                        "  PKI_DIR from certs-dev/make-dev-pki; default 2 s per case\n"
                        "  env BENCH_ITERS=N: N iterations per case; BENCH_ONLY=a,b: cases\n",
                prog);
        exit(argc < 2 || argc > 3 ? 2 : 0);
    }
    if (argc == 3 && ((seconds = strtod(argv[2], NULL)) <= 0 || seconds > 3600)) {
        fprintf(stderr, "%s: SECONDS_PER_CASE must be in (0, 3600]\n", prog);
        exit(2);
    }
    if ((it = getenv("BENCH_ITERS")) != NULL && (fixed_iters = strtol(it, NULL, 10)) <= 0) {
        fprintf(stderr, "%s: BENCH_ITERS must be a positive number\n", prog);
        exit(2);
    }
    only = getenv("BENCH_ONLY");
    return argv[1];
}

const char *bu_settings(void)
{
    static char buf[96];

    if (fixed_iters > 0)
        snprintf(buf, sizeof(buf), "%ld iterations per case", fixed_iters);
    else
        snprintf(buf, sizeof(buf), "%.1f s per case in %d interleaved rounds", seconds, ROUNDS);
    return buf;
}

static int wanted(const char *name)
{
    char buf[256], *tok, *save = NULL;

    if (only == NULL || only[0] == '\0')
        return 1;
    snprintf(buf, sizeof(buf), "%s", only);
    for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
        if (strcmp(name, tok) == 0)
            return 1;
    return 0;
}

/* budget < 0: BENCH_ITERS calls; 0: one call; else calls until budget seconds passed. */
static void slice(void *ctx, bu_case *c, double budget)
{
    double t0 = bu_now(), t1;
    long n = 0;

    if (budget < 0) {
        for (; n < fixed_iters; n++)
            c->fn(ctx, c->arg);
        t1 = bu_now();
    } else {
        do {
            c->fn(ctx, c->arg);
            n++;
            t1 = bu_now();
        } while (t1 - t0 < budget);
    }
    c->n += n;
    c->secs += t1 - t0;
}

void bu_run(void *ctx, bu_case *cs, size_t nc)
{
    for (size_t i = 0; i < nc; i++) {
        if ((cs[i].on = wanted(cs[i].name)) == 0)
            continue;
        slice(ctx, &cs[i], 0);      /* warm-up: one call, not counted */
        cs[i].n = 0;
        cs[i].secs = 0;
    }
    for (int r = 0; r < (fixed_iters > 0 ? 1 : ROUNDS); r++)
        for (size_t i = 0; i < nc; i++)
            if (cs[i].on)
                slice(ctx, &cs[i], fixed_iters > 0 ? -1 : seconds / ROUNDS);
    for (size_t i = 0; i < nc; i++) {
        if (!cs[i].on)
            continue;
        double ops = (double)cs[i].n / cs[i].secs;
        printf("  %-15s %-46s %10.1f ops/s  %8.1f us/op  (%ld ops)\n", cs[i].name,
               cs[i].label, ops, 1e6 / ops, cs[i].n);
    }
}

double bu_ops(const bu_case *cs, size_t nc, const char *name)
{
    for (size_t i = 0; i < nc; i++)
        if (strcmp(cs[i].name, name) == 0)
            return cs[i].on ? (double)cs[i].n / cs[i].secs : -1;
    return -1;
}

int bu_ratio(const char *what, double num, double den, double target)
{
    if (num < 0 || den < 0)
        return -1;
    double r = num / den;
    printf("  %-58s %6.3f  (target >= %.2f: %s)\n", what, r, target,
           r >= target ? "met" : "MISSED");
    return r >= target;
}

double bu_cpu_self(void)
{
    struct rusage u;

    if (getrusage(RUSAGE_SELF, &u) != 0)
        return 0;
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 +
           (double)u.ru_stime.tv_sec + (double)u.ru_stime.tv_usec / 1e6;
}

typedef struct raw_run {
    bu_pki *k;
    bu_fn fn;
    double until;
    long n;
} raw_run;

static void *raw_worker(void *arg)
{
    raw_run *r = arg;

    do {
        r->fn(r->k, NULL);
        r->n++;
    } while (bu_now() < r->until);
    return NULL;
}

long bu_raw_sign_for(bu_pki *k, int threads, double secs)
{
    return bu_sign_for(k, bu_raw_sign, threads, secs);
}

long bu_sign_for(bu_pki *k, bu_fn fn, int threads, double secs)
{
    pthread_t t[64];
    raw_run r[64];
    long n = 0;

    if (threads < 1 || threads > 64)
        bu_die("bu_sign_for: 1..64 threads", NULL);
    for (int i = 0; i < threads; i++) {
        r[i] = (raw_run){ k, fn, bu_now() + secs, 0 };
        if (pthread_create(&t[i], NULL, raw_worker, &r[i]) != 0)
            bu_die("pthread_create", NULL);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        n += r[i].n;
    }
    return n;
}
