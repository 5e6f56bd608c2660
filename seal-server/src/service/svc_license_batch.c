/* svc_license_batch.c: issuing licences from many rows at once (ss_svc_lic_batch): rows
 * identified by (client, batch id, row number), so running a batch again — after a crash, a
 * timeout, a partial failure — issues only the rows not issued yet. Per call: the material
 * loaded once, rows already issued and rows the template refuses sorted out first, serials
 * for the rest taken in one statement, then licences drawn and sealed with no transaction
 * open (on one thread per CPU, up to MAKERS) and committed GROUP at a time, each with its
 * audit record (fail closed per group), the makers going on with the next groups while one
 * commits.
 * Not here: one licence, re-issue (svc_license.c). */
#include "service_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Licences per transaction: one fsync per group instead of per licence, while a failure
 * (or a crash) loses at most this many licences' work, which a re-run then redoes. */
#define GROUP 64

static void set_result(ss_svc_lic_result *r, int code, const sc_err *e)
{
    r->code = code;
    snprintf(r->msg, sizeof(r->msg), "%s", code != 0 && e != NULL ? e->msg : "");
}

/* r for l, the licence an earlier run of the batch issued for the row: already, or a
 * conflict when l is of another type or seal than this run's (reporting it as issued would
 * say it carries this run's seal). */
static void set_before(ss_svc_lic_result *r, const ss_license *l, const ss_svc_lic_req *req)
{
    if (!svc__lic_asks_same(l, req)) {
        r->code = SS_ECONFLICT;
        snprintf(r->msg, sizeof(r->msg), "an earlier run of the batch issued this row as "
                 "licence %s of type %s with seal %s, not type %s with seal %s: use a new "
                 "batch id for another type or seal", l->zzbs, l->type_code, l->es_id,
                 req->type_code, req->es_id != NULL ? req->es_id : "(any)");
        return;
    }
    memcpy(r->zzbs, l->zzbs, sizeof(l->zzbs));
    r->already = 1;
    set_result(r, 0, NULL);
}

/* A row whose licence conflicted at commit: a concurrent run of the batch committed the row
 * first (answered as set_before says), or the clash was on the identifier or serial, which
 * fails the row: nothing was recorded for it. */
static void issued_before(ss_svc *svc, int64_t client, const ss_svc_lic_req *req, int64_t row,
                          ss_svc_lic_result *r)
{
    ss_license l;
    sc_err e = SC_ERR_INIT;
    int rc = ss_store_lic_by_batch(svc->st, client, req->batch_id, row, &l, &e);

    if (rc == SC_ENOTFOUND)
        snprintf(r->msg, sizeof(r->msg), "not issued: its identifier or serial is taken "
                 "(a concurrent issue); run the batch again");
    if (rc != 0) {
        r->code = rc == SC_ENOTFOUND ? SS_ECONFLICT : rc;
        if (rc != SC_ENOTFOUND)
            snprintf(r->msg, sizeof(r->msg), "%s", e.msg);
        return;
    }
    set_before(r, &l, req);
    ss_license_clear(&l);
}

/* Commit the made licences lics[0..n) (rows idx[]; a slot with no identifier failed and is
 * skipped) in one transaction. A row a concurrent
 * run of the batch committed first conflicts: it is reported as issued before. Any other
 * failure, the audit's included, rolls the group back and fails each of its rows. */
static int commit_group(ss_svc *svc, const svc_lic_ctx *c, const ss_svc_lic_req *req,
                        ss_license *lics, const size_t *idx, size_t n, int64_t first_row,
                        int64_t now, uint64_t flush_base, ss_svc_lic_result *results,
                        sc_err *why)
{
    ss_store *tx = NULL;
    sc_err e = SC_ERR_INIT;
    uint8_t conflict[GROUP] = { 0 };
    int rc;

    /* the group's files on disk first: a committed row never names a file still in cache */
    if ((rc = ss_store_lic_files_sync(svc->st, flush_base, &e)) == 0 &&
        (rc = ss_store_tx_begin(svc->st, &tx, &e)) == 0 &&
        (rc = svc__lic_recheck(tx, c, now, &e)) == 0) {
        for (size_t k = 0; k < n && rc == 0; k++) {
            sc_err e1 = SC_ERR_INIT;
            int r1 = lics[k].zzbs[0] == '\0' ? 0 :   /* not made: its result says why */
                     svc__lic_record(tx, &lics[k], req->request_id, now, &e1);
            if (r1 == SS_ECONFLICT)
                conflict[k] = 1;
            else if (r1 != 0)
                rc = sc_err_set(&e, r1, "%s", e1.msg);
        }
    }
    if (tx != NULL)
        rc = svc__tx_end(tx, rc, &e);
    for (size_t k = 0; k < n; k++) {
        ss_svc_lic_result *r = &results[idx[k]];
        if (lics[k].zzbs[0] == '\0')
            continue;
        if (rc != 0)
            set_result(r, rc, &e);
        else if (conflict[k])
            issued_before(svc, c->client, req, first_row + (int64_t)idx[k], r);
        else {
            memcpy(r->zzbs, lics[k].zzbs, sizeof(lics[k].zzbs));
            set_result(r, 0, NULL);
        }
    }
    if (rc != 0)
        *why = e;
    return rc;
}

/* Drawing and sealing on several threads while the caller commits: makers take the rows to
 * issue in order, slot k of todo[] going to lics[k % RING]; the caller commits group g (slots
 * g * GROUP ...) once all its slots are made, clears them, and so lets the makers into the
 * next RING / GROUP - 1 groups' slots. No barrier between groups: a maker never waits for a
 * commit unless it is that far ahead, so the CPUs stay busy through the commits' flushes and
 * SQLite work (with a barrier a group, the CPUs idled ~8% of a batch's time). Once a group
 * fails to commit the makers stop: what a failed group hit (a seal revoked, the audit
 * refused, a full disk) would fail the rest too, and nothing is sealed that cannot be kept. */
#define RING (3 * GROUP)
#define MAKERS 8

typedef struct lic_pipe {
    ss_svc *svc;
    const svc_lic_ctx *c;
    const ss_svc_lic_req *req;
    const ss_svc_lic_row *rows;
    const size_t *todo;           /* the rows to issue */
    size_t m;
    int64_t serial;               /* slot k gets serial + k */
    int64_t first_row, now;
    ss_license *lics;             /* RING slots; zzbs "" when the licence failed */
    ss_svc_lic_result *results;
    pthread_mutex_t mu;
    pthread_cond_t room, made;    /* makers wait for room, the committer for a group */
    size_t next;                  /* the next slot to take */
    size_t committed;             /* groups committed and cleared */
    size_t done[RING / GROUP];    /* slots made in the group each part of the ring holds */
    int stop;                     /* a group failed with this code: no more slots taken */
    uint64_t flush_base;          /* failed file flushes before the call's first file */
    sc_err why;                   /* its failure */
} lic_pipe;

static size_t group_size(const lic_pipe *p, size_t g)
{
    return p->m - g * GROUP < GROUP ? p->m - g * GROUP : GROUP;
}

static void make_slot(lic_pipe *p, size_t k)
{
    size_t i = p->todo[k];
    ss_svc_lic_req one = *p->req;
    sc_err e = SC_ERR_INIT;
    int rc;

    one.batch_row = p->first_row + (int64_t)i;
    /* the files are flushed together before the commit (commit_group) */
    if ((rc = svc__lic_make(p->svc, p->c, &one, p->rows[i].kv, p->rows[i].n,
                            p->serial + (int64_t)k, 1, p->now, 1, &p->lics[k % RING], NULL,
                            NULL, &e)) != 0)
        set_result(&p->results[i], rc, &e);
}

static void *maker(void *arg)
{
    lic_pipe *p = arg;

    for (;;) {
        size_t k;
        pthread_mutex_lock(&p->mu);
        while (!p->stop && p->next < p->m && p->next >= p->committed * GROUP + RING)
            pthread_cond_wait(&p->room, &p->mu);
        if (p->stop || p->next >= p->m) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        k = p->next++;
        pthread_mutex_unlock(&p->mu);
        make_slot(p, k);
        pthread_mutex_lock(&p->mu);
        /* after a stop the committer waits for the slots taken, not for whole groups */
        if (++p->done[k / GROUP % (RING / GROUP)] == group_size(p, k / GROUP) || p->stop)
            pthread_cond_signal(&p->made);
        pthread_mutex_unlock(&p->mu);
    }
}

/* Group g after a failed group: its rows not failed already fail, naming that failure. */
static void stopped_group(lic_pipe *p, size_t g, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        ss_svc_lic_result *r = &p->results[p->todo[g * GROUP + j]];
        if (r->code != 0)
            continue;                 /* its own failure says more */
        r->code = p->stop;
        snprintf(r->msg, sizeof(r->msg), "not issued: an earlier group of this call failed "
                 "(%s); run the batch again", p->why.msg);
    }
}

/* Makes and commits every group; started makers, or this thread alone when none starts. */
static void run_lic_pipe(lic_pipe *p)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t want = cpus < 1 ? 1 : cpus > MAKERS ? MAKERS : (size_t)cpus, started = 0;
    pthread_t t[MAKERS];
    int rc, busy = 0;

    if (want > p->m)
        want = p->m;
    while (started < want && pthread_create(&t[started], NULL, maker, p) == 0)
        started++;
    for (size_t g = 0; g * GROUP < p->m; g++) {
        size_t n = group_size(p, g), part = g % (RING / GROUP), taken = n;
        ss_license *lics = &p->lics[part * GROUP];
        if (started == 0 && !p->stop)
            for (size_t k = g * GROUP; k < g * GROUP + n; k++)
                make_slot(p, k);
        else if (started > 0) {
            pthread_mutex_lock(&p->mu);
            for (;;) {
                taken = !p->stop ? n : p->next <= g * GROUP ? 0
                      : p->next - g * GROUP < n ? p->next - g * GROUP : n;
                if (p->done[part] >= taken)
                    break;
                pthread_cond_wait(&p->made, &p->mu);
            }
            pthread_mutex_unlock(&p->mu);
        }
        if (p->stop)
            stopped_group(p, g, n);
        else if ((rc = commit_group(p->svc, p->c, p->req, lics, &p->todo[g * GROUP], n,
                                    p->first_row, p->now, p->flush_base, p->results,
                                    &p->why)) != 0 &&
                 (rc != SS_EBUSY || ++busy == 2)) {
            /* one busy store passes; twice in a row, or anything else (seal, grant, audit,
             * disk), would go on failing (each busy group waits out the busy timeout) */
            pthread_mutex_lock(&p->mu);
            p->stop = rc;
            pthread_cond_broadcast(&p->room);
            pthread_mutex_unlock(&p->mu);
        } else if (rc == 0) {
            busy = 0;
        }
        for (size_t j = 0; j < n; j++)
            ss_license_clear(&lics[j]);
        pthread_mutex_lock(&p->mu);
        p->done[part] = 0;
        p->committed = g + 1;
        pthread_cond_broadcast(&p->room);
        pthread_mutex_unlock(&p->mu);
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(t[i], NULL);
}

/* The rows an earlier run of the batch issued, from one query: results[row - first] as
 * set_before says. */
struct before {
    ss_svc_lic_result *results;
    int64_t first;
    const ss_svc_lic_req *req;
};

static int on_issued_before(void *ctx, const ss_license *l)
{
    struct before *b = ctx;

    set_before(&b->results[l->batch_row - b->first], l, b->req);
    return 0;
}

static int check_batch(const ss_svc_actor *actor, const ss_svc_lic_req *req, int64_t first_row,
                       const ss_svc_lic_row *rows, size_t n, const ss_svc_lic_result *results,
                       sc_err *err)
{
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_OPERATOR, "to issue licences", err)) != 0)
        return rc;
    if (req == NULL || req->type_code == NULL || rows == NULL || results == NULL)
        return sc_err_set(err, SC_EINVAL, "licence batch: no request, type, rows or results");
    if (n == 0 || n > SS_SVC_BATCH_MAX)
        return sc_err_set(err, n == 0 ? SC_EINVAL : SC_ELIMIT, "licence batch: %zu rows, "
                          "allowed 1..%d a call (send a longer batch in parts: first_row)", n,
                          SS_SVC_BATCH_MAX);
    if (req->batch_id == NULL)
        return sc_err_set(err, SC_EINVAL, "licence batch: a batch id is required (it makes "
                          "the batch resumable)");
    if ((rc = svc__check_token("batch id", req->batch_id, SS_LIC_BATCH_ID_MAX, err)) != 0 ||
        (req->request_id != NULL &&
         (rc = svc__check_token("request id", req->request_id, SS_SVC_REQUEST_ID_MAX,
                                err)) != 0))
        return rc;
    if (first_row < 0 || first_row > INT64_MAX - (int64_t)n)
        return sc_err_set(err, SC_EINVAL, "licence batch: first row %lld",
                          (long long)first_row);
    return 0;
}

int ss_svc_lic_batch(ss_svc *svc, const ss_svc_actor *actor, const ss_svc_lic_req *req,
                     int64_t first_row, const ss_svc_lic_row *rows, size_t n,
                     ss_svc_lic_result *results, ss_svc_lic_summary *summary, sc_err *err)
{
    svc_lic_ctx c;
    ss_license *lics = NULL;
    size_t *todo = NULL, m = 0;
    int64_t now = svc__now(svc), serial = 0;
    sc_err e = SC_ERR_INIT;
    int rc;

    memset(&c, 0, sizeof(c));
    if (summary != NULL)
        memset(summary, 0, sizeof(*summary));
    if ((rc = check_batch(actor, req, first_row, rows, n, results, err)) != 0)
        return rc;
    memset(results, 0, n * sizeof(*results));
    if ((rc = svc__lic_open(svc, actor, req->type_code, req->es_id, now, &c, err)) != 0)
        goto out;
    if ((todo = malloc(n * sizeof(*todo))) == NULL ||
        (lics = calloc(RING, sizeof(*lics))) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "licence batch: out of memory");
        goto out;
    }
    if ((rc = ss_store_lic_batch_rows(svc->st, c.client, req->batch_id, first_row, (int64_t)n,
                                      on_issued_before,
                                      &(struct before){ results, first_row, req }, err)) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        sc_err e1 = SC_ERR_INIT;
        int r1;
        if (results[i].already || results[i].code != 0)
            continue;
        if ((r1 = sc_lic_row_check(c.tmpl, rows[i].kv, rows[i].n, &e1)) != 0)
            set_result(&results[i], r1, &e1);
        else
            todo[m++] = i;
    }
    /* one statement for the serials of every row to issue; a row failing later leaves a gap */
    if (m > 0 && (rc = ss_store_lic_serial_take(svc->st, c.type.code, c.unit.code,
                                                (unsigned)m, &serial, &e)) != 0) {
        for (size_t k = 0; k < m; k++)
            set_result(&results[todo[k]], rc, &e);
        m = 0;
        rc = 0;
    }
    if (m > 0) {
        lic_pipe p = { .svc = svc, .c = &c, .req = req, .rows = rows, .todo = todo, .m = m,
                       .flush_base = ss_store_lic_files_errors(svc->st),
                   .serial = serial, .first_row = first_row, .now = now, .lics = lics,
                   .results = results, .mu = PTHREAD_MUTEX_INITIALIZER,
                   .room = PTHREAD_COND_INITIALIZER, .made = PTHREAD_COND_INITIALIZER };
        run_lic_pipe(&p);
        pthread_mutex_destroy(&p.mu);
        pthread_cond_destroy(&p.room);
        pthread_cond_destroy(&p.made);
    }
out:
    for (size_t i = 0; rc == 0 && summary != NULL && i < n; i++) {
        if (results[i].code != 0)
            summary->failed++;
        else if (results[i].already)
            summary->already++;
        else
            summary->issued++;
    }
    free(lics);
    free(todo);
    svc__lic_close(svc, &c);
    return rc;
}
