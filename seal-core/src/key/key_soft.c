/* key_soft.c: the software key backend: an SM2 EVP_PKEY held in memory, read from and written
 * to encrypted PKCS#8 only. Not here: the backend-neutral interface (key.c). */
#include "key_int.h"
#include "crypto/crypto_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#define SOFT_MAX_KEY_FILE (64 * 1024)

/* The key, its signer (sc__sm2_signer_new; NULL: each signature starts an OpenSSL
 * operation), and the signer's SM3 states after the prefixes last signed. */
typedef struct soft {
    EVP_PKEY *pkey;
    sc_sm2_signer *signer;
    sc_mid mid;
} soft;

/* Feed msg to m (Z_A and any prefix absorbed) and sign; m is freed. */
static int sign_rest(const soft *s, EVP_MD_CTX *m, const uint8_t *msg, size_t len,
                     uint8_t **sig, size_t *sig_len, sc_err *err)
{
    int rc;

    if (len > 0 && EVP_DigestUpdate(m, msg, len) != 1)
        rc = sc__err_openssl(err, SC_ECRYPTO, "SM2 signing failed");
    else
        rc = sc__sm2_signer_sign(s->signer, m, NULL, sig, sig_len, err);
    EVP_MD_CTX_free(m);
    return rc;
}

static int soft_sign(void *impl, const uint8_t *msg, size_t len, uint8_t **sig, size_t *sig_len,
                     sc_err *err)
{
    const soft *s = impl;
    EVP_MD_CTX *m;

    if (s->signer == NULL)
        return sc__sm2_sign(s->pkey, msg, len, sig, sig_len, err);
    ERR_clear_error();
    if ((m = EVP_MD_CTX_new()) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    if (EVP_MD_CTX_copy_ex(m, sc__sm2_signer_z(s->signer)) != 1) {
        EVP_MD_CTX_free(m);
        return sc__err_openssl(err, SC_ECRYPTO, "SM2 signing failed");
    }
    return sign_rest(s, m, msg, len, sig, sig_len, err);
}

static int soft_public(void *impl, uint8_t **spki, size_t *spki_len, sc_err *err)
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(((soft *)impl)->pkey, &der);

    if (n <= 0)
        return sc__err_openssl(err, SC_ECRYPTO, "cannot encode the public key");
    *spki = sc__memdup(der, (size_t)n, err);
    *spki_len = (size_t)n;
    OPENSSL_free(der);
    return *spki == NULL ? SC_ENOMEM : 0;
}

static void soft_free(void *impl)
{
    soft *s = impl;

    if (s == NULL)
        return;
    sc__mid_free(&s->mid);
    sc__sm2_signer_free(s->signer);   /* clears its copy of the private scalar */
    EVP_PKEY_free(s->pkey);     /* OpenSSL clears the private scalar when the key is freed */
    free(s);
}

static const sc_key_ops soft_ops = { "soft", soft_sign, soft_public, soft_free };

int sc__soft_sign_split(const sc_key *key, const uint8_t *pre, size_t pre_len,
                        const uint8_t *msg, size_t len, uint8_t **sig, size_t *sig_len,
                        sc_err *err)
{
    soft *s = sc__key_impl(key, &soft_ops);
    EVP_MD_CTX *mctx;
    int why = 0;

    *sig = NULL;
    *sig_len = 0;
    if (s == NULL || s->signer == NULL)
        return SC_EUNSUPPORTED;
    ERR_clear_error();
    if ((mctx = sc__mid_start(&s->mid, sc__sm2_signer_z(s->signer), pre, pre_len, NULL, 0,
                              &why)) == NULL)
        return why == SC_ENOMEM ? sc_err_set(err, SC_ENOMEM, "out of memory")
                                : sc__err_openssl(err, SC_ECRYPTO,
                                                  "cannot start the SM2 signature");
    return sign_rest(s, mctx, msg, len, sig, sig_len, err);
}

static int wrap(sc_key **out, EVP_PKEY *pkey, sc_err *err)
{
    soft *s;

    if (!EVP_PKEY_is_a(pkey, "SM2")) {
        EVP_PKEY_free(pkey);
        return sc_err_set(err, SC_EUNSUPPORTED,
                          "key is not an SM2 key (seals are signed with SM2 only)");
    }
    if ((s = calloc(1, sizeof(*s))) == NULL) {
        EVP_PKEY_free(pkey);
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    s->pkey = pkey;
    s->signer = sc__sm2_signer_new(pkey);
    sc__mid_init(&s->mid, 0);
    return sc_key_new(out, &soft_ops, s, err);
}

int sc_key_soft_load(sc_key **out, const uint8_t *data, size_t len, const char *pass,
                     size_t pass_len, sc_err *err)
{
    BIO *bio = NULL;
    X509_SIG *p8 = NULL;
    PKCS8_PRIV_KEY_INFO *pki = NULL;
    EVP_PKEY *pkey = NULL;
    const unsigned char *p = data;
    int rc;

    *out = NULL;
    ERR_clear_error();
    if (data == NULL || len == 0 || len > SOFT_MAX_KEY_FILE)
        return sc_err_set(err, len == 0 ? SC_EFORMAT : SC_ELIMIT,
                          "key file: %zu bytes, expected 1..%d", len, SOFT_MAX_KEY_FILE);
    if (pass_len > INT_MAX)
        return sc_err_set(err, SC_ELIMIT, "key password: too long");
    if (memmem(data, len, "-----BEGIN PRIVATE KEY-----", 27) != NULL ||
        memmem(data, len, "-----BEGIN EC PRIVATE KEY-----", 30) != NULL)
        return sc_err_set(err, SC_EFORMAT,
                          "key file: the private key is not encrypted; keys must be encrypted at "
                          "rest (openssl pkcs8 -topk8 -v2 aes-256-cbc)");
    if (memmem(data, len, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37) != NULL) {
        if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL ||
            (p8 = PEM_read_bio_PKCS8(bio, NULL, NULL, NULL)) == NULL) {
            rc = sc__err_openssl(err, SC_EFORMAT, "key file: damaged PEM encrypted key");
            goto out;
        }
    } else if ((p8 = d2i_X509_SIG(NULL, &p, (long)len)) == NULL || p != data + len) {
        rc = sc__err_openssl(err, SC_EFORMAT,
                             "key file: neither PEM nor DER encrypted PKCS#8 private key");
        goto out;
    }
    if ((pki = PKCS8_decrypt(p8, pass, (int)pass_len)) == NULL) {
        /* OpenSSL cannot tell a wrong password from damaged ciphertext */
        rc = sc__err_openssl(err, SC_EPASSWORD,
                             "key file: cannot decrypt (wrong password or damaged file)");
        goto out;
    }
    if ((pkey = EVP_PKCS82PKEY(pki)) == NULL) {
        rc = sc__err_openssl(err, SC_EFORMAT, "key file: decrypted, but not a usable private key");
        goto out;
    }
    rc = wrap(out, pkey, err);
    pkey = NULL;
out:
    EVP_PKEY_free(pkey);
    PKCS8_PRIV_KEY_INFO_free(pki);   /* wipes the plaintext key */
    X509_SIG_free(p8);
    BIO_free(bio);
    ERR_clear_error();
    return rc;
}

int sc_key_soft_generate(sc_key **out, sc_err *err)
{
    EVP_PKEY *pkey;

    *out = NULL;
    ERR_clear_error();
    if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "SM2")) == NULL)
        return sc__err_openssl(err, SC_ECRYPTO, "SM2 key generation failed");
    return wrap(out, pkey, err);
}

int sc_key_soft_export(const sc_key *key, const char *pass, size_t pass_len, char **pem,
                       size_t *pem_len, sc_err *err)
{
    const soft *impl = sc__key_impl(key, &soft_ops);
    EVP_PKEY *pkey = impl != NULL ? impl->pkey : NULL;
    BIO *bio = NULL;
    BUF_MEM *mem = NULL;
    int rc = 0;

    *pem = NULL;
    *pem_len = 0;
    ERR_clear_error();
    if (pkey == NULL)
        return sc_err_set(err, SC_EUNSUPPORTED, "only software keys can be exported");
    if (pass_len == 0 || pass_len > INT_MAX)
        return sc_err_set(err, SC_EINVAL, "key password: must not be empty");
    if ((bio = BIO_new(BIO_s_mem())) == NULL ||
        PEM_write_bio_PKCS8PrivateKey(bio, pkey, EVP_aes_256_cbc(), pass, (int)pass_len, NULL,
                                      NULL) != 1) {
        rc = sc__err_openssl(err, SC_ECRYPTO, "cannot write the encrypted key");
        goto out;
    }
    BIO_get_mem_ptr(bio, &mem);
    if ((*pem = sc__strndup(mem->data, mem->length, err)) == NULL) {
        rc = SC_ENOMEM;
        goto out;
    }
    *pem_len = mem->length;
out:
    BIO_free(bio);
    return rc;
}

unsigned long sc__soft_mid_hits(const sc_key *key)
{
    soft *s = sc__key_impl(key, &soft_ops);
    unsigned long n;

    if (s == NULL)
        return 0;
    pthread_mutex_lock(&s->mid.mu);
    n = s->mid.hits;
    pthread_mutex_unlock(&s->mid.mu);
    return n;
}
