/* test_svc_sign.c: signing data through the service: grants (none, expired, use limit N and
 * N+1), the seal's status (suspended, resumed, revoked, expired), verification of every
 * signature against the dev root, idempotent retries, batches with partial failure, fail
 * closed when the audit append fails, the key cache's bound, and 4 threads racing for the
 * last uses of a grant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "testutil.h"
#include "svc_test.h"

#define FAIL_AUDIT "CREATE TRIGGER test_fail BEFORE INSERT ON audit_log " \
                   "BEGIN SELECT RAISE(ABORT, 'test: audit refused'); END"

static const uint8_t doc[] = "行政许可决定书 2026 第 17 号";

static int sign(fx *f, const ss_svc_actor *a, const char *es, const char *key, uint8_t **sig,
                size_t *len, int *replayed, sc_err *err)
{
    ss_svc_sign_item it = { es, doc, sizeof(doc), NULL, "permit-17.pdf" };
    ss_svc_sign_opts o = { "req-0001", key };

    return ss_svc_sign_data(f->svc, a, &it, &o, sig, len, replayed, err);
}

/* A seal made, and granted to f->oper (expires and limit as fx_grant). */
static void seal_for_oper(fx *f, char es[SS_ES_ID_MAX + 1], int64_t expires, int64_t limit)
{
    fx_make_seal(f, es);
    fx_grant(f, f->oper.client_id, es, expires, limit);
}

/* a signs doc with es: code 0, a signature that verifies; else refused with code and a
 * message containing frag, and no signature. */
static void sign_expect(fx *f, const ss_svc_actor *a, const char *es, int code,
                        const char *frag)
{
    sc_err err = SC_ERR_INIT;
    uint8_t *sig = NULL;
    size_t len = 0;

    EXPECT(sign(f, a, es, NULL, &sig, &len, NULL, &err), &err, code, frag);
    if (code == 0)
        fx_verify_sig(f, sig, len, doc, sizeof(doc));
    else
        assert_null(sig);
    free(sig);
}

static void sign_ok(fx *f, const ss_svc_actor *a, const char *es)
{
    sign_expect(f, a, es, 0, NULL);
}

/* The seal's status changed through another store handle, as another node would. */
static void status_elsewhere(fx *f, const char *es, int status, const char *reason)
{
    sc_err err = SC_ERR_INIT;

    OK(ss_store_seal_set_status(f->st, es, status, reason, f->officer.client_id, fx_now(f),
                                &err), &err);
}

static void sm3(const uint8_t *p, size_t n, uint8_t out[32])
{
    unsigned int len = 0;

    assert_int_equal(EVP_Digest(p, n, out, &len, EVP_sm3(), NULL), 1);
}

static void sign_data__with_a_grant_verifies(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1];
    uint8_t *sig = NULL, h[32];
    size_t len = 0;
    int replayed = -1;

    seal_for_oper(f, es, 0, 0);
    OK(sign(f, &f->oper, es, NULL, &sig, &len, &replayed, &err), &err);
    assert_int_equal(replayed, 0);
    fx_verify_sig(f, sig, len, doc, sizeof(doc));
    free(sig);
    /* by its SM3 only: the same document verifies */
    sm3(doc, sizeof(doc), h);
    ss_svc_sign_item it = { es, NULL, 0, h, NULL };
    OK(ss_svc_sign_data(f->svc, &f->oper, &it, NULL, &sig, &len, NULL, &err), &err);
    fx_verify_sig(f, sig, len, doc, sizeof(doc));
    free(sig);
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 2);
    assert_int_equal(fx_audit_count(f, "sign.data", "ok"), 2);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM audit_log WHERE action = 'sign.data'"
                                " AND details LIKE '%\"request_id\":\"req-0001\"%'"
                                " AND details LIKE '%\"doc_sm3\":\"%'"), 1);
    /* the wrong item shapes */
    ss_svc_sign_item both = { es, doc, sizeof(doc), h, NULL };
    EXPECT(ss_svc_sign_data(f->svc, &f->oper, &both, NULL, &sig, &len, NULL, &err), &err,
           SC_EINVAL, "either the document or its SM3");
    sc_err_clear(&err);
    ss_svc_sign_item prop = { es, doc, sizeof(doc), NULL, "报告.pdf" };
    EXPECT(ss_svc_sign_data(f->svc, &f->oper, &prop, NULL, &sig, &len, NULL, &err), &err,
           SC_EINVAL, "propertyInfo: character 1 is not printable ASCII");
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 2);
}

/* The audit record names the signature handed out by its SM3 (sig_sm3). */
static void audit__names_the_signature_by_its_sm3(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1], q[256];
    uint8_t *sig = NULL, h[32];
    size_t len = 0;
    int n;

    seal_for_oper(f, es, 0, 0);
    OK(sign(f, &f->oper, es, NULL, &sig, &len, NULL, &err), &err);
    sm3(sig, len, h);
    n = snprintf(q, sizeof(q), "SELECT count(*) FROM audit_log WHERE action = 'sign.data' "
                 "AND details LIKE '%%\"sig_sm3\":\"");
    for (int i = 0; i < 32; i++)
        n += snprintf(q + n, sizeof(q) - (size_t)n, "%02x", h[i]);
    snprintf(q + n, sizeof(q) - (size_t)n, "\"%%'");
    assert_int_equal(fx_sql_int(f, q), 1);
    free(sig);
}

static void sign_data__without_a_grant_is_refused_and_audited(void **state)
{
    fx *f = *state;
    char es[SS_ES_ID_MAX + 1];

    seal_for_oper(f, es, 0, 0);
    sign_expect(f, &f->oper2, es, SS_EFORBIDDEN, "has no grant for seal");
    sign_expect(f, &f->admin, es, SS_EFORBIDDEN, "needs the operator role to sign");
    sign_expect(f, &f->oper, "33000019990001", SC_ENOTFOUND, "no such seal");
    assert_int_equal(fx_audit_count(f, "sign.data", "refused"), 1);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM audit_log WHERE action = 'sign.data'"
                                " AND details LIKE '%\"code\":\"EFORBIDDEN\"%'"), 1);
}

static void sign_data__expired_grant_is_refused(void **state)
{
    fx *f = *state;
    char es[SS_ES_ID_MAX + 1];
    int64_t t = fx_now(f);

    seal_for_oper(f, es, t + 100, 0);
    fx_set_now(f, t + 99);
    sign_ok(f, &f->oper, es);
    fx_set_now(f, t + 100);
    sign_expect(f, &f->oper, es, SS_EEXPIRED, "expired at");
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 1);
}

static void sign_data__use_limit_n_passes_n_plus_1_fails(void **state)
{
    fx *f = *state;
    char es[SS_ES_ID_MAX + 1];

    seal_for_oper(f, es, 0, 3);
    for (int i = 0; i < 3; i++)
        sign_ok(f, &f->oper, es);
    sign_expect(f, &f->oper, es, SC_ELIMIT, "is used up: 3 of 3 uses");
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 3);
}

typedef struct seal_count {
    const char *es;
    int seen;
    uint64_t sigs, refusals;
} seal_count;

static void find_seal_count(void *ctx, const char *es_id, uint64_t sigs, uint64_t refusals)
{
    seal_count *c = ctx;

    if (es_id != NULL && strcmp(es_id, c->es) == 0) {
        c->seen++;
        c->sigs = sigs;
        c->refusals = refusals;
    }
}

static void sign_data__follows_the_seal_status(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1];
    ss_svc_stats st;

    seal_for_oper(f, es, 0, 0);
    sign_ok(f, &f->oper, es);
    OK(ss_svc_seal_suspend(f->svc, &f->officer, es, "待查", &err), &err);
    ss_svc_get_stats(f->svc, &st);
    assert_int_equal(st.cache_size, 0);   /* the suspended seal's key left memory */
    sign_expect(f, &f->oper, es, SS_ESTATE, "is suspended since");
    OK(ss_svc_seal_resume(f->svc, &f->officer, es, NULL, &err), &err);
    sign_ok(f, &f->oper, es);
    OK(ss_svc_seal_revoke(f->svc, &f->officer, es, SS_SVC_REASON_SUPERSEDED, "换发", &err),
       &err);
    sign_expect(f, &f->oper, es, SS_ESTATE, "is revoked since");
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 2);
    assert_int_equal(fx_audit_count(f, "sign.data", "refused"), 2);
    /* the counts per seal (/metrics) say the same */
    seal_count c = { es, 0, 0, 0 };
    ss_svc_seal_counts(f->svc, find_seal_count, &c);
    assert_int_equal(c.seen, 1);
    assert_int_equal(c.sigs, 2);
    assert_int_equal(c.refusals, 2);
}

/* Another store handle suspends the seal behind the service's back (as a second node would):
 * the cached key still signs, but the commit's recheck refuses and discards the signature. */
static void sign_data__suspension_elsewhere_is_caught_at_commit(void **state)
{
    fx *f = *state;
    char es[SS_ES_ID_MAX + 1];

    seal_for_oper(f, es, 0, 0);
    status_elsewhere(f, es, SS_SEAL_SUSPENDED, "elsewhere");
    sign_expect(f, &f->oper, es, SS_ESTATE, "it no longer signs");
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 0);
}

/* A seal revoked by another node: its key leaves this node's memory at the first refusal,
 * and the next request is refused before any signature is made with it. */
static void cache__a_seal_revoked_elsewhere_leaves_memory(void **state)
{
    fx *f = *state;
    char es[SS_ES_ID_MAX + 1];
    ss_svc_stats st;

    seal_for_oper(f, es, 0, 0);
    sign_ok(f, &f->oper, es);
    status_elsewhere(f, es, SS_SEAL_REVOKED, "keyCompromise: elsewhere");
    sign_expect(f, &f->oper, es, SS_ESTATE, "it no longer signs");
    ss_svc_get_stats(f->svc, &st);
    assert_int_equal(st.cache_size, 0);
    sign_expect(f, &f->oper, es, SS_ESTATE, "is revoked since");
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 1);
}

static void sign_data__expired_seal_is_refused(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1];
    uint8_t *sig = NULL;
    size_t len = 0;
    int64_t t = fx_now(f), app = fx_apply(f, "短期章", t - 10, t + 1000);

    OK(ss_svc_app_approve(f->svc, &f->officer2, app, NULL, NULL, es, &err), &err);
    fx_grant(f, f->oper.client_id, es, 0, 0);
    fx_set_now(f, t + 1000);   /* validEnd itself still signs */
    OK(sign(f, &f->oper, es, NULL, &sig, &len, NULL, &err), &err);
    free(sig);
    fx_set_now(f, t + 1001);
    sign_expect(f, &f->oper, es, SS_ESTATE, "is expired: valid");
}

static void idempotency__retry_returns_the_first_signature(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1];
    uint8_t *s1 = NULL, *s2 = NULL, *s3 = NULL;
    size_t l1 = 0, l2 = 0, l3 = 0;
    int replayed = -1;

    seal_for_oper(f, es, 0, 0);
    fx_grant(f, f->oper2.client_id, es, 0, 0);
    OK(sign(f, &f->oper, es, "order-42", &s1, &l1, &replayed, &err), &err);
    assert_int_equal(replayed, 0);
    fx_set_now(f, fx_now(f) + 5);   /* a new signature would carry another time */
    OK(sign(f, &f->oper, es, "order-42", &s2, &l2, &replayed, &err), &err);
    assert_int_equal(replayed, 1);
    assert_int_equal(l1, l2);
    assert_memory_equal(s1, s2, l1);
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 1);
    assert_int_equal(fx_audit_count(f, "sign.data", "ok"), 1);
    /* the same key for another document: a conflict, nothing counted */
    ss_svc_sign_item other = { es, (const uint8_t *)"another", 7, NULL, NULL };
    ss_svc_sign_opts o = { NULL, "order-42" };
    EXPECT(ss_svc_sign_data(f->svc, &f->oper, &other, &o, &s3, &l3, NULL, &err), &err,
           SS_ECONFLICT, "already used for a different request");
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 1);
    sc_err_clear(&err);
    /* keys are per client */
    OK(sign(f, &f->oper2, es, "order-42", &s3, &l3, &replayed, &err), &err);
    assert_int_equal(replayed, 0);
    free(s1);
    free(s2);
    free(s3);
}

static void batch__two_bad_items_of_five(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1], other[SS_ES_ID_MAX + 1];
    uint8_t h[32];
    ss_svc_sign_result r[5], again[5];
    int replayed = -1;

    seal_for_oper(f, es, 0, 0);
    fx_make_seal(f, other);                     /* no grant for this one */
    sm3(doc, sizeof(doc), h);
    const ss_svc_sign_item items[5] = {
        { es, doc, sizeof(doc), NULL, "a.pdf" },
        { other, doc, sizeof(doc), NULL, NULL },
        { es, NULL, 0, h, NULL },
        { "33000019990001", doc, sizeof(doc), NULL, NULL },
        { es, (const uint8_t *)"x", 1, NULL, NULL },
    };
    ss_svc_sign_opts o = { "batch-7", "batch-7" };

    OK(ss_svc_sign_batch(f->svc, &f->oper, items, 5, &o, r, &replayed, &err), &err);
    assert_int_equal(replayed, 0);
    assert_int_equal(r[0].code, 0);
    assert_int_equal(r[1].code, SS_EFORBIDDEN);
    assert_non_null(strstr(r[1].msg, "has no grant"));
    assert_int_equal(r[2].code, 0);
    assert_int_equal(r[3].code, SC_ENOTFOUND);
    assert_non_null(strstr(r[3].msg, "item 3"));
    assert_int_equal(r[4].code, 0);
    assert_null(r[1].sig);
    fx_verify_sig(f, r[0].sig, r[0].sig_len, doc, sizeof(doc));
    fx_verify_sig(f, r[2].sig, r[2].sig_len, doc, sizeof(doc));
    fx_verify_sig(f, r[4].sig, r[4].sig_len, (const uint8_t *)"x", 1);
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 3);
    /* the retry: the same five results, byte for byte, nothing counted again */
    OK(ss_svc_sign_batch(f->svc, &f->oper, items, 5, &o, again, &replayed, &err), &err);
    assert_int_equal(replayed, 1);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(again[i].code, r[i].code);
        assert_string_equal(again[i].msg, r[i].msg);
        assert_int_equal(again[i].sig_len, r[i].sig_len);
        if (r[i].sig_len > 0)
            assert_memory_equal(again[i].sig, r[i].sig, r[i].sig_len);
    }
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 3);
    assert_int_equal(fx_audit_count(f, "sign.data", "ok"), 3);
    assert_int_equal(fx_audit_count(f, "sign.data", "refused"), 1);
    ss_svc_sign_results_clear(r, 5);
    ss_svc_sign_results_clear(again, 5);
    EXPECT(ss_svc_sign_batch(f->svc, &f->oper, items, SS_SVC_BATCH_MAX + 1, NULL, r, NULL,
                             &err), &err, SC_ELIMIT, "1001 items, at most 1000");
}

static void fail_closed__audit_failure_discards_the_signature(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1];
    uint8_t *sig = NULL;
    size_t len = 0;
    ss_svc_sign_result r[2];
    int64_t records;

    seal_for_oper(f, es, 0, 5);
    records = fx_audit_ok(f);
    assert_int_equal(fx_sql(f, FAIL_AUDIT), 0);
    assert_int_not_equal(sign(f, &f->oper, es, "k1", &sig, &len, NULL, &err), 0);
    assert_non_null(strstr(err.msg, "not committed, the signature was discarded"));
    assert_null(sig);
    const ss_svc_sign_item items[2] = { { es, doc, sizeof(doc), NULL, NULL },
                                        { es, doc, sizeof(doc), NULL, NULL } };
    sc_err_clear(&err);
    assert_int_not_equal(ss_svc_sign_batch(f->svc, &f->oper, items, 2, NULL, r, NULL, &err),
                         0);
    assert_int_not_equal(r[0].code, 0);
    assert_null(r[0].sig);
    ss_svc_sign_results_clear(r, 2);
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 0);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM idempotency"), 0);
    assert_int_equal(fx_sql(f, "DROP TRIGGER test_fail"), 0);
    sc_err_clear(&err);
    OK(sign(f, &f->oper, es, "k1", &sig, &len, NULL, &err), &err);
    free(sig);
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 1);
    assert_int_equal(fx_audit_ok(f), records + 1);
}

/* More seals than the cache holds (4 in the fixture): least recently used keys leave, and a
 * seal whose key left signs again (its key opened anew). */
static void cache__stays_within_its_bound(void **state)
{
    fx *f = *state;
    char es[6][SS_ES_ID_MAX + 1];
    ss_svc_stats st;

    for (int i = 0; i < 6; i++)
        seal_for_oper(f, es[i], 0, 0);
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 6; i++)
            sign_ok(f, &f->oper, es[i]);
    ss_svc_get_stats(f->svc, &st);
    assert_true(st.cache_size <= 4);
    assert_true(st.cache_evictions >= 2);
    assert_true(st.cache_misses >= 6);
    assert_int_equal(st.signatures, 12);
}

struct herd {
    fx *f;
    const char *es;
    pthread_barrier_t *go;
    int rc;
};

static void *herd_sign(void *arg)
{
    struct herd *h = arg;
    sc_err err = SC_ERR_INIT;
    uint8_t *sig = NULL;
    size_t len = 0;

    pthread_barrier_wait(h->go);
    h->rc = sign(h->f, &h->f->oper, h->es, NULL, &sig, &len, NULL, &err);
    free(sig);
    return NULL;
}

/* Eight signers released at once on a fresh service (its key cache empty): each must get
 * code; the service's counters into st. */
static void herd(fx *f, const char *es, int code, ss_svc_stats *st)
{
    pthread_barrier_t go;
    struct herd h[8];
    pthread_t t[8];

    fx_service(f, 0);
    assert_int_equal(pthread_barrier_init(&go, NULL, 8), 0);
    for (int i = 0; i < 8; i++) {
        h[i] = (struct herd){ f, es, &go, -1 };
        assert_int_equal(pthread_create(&t[i], NULL, herd_sign, &h[i]), 0);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);
    for (int i = 0; i < 8; i++)
        assert_int_equal(h[i].rc, code);
    ss_svc_get_stats(f->svc, st);
}

/* Eight signers ask at once for a seal whose key is not in memory: one of them opens it
 * (PBKDF2, parse), the others wait for that and use it. Twenty rounds, as the herd only
 * overlaps the opening when the scheduler lets it. */
static void cache__concurrent_misses_open_the_key_once(void **state)
{
    fx *f = *state;
    char es[SS_ES_ID_MAX + 1];
    ss_svc_stats st;

    seal_for_oper(f, es, 0, 0);
    for (int round = 0; round < 20; round++) {
        herd(f, es, 0, &st);
        assert_int_equal(st.signatures, 8);
        if (st.cache_misses != 1 || st.cache_hits != 7)
            fail_msg("round %d: the key was opened %llu times for 8 signers", round,
                     (unsigned long long)st.cache_misses);
    }
}

/* The same herd on a seal suspended behind the service's back: whoever waited for the one
 * load gets its answer, refused before any key is opened; nothing stays cached. */
static void cache__concurrent_misses_on_a_suspended_seal_are_refused(void **state)
{
    fx *f = *state;
    char es[SS_ES_ID_MAX + 1];
    ss_svc_stats st;

    seal_for_oper(f, es, 0, 0);
    status_elsewhere(f, es, SS_SEAL_SUSPENDED, "elsewhere");
    herd(f, es, SS_ESTATE, &st);
    assert_int_equal(st.cache_size, 0);
    assert_int_equal(st.refusals, 8);
}

struct racer {
    fx *f;
    const char *es;
    int ok, limit, other;
};

static void *race(void *arg)
{
    struct racer *r = arg;

    for (int i = 0; i < 200; i++) {
        sc_err err = SC_ERR_INIT;
        uint8_t *sig = NULL;
        size_t len = 0;
        int rc = sign(r->f, &r->f->oper, r->es, NULL, &sig, &len, NULL, &err);
        if (rc == 0)
            r->ok++;
        else if (rc == SC_ELIMIT)
            r->limit++;
        else
            r->other++;
        free(sig);
    }
    return NULL;
}

static void race_for_500(fx *f)
{
    char es[SS_ES_ID_MAX + 1];
    struct racer r[4];
    pthread_t t[4];
    ss_svc_stats st;
    int ok = 0, limit = 0, other = 0;

    seal_for_oper(f, es, 0, 500);
    for (int i = 0; i < 4; i++) {
        r[i] = (struct racer){ f, es, 0, 0, 0 };
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ok += r[i].ok;
        limit += r[i].limit;
        other += r[i].other;
    }
    assert_int_equal(ok, 500);
    assert_int_equal(limit, 300);
    assert_int_equal(other, 0);
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 500);
    assert_int_equal(fx_audit_count(f, "sign.data", "ok"), 500);
    ss_svc_get_stats(f->svc, &st);
    print_message("500 signatures in %llu commits\n", (unsigned long long)st.commits);
    assert_int_equal(st.signatures, 500);
    fx_audit_ok(f);
}

static void concurrency__four_threads_take_exactly_the_limit(void **state)
{
    race_for_500(*state);
}

/* The same with at most one signature computed at once (config sign_threads). */
static void concurrency__capped_signers_take_exactly_the_limit(void **state)
{
    fx *f = *state;

    fx_service(f, 1);
    race_for_500(f);
}

static volatile sig_atomic_t usr2_handled;

static void on_usr2(int sig)
{
    (void)sig;
    usr2_handled = 1;
}

/* A program that makes the service and then blocks its signals to take them with sigwait()
 * (as a server waits for SIGTERM) must get them: the committer thread takes none. Were it
 * to, the handler would run there and the sigwait() would never return (or, with no
 * handler, SIGTERM would end the process without its drain). */
static void committer__leaves_signals_to_the_program(void **state)
{
    struct sigaction sa, old;
    struct timespec wait = { 2, 0 }, settle = { 0, 200 * 1000 * 1000 };
    sigset_t set;
    int sig;

    (void)state;                    /* the fixture made the service, signals unblocked */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr2;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    assert_int_equal(sigaction(SIGUSR2, &sa, &old), 0);
    assert_int_equal(pthread_sigmask(SIG_BLOCK, &set, NULL), 0);
    assert_int_equal(kill(getpid(), SIGUSR2), 0);
    nanosleep(&settle, NULL);       /* time for any thread that takes it to run the handler */
    sig = sigtimedwait(&set, NULL, &wait);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    sigaction(SIGUSR2, &old, NULL);
    assert_int_equal(usr2_handled, 0);
    assert_int_equal(sig, SIGUSR2);
}

/* After everything above in one store: the chain verifies and holds each kind of act. */
static void audit__chain_verifies_with_every_action(void **state)
{
    static const char *const actions[] = { "unit.add", "seal.apply", "seal.approve",
                                           "seal.make", "seal.reject", "seal.suspend",
                                           "seal.resume", "seal.revoke", "grant.add",
                                           "grant.delete", "sign.data" };
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1];
    int64_t t = fx_now(f), app = fx_apply(f, "驳回章", t, t + 86400), gid;

    OK(ss_svc_app_reject(f->svc, &f->officer2, app, "重复申请", &err), &err);
    fx_make_seal(f, es);
    gid = fx_grant(f, f->oper.client_id, es, 0, 0);
    sign_ok(f, &f->oper, es);
    OK(ss_svc_seal_suspend(f->svc, &f->officer, es, NULL, &err), &err);
    OK(ss_svc_seal_resume(f->svc, &f->officer, es, NULL, &err), &err);
    OK(ss_svc_grant_delete(f->svc, &f->admin, gid, &err), &err);
    EXPECT(ss_svc_grant_delete(f->svc, &f->admin, gid, &err), &err, SC_ENOTFOUND,
           "no such grant");
    sign_expect(f, &f->oper, es, SS_EFORBIDDEN, "no grant");
    sc_err_clear(&err);
    OK(ss_svc_seal_revoke(f->svc, &f->officer, es, SS_SVC_REASON_CESSATION_OF_OPERATION,
                          "撤销", &err), &err);
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (fx_audit_count(f, actions[i], NULL) < 1)
            fail_msg("no %s record", actions[i]);
    assert_int_equal(fx_audit_ok(f), 13);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(sign_data__with_a_grant_verifies),
        T(audit__names_the_signature_by_its_sm3),
        T(sign_data__without_a_grant_is_refused_and_audited),
        T(sign_data__expired_grant_is_refused),
        T(sign_data__use_limit_n_passes_n_plus_1_fails),
        T(sign_data__follows_the_seal_status),
        T(sign_data__suspension_elsewhere_is_caught_at_commit),
        T(sign_data__expired_seal_is_refused),
        T(idempotency__retry_returns_the_first_signature),
        T(batch__two_bad_items_of_five),
        T(fail_closed__audit_failure_discards_the_signature),
        T(cache__stays_within_its_bound),
        T(cache__a_seal_revoked_elsewhere_leaves_memory),
        T(cache__concurrent_misses_open_the_key_once),
        T(cache__concurrent_misses_on_a_suspended_seal_are_refused),
        T(concurrency__four_threads_take_exactly_the_limit),
        T(concurrency__capped_signers_take_exactly_the_limit),
        T(committer__leaves_signals_to_the_program),
        T(audit__chain_verifies_with_every_action),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
