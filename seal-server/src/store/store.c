/* store.c: the store's front end: handles and transactions, bearer tokens and roles, argument
 * checks, units and API clients (store.h). Every check happens here, before a backend runs.
 * Not here: applications, keys, seals, grants, idempotency (store_seal.c), the audit chain
 * (audit.c), SQL (sqlite*.c). */
#include "store_int.h"
#include "sealcore/hash.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

const char *ss_err_name(int code)
{
    switch (code) {
    case SS_ECONFLICT: return "ECONFLICT";
    case SS_EEXPIRED: return "EEXPIRED";
    case SS_EBUSY: return "EBUSY";
    case SS_ESTATE: return "ESTATE";
    case SS_EDISABLED: return "EDISABLED";
    case SS_ETAMPERED: return "ETAMPERED";
    default: return sc_err_name(code);
    }
}

/* ---- argument checks ------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0. Overlong forms, surrogates and code
 * points above U+10FFFF are invalid: the text ends up in JSON, which needs them valid. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    unsigned c = s[0];
    size_t n, i;
    uint32_t cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n > left)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

int ss__check_text(const char *what, const char *s, size_t max, int may_be_empty, sc_err *err)
{
    size_t len, i, n;

    if (s == NULL)
        return sc_err_set(err, SC_EINVAL, "%s: missing", what);
    len = strnlen(s, max + 1);
    if (len > max)
        return sc_err_set(err, SC_ELIMIT, "%s: longer than %zu bytes", what, max);
    if (len == 0 && !may_be_empty)
        return sc_err_set(err, SC_EINVAL, "%s: empty", what);
    for (i = 0; i < len; i += n) {
        const unsigned char *p = (const unsigned char *)s + i;
        if (*p < 0x20 || *p == 0x7f)
            return sc_err_set(err, SC_EINVAL, "%s: control character 0x%02x at byte %zu",
                              what, *p, i);
        if ((n = utf8_seq(p, len - i)) == 0)
            return sc_err_set(err, SC_EINVAL, "%s: not valid UTF-8 at byte %zu", what, i);
    }
    return 0;
}

int ss__check_token_chars(const char *what, const char *s, size_t max, sc_err *err)
{
    size_t len, i;

    if (s == NULL)
        return sc_err_set(err, SC_EINVAL, "%s: missing", what);
    len = strnlen(s, max + 1);
    if (len > max)
        return sc_err_set(err, SC_ELIMIT, "%s: longer than %zu bytes", what, max);
    if (len == 0)
        return sc_err_set(err, SC_EINVAL, "%s: empty", what);
    for (i = 0; i < len; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return sc_err_set(err, SC_EINVAL,
                              "%s: byte %zu is not printable ASCII (0x21..0x7e)", what, i);
    return 0;
}

int ss__check_blob(const char *what, const void *p, size_t len, size_t max, sc_err *err)
{
    if (p == NULL || len == 0)
        return sc_err_set(err, SC_EINVAL, "%s: missing or empty", what);
    if (len > max)
        return sc_err_set(err, SC_ELIMIT, "%s: %zu bytes, at most %zu", what, len, max);
    return 0;
}

int ss__check_list(unsigned limit, sc_err *err)
{
    if (limit == 0 || limit > SS_LIST_MAX)
        return sc_err_set(err, SC_EINVAL, "list limit %u: allowed 1..%d", limit, SS_LIST_MAX);
    return 0;
}


static int check_id(const char *what, int64_t id, sc_err *err)
{
    return id <= 0 ? sc_err_set(err, SC_EINVAL, "%s id %lld: must be positive", what,
                                (long long)id) : 0;
}

static int check_store(const ss_store *st, sc_err *err)
{
    return st == NULL ? sc_err_set(err, SC_EINVAL, "store: no handle") : 0;
}

/* A unit or client list: a handle, a limit, a callback. */
static int check_list_call(const ss_store *st, unsigned limit, int no_cb, sc_err *err)
{
    int rc;

    if ((rc = check_store(st, err)) != 0 || (rc = ss__check_list(limit, err)) != 0)
        return rc;
    return no_cb ? sc_err_set(err, SC_EINVAL, "list: no callback") : 0;
}

/* ---- handles and transactions ---------------------------------------------------------- */

int ss__store_new(ss_store **out, const ss__store_ops *ops, void *be, sc_err *err)
{
    ss_store *st = calloc(1, sizeof(*st));

    if (st == NULL) {
        ops->close(be);
        return sc_err_set(err, SC_ENOMEM, "store: out of memory");
    }
    st->ops = ops;
    st->be = be;
    if (ss__pack_new(&st->pack) != 0 || ss__ccache_new(&st->ccache) != 0) {
        ops->close(be);
        ss__pack_free(st->pack);
        free(st);
        return sc_err_set(err, SC_ENOMEM, "store: out of memory");
    }
    /* fetched once: EVP_sm3() would look SM3 up in the provider at every audit record; if
     * the fetch fails, the audit reports it when it hashes */
    ERR_clear_error();
    st->sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
    ERR_clear_error();
    *out = st;
    return 0;
}

int ss_store_open_sqlite(ss_store **out, const char *path, sc_err *err)
{
    return ss_store_open_sqlite_opts(out, path, NULL, err);
}

int ss_store_open_sqlite_opts(ss_store **out, const char *path, const ss_sqlite_opts *opts,
                              sc_err *err)
{
    void *be = NULL;
    int rc;

    if (out == NULL)
        return sc_err_set(err, SC_EINVAL, "store: no output handle");
    *out = NULL;
    if (path == NULL || path[0] == '\0')
        return sc_err_set(err, SC_EINVAL, "store: no database path");
    if ((rc = ss__sqlite_open(&be, path, opts, err)) != 0)
        return rc;
    return ss__store_new(out, &ss__sqlite_ops, be, err);
}

void ss_store_close(ss_store *st)
{
    if (st == NULL)
        return;
    if (st->root != NULL) {        /* a transaction handle: end it */
        ss_store_tx_rollback(st);
        return;
    }
    st->ops->close(st->be);
    ss__pack_free(st->pack);
    ss__ccache_free(st->ccache);
    EVP_MD_free(st->sm3);
    free(st);
}

int ss_store_schema_version(ss_store *st, int *version, sc_err *err)
{
    if (check_store(st, err) != 0 || version == NULL)
        return sc_err_set(err, SC_EINVAL, "schema version: no handle or output");
    return st->ops->schema_version(st->be, st->tx, version, err);
}

int ss_store_tx_begin(ss_store *st, ss_store **tx, sc_err *err)
{
    ss_store *t;
    int rc;

    if (tx == NULL)
        return sc_err_set(err, SC_EINVAL, "transaction: no output handle");
    *tx = NULL;
    if (check_store(st, err) != 0)
        return SC_EINVAL;
    if (st->root != NULL)
        return sc_err_set(err, SC_EINVAL, "transaction: already inside one (they do not nest)");
    if ((t = calloc(1, sizeof(*t))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "transaction: out of memory");
    *t = *st;
    t->root = st;
    if ((rc = st->ops->tx_begin(st->be, &t->tx, err)) != 0) {
        free(t);
        return rc;
    }
    *tx = t;
    return 0;
}

int ss_store_tx_commit(ss_store *tx, sc_err *err)
{
    int rc;

    if (tx == NULL || tx->root == NULL)
        return sc_err_set(err, SC_EINVAL, "commit: not a transaction handle");
    rc = tx->ops->tx_commit(tx->be, tx->tx, err);
    if (tx->clients_dirty)     /* committed or not: a lookup from now on reads again */
        ss__ccache_changed(tx, 1);
    free(tx);
    return rc;
}

void ss_store_tx_rollback(ss_store *tx)
{
    if (tx == NULL || tx->root == NULL)
        return;
    tx->ops->tx_rollback(tx->be, tx->tx);
    if (tx->clients_dirty)
        ss__ccache_changed(tx, 1);
    free(tx);
}

int ss__tx_enter(ss_store *st, void **tx, int *own, sc_err *err)
{
    *own = 0;
    *tx = st->tx;
    if (st->tx != NULL)
        return 0;
    *own = 1;
    return st->ops->tx_begin(st->be, tx, err);
}

int ss__tx_end(ss_store *st, void *tx, int own, int rc, sc_err *err)
{
    if (!own)
        return rc;
    if (rc != 0) {
        st->ops->tx_rollback(st->be, tx);
        return rc;
    }
    return st->ops->tx_commit(st->be, tx, err);
}

/* ---- tokens and roles ------------------------------------------------------------------ */

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int ss__sha256(const void *p, size_t len, uint8_t out[32], sc_err *err)
{
    unsigned int n = 0;

    if (EVP_Digest(p, len, out, &n, sc_sha256_md(), NULL) != 1 ||
        n != 32) {
        ERR_clear_error();
        return sc_err_set(err, SC_ECRYPTO, "SHA-256 failed");
    }
    return 0;
}

int ss_token_new(char out[SS_TOKEN_BUF], uint8_t hash[32], sc_err *err)
{
    unsigned char raw[33] = { 0 };   /* 32 random bytes + 1 zero: 11 groups of 3 */
    size_t i, o = 0;
    int rc = 0;

    if (out == NULL || hash == NULL)
        return sc_err_set(err, SC_EINVAL, "token: no output buffer");
    ERR_clear_error();
    if (RAND_priv_bytes(raw, 32) != 1) {
        ERR_clear_error();
        rc = sc_err_set(err, SC_ECRYPTO, "token: the random generator failed");
        goto out;
    }
    for (i = 0; i < 33; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        out[o++] = b64url[(v >> 18) & 63];
        out[o++] = b64url[(v >> 12) & 63];
        out[o++] = b64url[(v >> 6) & 63];
        out[o++] = b64url[v & 63];
    }
    out[SS_TOKEN_LEN] = '\0';        /* 44 characters made; the 44th encodes only padding */
    rc = ss_token_hash(out, hash, err);
out:
    OPENSSL_cleanse(raw, sizeof(raw));
    if (rc != 0)
        OPENSSL_cleanse(out, SS_TOKEN_BUF);
    return rc;
}

int ss_token_hash(const char *token, uint8_t hash[32], sc_err *err)
{
    size_t len, i;

    if (token == NULL || hash == NULL)
        return sc_err_set(err, SC_EINVAL, "token: missing");
    len = strnlen(token, SS_TOKEN_LEN + 1);
    if (len != SS_TOKEN_LEN)
        return sc_err_set(err, SC_EFORMAT, "bearer token: %s%zu characters, expected %d",
                          len > SS_TOKEN_LEN ? "more than " : "",
                          len > SS_TOKEN_LEN ? (size_t)SS_TOKEN_LEN : len, SS_TOKEN_LEN);
    for (i = 0; i < len; i++)
        if (strchr(b64url, token[i]) == NULL)
            return sc_err_set(err, SC_EFORMAT,
                              "bearer token: character %zu is not base64url", i + 1);
    /* 43 characters carry 258 bits: the last one's low 2 bits are padding and must be 0,
     * else two spellings would map to one token */
    if ((strchr(b64url, token[SS_TOKEN_LEN - 1]) - b64url) & 3)
        return sc_err_set(err, SC_EFORMAT, "bearer token: not an encoding of 32 bytes");
    return ss__sha256(token, len, hash, err);
}

int ss_cert_identity(const X509 *cert, char *subject, size_t n, uint8_t sha256[32],
                     sc_err *err)
{
    BIO *mem = NULL;
    unsigned char *der = NULL;
    char *p;
    long len;
    int dlen, rc = 0;

    ERR_clear_error();
    if (cert == NULL || subject == NULL || n == 0) {
        rc = sc_err_set(err, SC_EINVAL, "client certificate: no certificate or no room for "
                        "the subject");
        goto out;
    }
    if ((mem = BIO_new(BIO_s_mem())) == NULL ||
        X509_NAME_print_ex(mem, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0) {
        rc = sc_err_set(err, SC_ENOMEM, "client certificate: cannot print the subject");
        goto out;
    }
    len = BIO_get_mem_data(mem, &p);
    if (len < 0 || (size_t)len >= n) {
        rc = sc_err_set(err, SC_ELIMIT, "client certificate: subject longer than %zu bytes",
                        n - 1);
        goto out;
    }
    memcpy(subject, p, (size_t)len);
    subject[len] = '\0';
    if ((dlen = i2d_X509(cert, &der)) <= 0 || ss__sha256(der, (size_t)dlen, sha256, NULL) != 0) {
        rc = sc_err_set(err, SC_ECRYPTO, "client certificate: cannot compute its SHA-256");
        goto out;
    }
out:
    ERR_clear_error();        /* the next request on this thread must not inherit entries */
    OPENSSL_free(der);
    BIO_free(mem);
    return rc;
}

static const char *const role_names[] = { "admin", "seal-officer", "operator", "auditor",
                                          "verifier" };

uint32_t ss_role_from_name(const char *name)
{
    size_t i;

    for (i = 0; name != NULL && i < sizeof(role_names) / sizeof(role_names[0]); i++)
        if (strcmp(name, role_names[i]) == 0)
            return 1u << i;
    return 0;
}

const char *ss_role_name(uint32_t bit)
{
    size_t i;

    for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
        if (bit == 1u << i)
            return role_names[i];
    return NULL;
}

/* ---- units ----------------------------------------------------------------------------- */

static int check_uscc(const char *code, sc_err *err)
{
    static const char ok[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";   /* GB 32100: no I O Z S V */
    size_t len, i;

    if (code == NULL)
        return sc_err_set(err, SC_EINVAL, "unit code: missing");
    len = strnlen(code, SS_USCC_LEN + 1);
    if (len != SS_USCC_LEN)
        return sc_err_set(err, SC_EINVAL, "unit code: %s%zu characters, a unified social "
                          "credit code has %d", len > SS_USCC_LEN ? "more than " : "",
                          len > SS_USCC_LEN ? (size_t)SS_USCC_LEN : len, SS_USCC_LEN);
    for (i = 0; i < len; i++)
        if (strchr(ok, code[i]) == NULL)
            return sc_err_set(err, SC_EINVAL, "unit code: character %zu is not one of "
                              "0-9 A-H J-N P-R T-U W-Y", i + 1);
    return 0;
}

int ss_store_unit_add(ss_store *st, const char *code, const char *name, int64_t now,
                      int64_t *id, sc_err *err)
{
    int64_t dummy;
    int rc;

    if ((rc = check_store(st, err)) != 0 || (rc = check_uscc(code, err)) != 0 ||
        (rc = ss__check_text("unit name", name, SS_NAME_MAX, 0, err)) != 0)
        return rc;
    return st->ops->unit_add(st->be, st->tx, code, name, now, id != NULL ? id : &dummy, err);
}

int ss_store_unit_get(ss_store *st, int64_t id, ss_unit *out, sc_err *err)
{
    if (check_store(st, err) != 0 || check_id("unit", id, err) != 0 || out == NULL)
        return sc_err_set(err, SC_EINVAL, "unit: no output");
    return st->ops->unit_find(st->be, st->tx, id, NULL, out, err);
}

int ss_store_unit_by_code(ss_store *st, const char *code, ss_unit *out, sc_err *err)
{
    if (check_store(st, err) != 0 || check_uscc(code, err) != 0 || out == NULL)
        return sc_err_set(err, SC_EINVAL, "unit: no output");
    return st->ops->unit_find(st->be, st->tx, 0, code, out, err);
}

int ss_store_unit_list(ss_store *st, int64_t after_id, unsigned limit, ss_unit_cb cb,
                       void *ctx, sc_err *err)
{
    int rc = check_list_call(st, limit, cb == NULL, err);

    return rc != 0 ? rc : st->ops->unit_list(st->be, st->tx, after_id, limit, cb, ctx, err);
}

/* ---- API clients ----------------------------------------------------------------------- */

static int check_roles(uint32_t roles, sc_err *err)
{
    if (roles == 0 || (roles & ~(uint32_t)SS_ROLE_ALL) != 0)
        return sc_err_set(err, SC_EINVAL, "client roles 0x%x: give one or more of admin, "
                          "seal-officer, operator, auditor, verifier", roles);
    return 0;
}

int ss_store_client_add(ss_store *st, const ss_client *in, int64_t now, int64_t *id,
                        sc_err *err)
{
    int64_t dummy;
    int rc;

    if (check_store(st, err) != 0 || in == NULL)
        return sc_err_set(err, SC_EINVAL, "client: no input");
    if ((rc = ss__check_text("client name", in->name, SS_NAME_MAX, 0, err)) != 0 ||
        (rc = check_roles(in->roles, err)) != 0 ||
        (rc = ss__check_text("client certificate subject", in->cert_subject, SS_SUBJECT_MAX,
                             1, err)) != 0)
        return rc;
    if (in->cert_subject[0] == '\0' && !in->has_cert_sha256 && !in->has_token)
        return sc_err_set(err, SC_EINVAL, "client %s: no credential (give a certificate "
                          "subject, a certificate fingerprint or a token)", in->name);
    rc = st->ops->client_add(st->be, st->tx, in, now, id != NULL ? id : &dummy, err);
    if (rc == 0)
        ss__ccache_changed(st, st->tx == NULL);
    return rc;
}

int ss_store_client_get(ss_store *st, int64_t id, ss_client *out, sc_err *err)
{
    if (check_store(st, err) != 0 || check_id("client", id, err) != 0 || out == NULL)
        return sc_err_set(err, SC_EINVAL, "client: no output");
    return st->ops->client_find(st->be, st->tx, SS__BY_ID, id, NULL, out, err);
}

static int refuse_disabled(const ss_client *c, sc_err *err)
{
    if (!c->disabled)
        return 0;
    return sc_err_set(err, SS_EDISABLED, "client %lld (%s) is disabled", (long long)c->id,
                      c->name);
}

int ss_store_client_by_token_hash(ss_store *st, const uint8_t hash[32], ss_client *out,
                                  sc_err *err)
{
    uint64_t gen;
    int64_t read_ns;
    int rc;

    if (check_store(st, err) != 0 || hash == NULL || out == NULL)
        return sc_err_set(err, SC_EINVAL, "client by token: no hash or output");
    /* Equality on the SHA-256 of a 256-bit secret: an index lookup leaks nothing usable, so
     * no constant-time comparison is needed here. */
    if (st->tx == NULL && ss__ccache_get(st->ccache, SS__BY_TOKEN, hash, out, sizeof(*out)))
        return 0;
    gen = ss__ccache_gen(st->ccache, &read_ns);
    rc = st->ops->client_find(st->be, st->tx, SS__BY_TOKEN, 0, hash, out, err);
    if (rc == SC_ENOTFOUND) {
        sc_err_clear(err);
        return sc_err_set(err, SC_ENOTFOUND, "no API client has this bearer token");
    }
    if (rc == 0 && st->tx == NULL && !out->disabled)
        ss__ccache_put(st->ccache, SS__BY_TOKEN, hash, gen, read_ns, out, sizeof(*out));
    return rc != 0 ? rc : refuse_disabled(out, err);
}

int ss_store_client_by_cert(ss_store *st, const char *subject, const uint8_t *sha256,
                            ss_client *out, sc_err *err)
{
    uint64_t gen;
    int64_t read_ns;
    int rc = SC_ENOTFOUND, cached;

    if (check_store(st, err) != 0 || out == NULL || (subject == NULL && sha256 == NULL))
        return sc_err_set(err, SC_EINVAL, "client by certificate: no subject or fingerprint");
    if (subject != NULL &&
        (rc = ss__check_text("certificate subject", subject, SS_SUBJECT_MAX, 0, err)) != 0)
        return rc;
    /* kept by fingerprint; a hit answers only what the store would: the client pinned to
     * it, or the client registered by the subject asked (one decides the other only for
     * certificates that really exist) */
    cached = st->tx == NULL && sha256 != NULL;
    if (cached && ss__ccache_get(st->ccache, SS__BY_SHA256, sha256, out, sizeof(*out)) &&
        (out->has_cert_sha256 ? CRYPTO_memcmp(out->cert_sha256, sha256, 32) == 0
                              : subject != NULL && strcmp(out->cert_subject, subject) == 0))
        return 0;
    gen = ss__ccache_gen(st->ccache, &read_ns);
    if (sha256 != NULL) {
        rc = st->ops->client_find(st->be, st->tx, SS__BY_SHA256, 0, sha256, out, err);
        if (rc == 0 && cached && !out->disabled)
            ss__ccache_put(st->ccache, SS__BY_SHA256, sha256, gen, read_ns, out, sizeof(*out));
        if (rc != SC_ENOTFOUND)
            return rc != 0 ? rc : refuse_disabled(out, err);
        sc_err_clear(err);
    }
    if (subject != NULL) {
        rc = st->ops->client_find(st->be, st->tx, SS__BY_SUBJECT, 0, subject, out, err);
        if (rc == 0 && out->has_cert_sha256) {
            /* registered by subject and pinned to a certificate: not this one */
            int64_t cid = out->id;
            memset(out, 0, sizeof(*out));
            return sc_err_set(err, SC_ENOTFOUND, "certificate subject \"%s\" belongs to "
                              "client %lld, which is pinned to another certificate",
                              subject, (long long)cid);
        }
        if (rc == 0 && cached && !out->disabled)
            ss__ccache_put(st->ccache, SS__BY_SHA256, sha256, gen, read_ns, out, sizeof(*out));
        if (rc != SC_ENOTFOUND)
            return rc != 0 ? rc : refuse_disabled(out, err);
        sc_err_clear(err);
    }
    return sc_err_set(err, SC_ENOTFOUND, "no API client has this certificate%s%s%s",
                      subject != NULL ? " (subject \"" : "", subject != NULL ? subject : "",
                      subject != NULL ? "\")" : "");
}

int ss_store_client_list(ss_store *st, int64_t after_id, unsigned limit, ss_client_cb cb,
                         void *ctx, sc_err *err)
{
    int rc = check_list_call(st, limit, cb == NULL, err);

    return rc != 0 ? rc : st->ops->client_list(st->be, st->tx, after_id, limit, cb, ctx, err);
}

int ss_store_client_set_disabled(ss_store *st, int64_t id, int disabled, sc_err *err)
{
    if (check_store(st, err) != 0 || check_id("client", id, err) != 0)
        return SC_EINVAL;
    int rc = st->ops->client_set_disabled(st->be, st->tx, id, disabled != 0, err);

    if (rc == 0)
        ss__ccache_changed(st, st->tx == NULL);
    return rc;
}

int ss_store_client_disable(ss_store *st, int64_t id, sc_err *err)
{
    return ss_store_client_set_disabled(st, id, 1, err);
}

int ss_store_client_set_token(ss_store *st, int64_t id, const uint8_t *hash, sc_err *err)
{
    ss_client c;
    void *tx = NULL;
    int own = 0, rc;

    if (check_store(st, err) != 0 || check_id("client", id, err) != 0)
        return SC_EINVAL;
    if ((rc = ss__tx_enter(st, &tx, &own, err)) != 0)
        return rc;
    rc = st->ops->client_find(st->be, tx, SS__BY_ID, id, NULL, &c, err);
    if (rc == 0 && hash == NULL && c.cert_subject[0] == '\0' && !c.has_cert_sha256)
        rc = sc_err_set(err, SC_EINVAL, "client %lld: removing the token would leave it no "
                        "credential", (long long)id);
    if (rc == 0)
        rc = st->ops->client_set_token(st->be, tx, id, hash, err);
    if ((rc = ss__tx_end(st, tx, own, rc, err)) == 0)
        ss__ccache_changed(st, own);
    return rc;
}
