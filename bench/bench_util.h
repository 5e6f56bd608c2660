/* bench_util.h: what every benchmark here shares: the development PKI loaded once, the raw
 * SM2-with-SM3 baseline (EVP, no sealcore), and a runner that interleaves the cases so a
 * machine whose load changes during the run slows them all alike and the ratios stay
 * meaningful. Benchmarks die on any failed operation: a figure must come from work that
 * succeeded. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "sealcore/key.h"
#include "sealcore/ses.h"
#include "sealcore/trust.h"

/* The development PKI (certs-dev/make-dev-pki DIR), loaded once. */
typedef struct bu_pki {
    EVP_PKEY *raw_key;              /* signer-prov private key, loaded without sealcore */
    EVP_PKEY *raw_pub;              /* signer-prov public key, from its certificate */
    uint8_t msg[32];                /* the raw cases' message */
    uint8_t *raw_sig;               /* DER SM2Signature over msg */
    size_t raw_sig_len;
    sc_key *signer, *maker;         /* signer-prov, seal-maker */
    uint8_t *signer_cert, *maker_cert;   /* DER */
    size_t signer_cert_len, maker_cert_len;
    sc_trust *trust;                /* root-ca anchor, seal-ca intermediate */
} bu_pki;

void bu_pki_load(bu_pki *k, const char *dir);
void bu_pki_free(bu_pki *k);
/* A V4 seal listing the signer, valid from yesterday for a year, 40 x 40 mm. */
sc_ses_seal *bu_make_seal(const bu_pki *k, const uint8_t *pic, size_t pic_len,
                          const char *es_id);

/* Raw SM2-with-SM3 over k->msg with the GM ID, a new EVP_MD_CTX per call. ctx: bu_pki. */
int bu_raw_sign(void *ctx, const void *arg);
/* The same through sealpki's own signer (sc_key_sign with k->signer: crypto/sm2_signer.c). */
int bu_key_sign(void *ctx, const void *arg);
int bu_raw_verify(void *ctx, const void *arg);

typedef int (*bu_fn)(void *ctx, const void *arg);

typedef struct bu_case {
    const char *name, *label;
    bu_fn fn;
    const void *arg;
    int on;                         /* filled by bu_run */
    long n;                         /* iterations timed */
    double secs;                    /* the time they took */
} bu_case;

/* argv: PROG PKI_DIR [SECONDS_PER_CASE]; env BENCH_ITERS, BENCH_ONLY. Prints usage and
 * exits on a bad command line; returns PKI_DIR. */
const char *bu_args(const char *prog, int argc, char **argv);
/* One untimed warm-up call per selected case, then rounds in which every case takes a slice
 * of its time in turn; prints one line per case. */
void bu_run(void *ctx, bu_case *cs, size_t nc);
/* ops/s of the named case; -1 when it did not run. */
double bu_ops(const bu_case *cs, size_t nc, const char *name);
/* Prints "what  ratio (target >= t: met|MISSED)"; 1 met, 0 missed, -1 not measured. */
int bu_ratio(const char *what, double num, double den, double target);
/* The runner's settings in one line ("2.0 s per case in 10 interleaved rounds"). */
const char *bu_settings(void);

void bu_die(const char *what, const sc_err *err);
/* A whole file (dir NULL: name is the path), at most max bytes, NUL-terminated. */
uint8_t *bu_read_file(const char *dir, const char *name, size_t max, size_t *len);
double bu_now(void);
/* Peak RSS of this process, KiB. */
long bu_peak_rss_kib(void);
/* CPU seconds this process has used so far, all threads, user and system. */
double bu_cpu_self(void);
/* Raw SM2 signatures (bu_raw_sign) on threads threads (1..64) for secs; returns how many. */
long bu_raw_sign_for(bu_pki *k, int threads, double secs);
/* The same with fn (bu_raw_sign, bu_key_sign) instead. */
long bu_sign_for(bu_pki *k, bu_fn fn, int threads, double secs);

#endif
