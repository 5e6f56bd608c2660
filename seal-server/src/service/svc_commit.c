/* svc_commit.c: the signing path's write side: group commit of signatures and refusals.
 *
 * Every signature is committed before it is handed out, in one transaction with its grant use
 * (rechecked under the write lock, with the seal's status), its audit record and the
 * request's idempotency record. A commit costs an fsync (synchronous=FULL, ~0.5 ms here),
 * more than an SM2 signature, so committing each request alone would cap the server far
 * below the SM2 rate. Instead concurrent requests queue their jobs, and the committer thread
 * takes the whole queue and commits it in one transaction while the next jobs queue up
 * (group commit). A record
 * refused inside the transaction (grant used up by a concurrent request, seal suspended
 * meanwhile) has written nothing before its refusal is decided, so the others go on.
 * If the group transaction fails (an audit append or the commit itself), each job is retried
 * in a transaction of its own, so one bad job fails alone; a job whose own transaction fails
 * fails with nothing committed (fail closed).
 * Not here: preparing the records (svc_sign.c). */
#include "service_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GROUP_MAX_RECS 512    /* records in one group transaction */

/* ---- batch responses (idempotency records) ---------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* "SSB1" n { code msg_len msg sig_len sig }: 32-bit big-endian numbers. */
int svc__batch_encode(const svc_rec *recs, size_t n, uint8_t **out, size_t *len, sc_err *err)
{
    size_t total = 8, off;
    uint8_t *p;

    *out = NULL;
    *len = 0;
    for (size_t i = 0; i < n; i++)
        total += 12 + (recs[i].rc != 0 ? strlen(recs[i].err.msg) : 0) +
                 (recs[i].rc == 0 ? recs[i].sig_len : 0);
    if ((p = malloc(total)) == NULL)
        return sc_err_set(err, SC_ENOMEM, "batch response: out of memory");
    memcpy(p, "SSB1", 4);
    put32(p + 4, (uint32_t)n);
    off = 8;
    for (size_t i = 0; i < n; i++) {
        const svc_rec *r = &recs[i];
        size_t ml = r->rc != 0 ? strlen(r->err.msg) : 0, sl = r->rc == 0 ? r->sig_len : 0;
        put32(p + off, (uint32_t)r->rc);
        put32(p + off + 4, (uint32_t)ml);
        memcpy(p + off + 8, r->err.msg, ml);
        off += 8 + ml;
        put32(p + off, (uint32_t)sl);
        if (sl > 0)
            memcpy(p + off + 4, r->sig, sl);
        off += 4 + sl;
    }
    *out = p;
    *len = total;
    return 0;
}

int svc__batch_decode(const uint8_t *p, size_t len, ss_svc_sign_result *res, size_t n,
                      sc_err *err)
{
    size_t off = 8;

    if (len < 8 || memcmp(p, "SSB1", 4) != 0 || get32(p + 4) != n)
        return sc_err_set(err, SC_EIO, "stored batch response: damaged or not for %zu items",
                          n);
    for (size_t i = 0; i < n; i++) {
        size_t ml, sl;
        if (len - off < 8 || (ml = get32(p + off + 4)) > len - off - 8 ||
            ml >= sizeof(res[i].msg))
            goto damaged;
        res[i].code = (int)(int32_t)get32(p + off);
        memcpy(res[i].msg, p + off + 8, ml);
        res[i].msg[ml] = '\0';
        off += 8 + ml;
        if (len - off < 4 || (sl = get32(p + off)) > len - off - 4)
            goto damaged;
        if (sl > 0 && (res[i].sig = malloc(sl)) == NULL)
            return sc_err_set(err, SC_ENOMEM, "stored batch response: out of memory");
        if (sl > 0)
            memcpy(res[i].sig, p + off + 4, sl);
        res[i].sig_len = sl;
        off += 4 + sl;
    }
    if (off == len)
        return 0;
damaged:
    return sc_err_set(err, SC_EIO, "stored batch response: damaged");
}

/* ---- one job inside a transaction ------------------------------------------------------- */

static int found_id(void *ctx, const ss_seal *s)
{
    *(int64_t *)ctx = s->id;
    return 0;
}

/* The seal still good, read under the write lock: the first good seal with id >= seal_id is
 * this one (a list query reads no blobs, unlike ss_store_seal_get). */
static int seal_good(ss_store *tx, int64_t seal_id, int *good, sc_err *err)
{
    int64_t id = 0;
    int rc = ss_store_seal_list(tx, 0, SS_SEAL_GOOD, seal_id - 1, 1, found_id, &id, err);

    *good = rc == 0 && id == seal_id;
    return rc;
}

static int audit_rec(ss_store *tx, int64_t now, const svc_job *job, const svc_rec *r,
                     sc_err *err)
{
    json_t *d = json_object();
    char hex[65], object[SS_ES_ID_MAX + 8];
    int ok = d != NULL;

    if (r->has_doc) {
        svc__hex(r->doc_sm3, 32, hex);
        ok = ok && json_object_set_new(d, "doc_sm3", json_string(hex)) == 0;
    }
    ok = ok && json_object_set_new(d, "result", json_string(r->rc == 0 ? "ok" : "refused"))
                   == 0;
    if (r->rc == 0 && r->sig != NULL) {
        svc__hex(r->sig_sm3, 32, hex);
        ok = ok && json_object_set_new(d, "sig_sm3", json_string(hex)) == 0;
    } else if (r->rc != 0) {
        ok = ok && json_object_set_new(d, "code", json_string(ss_svc_err_name(r->rc))) == 0 &&
             json_object_set_new(d, "message", svc__json_text(r->err.msg)) == 0;
    }
    if (job->request_id != NULL)
        ok = ok && json_object_set_new(d, "request_id", json_string(job->request_id)) == 0;
    if (job->idem_key != NULL)
        ok = ok && json_object_set_new(d, "idem_key", json_string(job->idem_key)) == 0;
    if (r->extra != NULL)
        ok = ok && json_object_update(d, r->extra) == 0;
    if (!ok) {
        json_decref(d);
        d = NULL;   /* svc__audit fails on NULL: no half record */
    }
    snprintf(object, sizeof(object), "seal:%s", r->es_id);
    return svc__audit(tx, now, job->client_id, r->action, object, d, err);
}

/* Seals already found good in this transaction: a group signs mostly with a few seals. */
#define MEMO_MAX 16
typedef struct memo {
    int64_t good[MEMO_MAX];
    size_t n;
} memo;

/* The signature's checks under the write lock. 0 with r->rc set to a refusal when refused;
 * a negative return only when the transaction itself failed. */
static int recheck(ss_svc *svc, ss_store *tx, int64_t now, const svc_job *job, svc_rec *r,
                   memo *m, sc_err *err)
{
    ss_svc_status_info st;
    sc_err e = SC_ERR_INIT;
    int good = 0, rc;

    for (size_t i = 0; i < m->n && !good; i++)
        good = m->good[i] == r->seal_id;
    if (!good && (rc = seal_good(tx, r->seal_id, &good, err)) != 0)
        return rc;
    if (good && m->n < MEMO_MAX)
        m->good[m->n++] = r->seal_id;   /* a duplicate now and then costs nothing */
    if (!good) {
        /* changed behind this node's back (another node, a tool): the key leaves memory now,
         * so the next request is refused before it signs, and a revoked key is wiped */
        svc__cache_drop(svc, r->es_id);
        if ((rc = svc__status_at(tx, r->es_id, now, &st, err)) != 0)
            return rc;
        r->rc = sc_err_set(&r->err, SS_ESTATE, "seal %s is %s since %lld: it no longer signs",
                           r->es_id, ss_svc_status_name(st.status), (long long)st.since);
        return 0;
    }
    rc = ss_store_grant_use(tx, job->client_id, r->es_id, now, NULL, &e);
    if (rc == SC_ENOTFOUND)
        r->rc = sc_err_set(&r->err, SS_EFORBIDDEN, "client %lld has no grant for seal %s",
                           (long long)job->client_id, r->es_id);
    else if (rc == SS_EEXPIRED || rc == SC_ELIMIT)
        r->rc = sc_err_set(&r->err, rc, "%s", e.msg);
    else if (rc != 0)
        return sc_err_set(err, rc, "%s", e.msg);
    return 0;
}

static int process_job(ss_svc *svc, ss_store *tx, int64_t now, svc_job *job, memo *m,
                       sc_err *err)
{
    uint8_t *resp = NULL;
    size_t resp_len = 0;
    const uint8_t *out = NULL;
    size_t out_len = 0;
    sc_err e = SC_ERR_INIT;
    int rc, store;

    job->rc = 0;
    sc_err_clear(&job->err);
    for (size_t i = 0; i < job->n; i++) {   /* from the prepared state: this may be a retry */
        svc_rec *r = &job->recs[i];
        r->rc = r->kind == SVC_REC_SIGN ? 0 : r->pre_rc;
        r->err = r->kind == SVC_REC_SIGN ? (sc_err)SC_ERR_INIT : r->pre_err;
    }
    if (job->idem_key != NULL) {
        rc = ss_store_idem_get(tx, job->client_id, job->idem_key, job->req_hash, &resp,
                               &resp_len, &e);
        if (rc == 0) {          /* committed meanwhile by a concurrent retry: answer with it */
            job->replayed = 1;
            job->replay = resp;
            job->replay_len = resp_len;
            return 0;
        }
        if (rc == SS_ECONFLICT) {
            job->rc = sc_err_set(&job->err, rc, "%s", e.msg);
            return 0;
        }
        if (rc != SC_ENOTFOUND)
            return sc_err_set(err, rc, "%s", e.msg);
    }
    for (size_t i = 0; i < job->n; i++) {
        svc_rec *r = &job->recs[i];
        if (r->kind == SVC_REC_NONE)
            continue;
        if ((r->rc == 0 && (rc = recheck(svc, tx, now, job, r, m, err)) != 0) ||
            (rc = audit_rec(tx, now, job, r, err)) != 0)
            return rc;
    }
    if (job->idem_key == NULL)
        return 0;
    /* a refused single request is not remembered: its retry is judged again */
    store = job->resp_kind == SVC_RESP_BATCH || job->recs[0].rc == 0;
    if (!store)
        return 0;
    if (job->resp_kind == SVC_RESP_ONE) {
        out = job->recs[0].sig;
        out_len = job->recs[0].sig_len;
    } else if (job->resp_kind == SVC_RESP_BYTES) {
        out = job->resp;
        out_len = job->resp_len;
    } else if ((rc = svc__batch_encode(job->recs, job->n, &resp, &resp_len, err)) != 0) {
        return rc;
    } else {
        out = resp;
        out_len = resp_len;
    }
    rc = ss_store_idem_put(tx, job->client_id, job->idem_key, job->req_hash, out, out_len, now,
                           err);
    free(resp);
    return rc;
}

/* ---- transactions ----------------------------------------------------------------------- */

static void job_failed(svc_job *job, int rc, const sc_err *e)
{
    job->rc = rc;
    sc_err_clear(&job->err);
    sc_err_set(&job->err, rc, "not committed, the signature was discarded: %s", e->msg);
}

static void reset_replay(svc_job *job)
{
    free(job->replay);
    job->replay = NULL;
    job->replay_len = 0;
    job->replayed = 0;
}

/* One transaction for jobs first..(until end); 0 or the failure (everything rolled back). */
static int run_tx(ss_svc *svc, svc_job *first, svc_job *end, sc_err *err)
{
    ss_store *tx = NULL;
    int64_t now = svc__now(svc);
    memo m = { { 0 }, 0 };
    int rc;

    for (svc_job *j = first; j != end; j = j->next)
        reset_replay(j);
    if ((rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        return rc;
    for (svc_job *j = first; j != end && rc == 0; j = j->next)
        rc = process_job(svc, tx, now, j, &m, err);
    if ((rc = svc__tx_end(tx, rc, err)) != 0) {
        for (svc_job *j = first; j != end; j = j->next)
            reset_replay(j);
        return rc;
    }
    atomic_fetch_add(&svc->n_commits, 1);
    return 0;
}

static void count(ss_svc *svc, const svc_job *job)
{
    if (job->replayed) {
        atomic_fetch_add(&svc->n_replays, 1);
        return;
    }
    for (size_t i = 0; job->rc == 0 && i < job->n; i++)
        if (job->recs[i].kind != SVC_REC_NONE) {
            atomic_fetch_add(job->recs[i].rc == 0 ? &svc->n_sigs : &svc->n_refusals, 1);
            svc__stats_add(&svc->seal_stats, job->recs[i].es_id, job->recs[i].rc == 0);
        }
}

static uint64_t mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void run_group(ss_svc *svc, svc_job *group)
{
    sc_err e = SC_ERR_INIT;
    uint64_t t0 = mono_us(), jobs = 0;
    int rc = run_tx(svc, group, NULL, &e);

    if (rc != 0 && group->next == NULL) {
        job_failed(group, rc, &e);
    } else if (rc != 0) {
        /* one job may have failed the others: each alone now, so only the bad one fails */
        for (svc_job *j = group; j != NULL; j = j->next) {
            sc_err_clear(&e);
            if ((rc = run_tx(svc, j, j->next, &e)) != 0)
                job_failed(j, rc, &e);
        }
    }
    for (svc_job *j = group; j != NULL; j = j->next, jobs++)
        count(svc, j);
    atomic_fetch_add(&svc->n_commit_jobs, jobs);
    atomic_fetch_add(&svc->commit_us, mono_us() - t0);
}

/* The committer thread: takes the queue's head (up to GROUP_MAX_RECS records), commits it,
 * wakes exactly the threads whose jobs are done, and goes on until ss_svc_free stops it.
 * A thread of its own rather than whichever worker comes first: it mostly sleeps (on the
 * queue, on fsync), so the scheduler runs it as soon as it wakes, while a worker that just
 * spent its slice on SM2 would wait behind the signers and hold every result longer. */
void *svc__committer(void *arg)
{
    ss_svc *svc = arg;
    svc_job *group, *last;
    size_t recs;

    pthread_mutex_lock(&svc->q_mu);
    for (;;) {
        while (svc->q_head == NULL && !svc->q_stop)
            pthread_cond_wait(&svc->q_cv, &svc->q_mu);
        if (svc->q_head == NULL)
            break;   /* stopping, and nothing left to commit */
        group = last = svc->q_head;
        recs = group->n;
        while (last->next != NULL && recs + last->next->n <= GROUP_MAX_RECS) {
            last = last->next;
            recs += last->n;
        }
        svc->q_head = last->next;
        if (svc->q_head == NULL)
            svc->q_tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&svc->q_mu);
        run_group(svc, group);
        pthread_mutex_lock(&svc->q_mu);
        for (svc_job *j = group, *next; j != NULL; j = next) {
            next = j->next;
            j->done = 1;
            pthread_cond_signal(&j->cv);   /* one condition per job: no herd of wake-ups */
        }
    }
    pthread_mutex_unlock(&svc->q_mu);
    return NULL;
}

void svc__commit(ss_svc *svc, svc_job *job)
{
    pthread_cond_init(&job->cv, NULL);
    job->done = 0;
    job->next = NULL;
    pthread_mutex_lock(&svc->q_mu);
    if (svc->q_tail != NULL)
        svc->q_tail->next = job;
    else
        svc->q_head = job;
    svc->q_tail = job;
    pthread_cond_signal(&svc->q_cv);
    while (!job->done)
        pthread_cond_wait(&job->cv, &svc->q_mu);
    pthread_mutex_unlock(&svc->q_mu);
    pthread_cond_destroy(&job->cv);
}
