/* svc_sign.c: signing data (one document or a batch) for an operator with a grant.
 *
 * The read side of the signing path, in the order that keeps the expensive work for requests
 * that will be committed: the idempotency record (a retry is answered from the store), the
 * grant (read, not counted), the seal's material from the key cache (a seal that is not good
 * never has its key decrypted), the validity, then the SM2 signature, outside any
 * transaction. The write side (grant use, audit, idempotency record; fail closed) is
 * svc_commit.c. Not here: OFD (svc_ofd.c). */
#include "service_int.h"
#include "sealcore/hash.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

/* ---- request identity ------------------------------------------------------------------ */

int svc__hash_begin(svc_hash *h, const char *kind, sc_err *err)
{
    h->failed = 0;
    if ((h->md = EVP_MD_CTX_new()) == NULL ||
        EVP_DigestInit_ex(h->md, sc_sha256_md(), NULL) != 1) {
        EVP_MD_CTX_free(h->md);
        h->md = NULL;
        return sc_err_set(err, SC_ECRYPTO, "request hash: SHA-256 unavailable");
    }
    svc__hash_str(h, kind);
    return 0;
}

void svc__hash_u64(svc_hash *h, uint64_t v)
{
    uint8_t b[8];

    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    if (EVP_DigestUpdate(h->md, b, 8) != 1)
        h->failed = 1;
}

void svc__hash_bytes(svc_hash *h, const void *p, size_t n)
{
    svc__hash_u64(h, n);   /* length first: no two field lists hash alike */
    if (n > 0 && EVP_DigestUpdate(h->md, p, n) != 1)
        h->failed = 1;
}

void svc__hash_str(svc_hash *h, const char *s)
{
    svc__hash_u64(h, s != NULL);
    if (s != NULL)
        svc__hash_bytes(h, s, strlen(s));
}

int svc__hash_end(svc_hash *h, uint8_t out[32], sc_err *err)
{
    unsigned int n = 0;
    int ok = !h->failed && EVP_DigestFinal_ex(h->md, out, &n) == 1 && n == 32;

    EVP_MD_CTX_free(h->md);
    h->md = NULL;
    return ok ? 0 : sc_err_set(err, SC_ECRYPTO, "request hash: SHA-256 failed");
}

/* ---- checks ---------------------------------------------------------------------------- */

int svc__check_sign(const ss_svc_actor *actor, const ss_svc_sign_opts *opts, sc_err *err)
{
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_OPERATOR, "to sign", err)) != 0)
        return rc;
    if (opts == NULL)
        return 0;
    if (opts->request_id != NULL &&
        (rc = svc__check_token("request id", opts->request_id, SS_SVC_REQUEST_ID_MAX,
                               err)) != 0)
        return rc;
    if (opts->idem_key != NULL &&
        (rc = svc__check_token("idempotency key", opts->idem_key, SS_IDEM_KEY_MAX, err)) != 0)
        return rc;
    return 0;
}

/* Printable ASCII (IA5 without controls) up to SS_SVC_PROPERTY_MAX; NULL allowed. */
static int check_property(const char *s, sc_err *err)
{
    size_t n;

    if (s == NULL)
        return 0;
    if ((n = strlen(s)) > SS_SVC_PROPERTY_MAX)
        return sc_err_set(err, SC_ELIMIT, "propertyInfo: %zu characters, at most %d", n,
                          SS_SVC_PROPERTY_MAX);
    for (size_t i = 0; i < n; i++)
        if (s[i] < ' ' || s[i] > '~')
            return sc_err_set(err, SC_EINVAL, "propertyInfo: character %zu is not printable "
                              "ASCII (SES propertyInfo is an IA5String)", i + 1);
    return 0;
}

/* The item is well formed; its document's SM3 into sm3. */
static int check_item(const ss_svc_sign_item *it, uint8_t sm3[32], sc_err *err)
{
    int rc;

    if (it == NULL)
        return sc_err_set(err, SC_EINVAL, "sign: no item");
    if ((rc = svc__check_token("esID", it->es_id, SS_ES_ID_MAX, err)) != 0 ||
        (rc = check_property(it->property_info, err)) != 0)
        return rc;
    if ((it->data != NULL) == (it->data_sm3 != NULL))
        return sc_err_set(err, SC_EINVAL, "sign: give either the document or its SM3 hash");
    if (it->data == NULL) {
        memcpy(sm3, it->data_sm3, 32);
        return 0;
    }
    return svc__sm3(it->data, it->data_len, sm3, err);   /* hashed once, here */
}

int svc__idem_lookup(ss_svc *svc, int64_t client, const char *key, const uint8_t hash[32],
                     uint8_t **resp, size_t *resp_len, sc_err *err)
{
    int rc = ss_store_idem_get(svc->st, client, key, hash, resp, resp_len, err);

    if (rc == SC_ENOTFOUND) {
        sc_err_clear(err);
        return 0;
    }
    return rc == 0 ? 1 : rc;
}

/* ---- preparing one signature ------------------------------------------------------------ */

static void refuse(svc_rec *r, int code)
{
    r->kind = SVC_REC_REFUSAL;
    r->pre_rc = code;
}

int svc__sign_prepare(ss_svc *svc, int64_t client, const char *action, const char *es_id,
                      const uint8_t sm3[32], int64_t now, svc_rec *r, svc_entry **entry,
                      sc_err *err)
{
    ss_svc_status_info st;
    ss_grant g;
    svc_entry *e = NULL;
    sc_err e2 = SC_ERR_INIT;
    int status = SS_SEAL_GOOD, rc;

    *entry = NULL;
    memset(r, 0, sizeof(*r));
    r->kind = SVC_REC_SIGN;
    r->action = action;
    snprintf(r->es_id, sizeof(r->es_id), "%s", es_id);
    memcpy(r->doc_sm3, sm3, 32);
    r->has_doc = 1;

    /* the grant first: a client without one never makes the server open a key */
    rc = ss_store_grant_get_cached(svc->st, client, es_id, &g, &e2);
    if (rc == SC_ENOTFOUND) {
        if ((rc = svc__status_at(svc->st, es_id, now, &st, err)) != 0)
            return rc;
        if (st.status == SS_SVC_UNKNOWN)
            return sc_err_set(err, SC_ENOTFOUND, "seal %s: no such seal", es_id);
        refuse(r, sc_err_set(&r->pre_err, SS_EFORBIDDEN, "client %lld has no grant for seal %s",
                             (long long)client, es_id));
        return 0;
    }
    if (rc != 0)
        return sc_err_set(err, rc, "%s", e2.msg);
    if (g.expires_at != 0 && now >= g.expires_at) {
        refuse(r, sc_err_set(&r->pre_err, SS_EEXPIRED, "grant %lld (client %lld, seal %s) "
                             "expired at %lld", (long long)g.id, (long long)client, es_id,
                             (long long)g.expires_at));
        return 0;
    }
    if (g.use_limit != 0 && g.uses >= g.use_limit) {
        refuse(r, sc_err_set(&r->pre_err, SC_ELIMIT, "grant %lld (client %lld, seal %s) is "
                             "used up: %lld of %lld uses", (long long)g.id, (long long)client,
                             es_id, (long long)g.uses, (long long)g.use_limit));
        return 0;
    }
    if ((rc = svc__cache_get(svc, es_id, &e, &status, err)) != 0)
        return rc;
    if (e == NULL) {   /* suspended or revoked: say since when and why */
        if ((rc = svc__status_at(svc->st, es_id, now, &st, err)) != 0)
            return rc;
        refuse(r, sc_err_set(&r->pre_err, SS_ESTATE, "seal %s is %s since %lld%s%s: it does "
                             "not sign", es_id, ss_svc_status_name(st.status),
                             (long long)st.since, st.text[0] ? ": " : "", st.text));
        return 0;
    }
    r->seal_id = e->seal_id;
    if (now < e->valid_start || now > e->valid_end) {
        refuse(r, sc_err_set(&r->pre_err, SS_ESTATE, "seal %s is %s: valid %lld..%lld, now "
                             "%lld", es_id, now < e->valid_start ? "not yet valid" : "expired",
                             (long long)e->valid_start, (long long)e->valid_end,
                             (long long)now));
        svc__cache_put(svc, e);
        return 0;
    }
    *entry = e;
    return 0;
}

/* SES_Signature over the document's SM3 with the seal's unit key, made at now, with the SM3
 * that its audit record holds (computed here, in parallel, rather than by the committer under
 * the write lock; from the seal's kept state, not a pass over the seal). */
static int sign_one(ss_svc *svc, svc_entry *e, const uint8_t sm3[32], const char *prop,
                    int64_t now, svc_rec *r, sc_err *err)
{
    sc_ses_sign_params p;
    int rc;

    memset(&p, 0, sizeof(p));
    p.data_hash = sm3;
    p.data_hash_len = 32;
    p.property_info = prop;
    p.sign_time = now;
    p.tsa = svc->tsa;
    p.tsa_ctx = svc->tsa_ctx;
    if ((rc = sc_ses_sign_der(&r->sig, &r->sig_len, r->sig_sm3, e->seal, e->key, e->cert,
                              e->cert_len, &p, err)) != 0)
        return sc_err_prefix(err, "seal %s", e->es_id);
    return 0;
}

/* Prepare and sign one item into r: 0 when r is a signature or a refusal, else the item's
 * own failure (r becomes SVC_REC_NONE with it). */
static int make_rec(ss_svc *svc, int64_t client, const ss_svc_sign_item *it,
                    const uint8_t sm3[32], int64_t now, svc_rec *r, sc_err *err)
{
    svc_entry *e = NULL;
    int rc = svc__sign_prepare(svc, client, "sign.data", it->es_id, sm3, now, r, &e, err);

    if (rc == 0 && e != NULL) {
        /* an operator may cap the CPU that signing takes (config sign_threads) */
        while (svc->sign_limited && sem_wait(&svc->sign_slots) != 0)
            ;   /* EINTR */
        rc = sign_one(svc, e, sm3, it->property_info, now, r, err);
        if (svc->sign_limited)
            sem_post(&svc->sign_slots);
        svc__cache_put(svc, e);
    }
    if (rc != 0) {
        r->kind = SVC_REC_NONE;
        r->pre_rc = rc;
        sc_err_set(&r->pre_err, rc, "%s", err != NULL ? err->msg : ss_svc_err_name(rc));
    }
    return rc;
}

static void rec_clear(svc_rec *r)
{
    free(r->sig);
    r->sig = NULL;
    json_decref(r->extra);
    r->extra = NULL;
}

void svc__job_init(svc_job *job, svc_rec *recs, size_t n, const ss_svc_actor *actor,
                   const ss_svc_sign_opts *opts, int resp_kind)
{
    job->recs = recs;
    job->n = n;
    job->client_id = actor->client_id;
    job->request_id = opts != NULL ? opts->request_id : NULL;
    job->idem_key = opts != NULL ? opts->idem_key : NULL;
    job->resp_kind = resp_kind;
}

int svc__commit_one(ss_svc *svc, svc_job *job, svc_rec *rec, const ss_svc_actor *actor,
                    const ss_svc_sign_opts *opts, int resp_kind, sc_err *err)
{
    svc__job_init(job, rec, 1, actor, opts, resp_kind);
    svc__commit(svc, job);
    if (job->replayed)
        return 0;
    if (job->rc != 0)   /* a refusal stays a refusal even when its audit record failed */
        return rec->kind == SVC_REC_REFUSAL && job->rc != SS_ECONFLICT
                   ? sc_err_set(err, rec->pre_rc, "%s (%s)", rec->pre_err.msg, job->err.msg)
                   : sc_err_set(err, job->rc, "%s", job->err.msg);
    if (rec->rc != 0)
        return sc_err_set(err, rec->rc, "%s", rec->err.msg);
    return 0;
}

/* ---- one document ---------------------------------------------------------------------- */

int ss_svc_sign_data(ss_svc *svc, const ss_svc_actor *actor, const ss_svc_sign_item *item,
                     const ss_svc_sign_opts *opts, uint8_t **sig, size_t *sig_len,
                     int *replayed, sc_err *err)
{
    const char *key = opts != NULL ? opts->idem_key : NULL;
    uint8_t sm3[32];
    svc_hash h;
    svc_rec rec = { 0 };
    svc_job job = { 0 };
    int rc;

    if (replayed != NULL)
        *replayed = 0;
    if (sig == NULL || sig_len == NULL)
        return sc_err_set(err, SC_EINVAL, "sign: no output");
    *sig = NULL;
    *sig_len = 0;
    if ((rc = svc__check_sign(actor, opts, err)) != 0 || (rc = check_item(item, sm3, err)) != 0)
        return rc;
    if (key != NULL) {
        if ((rc = svc__hash_begin(&h, "sign.data.v1", err)) != 0)
            return rc;
        svc__hash_str(&h, item->es_id);
        svc__hash_bytes(&h, sm3, 32);
        svc__hash_str(&h, item->property_info);
        if ((rc = svc__hash_end(&h, job.req_hash, err)) != 0)
            return rc;
        if ((rc = svc__idem_lookup(svc, actor->client_id, key, job.req_hash, sig, sig_len,
                                   err)) != 0) {
            if (rc == 1 && replayed != NULL)
                *replayed = 1;
            if (rc == 1)
                atomic_fetch_add(&svc->n_replays, 1);
            return rc == 1 ? 0 : rc;
        }
    }
    if ((rc = make_rec(svc, actor->client_id, item, sm3, svc__now(svc), &rec, err)) != 0)
        return rc;
    if ((rc = svc__commit_one(svc, &job, &rec, actor, opts, SVC_RESP_ONE, err)) == 0 &&
        job.replayed) {
        *sig = job.replay;
        *sig_len = job.replay_len;
        if (replayed != NULL)
            *replayed = 1;
    } else if (rc == 0) {
        *sig = rec.sig;
        *sig_len = rec.sig_len;
        rec.sig = NULL;
    }
    rec_clear(&rec);
    return rc;
}

/* ---- batches --------------------------------------------------------------------------- */

void ss_svc_sign_results_clear(ss_svc_sign_result *results, size_t n)
{
    for (size_t i = 0; results != NULL && i < n; i++) {
        free(results[i].sig);
        memset(&results[i], 0, sizeof(results[i]));
    }
}

static int batch_hash(const ss_svc_sign_item *items, size_t n, uint8_t (*sm3)[32],
                      const int *ok, uint8_t out[32], sc_err *err)
{
    svc_hash h;
    int rc;

    if ((rc = svc__hash_begin(&h, "sign.batch.v1", err)) != 0)
        return rc;
    svc__hash_u64(&h, n);
    for (size_t i = 0; i < n; i++) {
        svc__hash_str(&h, items[i].es_id);
        svc__hash_u64(&h, (uint64_t)ok[i]);
        if (ok[i])          /* a wrong item is the same wrong item on a retry */
            svc__hash_bytes(&h, sm3[i], 32);
        else if (items[i].data_sm3 != NULL)
            svc__hash_bytes(&h, items[i].data_sm3, 32);
        svc__hash_str(&h, items[i].property_info);
    }
    return svc__hash_end(&h, out, err);
}

int ss_svc_sign_batch(ss_svc *svc, const ss_svc_actor *actor, const ss_svc_sign_item *items,
                      size_t n, const ss_svc_sign_opts *opts, ss_svc_sign_result *results,
                      int *replayed, sc_err *err)
{
    const char *key = opts != NULL ? opts->idem_key : NULL;
    uint8_t (*sm3)[32] = NULL;
    int *ok = NULL;
    svc_rec *recs = NULL;
    uint8_t *resp = NULL;
    size_t resp_len = 0;
    svc_job job = { 0 };
    int64_t now;
    int rc;

    if (replayed != NULL)
        *replayed = 0;
    if (results != NULL && n <= SS_SVC_BATCH_MAX)
        memset(results, 0, n * sizeof(*results));
    if ((rc = svc__check_sign(actor, opts, err)) != 0)
        return rc;
    if (items == NULL || results == NULL || n == 0)
        return sc_err_set(err, SC_EINVAL, "sign batch: no items or no results");
    if (n > SS_SVC_BATCH_MAX)
        return sc_err_set(err, SC_ELIMIT, "sign batch: %zu items, at most %d", n,
                          SS_SVC_BATCH_MAX);
    if ((sm3 = calloc(n, sizeof(*sm3))) == NULL || (ok = calloc(n, sizeof(*ok))) == NULL ||
        (recs = calloc(n, sizeof(*recs))) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "sign batch: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        sc_err e = SC_ERR_INIT;
        if ((recs[i].pre_rc = check_item(&items[i], sm3[i], &e)) != 0) {
            recs[i].kind = SVC_REC_NONE;
            sc_err_set(&recs[i].pre_err, recs[i].pre_rc, "item %zu: %s", i, e.msg);
        }
        ok[i] = recs[i].pre_rc == 0;
    }
    if (key != NULL) {
        if ((rc = batch_hash(items, n, sm3, ok, job.req_hash, err)) != 0)
            goto out;
        if ((rc = svc__idem_lookup(svc, actor->client_id, key, job.req_hash, &resp, &resp_len,
                                   err)) < 0)
            goto out;
        if (rc == 1) {
            if ((rc = svc__batch_decode(resp, resp_len, results, n, err)) == 0) {
                atomic_fetch_add(&svc->n_replays, 1);
                if (replayed != NULL)
                    *replayed = 1;
            }
            goto out;
        }
    }
    now = svc__now(svc);
    for (size_t i = 0; i < n; i++) {
        sc_err e = SC_ERR_INIT;
        if (ok[i] && make_rec(svc, actor->client_id, &items[i], sm3[i], now, &recs[i],
                              &e) != 0)
            sc_err_prefix(&recs[i].pre_err, "item %zu", i);
        if (recs[i].kind != SVC_REC_NONE)
            recs[i].extra = json_pack("{s:I, s:I}", "item", (json_int_t)i, "items",
                                      (json_int_t)n);
    }
    svc__job_init(&job, recs, n, actor, opts, SVC_RESP_BATCH);
    svc__commit(svc, &job);
    if (job.replayed) {
        rc = svc__batch_decode(job.replay, job.replay_len, results, n, err);
        if (rc == 0 && replayed != NULL)
            *replayed = 1;
        goto out;
    }
    if (job.rc != 0) {
        rc = sc_err_set(err, job.rc, "%s", job.err.msg);
        for (size_t i = 0; i < n; i++) {
            results[i].code = job.rc;
            snprintf(results[i].msg, sizeof(results[i].msg), "%s", job.err.msg);
        }
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        results[i].code = recs[i].rc;
        if (recs[i].rc != 0)
            snprintf(results[i].msg, sizeof(results[i].msg), "%s", recs[i].err.msg);
        if (recs[i].rc == 0) {   /* a signature refused in the transaction is dropped */
            results[i].sig = recs[i].sig;
            results[i].sig_len = recs[i].sig_len;
            recs[i].sig = NULL;
        }
    }
out:
    for (size_t i = 0; recs != NULL && i < n; i++)
        rec_clear(&recs[i]);
    free(job.replay);
    free(resp);
    free(recs);
    free(ok);
    free(sm3);
    return rc;
}
