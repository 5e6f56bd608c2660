/* svc_client.c: API clients (service.h "API clients", role admin): add (name, roles, a client
 * certificate registered by subject and fingerprint, a bearer token made here), get, list,
 * disable and enable (never oneself, never the last enabled admin), token rotation. Each
 * change is one transaction with its audit record (client.add, client.disable,
 * client.enable, client.token.rotate).
 * A token leaves only through the caller's buffer, once; neither it nor its hash is ever put
 * in an audit record, a message or a record handed out (ss_client.token_hash is zeroed).
 * Not here: authentication (http/auth.c), the client rows (store/). */
#include "service_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* "admin,operator" for the audit record (SS_ROLE_* order). */
static json_t *roles_json(uint32_t roles)
{
    json_t *a = json_array();

    for (uint32_t bit = 1; a != NULL && (bit & SS_ROLE_ALL) != 0; bit <<= 1)
        if ((roles & bit) && json_array_append_new(a, json_string(ss_role_name(bit))) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* 1 when p holds "-----BEGIN" anywhere (PEM may follow explanatory text). */
static int looks_pem(const uint8_t *p, size_t len)
{
    return memmem(p, len, "-----BEGIN", 10) != NULL;
}

/* PEM (the first CERTIFICATE block) or DER into an X509; SC_EFORMAT when it is neither. */
static int read_cert(const uint8_t *p, size_t len, X509 **out, sc_err *err)
{
    const unsigned char *q = p;
    X509 *x = NULL;

    *out = NULL;
    if (len == 0)
        return sc_err_set(err, SC_EFORMAT, "client certificate: empty");
    if (len > SS_SVC_CLIENT_CERT_MAX)
        return sc_err_set(err, SC_ELIMIT, "client certificate: %zu bytes, at most %u", len,
                          (unsigned)SS_SVC_CLIENT_CERT_MAX);
    ERR_clear_error();
    if (looks_pem(p, len)) {
        BIO *b = BIO_new_mem_buf(p, (int)len);   /* len <= SS_SVC_CLIENT_CERT_MAX: fits */
        x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
    } else if ((x = d2i_X509(NULL, &q, (long)len)) != NULL && q != p + len) {
        X509_free(x);   /* trailing bytes: not one DER certificate */
        x = NULL;
    }
    ERR_clear_error();
    if (x == NULL)
        return sc_err_set(err, SC_EFORMAT, "client certificate: not a PEM or DER X.509 "
                          "certificate");
    *out = x;
    return 0;
}

/* The certificate's identity into c (subject, fingerprint) and hex of the fingerprint. */
static int cert_into(const uint8_t *p, size_t len, ss_client *c, char hex[65], sc_err *err)
{
    X509 *x = NULL;
    int rc;

    if ((rc = read_cert(p, len, &x, err)) != 0)
        return rc;
    rc = ss_cert_identity(x, c->cert_subject, sizeof(c->cert_subject), c->cert_sha256, err);
    X509_free(x);
    if (rc != 0)
        return rc;
    c->has_cert_sha256 = 1;
    svc__hex(c->cert_sha256, 32, hex);
    return 0;
}

int ss_svc_client_add(ss_svc *svc, const ss_svc_actor *actor, const ss_svc_client_req *req,
                      int64_t *id, char token[SS_TOKEN_BUF], sc_err *err)
{
    ss_store *tx = NULL;
    ss_client c;
    char hex[65] = "";
    int64_t now = svc__now(svc), cid = 0;
    json_t *d = NULL;
    int rc;

    memset(&c, 0, sizeof(c));
    if (id != NULL)
        *id = 0;
    if (token != NULL)
        token[0] = '\0';
    if ((rc = svc__need_role(actor, SS_ROLE_ADMIN, "to add API clients", err)) != 0)
        return rc;
    if (req == NULL || req->name == NULL || req->name[0] == '\0')
        return sc_err_set(err, SC_EINVAL, "client name: missing");
    if (strlen(req->name) > SS_NAME_MAX)
        return sc_err_set(err, SC_ELIMIT, "client name: %zu bytes, at most %d",
                          strlen(req->name), SS_NAME_MAX);
    if (req->token && token == NULL)
        return sc_err_set(err, SC_EINVAL, "client %s: a token was asked for but there is no "
                          "buffer for it", req->name);
    if (req->cert == NULL && !req->token)
        return sc_err_set(err, SC_EINVAL, "client %s: no credential (give a client "
                          "certificate, ask for a bearer token, or both)", req->name);
    memcpy(c.name, req->name, strlen(req->name) + 1);
    c.roles = req->roles;
    if (req->cert != NULL && (rc = cert_into(req->cert, req->cert_len, &c, hex, err)) != 0)
        return rc;
    if (req->token) {
        if ((rc = ss_token_new(token, c.token_hash, err)) != 0)
            goto out;
        c.has_token = 1;
    }
    if ((d = json_pack("{s:s,s:o,s:s}", "name", c.name, "roles", roles_json(c.roles),
                       "credentials", req->cert != NULL && req->token ? "token, certificate"
                       : req->token ? "token" : "certificate")) != NULL && req->cert != NULL)
        json_object_set_new(d, "cert", json_pack("{s:s,s:s}", "subject", c.cert_subject,
                                                 "sha256", hex));
    if ((rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        goto out;
    rc = ss_store_client_add(tx, &c, now, &cid, err);
    rc = svc__act_end(tx, rc, now, actor->client_id, "client.add", d, err, "client:%lld",
                      (long long)cid);
    d = NULL;   /* taken */
    if (rc == 0 && id != NULL)
        *id = cid;
out:
    json_decref(d);
    OPENSSL_cleanse(c.token_hash, sizeof(c.token_hash));
    if (rc != 0 && token != NULL)
        OPENSSL_cleanse(token, SS_TOKEN_BUF);
    return rc;
}

int ss_svc_client_get(ss_svc *svc, const ss_svc_actor *actor, int64_t id, ss_client *out,
                      sc_err *err)
{
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_ADMIN, "to read API clients", err)) != 0)
        return rc;
    rc = ss_store_client_get(svc->st, id, out, err);
    if (out != NULL)
        OPENSSL_cleanse(out->token_hash, sizeof(out->token_hash));
    return rc;
}

/* Hands each client on without its token hash. */
struct list_ctx {
    ss_client_cb cb;
    void *ctx;
};

static int on_client(void *ctx, const ss_client *c)
{
    struct list_ctx *l = ctx;
    ss_client copy = *c;

    OPENSSL_cleanse(copy.token_hash, sizeof(copy.token_hash));
    return l->cb(l->ctx, &copy);
}

int ss_svc_client_list(ss_svc *svc, const ss_svc_actor *actor, int64_t after_id,
                       unsigned limit, ss_client_cb cb, void *ctx, sc_err *err)
{
    struct list_ctx l = { cb, ctx };
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_ADMIN, "to list API clients", err)) != 0)
        return rc;
    if (cb == NULL)
        return sc_err_set(err, SC_EINVAL, "client list: no callback");
    return ss_store_client_list(svc->st, after_id, limit, on_client, &l, err);
}

/* Counts the enabled admins other than skip. */
struct admins {
    int64_t skip, last;
    unsigned count, seen;
};

static int count_admin(void *ctx, const ss_client *c)
{
    struct admins *a = ctx;

    a->last = c->id;
    a->seen++;
    if (c->id != a->skip && !c->disabled && (c->roles & SS_ROLE_ADMIN))
        a->count++;
    return 0;
}

/* In tx: 0 when another enabled admin than id exists, else SS_ESTATE. */
static int other_admin(ss_store *tx, int64_t id, sc_err *err)
{
    struct admins a = { id, 0, 0, 0 };
    int rc;

    do {   /* clients are few; page through them until one other admin is found */
        a.seen = 0;
        if ((rc = ss_store_client_list(tx, a.last, SS_LIST_MAX, count_admin, &a, err)) != 0)
            return rc;
    } while (a.count == 0 && a.seen == SS_LIST_MAX);
    if (a.count == 0)
        return sc_err_set(err, SS_ESTATE, "client %lld is the last enabled admin: enable or "
                          "add another admin first", (long long)id);
    return 0;
}

int ss_svc_client_set_disabled(ss_svc *svc, const ss_svc_actor *actor, int64_t id,
                               int disabled, sc_err *err)
{
    ss_store *tx = NULL;
    ss_client c;
    int64_t now = svc__now(svc);
    int rc;

    memset(&c, 0, sizeof(c));
    if ((rc = svc__need_role(actor, SS_ROLE_ADMIN, disabled ? "to disable API clients"
                             : "to enable API clients", err)) != 0)
        return rc;
    if (id <= 0)
        return sc_err_set(err, SC_EINVAL, "client %lld: not a client id", (long long)id);
    if (disabled && id == actor->client_id)
        return sc_err_set(err, SS_EFORBIDDEN, "client %lld: an admin cannot disable itself "
                          "(another admin can)", (long long)id);
    if ((rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        return rc;
    if ((rc = ss_store_client_get(tx, id, &c, err)) == 0 && (c.disabled != 0) == (disabled != 0))
        rc = sc_err_set(err, SS_ESTATE, "client %lld (%s) is %s already", (long long)id,
                        c.name, disabled ? "disabled" : "enabled");
    if (rc == 0 && disabled && (c.roles & SS_ROLE_ADMIN))
        rc = other_admin(tx, id, err);
    if (rc == 0)
        rc = ss_store_client_set_disabled(tx, id, disabled, err);
    rc = svc__act_end(tx, rc, now, actor->client_id, disabled ? "client.disable"
                      : "client.enable", json_pack("{s:s}", "name", c.name), err,
                      "client:%lld", (long long)id);
    OPENSSL_cleanse(c.token_hash, sizeof(c.token_hash));
    return rc;
}

int ss_svc_client_rotate_token(ss_svc *svc, const ss_svc_actor *actor, int64_t id,
                               char token[SS_TOKEN_BUF], sc_err *err)
{
    ss_store *tx = NULL;
    ss_client c;
    uint8_t hash[32];
    int64_t now = svc__now(svc);
    int rc;

    memset(&c, 0, sizeof(c));
    if (token == NULL)
        return sc_err_set(err, SC_EINVAL, "token rotation: no buffer for the new token");
    token[0] = '\0';
    if ((rc = svc__need_role(actor, SS_ROLE_ADMIN, "to rotate API client tokens", err)) != 0)
        return rc;
    if (id <= 0)
        return sc_err_set(err, SC_EINVAL, "client %lld: not a client id", (long long)id);
    if ((rc = ss_token_new(token, hash, err)) != 0)
        return rc;
    if ((rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        goto out;
    /* the old hash is replaced in the same row: the old token finds no client from the
     * commit on (authentication reads the store on every request, nothing is cached) */
    if ((rc = ss_store_client_get(tx, id, &c, err)) == 0)
        rc = ss_store_client_set_token(tx, id, hash, err);
    rc = svc__act_end(tx, rc, now, actor->client_id, "client.token.rotate",
                      json_pack("{s:s,s:b}", "name", c.name, "had_token", c.has_token), err,
                      "client:%lld", (long long)id);
out:
    OPENSSL_cleanse(hash, sizeof(hash));
    OPENSSL_cleanse(c.token_hash, sizeof(c.token_hash));
    if (rc != 0)
        OPENSSL_cleanse(token, SS_TOKEN_BUF);
    return rc;
}
