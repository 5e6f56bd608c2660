/* tls.c: reads the server certificate, its encrypted key and the client CA, and configures
 * CivetWeb's SSL_CTX with them (tls.h).
 * Not here: the handshake itself (CivetWeb) and mapping a client certificate to an API client
 * (auth.c). We configure the whole SSL_CTX in CivetWeb's init_ssl callback (returning 1) rather
 * than passing ssl_certificate: CivetWeb reads only unencrypted keys, and ours are encrypted. */
#include "tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

struct ss_tls {
    X509 *leaf;
    STACK_OF(X509) *chain;      /* intermediates sent after the leaf; may be empty */
    EVP_PKEY *key;
    STACK_OF(X509) *client_cas; /* NULL: client certificates not requested */
    char *ciphers;
    int64_t not_after;
};

/* Our words, then OpenSSL's oldest queued reason; drains the queue (STYLE.md §2). */
static int ossl_fail(sc_err *err, int code, const char *what, const char *file)
{
    unsigned long e, first = 0;
    const char *why;

    while ((e = ERR_get_error()) != 0)
        first = first ? first : e;
    why = first ? ERR_reason_error_string(first) : NULL;
    return sc_err_set(err, code, "%s %s (OpenSSL: %s)", what, file, why ? why : "no detail");
}

/* The whole of a small file (certificates, keys, passwords), NUL-terminated. */
static int slurp(const char *key, const char *path, size_t max, char **out, size_t *len,
                 sc_err *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n;
    int rc = 0;

    *out = NULL;
    if (f == NULL)
        return sc_err_set(err, SC_EIO, "%s %s: cannot open: %s", key, path, strerror(errno));
    if ((buf = malloc(max + 1)) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "%s: out of memory", key);
        goto out;
    }
    n = fread(buf, 1, max + 1, f);
    if (ferror(f)) {
        rc = sc_err_set(err, SC_EIO, "%s %s: cannot read: %s", key, path, strerror(errno));
        goto out;
    }
    if (n > max) {
        rc = sc_err_set(err, SC_ELIMIT, "%s %s: larger than %zu bytes", key, path, max);
        goto out;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
out:
    if (buf != NULL) {
        OPENSSL_cleanse(buf, max + 1);   /* may hold part of a key or a password */
        free(buf);
    }
    fclose(f);
    return rc;
}

/* Every certificate in a PEM file, in order. */
static int read_certs(const char *key, const char *path, STACK_OF(X509) **out, sc_err *err)
{
    STACK_OF(X509) *sk = NULL;
    BIO *bio = NULL;
    X509 *x = NULL;
    char *pem = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    if ((rc = slurp(key, path, SS_TLS_PEM_MAX, &pem, &len, err)) != 0)
        goto out;
    ERR_clear_error();
    if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL || (sk = sk_X509_new_null()) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "%s: out of memory", key);
        goto out;
    }
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(sk, x)) {
            X509_free(x);
            rc = sc_err_set(err, SC_ENOMEM, "%s: out of memory", key);
            goto out;
        }
    }
    /* The loop ends on "no start line" at the end of the file: expected, not an error. */
    if (ERR_GET_REASON(ERR_peek_last_error()) == PEM_R_NO_START_LINE && sk_X509_num(sk) > 0)
        ERR_clear_error();
    if (ERR_peek_error() != 0) {
        rc = ossl_fail(err, SC_EFORMAT, key, path);
        goto out;
    }
    if (sk_X509_num(sk) == 0) {
        rc = sc_err_set(err, SC_EFORMAT, "%s %s: no PEM certificate in the file", key, path);
        goto out;
    }
    *out = sk;
    sk = NULL;
out:
    sk_X509_pop_free(sk, X509_free);
    BIO_free(bio);
    free(pem);
    return rc;
}

/* The first line of the password file, as make-dev-pki and `openssl -passin file:` use it. */
static int read_password(const char *path, char **out, sc_err *err)
{
    char *buf = NULL;
    size_t len = 0, n;
    int rc;

    *out = NULL;
    if ((rc = slurp("tls.key_password_file", path, SS_TLS_PASSWORD_MAX, &buf, &len, err)) != 0)
        return rc;
    n = strcspn(buf, "\n");
    if (memchr(buf, '\r', n) != NULL) {
        rc = sc_err_set(err, SC_EFORMAT, "tls.key_password_file %s: first line contains CR "
                        "(CRLF file?)", path);
    } else if (n == 0) {
        rc = sc_err_set(err, SC_EFORMAT, "tls.key_password_file %s: first line is empty", path);
    } else {
        buf[n] = '\0';
        *out = buf;
        buf = NULL;
    }
    if (buf != NULL) {
        OPENSSL_cleanse(buf, len);
        free(buf);
    }
    return rc;
}

static int read_key(const char *path, const char *pass_file, EVP_PKEY **out, sc_err *err)
{
    char *pem = NULL, *pass = NULL;
    size_t len = 0;
    BIO *bio = NULL;
    int rc;

    *out = NULL;
    if ((rc = slurp("tls.key", path, SS_TLS_PEM_MAX, &pem, &len, err)) != 0)
        goto out;
    /* Keys are encrypted at rest (README "Decisions"): refuse a plaintext one outright rather
     * than let a missing password pass unnoticed. */
    if (strstr(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----") == NULL &&
        strstr(pem, "Proc-Type: 4,ENCRYPTED") == NULL) {
        rc = sc_err_set(err, SC_EFORMAT, "tls.key %s: not an encrypted private key (keys are "
                        "encrypted at rest: openssl pkcs8 -topk8 -v2 aes-256-cbc)", path);
        goto out;
    }
    if ((rc = read_password(pass_file, &pass, err)) != 0)
        goto out;
    ERR_clear_error();
    if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "tls.key: out of memory");
        goto out;
    }
    /* A NULL callback with u set: OpenSSL takes u as the NUL-terminated passphrase. */
    if ((*out = PEM_read_bio_PrivateKey(bio, NULL, NULL, pass)) == NULL) {
        rc = ossl_fail(err, SC_EPASSWORD, "tls.key: cannot decrypt (wrong password in "
                       "tls.key_password_file, or a damaged file)", path);
        goto out;
    }
out:
    BIO_free(bio);
    if (pass != NULL) {
        OPENSSL_cleanse(pass, strlen(pass));
        free(pass);
    }
    if (pem != NULL) {
        OPENSSL_cleanse(pem, len);
        free(pem);
    }
    return rc;
}

static int64_t asn1_time_t(const ASN1_TIME *t)
{
    struct tm tm;

    if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
        return 0;
    return (int64_t)timegm(&tm);
}

int ss_tls_load(ss_tls **out, const ss_config *cfg, sc_err *err)
{
    ss_tls *t = NULL;
    STACK_OF(X509) *certs = NULL;
    int rc;

    *out = NULL;
    if ((t = calloc(1, sizeof(*t))) == NULL || (t->ciphers = strdup(
            ss_config_tls_ciphers(cfg))) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "tls: out of memory");
        goto out;
    }
    if ((rc = read_certs("tls.cert", ss_config_tls_cert(cfg), &certs, err)) != 0)
        goto out;
    t->leaf = sk_X509_shift(certs);
    t->chain = certs;
    certs = NULL;
    t->not_after = asn1_time_t(X509_get0_notAfter(t->leaf));
    if ((rc = read_key(ss_config_tls_key(cfg), ss_config_tls_key_password_file(cfg), &t->key,
                       err)) != 0)
        goto out;
    ERR_clear_error();
    if (X509_check_private_key(t->leaf, t->key) != 1) {
        rc = ossl_fail(err, SC_EINVAL, "tls.key does not belong to the certificate in tls.cert",
                       ss_config_tls_cert(cfg));
        goto out;
    }
    if (ss_config_tls_client_ca(cfg) != NULL &&
        (rc = read_certs("tls.client_ca", ss_config_tls_client_ca(cfg), &t->client_cas,
                         err)) != 0)
        goto out;
    *out = t;
    t = NULL;
out:
    sk_X509_pop_free(certs, X509_free);
    ss_tls_free(t);
    return rc;
}

void ss_tls_free(ss_tls *t)
{
    if (t == NULL)
        return;
    X509_free(t->leaf);
    sk_X509_pop_free(t->chain, X509_free);
    EVP_PKEY_free(t->key);              /* the provider wipes the private scalar */
    sk_X509_pop_free(t->client_cas, X509_free);
    free(t->ciphers);
    free(t);
}

int ss_tls_configure(const ss_tls *t, SSL_CTX *ctx, sc_err *err)
{
    static const unsigned char sid_ctx[] = "sealpki-seal-server";

    ERR_clear_error();
    /* CivetWeb already set ssl_protocol_version 4 (TLS 1.2+) as options; the minimum version
     * is the API OpenSSL 3 means for this, and it survives a change of CivetWeb's table. */
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION))
        return ossl_fail(err, SC_ECRYPTO, "TLS:", "cannot require TLS 1.2");
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                             SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_set_cipher_list(ctx, t->ciphers) != 1)
        return ossl_fail(err, SC_ECRYPTO, "tls.ciphers: no usable cipher in", t->ciphers);
    /* use_certificate/use_PrivateKey take their own references (up_ref); we keep ours. */
    if (SSL_CTX_use_certificate(ctx, t->leaf) != 1 || SSL_CTX_use_PrivateKey(ctx, t->key) != 1 ||
        SSL_CTX_set1_chain(ctx, t->chain) != 1 || SSL_CTX_check_private_key(ctx) != 1)
        return ossl_fail(err, SC_ECRYPTO, "TLS:", "cannot install the server certificate");
    /* Session resumption with client certificates needs a context id (else OpenSSL fails the
     * resumed handshake with "session id context uninitialized"). */
    if (SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1) != 1)
        return ossl_fail(err, SC_ECRYPTO, "TLS:", "cannot set the session id context");
    if (t->client_cas == NULL) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        return 0;
    }
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);   /* borrowed */
    for (int i = 0; i < sk_X509_num(t->client_cas); i++) {
        X509 *ca = sk_X509_value(t->client_cas, i);
        /* add_cert and add_client_CA copy or up-ref: the stack stays ours. */
        if (X509_STORE_add_cert(store, ca) != 1 || SSL_CTX_add_client_CA(ctx, ca) != 1)
            return ossl_fail(err, SC_ECRYPTO, "tls.client_ca:", "cannot add a CA");
    }
    /* Optional: ask for a certificate (so the client knows which CAs we take), verify one
     * that is sent, and leave a request without one to bearer tokens or anonymous verify. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_verify_depth(ctx, SS_TLS_VERIFY_DEPTH);
    return 0;
}

int64_t ss_tls_cert_not_after(const ss_tls *t)
{
    return t->not_after;
}

int ss_tls_client_certs(const ss_tls *t)
{
    return t->client_cas != NULL;
}
