/* est.c: EST simpleenroll for an external seal CA (est.h). */
#include "est.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

struct ss_est {
    pthread_mutex_t mu;
    CURL *curl;
    struct curl_slist *headers;
    char *url;                    /* <base>/simpleenroll */
    char errbuf[CURL_ERROR_SIZE];
};

typedef struct answer {
    uint8_t *p;
    size_t n, cap;
    int too_big, oom;
} answer;

static size_t on_data(char *data, size_t size, size_t nmemb, void *ud)
{
    answer *a = ud;
    size_t n = size * nmemb;

    if (a->n + n > SS_EST_MAX_ANSWER) {
        a->too_big = 1;
        return 0;
    }
    if (a->n + n > a->cap) {
        size_t cap = a->cap != 0 ? a->cap : 4096;
        while (cap < a->n + n)
            cap *= 2;
        uint8_t *q = realloc(a->p, cap);
        if (q == NULL) {
            a->oom = 1;
            return 0;
        }
        a->p = q;
        a->cap = cap;
    }
    memcpy(a->p + a->n, data, n);
    a->n += n;
    return n;
}

int ss_est_new(ss_est **out, const ss_config_est *cfg, const char *key_pass, sc_err *err)
{
    ss_est *e = calloc(1, sizeof(*e));
    size_t n = strlen(cfg->url);
    CURLcode c = CURLE_OK;

    *out = NULL;
    if (e == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free(e);
        return sc_err_set(err, SC_ENOMEM, "seal_ca.est: out of memory");
    }
    pthread_mutex_init(&e->mu, NULL);
    while (n > 0 && cfg->url[n - 1] == '/')
        n--;
    if ((e->url = malloc(n + sizeof("/simpleenroll"))) == NULL ||
        (e->curl = curl_easy_init()) == NULL ||
        (e->headers = curl_slist_append(NULL, "Content-Type: application/pkcs10")) == NULL ||
        (e->headers = curl_slist_append(e->headers, "Content-Transfer-Encoding: base64")) ==
            NULL ||
        (e->headers = curl_slist_append(e->headers, "Accept: application/pkcs7-mime")) == NULL) {
        ss_est_free(e);
        return sc_err_set(err, SC_ENOMEM, "seal_ca.est: out of memory");
    }
    memcpy(e->url, cfg->url, n);
    memcpy(e->url + n, "/simpleenroll", sizeof("/simpleenroll"));
    /* https only (config.c checks the URL; the protocol list makes sure), no redirects, TLS
     * verified: this channel decides which keys get certified */
    c = c ? c : curl_easy_setopt(e->curl, CURLOPT_URL, e->url);
    c = c ? c : curl_easy_setopt(e->curl, CURLOPT_PROTOCOLS_STR, "https");
    c = c ? c : curl_easy_setopt(e->curl, CURLOPT_FOLLOWLOCATION, 0L);
    c = c ? c : curl_easy_setopt(e->curl, CURLOPT_NOSIGNAL, 1L);
    c = c ? c : curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, e->headers);
    c = c ? c : curl_easy_setopt(e->curl, CURLOPT_USERAGENT, "seal-server/0.1.0");
    c = c ? c : curl_easy_setopt(e->curl, CURLOPT_TIMEOUT, (long)SS_EST_TIMEOUT);
    c = c ? c : curl_easy_setopt(e->curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    c = c ? c : curl_easy_setopt(e->curl, CURLOPT_SSL_VERIFYPEER, 1L);
    c = c ? c : curl_easy_setopt(e->curl, CURLOPT_SSL_VERIFYHOST, 2L);
    c = c ? c : curl_easy_setopt(e->curl, CURLOPT_ERRORBUFFER, e->errbuf);
    c = c ? c : curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, on_data);
    if (cfg->tls_ca != NULL)
        c = c ? c : curl_easy_setopt(e->curl, CURLOPT_CAINFO, cfg->tls_ca);
    if (cfg->client_cert != NULL) {
        c = c ? c : curl_easy_setopt(e->curl, CURLOPT_SSLCERT, cfg->client_cert);
        c = c ? c : curl_easy_setopt(e->curl, CURLOPT_SSLKEY, cfg->client_key);
        if (key_pass != NULL)
            c = c ? c : curl_easy_setopt(e->curl, CURLOPT_KEYPASSWD, key_pass);
    }
    if (c != CURLE_OK) {
        ss_est_free(e);
        return sc_err_set(err, c == CURLE_OUT_OF_MEMORY ? SC_ENOMEM : SC_EINVAL,
                          "seal_ca.est: libcurl: %s", curl_easy_strerror(c));
    }
    *out = e;
    return 0;
}

void ss_est_free(ss_est *e)
{
    if (e == NULL)
        return;
    curl_easy_cleanup(e->curl);
    curl_slist_free_all(e->headers);
    free(e->url);
    pthread_mutex_destroy(&e->mu);
    free(e);
    curl_global_cleanup();
}

/* Base64 without line breaks (RFC 7030 4.2.1 allows either). */
static char *b64(const uint8_t *p, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);

    if (out != NULL)
        EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

/* The base64 body (line breaks allowed) as DER, into a new *out. */
static int unb64(const answer *a, uint8_t **out, size_t *len)
{
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    uint8_t *d = malloc(a->n + 3);
    int n1 = 0, n2 = 0, ok = ctx != NULL && d != NULL && a->n < (size_t)1 << 30;

    if (ok) {
        EVP_DecodeInit(ctx);
        ok = EVP_DecodeUpdate(ctx, d, &n1, a->p, (int)a->n) >= 0 &&
             EVP_DecodeFinal(ctx, d + n1, &n2) == 1 && n1 + n2 > 0;
    }
    EVP_ENCODE_CTX_free(ctx);
    if (!ok) {
        free(d);
        return -1;
    }
    *out = d;
    *len = (size_t)(n1 + n2);
    return 0;
}

/* The certificate in a certs-only PKCS#7 that carries spki, as a new DER. */
static int pick_cert(const uint8_t *der, size_t len, const sc_cert_issue_params *p,
                     uint8_t **cert, size_t *cert_len, sc_err *err)
{
    const uint8_t *q = der;
    PKCS7 *p7 = d2i_PKCS7(NULL, &q, (long)len);
    STACK_OF(X509) *certs = p7 != NULL && PKCS7_type_is_signed(p7) && p7->d.sign != NULL
                                ? p7->d.sign->cert : NULL;
    int rc = SC_EFORMAT;

    for (int i = 0; certs != NULL && i < sk_X509_num(certs); i++) {
        unsigned char *k = NULL, *c = NULL;
        int kn = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(sk_X509_value(certs, i)), &k);
        if (kn > 0 && (size_t)kn == p->spki_len && memcmp(k, p->spki, p->spki_len) == 0) {
            int cn = i2d_X509(sk_X509_value(certs, i), &c);
            if (cn > 0 && (*cert = malloc((size_t)cn)) != NULL) {
                memcpy(*cert, c, (size_t)cn);
                *cert_len = (size_t)cn;
                rc = 0;
            } else {
                rc = SC_ENOMEM;
            }
        }
        OPENSSL_free(k);
        OPENSSL_free(c);
        if (rc != SC_EFORMAT)
            break;
    }
    PKCS7_free(p7);
    ERR_clear_error();
    if (rc == SC_ENOMEM)
        return sc_err_set(err, rc, "seal_ca.est: out of memory");
    if (rc != 0)
        return sc_err_set(err, rc, "seal_ca.est: %s", certs == NULL
                          ? "the answer is not a certs-only PKCS#7 (RFC 7030 4.2.3)"
                          : "the answer holds no certificate for the requested key");
    return 0;
}

/* One POST under the lock: the answer's status and body. */
static int post(ss_est *e, const char *body, answer *a, long *status, sc_err *err)
{
    CURLcode c;

    pthread_mutex_lock(&e->mu);
    e->errbuf[0] = '\0';
    curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, a);
    c = curl_easy_perform(e->curl);
    curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, status);
    if (c != CURLE_OK && !a->too_big && !a->oom)
        sc_err_set(err, SC_EIO, "seal_ca.est: POST %s: %s", e->url,
                   e->errbuf[0] != '\0' ? e->errbuf : curl_easy_strerror(c));
    pthread_mutex_unlock(&e->mu);
    if (a->oom)
        return sc_err_set(err, SC_ENOMEM, "seal_ca.est: out of memory");
    if (a->too_big)
        return sc_err_set(err, SC_EIO, "seal_ca.est: the answer is larger than %u bytes",
                          SS_EST_MAX_ANSWER);
    return c == CURLE_OK ? 0 : SC_EIO;
}

int ss_est_issue(void *ctx, const sc_key *key, const sc_cert_issue_params *p, uint8_t **cert,
                 size_t *cert_len, sc_err *err)
{
    ss_est *e = ctx;
    uint8_t *csr = NULL, *der = NULL;
    size_t csr_len = 0, der_len = 0;
    answer a = { NULL, 0, 0, 0, 0 };
    char *body = NULL;
    long status = 0;
    int rc;

    *cert = NULL;
    *cert_len = 0;
    if ((rc = sc_cert_request(&csr, &csr_len, p, key, err)) != 0)
        return rc;
    if ((body = b64(csr, csr_len)) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "seal_ca.est: out of memory");
        goto out;
    }
    if ((rc = post(e, body, &a, &status, err)) != 0)
        goto out;
    if (status == 202) {
        rc = sc_err_set(err, SC_EIO, "seal_ca.est: the CA queued the request for manual "
                        "approval (HTTP 202); seal making needs a CA that issues at once");
    } else if (status != 200) {
        rc = sc_err_set(err, SC_EIO, "seal_ca.est: POST %s: HTTP %ld: %.*s", e->url, status,
                        (int)(a.n < 160 ? a.n : 160), a.p != NULL ? (const char *)a.p : "");
    } else if (unb64(&a, &der, &der_len) != 0) {
        rc = sc_err_set(err, SC_EFORMAT, "seal_ca.est: the answer is not base64 (RFC 7030 "
                        "4.2.3: application/pkcs7-mime, base64)");
    } else {
        rc = pick_cert(der, der_len, p, cert, cert_len, err);
    }
out:
    free(der);
    free(a.p);
    free(body);
    free(csr);
    return rc;
}
