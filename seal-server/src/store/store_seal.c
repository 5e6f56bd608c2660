/* store_seal.c: the store's front end for seal applications, seal keys, seals and their status,
 * grants and idempotency records (store.h): argument checks and the rules (who may review,
 * which status change is allowed, grant expiry and limits), each rule checked and applied in
 * one transaction. Not here: units and clients (store.c), SQL (sqlite_seal.c). */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static int need(int ok, const char *fmt, long long v, sc_err *err)
{
    return ok ? 0 : sc_err_set(err, SC_EINVAL, fmt, v);
}

static int check_es_id(const char *es_id, sc_err *err)
{
    return ss__check_token_chars("seal esID", es_id, SS_ES_ID_MAX, err);
}

static int check_der(const char *what, const uint8_t *p, size_t len, size_t max, sc_err *err)
{
    int rc;

    if ((rc = ss__check_blob(what, p, len, max, err)) != 0)
        return rc;
    if (p[0] != 0x30)   /* a SEQUENCE: catches PEM or a wrong file early */
        return sc_err_set(err, SC_EFORMAT, "%s: not DER (starts with 0x%02x, not a SEQUENCE)",
                          what, p[0]);
    return 0;
}

static int check_validity(const char *what, int64_t from, int64_t to, sc_err *err)
{
    if (from >= to)
        return sc_err_set(err, SC_EINVAL, "%s: validity ends (%lld) before or when it starts "
                          "(%lld)", what, (long long)to, (long long)from);
    return 0;
}

/* An application or seal list: a store, a callback, a limit, one unit (0: all) and one
 * state or status (0: all, else 1..hi). */
static int check_filter(const char *list, const ss_store *st, int no_cb, unsigned limit,
                        int64_t unit_id, const char *kind, int v, int hi, sc_err *err)
{
    int rc;

    if (st == NULL || no_cb)
        return sc_err_set(err, SC_EINVAL, "%s: no store or no callback", list);
    if ((rc = ss__check_list(limit, err)) != 0)
        return rc;
    if (v < 0 || v > hi)
        return sc_err_set(err, SC_EINVAL, "%s: %s %d unknown", list, kind, v);
    if (unit_id < 0)
        return sc_err_set(err, SC_EINVAL, "%s: unit id %lld", list, (long long)unit_id);
    return 0;
}

/* ---- applications ---------------------------------------------------------------------- */

void ss_app_clear(ss_app *a)
{
    if (a == NULL)
        return;
    free(a->image);
    memset(a, 0, sizeof(*a));
}

static int check_image_format(const char *f, sc_err *err)
{
    size_t i, len;
    int rc;

    if ((rc = ss__check_token_chars("image format", f, SS_IMAGE_FORMAT_MAX, err)) != 0)
        return rc;
    for (i = 0, len = strlen(f); i < len; i++)
        if (!((f[i] >= 'a' && f[i] <= 'z') || (f[i] >= '0' && f[i] <= '9')))
            return sc_err_set(err, SC_EINVAL, "image format \"%s\": lower-case letters and "
                              "digits only (\"png\", \"jpg\", \"ofd\", …)", f);
    return 0;
}

int ss_store_app_add(ss_store *st, const ss_app *in, int64_t now, int64_t *id, sc_err *err)
{
    ss_unit u;
    ss_client *c = NULL;
    int64_t dummy;
    int rc;

    if (st == NULL || in == NULL)
        return sc_err_set(err, SC_EINVAL, "seal application: no store or no input");
    if ((rc = need(in->unit_id > 0, "seal application: unit id %lld must be positive",
                   (long long)in->unit_id, err)) != 0 ||
        (rc = need(in->applicant_id > 0, "seal application: applicant id %lld must be "
                   "positive", (long long)in->applicant_id, err)) != 0 ||
        (rc = need(in->seal_type >= 1 && in->seal_type <= 255, "seal application: seal type "
                   "%lld, allowed 1..255", in->seal_type, err)) != 0 ||
        (rc = ss__check_text("seal name", in->name, SS_NAME_MAX, 0, err)) != 0 ||
        (rc = ss__check_blob("seal image", in->image, in->image_len, SS_IMAGE_MAX,
                             err)) != 0 ||
        (rc = check_image_format(in->image_format, err)) != 0 ||
        (rc = need(in->width_mm >= 1 && in->width_mm <= 1000, "seal width %lld mm: allowed "
                   "1..1000", in->width_mm, err)) != 0 ||
        (rc = need(in->height_mm >= 1 && in->height_mm <= 1000, "seal height %lld mm: "
                   "allowed 1..1000", in->height_mm, err)) != 0 ||
        (rc = check_validity("seal application", in->valid_from, in->valid_to, err)) != 0)
        return rc;
    /* looked up first for a message naming the missing one (a foreign key cannot) */
    if ((rc = st->ops->unit_find(st->be, st->tx, in->unit_id, NULL, &u, err)) != 0)
        return sc_err_prefix(err, "seal application");
    if ((c = malloc(sizeof(*c))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "seal application: out of memory");
    rc = st->ops->client_find(st->be, st->tx, SS__BY_ID, in->applicant_id, NULL, c, err);
    free(c);
    if (rc != 0)
        return sc_err_prefix(err, "seal application: applicant");
    return st->ops->app_add(st->be, st->tx, in, now, id != NULL ? id : &dummy, err);
}

int ss_store_app_get(ss_store *st, int64_t id, ss_app *out, sc_err *err)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (st == NULL || out == NULL || id <= 0)
        return sc_err_set(err, SC_EINVAL, "seal application %lld: no store, no output or a "
                          "bad id", (long long)id);
    return st->ops->app_get(st->be, st->tx, id, 1, out, err);
}

int ss_store_app_list(ss_store *st, int64_t unit_id, int state, int64_t after_id,
                      unsigned limit, ss_app_cb cb, void *ctx, sc_err *err)
{
    int rc = check_filter("application list", st, cb == NULL, limit, unit_id, "state", state,
                          SS_APP_REJECTED, err);

    return rc != 0 ? rc : st->ops->app_list(st->be, st->tx, unit_id, state, after_id, limit,
                                            cb, ctx, err);
}

int ss_store_app_review(ss_store *st, int64_t id, int64_t reviewer_id, int approve,
                        const char *reason, int64_t now, sc_err *err)
{
    static const char *const words[] = { "", "pending", "approved", "rejected" };
    ss_app a;
    ss_client *c = NULL;
    void *tx = NULL;
    int own = 0, rc;

    memset(&a, 0, sizeof(a));
    if (st == NULL || id <= 0 || reviewer_id <= 0)
        return sc_err_set(err, SC_EINVAL, "seal application review: no store, or a bad "
                          "application or reviewer id");
    if ((rc = ss__check_text("review reason", reason != NULL ? reason : "", SS_REASON_MAX, 1,
                             err)) != 0)
        return rc;
    if (!approve && (reason == NULL || reason[0] == '\0'))
        return sc_err_set(err, SC_EINVAL, "seal application %lld: a rejection needs a reason",
                          (long long)id);
    if ((c = malloc(sizeof(*c))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "seal application review: out of memory");
    if ((rc = ss__tx_enter(st, &tx, &own, err)) != 0)
        goto out;
    if ((rc = st->ops->app_get(st->be, tx, id, 0, &a, err)) != 0)
        goto end;
    if (a.state != SS_APP_PENDING) {
        rc = sc_err_set(err, SS_ESTATE, "seal application %lld: already %s by client %lld",
                        (long long)id, words[a.state], (long long)a.reviewer_id);
        goto end;
    }
    /* four eyes: whoever applied may not approve, even holding the seal-officer role */
    if (a.applicant_id == reviewer_id) {
        rc = sc_err_set(err, SC_EINVAL, "seal application %lld: client %lld applied for it, "
                        "so another seal officer must review it", (long long)id,
                        (long long)reviewer_id);
        goto end;
    }
    if ((rc = st->ops->client_find(st->be, tx, SS__BY_ID, reviewer_id, NULL, c, err)) != 0) {
        sc_err_prefix(err, "seal application review: reviewer");
        goto end;
    }
    rc = st->ops->app_set_review(st->be, tx, id, approve ? SS_APP_APPROVED : SS_APP_REJECTED,
                                 reviewer_id, reason, now, err);
end:
    rc = ss__tx_end(st, tx, own, rc, err);
out:
    free(c);
    return rc;
}

/* ---- keys ------------------------------------------------------------------------------ */

void ss_seal_key_clear(ss_seal_key *k)
{
    if (k == NULL)
        return;
    /* encrypted, but wiped all the same: no key material lingers in freed memory */
    OPENSSL_clear_free(k->pkcs8_pem, k->pkcs8_pem_len);
    free(k->cert);
    memset(k, 0, sizeof(*k));
}

int ss_store_key_add(ss_store *st, const uint8_t *pem, size_t pem_len, const uint8_t *cert,
                     size_t cert_len, int64_t now, int64_t *id, sc_err *err)
{
    static const char begin[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
    int64_t dummy;
    int rc;

    if (st == NULL)
        return sc_err_set(err, SC_EINVAL, "seal key: no store");
    if ((rc = ss__check_blob("seal key", pem, pem_len, SS_KEY_PEM_MAX, err)) != 0 ||
        (rc = check_der("seal key certificate", cert, cert_len, SS_CERT_MAX, err)) != 0)
        return rc;
    /* keys are encrypted at rest: refuse anything but encrypted PKCS#8 */
    if (pem_len < sizeof(begin) - 1 || memcmp(pem, begin, sizeof(begin) - 1) != 0)
        return sc_err_set(err, SC_EFORMAT, "seal key: not an encrypted PKCS#8 PEM (\"%s\"): "
                          "export it with sc_key_soft_export", begin);
    return st->ops->key_add(st->be, st->tx, pem, pem_len, cert, cert_len, now,
                            id != NULL ? id : &dummy, err);
}

int ss_store_key_get(ss_store *st, int64_t id, ss_seal_key *out, sc_err *err)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (st == NULL || out == NULL || id <= 0)
        return sc_err_set(err, SC_EINVAL, "seal key %lld: no store, no output or a bad id",
                          (long long)id);
    return st->ops->key_get(st->be, st->tx, id, out, err);
}

/* ---- seals ----------------------------------------------------------------------------- */

void ss_seal_clear(ss_seal *s)
{
    if (s == NULL)
        return;
    free(s->der);
    free(s->signer_cert);
    memset(s, 0, sizeof(*s));
}

int ss_store_seal_add(ss_store *st, const ss_seal *in, int64_t actor, int64_t now,
                      int64_t *id, sc_err *err)
{
    ss_app a;
    ss_unit u;
    void *tx = NULL;
    int64_t dummy;
    int own = 0, rc;

    memset(&a, 0, sizeof(a));
    if (st == NULL || in == NULL)
        return sc_err_set(err, SC_EINVAL, "seal: no store or no input");
    if ((rc = check_es_id(in->es_id, err)) != 0 ||
        (rc = need(in->unit_id > 0, "seal: unit id %lld must be positive",
                   (long long)in->unit_id, err)) != 0 ||
        (rc = need(in->application_id >= 0, "seal: application id %lld",
                   (long long)in->application_id, err)) != 0 ||
        (rc = need(in->key_id >= 0, "seal: key id %lld", (long long)in->key_id, err)) != 0 ||
        (rc = need(actor >= 0, "seal: actor %lld must be a client id or 0", (long long)actor,
                   err)) != 0 ||
        (rc = ss__check_text("seal name", in->name, SS_NAME_MAX, 0, err)) != 0 ||
        (rc = need(in->seal_type >= 1 && in->seal_type <= 255, "seal type %lld: allowed "
                   "1..255", in->seal_type, err)) != 0 ||
        (rc = check_der("seal DER", in->der, in->der_len, SS_SEAL_DER_MAX, err)) != 0 ||
        (rc = check_der("seal signer certificate", in->signer_cert, in->signer_cert_len,
                        SS_CERT_MAX, err)) != 0 ||
        (rc = check_validity("seal", in->valid_start, in->valid_end, err)) != 0)
        return rc;
    if ((rc = ss__tx_enter(st, &tx, &own, err)) != 0)
        return rc;
    if ((rc = st->ops->unit_find(st->be, tx, in->unit_id, NULL, &u, err)) != 0) {
        sc_err_prefix(err, "seal %s", in->es_id);
        goto end;
    }
    if (in->application_id != 0) {
        if ((rc = st->ops->app_get(st->be, tx, in->application_id, 0, &a, err)) != 0) {
            sc_err_prefix(err, "seal %s", in->es_id);
            goto end;
        }
        if (a.state != SS_APP_APPROVED)
            rc = sc_err_set(err, SS_ESTATE, "seal %s: application %lld is %s, not approved",
                            in->es_id, (long long)a.id,
                            a.state == SS_APP_PENDING ? "pending" : "rejected");
        else if (a.es_id[0] != '\0')
            rc = sc_err_set(err, SS_ESTATE, "seal %s: application %lld already made seal %s",
                            in->es_id, (long long)a.id, a.es_id);
        else if (a.unit_id != in->unit_id)
            rc = sc_err_set(err, SC_EINVAL, "seal %s: application %lld is for unit %lld, not "
                            "%lld", in->es_id, (long long)a.id, (long long)a.unit_id,
                            (long long)in->unit_id);
        if (rc != 0)
            goto end;
    }
    rc = st->ops->seal_add(st->be, tx, in, actor, now, id != NULL ? id : &dummy, err);
end:
    return ss__tx_end(st, tx, own, rc, err);
}

int ss_store_seal_get(ss_store *st, const char *es_id, ss_seal *out, sc_err *err)
{
    int rc;

    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (st == NULL || out == NULL)
        return sc_err_set(err, SC_EINVAL, "seal: no store or no output");
    if ((rc = check_es_id(es_id, err)) != 0)
        return rc;
    return st->ops->seal_get(st->be, st->tx, es_id, 1, out, err);
}

int ss_store_seal_list(ss_store *st, int64_t unit_id, int status, int64_t after_id,
                       unsigned limit, ss_seal_cb cb, void *ctx, sc_err *err)
{
    int rc = check_filter("seal list", st, cb == NULL, limit, unit_id, "status", status,
                          SS_SEAL_REVOKED, err);

    return rc != 0 ? rc : st->ops->seal_list(st->be, st->tx, unit_id, status, after_id, limit,
                                             cb, ctx, err);
}

int ss_store_seal_set_status(ss_store *st, const char *es_id, int status, const char *reason,
                             int64_t actor, int64_t now, sc_err *err)
{
    ss_seal cur;
    void *tx = NULL;
    int own = 0, rc;

    memset(&cur, 0, sizeof(cur));
    if (st == NULL)
        return sc_err_set(err, SC_EINVAL, "seal status: no store");
    if ((rc = check_es_id(es_id, err)) != 0 ||
        (rc = need(status >= SS_SEAL_GOOD && status <= SS_SEAL_REVOKED, "seal status %lld: "
                   "give good, suspended or revoked", status, err)) != 0 ||
        (rc = need(actor >= 0, "seal status: actor %lld must be a client id or 0",
                   (long long)actor, err)) != 0 ||
        (rc = ss__check_text("status reason", reason != NULL ? reason : "", SS_REASON_MAX, 1,
                             err)) != 0)
        return rc;
    if (status == SS_SEAL_REVOKED && (reason == NULL || reason[0] == '\0'))
        return sc_err_set(err, SC_EINVAL, "seal %s: revocation needs a reason", es_id);
    if ((rc = ss__tx_enter(st, &tx, &own, err)) != 0)
        return rc;
    if ((rc = st->ops->seal_get(st->be, tx, es_id, 0, &cur, err)) != 0)
        goto end;
    if (cur.status == SS_SEAL_REVOKED)
        rc = sc_err_set(err, SS_ESTATE, "seal %s is revoked: revocation is final", es_id);
    else if (cur.status == status)
        rc = sc_err_set(err, SS_ESTATE, "seal %s is already %s", es_id,
                        ss_seal_status_name(status));
    else
        rc = st->ops->seal_set_status(st->be, tx, es_id, status, reason, actor, now, err);
end:
    return ss__tx_end(st, tx, own, rc, err);
}

int ss_store_seal_history(ss_store *st, const char *es_id, ss_status_cb cb, void *ctx,
                          sc_err *err)
{
    ss_seal cur;
    int rc;

    if (st == NULL || cb == NULL)
        return sc_err_set(err, SC_EINVAL, "seal history: no store or no callback");
    if ((rc = check_es_id(es_id, err)) != 0)
        return rc;
    /* an unknown seal is SC_ENOTFOUND, not an empty history */
    if ((rc = st->ops->seal_get(st->be, st->tx, es_id, 0, &cur, err)) != 0)
        return rc;
    return st->ops->seal_history(st->be, st->tx, es_id, cb, ctx, err);
}

/* ---- grants ---------------------------------------------------------------------------- */

int ss_store_grant_add(ss_store *st, int64_t client_id, const char *es_id, int64_t expires_at,
                       int64_t use_limit, int64_t now, int64_t *id, sc_err *err)
{
    ss_client *c = NULL;
    ss_seal s;
    int64_t dummy;
    int rc;

    if (st == NULL)
        return sc_err_set(err, SC_EINVAL, "grant: no store");
    if ((rc = check_es_id(es_id, err)) != 0 ||
        (rc = need(client_id > 0, "grant: client id %lld must be positive",
                   (long long)client_id, err)) != 0 ||
        (rc = need(use_limit >= 0, "grant: use limit %lld (0: unlimited, else positive)",
                   (long long)use_limit, err)) != 0 ||
        (rc = need(expires_at == 0 || expires_at > now, "grant: expiry %lld is not in the "
                   "future (0: never)", (long long)expires_at, err)) != 0)
        return rc;
    if ((c = malloc(sizeof(*c))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "grant: out of memory");
    rc = st->ops->client_find(st->be, st->tx, SS__BY_ID, client_id, NULL, c, err);
    free(c);
    if (rc != 0 || (rc = st->ops->seal_get(st->be, st->tx, es_id, 0, &s, err)) != 0)
        return sc_err_prefix(err, "grant");
    rc = st->ops->grant_add(st->be, st->tx, client_id, es_id, expires_at, use_limit, now,
                            id != NULL ? id : &dummy, err);
    if (rc == 0)
        ss__ccache_changed(st, st->tx == NULL);
    return rc;
}

int ss_store_grant_get(ss_store *st, int64_t client_id, const char *es_id, ss_grant *out,
                       sc_err *err)
{
    int rc;

    if (st == NULL || out == NULL || client_id <= 0)
        return sc_err_set(err, SC_EINVAL, "grant: no store, no output or a bad client id");
    if ((rc = check_es_id(es_id, err)) != 0)
        return rc;
    return st->ops->grant_get(st->be, st->tx, client_id, es_id, out, err);
}

int ss_store_grant_get_cached(ss_store *st, int64_t client_id, const char *es_id,
                              ss_grant *out, sc_err *err)
{
    uint8_t key[32];
    uint64_t gen;
    int64_t read_ns;
    int rc, cached;

    if (st == NULL || out == NULL || client_id <= 0)
        return sc_err_set(err, SC_EINVAL, "grant: no store, no output or a bad client id");
    if ((rc = check_es_id(es_id, err)) != 0)
        return rc;
    cached = st->tx == NULL;
    ss__ccache_grant_key(client_id, es_id, key);
    if (cached && ss__ccache_get(st->ccache, SS__CC_GRANT, key, out, sizeof(*out)) &&
        out->client_id == client_id && strcmp(out->es_id, es_id) == 0)
        return 0;
    gen = ss__ccache_gen(st->ccache, &read_ns);
    rc = st->ops->grant_get(st->be, st->tx, client_id, es_id, out, err);
    if (rc == 0 && cached && out->use_limit == 0)
        ss__ccache_put(st->ccache, SS__CC_GRANT, key, gen, read_ns, out, sizeof(*out));
    return rc;
}

int ss_store_grant_list(ss_store *st, int64_t client_id, const char *es_id, int64_t after_id,
                        unsigned limit, ss_grant_cb cb, void *ctx, sc_err *err)
{
    int rc;

    if (st == NULL || cb == NULL || client_id < 0)
        return sc_err_set(err, SC_EINVAL, "grant list: no store, no callback or a bad client");
    if ((rc = ss__check_list(limit, err)) != 0 ||
        (es_id != NULL && (rc = check_es_id(es_id, err)) != 0))
        return rc;
    return st->ops->grant_list(st->be, st->tx, client_id, es_id, after_id, limit, cb, ctx,
                               err);
}

int ss_store_grant_delete(ss_store *st, int64_t grant_id, sc_err *err)
{
    if (st == NULL || grant_id <= 0)
        return sc_err_set(err, SC_EINVAL, "grant %lld: no store or a bad id",
                          (long long)grant_id);
    int rc = st->ops->grant_delete(st->be, st->tx, grant_id, err);

    if (rc == 0)
        ss__ccache_changed(st, st->tx == NULL);
    return rc;
}

int ss_store_grant_use(ss_store *tx, int64_t client_id, const char *es_id, int64_t now,
                       ss_grant *out, sc_err *err)
{
    ss_grant g;
    int rc;

    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (tx == NULL || tx->root == NULL)
        return sc_err_set(err, SC_EINVAL, "grant use: must run inside the operation's "
                          "transaction (ss_store_tx_begin)");
    if ((rc = check_es_id(es_id, err)) != 0)
        return rc;
    if (client_id <= 0)
        return sc_err_set(err, SC_EINVAL, "grant use: client id %lld must be positive",
                          (long long)client_id);
    /* read, check and count under the transaction's write lock: two signers cannot both take
     * the last use */
    if ((rc = tx->ops->grant_get(tx->be, tx->tx, client_id, es_id, &g, err)) != 0)
        return rc;
    if (g.expires_at != 0 && now >= g.expires_at)
        return sc_err_set(err, SS_EEXPIRED, "grant %lld (client %lld, seal %s) expired at "
                          "%lld", (long long)g.id, (long long)client_id, es_id,
                          (long long)g.expires_at);
    if (g.use_limit != 0 && g.uses >= g.use_limit)
        return sc_err_set(err, SC_ELIMIT, "grant %lld (client %lld, seal %s) is used up: %lld "
                          "of %lld uses", (long long)g.id, (long long)client_id, es_id,
                          (long long)g.uses, (long long)g.use_limit);
    if ((rc = tx->ops->grant_count(tx->be, tx->tx, g.id, err)) != 0)
        return rc;
    g.uses++;
    if (out != NULL)
        *out = g;
    return 0;
}

/* ---- idempotency ----------------------------------------------------------------------- */

static int check_idem(ss_store *st, int64_t client_id, const char *key, const uint8_t *hash,
                      sc_err *err)
{
    if (st == NULL || hash == NULL || client_id <= 0)
        return sc_err_set(err, SC_EINVAL, "idempotency: no store, no request hash or a bad "
                          "client id");
    return ss__check_token_chars("idempotency key", key, SS_IDEM_KEY_MAX, err);
}

int ss_store_idem_get(ss_store *st, int64_t client_id, const char *key,
                      const uint8_t request_sha256[32], uint8_t **resp, size_t *resp_len,
                      sc_err *err)
{
    uint8_t stored[32];
    int rc;

    if (resp != NULL)
        *resp = NULL;
    if (resp_len != NULL)
        *resp_len = 0;
    if (resp == NULL || resp_len == NULL)
        return sc_err_set(err, SC_EINVAL, "idempotency: no output");
    if ((rc = check_idem(st, client_id, key, request_sha256, err)) != 0)
        return rc;
    if ((rc = st->ops->idem_get(st->be, st->tx, client_id, key, stored, resp, resp_len,
                                err)) != 0)
        return rc;
    if (memcmp(stored, request_sha256, 32) != 0) {
        free(*resp);
        *resp = NULL;
        *resp_len = 0;
        return sc_err_set(err, SS_ECONFLICT, "idempotency key \"%s\": already used for a "
                          "different request", key);
    }
    return 0;
}

int ss_store_idem_put(ss_store *st, int64_t client_id, const char *key,
                      const uint8_t request_sha256[32], const uint8_t *resp, size_t resp_len,
                      int64_t now, sc_err *err)
{
    uint8_t stored[32];
    uint8_t *old = NULL;
    size_t old_len = 0;
    sc_err e2 = SC_ERR_INIT;
    int rc;

    if ((rc = check_idem(st, client_id, key, request_sha256, err)) != 0)
        return rc;
    if (resp == NULL && resp_len != 0)
        return sc_err_set(err, SC_EINVAL, "idempotency: %zu response bytes at NULL", resp_len);
    if (resp_len > SS_IDEM_RESPONSE_MAX)
        return sc_err_set(err, SC_ELIMIT, "idempotency response: %zu bytes, at most %u",
                          resp_len, SS_IDEM_RESPONSE_MAX);
    rc = st->ops->idem_put(st->be, st->tx, client_id, key, request_sha256, resp, resp_len, now,
                           &e2);
    if (rc != SS_ECONFLICT) {
        if (rc != 0)
            sc_err_set(err, rc, "%s", e2.msg);
        return rc;
    }
    /* say which conflict: a concurrent retry of the same request, or a reused key */
    if (st->ops->idem_get(st->be, st->tx, client_id, key, stored, &old, &old_len, NULL) == 0 &&
        memcmp(stored, request_sha256, 32) == 0)
        rc = sc_err_set(err, SS_ECONFLICT, "idempotency key \"%s\": a response is already "
                        "stored for this request (fetch it with ss_store_idem_get)", key);
    else
        rc = sc_err_set(err, SS_ECONFLICT, "idempotency key \"%s\": already used for a "
                        "different request", key);
    free(old);
    return rc;
}

int ss_store_idem_purge(ss_store *st, int64_t before, int64_t max, int64_t *removed,
                        sc_err *err)
{
    if (removed != NULL)
        *removed = 0;
    if (st == NULL)
        return sc_err_set(err, SC_EINVAL, "idempotency purge: no store");
    if (max < 1 || max > SS_IDEM_PURGE_MAX)
        return sc_err_set(err, SC_EINVAL, "idempotency purge: max %lld is not in 1..%d",
                          (long long)max, SS_IDEM_PURGE_MAX);
    return st->ops->idem_purge(st->be, st->tx, before, max, removed, err);
}
