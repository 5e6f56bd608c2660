/* api_svc.c: load the service keys named by the config and make the ss_svc (api_svc.h). */
#include "api_svc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "est.h"
#include "sealcore/trust.h"
#include "sealcore/tsa.h"
#include "service.h"

#define FILE_MAX (1024 * 1024)
#define PASS_MAX 4096

static int slurp(const char *what, const char *path, size_t max, uint8_t **out, size_t *len,
                 sc_err *err)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    size_t n;

    *out = NULL;
    *len = 0;
    if (f == NULL)
        return sc_err_set(err, SC_EIO, "%s %s: cannot open: %s", what, path, strerror(errno));
    if ((buf = malloc(max + 1)) == NULL) {
        fclose(f);
        return sc_err_set(err, SC_ENOMEM, "%s: out of memory", what);
    }
    n = fread(buf, 1, max + 1, f);
    if (ferror(f) || n > max) {
        int e = ferror(f);
        fclose(f);
        OPENSSL_clear_free(buf, max + 1);
        return e ? sc_err_set(err, SC_EIO, "%s %s: cannot read", what, path)
                 : sc_err_set(err, SC_ELIMIT, "%s %s: larger than %zu bytes", what, path, max);
    }
    fclose(f);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* The first line of a password file; *pass is new (wipe and free). */
static int read_pass(const char *what, const char *path, char **pass, size_t *len, sc_err *err)
{
    uint8_t *buf = NULL;
    size_t n = 0, l;
    int rc;

    if ((rc = slurp(what, path, PASS_MAX, &buf, &n, err)) != 0)
        return rc;
    l = strcspn((char *)buf, "\r\n");
    if (l == 0) {
        OPENSSL_clear_free(buf, n + 1);
        return sc_err_set(err, SC_EFORMAT, "%s %s: the first line is empty", what, path);
    }
    OPENSSL_cleanse(buf + l, n - l);
    buf[l] = '\0';
    *pass = (char *)buf;
    *len = l;
    return 0;
}

/* A PEM (first certificate) or DER certificate, as DER. */
static int read_cert(const char *what, const char *path, uint8_t **der, size_t *len,
                     sc_err *err)
{
    uint8_t *data = NULL;
    size_t n = 0;
    BIO *bio = NULL;
    X509 *x = NULL;
    unsigned char *o = NULL;
    int rc, dl;

    if ((rc = slurp(what, path, FILE_MAX, &data, &n, err)) != 0)
        return rc;
    if (n > 0 && data[0] == 0x30) {
        *der = data;
        *len = n;
        return 0;
    }
    if ((bio = BIO_new_mem_buf(data, (int)n)) == NULL ||
        (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL ||
        (dl = i2d_X509(x, &o)) <= 0) {
        rc = sc_err_set(err, SC_EFORMAT, "%s %s: not a PEM or DER certificate", what, path);
    } else if ((*der = malloc((size_t)dl)) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "%s: out of memory", what);
    } else {
        memcpy(*der, o, (size_t)dl);
        *len = (size_t)dl;
    }
    OPENSSL_free(o);
    X509_free(x);
    BIO_free(bio);
    free(data);
    return rc;
}

static int load_pair(ss_api_svc *a, const ss_config *cfg, int i, const char *pass,
                     size_t plen, sc_err *err)
{
    const char *cp = ss_config_pair_cert(cfg, i), *kp = ss_config_pair_key(cfg, i);
    char what[48];
    uint8_t *data = NULL;
    size_t n = 0;
    int rc;

    if (cp == NULL)
        return 0;
    if (pass == NULL)
        return sc_err_set(err, SC_EINVAL, "%s: key_password_file is required",
                          ss_config_pair_name(i));
    snprintf(what, sizeof(what), "%s.cert", ss_config_pair_name(i));
    if ((rc = read_cert(what, cp, &a->cert[i], &a->cert_len[i], err)) != 0)
        return rc;
    if (kp == NULL)
        return 0;   /* seal_ca with est: the external CA keeps its key */
    snprintf(what, sizeof(what), "%s.key", ss_config_pair_name(i));
    if ((rc = slurp(what, kp, FILE_MAX, &data, &n, err)) != 0)
        return rc;
    rc = sc_key_soft_load(&a->key[i], data, n, pass, plen, err);
    OPENSSL_clear_free(data, n + 1);
    if (rc != 0)
        return sc_err_prefix(err, "%s %s", what, kp);
    if ((rc = sc_key_matches_cert(a->key[i], a->cert[i], a->cert_len[i], err)) != 0)
        return sc_err_prefix(err, "%s %s does not belong to %s", what, kp, cp);
    return 0;
}

/* The verifier's anchors: trust_anchors, or without it the seal CA (the province verifies
 * what it sealed). The seal CA also joins as an intermediate under explicit anchors, so a
 * root alone verifies the province's signatures, as seal-verify --trust root --ca-certs
 * seal-ca does. */
static int load_trust(ss_api_svc *a, const ss_config *cfg, sc_err *err)
{
    size_t n = ss_config_trust_anchor_count(cfg);
    int rc = sc_trust_new(&a->trust, err);

    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *path = ss_config_trust_anchor(cfg, i);
        uint8_t *data = NULL;
        size_t len = 0;

        if ((rc = slurp("trust_anchors", path, FILE_MAX, &data, &len, err)) == 0 &&
            (rc = sc_trust_add(a->trust, data, len, 1, err)) != 0)
            sc_err_prefix(err, "trust_anchors %s", path);
        free(data);
    }
    if (rc == 0 && a->cert[SS_CONFIG_SEAL_CA] != NULL &&
        (rc = sc_trust_add(a->trust, a->cert[SS_CONFIG_SEAL_CA], a->cert_len[SS_CONFIG_SEAL_CA],
                           n == 0, err)) != 0)
        sc_err_prefix(err, "seal_ca.cert as a trust anchor");
    return rc;
}

int ss_api_svc_new(ss_api_svc **out, const ss_config *cfg, ss_store *store, sc_err *err)
{
    ss_api_svc *a = calloc(1, sizeof(*a));
    char *pass = NULL, *upass = NULL;
    size_t plen = 0, uplen = 0;
    ss_svc_config sc;
    int rc = 0;

    *out = NULL;
    if (a == NULL)
        return sc_err_set(err, SC_ENOMEM, "service: out of memory");
    if (!ss_config_has_service(cfg)) {
        rc = load_trust(a, cfg, err);
        goto done;
    }
    if ((rc = read_pass("key_password_file", ss_config_key_password_file(cfg), &pass, &plen,
                        err)) != 0 ||
        (rc = read_pass("unit_key_password_file", ss_config_unit_key_password_file(cfg),
                        &upass, &uplen, err)) != 0)
        goto done;
    for (int i = 0; i < SS_CONFIG_PAIR_COUNT; i++)
        if ((rc = load_pair(a, cfg, i, pass, plen, err)) != 0)
            goto done;
    if ((rc = load_trust(a, cfg, err)) != 0)
        goto done;
    memset(&sc, 0, sizeof(sc));
    sc.store = store;
    sc.ca_key = a->key[SS_CONFIG_SEAL_CA];
    sc.ca_cert = a->cert[SS_CONFIG_SEAL_CA];
    sc.ca_cert_len = a->cert_len[SS_CONFIG_SEAL_CA];
    sc.maker_key = a->key[SS_CONFIG_SEAL_MAKER];
    sc.maker_cert = a->cert[SS_CONFIG_SEAL_MAKER];
    sc.maker_cert_len = a->cert_len[SS_CONFIG_SEAL_MAKER];
    sc.key_pass = upass;
    sc.key_pass_len = uplen;
    sc.region_code = ss_config_region_code(cfg);
    if (ss_config_seal_ca_est(cfg) != NULL) {
        if ((rc = ss_est_new(&a->est, ss_config_seal_ca_est(cfg), pass, err)) != 0)
            goto done;
        sc.issue_cert = ss_est_issue;
        sc.issue_cert_ctx = a->est;
    }
    /* The TSA comes first: with one configured, every signature the service makes carries a
     * token over its signature value (issue 5 "Trusted time"), not only answers at /tsa. */
    if (a->key[SS_CONFIG_TSA] != NULL && ss_config_tsa_policy(cfg) != NULL) {
        const uint8_t *chain[1] = { a->cert[SS_CONFIG_SEAL_CA] };
        size_t lens[1] = { a->cert_len[SS_CONFIG_SEAL_CA] };
        sc_tsa_params tp = { .policy = ss_config_tsa_policy(cfg), .chain = chain,
                             .chain_lens = lens, .chain_count = 1 };
        if ((rc = sc_tsa_new(&a->tsa, a->key[SS_CONFIG_TSA], a->cert[SS_CONFIG_TSA],
                             a->cert_len[SS_CONFIG_TSA], &tp, err)) != 0) {
            sc_err_prefix(err, "tsa");
            goto done;
        }
        sc.tsa = sc_tsa_ses_stamp;
        sc.tsa_ctx = a->tsa;
    }
    if ((rc = ss_svc_new(&a->svc, &sc, err)) != 0) {
        sc_err_prefix(err, "service");
        goto done;
    }
done:
    if (pass != NULL)
        OPENSSL_clear_free(pass, plen + 1);
    if (upass != NULL)
        OPENSSL_clear_free(upass, uplen + 1);
    if (rc != 0) {
        ss_api_svc_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

void ss_api_svc_free(ss_api_svc *a)
{
    if (a == NULL)
        return;
    ss_svc_free(a->svc);
    ss_est_free(a->est);
    sc_tsa_free(a->tsa);
    sc_trust_free(a->trust);
    for (int i = 0; i < SS_CONFIG_PAIR_COUNT; i++) {
        sc_key_free(a->key[i]);
        free(a->cert[i]);
    }
    free(a);
}
