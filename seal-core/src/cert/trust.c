/* trust.c: the trust store and chain verification at a given time, with the SM2 ID on every
 * certificate (OpenSSL checks each signature with the ID of the certificate being checked,
 * pki-profile.md §4), and a cache of good chains so a busy verifier does not re-verify the
 * same two CA signatures for every document.
 * Not here: certificate parsing (cert.c), the checks that use chains (verify/). */
#include "cert_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#define CACHE_SLOTS 1024   /* a province has ~15,000 seals; recent ones matter */

typedef struct cache_entry {
    uint8_t digest[32];    /* SM3 of the leaf certificate; all zero = empty */
    int64_t from, to;      /* the chain is good for any time in [from, to] */
} cache_entry;

typedef struct cert_entry {
    uint8_t digest[32];    /* SM3 of the DER as found */
    X509 *x;               /* NULL = empty */
} cert_entry;

struct sc_trust {
    X509_STORE *store;
    STACK_OF(X509) *untrusted;
    size_t anchors, total;
    pthread_mutex_t lock;
    cache_entry cache[CACHE_SLOTS];
    cert_entry certs[CACHE_SLOTS];
};

int sc_trust_new(sc_trust **out, sc_err *err)
{
    sc_trust *t = calloc(1, sizeof(*t));

    *out = NULL;
    if (t == NULL || (t->store = X509_STORE_new()) == NULL ||
        (t->untrusted = sk_X509_new_null()) == NULL || pthread_mutex_init(&t->lock, NULL) != 0) {
        if (t != NULL) {
            X509_STORE_free(t->store);
            sk_X509_free(t->untrusted);
            free(t);
        }
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    *out = t;
    return 0;
}

void sc_trust_free(sc_trust *t)
{
    if (t == NULL)
        return;
    X509_STORE_free(t->store);
    sk_X509_pop_free(t->untrusted, X509_free);
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        X509_free(t->certs[i].x);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

X509 *sc__trust_cert(const sc_trust *ct, const uint8_t *der, size_t len, const char *field,
                     sc_err *err)
{
    sc_trust *t = (sc_trust *)ct;   /* only the cache changes, under its lock */
    uint8_t d[32];
    X509 *x = NULL;
    cert_entry *e;

    if (t == NULL || sc__sm3(der, len, d, NULL) != 0)
        return sc__cert_parse(der, len, field, err);
    e = &t->certs[((size_t)d[0] << 8 | d[1]) % CACHE_SLOTS];
    pthread_mutex_lock(&t->lock);
    if (e->x != NULL && memcmp(e->digest, d, 32) == 0 && X509_up_ref(e->x))
        x = e->x;
    pthread_mutex_unlock(&t->lock);
    if (x != NULL || (x = sc__cert_parse(der, len, field, err)) == NULL)
        return x;
    if (X509_up_ref(x)) {
        X509 *old;
        pthread_mutex_lock(&t->lock);
        old = e->x;
        memcpy(e->digest, d, 32);
        e->x = x;
        pthread_mutex_unlock(&t->lock);
        X509_free(old);
    }
    return x;
}

size_t sc_trust_anchor_count(const sc_trust *t)
{
    return t->anchors;
}

static int add_one(sc_trust *t, X509 *x, int anchor, sc_err *err)
{
    if (t->total >= SC_TRUST_MAX_CERTS) {
        X509_free(x);
        return sc_err_set(err, SC_ELIMIT, "trust store: more than %d certificates",
                          SC_TRUST_MAX_CERTS);
    }
    if (anchor) {
        int ok = X509_STORE_add_cert(t->store, x);
        X509_free(x);   /* the store took its own reference */
        if (!ok)
            return sc__err_openssl(err, SC_ENOMEM, "trust store: cannot add certificate");
        t->anchors++;
    } else if (!sk_X509_push(t->untrusted, x)) {
        X509_free(x);
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    t->total++;
    return 0;
}

int sc_trust_add(sc_trust *t, const uint8_t *buf, size_t len, int anchor, sc_err *err)
{
    BIO *bio = NULL;
    X509 *x;
    int n = 0, rc = 0;

    ERR_clear_error();
    if (len > 0 && buf[0] == 0x30) {   /* one DER certificate */
        if ((x = sc__cert_parse(buf, len, "trust certificate", err)) == NULL)
            return SC_EFORMAT;
        return add_one(t, x, anchor, err);
    }
    if (len == 0 || len > 16 * 1024 * 1024 || (bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
        return sc_err_set(err, SC_EFORMAT, "trust file: empty or too large");
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        /* re-parse through the DER path so the SM2 ID is set the one way */
        unsigned char *der = NULL;
        int dlen = i2d_X509(x, &der);
        X509_free(x);
        x = dlen > 0 ? sc__cert_parse(der, (size_t)dlen, "trust certificate", err) : NULL;
        OPENSSL_free(der);
        if (x == NULL) {
            rc = SC_EFORMAT;
            break;
        }
        if ((rc = add_one(t, x, anchor, err)) != 0)
            break;
        n++;
    }
    unsigned long e = ERR_peek_last_error();
    if (rc == 0 && (n == 0 || ERR_GET_REASON(e) != PEM_R_NO_START_LINE))
        rc = n == 0 ? sc_err_set(err, SC_EFORMAT, "trust file: no PEM certificate found")
                    : sc__err_openssl(err, SC_EFORMAT, "trust file: damaged PEM certificate");
    ERR_clear_error();
    BIO_free(bio);
    return rc;
}

static size_t slot_of(const uint8_t d[32])
{
    return ((size_t)d[0] << 8 | d[1]) % CACHE_SLOTS;
}

static int cache_hit(sc_trust *t, const uint8_t d[32], int64_t at)
{
    int hit;

    pthread_mutex_lock(&t->lock);
    cache_entry *e = &t->cache[slot_of(d)];
    hit = memcmp(e->digest, d, 32) == 0 && at >= e->from && at <= e->to;
    pthread_mutex_unlock(&t->lock);
    return hit;
}

/* Remember the window in which every certificate of the verified chain is valid. */
static void cache_put(sc_trust *t, const uint8_t d[32], STACK_OF(X509) *chain)
{
    int64_t from = INT64_MIN, to = INT64_MAX;   /* [from, to]: notAfter itself is expired */

    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *c = sk_X509_value(chain, i);
        int64_t nb, na;
        if (sc__asn1_time(X509_get0_notBefore(c), &nb) != 0 ||
            sc__asn1_time(X509_get0_notAfter(c), &na) != 0)
            return;   /* a window we cannot compute is not cached */
        from = nb > from ? nb : from;
        to = na - 1 < to ? na - 1 : to;
    }
    pthread_mutex_lock(&t->lock);
    cache_entry *e = &t->cache[slot_of(d)];
    memcpy(e->digest, d, 32);
    e->from = from;
    e->to = to;
    pthread_mutex_unlock(&t->lock);
}

int sc__trust_verify(const sc_trust *ct, X509 *leaf, int64_t at, char *why, size_t whylen,
                     sc_err *err)
{
    sc_trust *t = (sc_trust *)ct;   /* only the cache changes, under its lock */
    X509_STORE_CTX *ctx = NULL;
    unsigned char *der = NULL;
    uint8_t d[32];
    int dlen, rc;

    why[0] = '\0';
    if ((dlen = i2d_X509(leaf, &der)) <= 0) {
        rc = sc__err_openssl(err, SC_ENOMEM, "cannot encode certificate");
        goto out;
    }
    if ((rc = sc__sm3(der, (size_t)dlen, d, err)) != 0)
        goto out;
    if (cache_hit(t, d, at)) {
        rc = 1;
        goto out;
    }
    if ((ctx = X509_STORE_CTX_new()) == NULL ||
        !X509_STORE_CTX_init(ctx, t->store, leaf, t->untrusted)) {
        rc = sc__err_openssl(err, SC_ENOMEM, "cannot start chain verification");
        goto out;
    }
    X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(vp, (time_t)at);
    /* an intermediate CA the operator lists as an anchor is trusted as such */
    X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
    if (X509_verify_cert(ctx) == 1) {
        cache_put(t, d, X509_STORE_CTX_get0_chain(ctx));
        rc = 1;
    } else {
        int e = X509_STORE_CTX_get_error(ctx), depth = X509_STORE_CTX_get_error_depth(ctx);
        X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
        char name[160] = "?";
        if (bad != NULL)
            sc__cert_name(bad, name, sizeof(name));
        snprintf(why, whylen, "%s (certificate \"%s\", depth %d)",
                 X509_verify_cert_error_string(e), name, depth);
        rc = 0;
    }
out:
    ERR_clear_error();
    OPENSSL_free(der);
    X509_STORE_CTX_free(ctx);
    return rc;
}
