/* test_server_persist.c: what the store keeps when the real seal-server stops and starts
 * again on the same store and config: after a clean restart (seals, statuses, grants, the
 * idempotency records, the audit chain) and after a SIGTERM or a SIGKILL in the middle of a
 * large sign/batch with single signatures committing around it.
 *
 * What "a signature record" is here: the store keeps no table of signatures; a signature
 * leaves its grant use, its audit record (result ok, SM3 of the signature) and, with a key,
 * its idempotency record, all in one transaction (service/README.md). So "no half record"
 * means: grant uses == audit sign records with result ok, every signature a client received
 * is among those records, and the chain verifies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "api_fixture.h"
#include "audit.h"
#include "server_fixture.h"
#include "store.h"

static sf_server srv;
static int64_t operator;   /* the operator's client id, asked while a server runs */

static int setup(void **state)
{
    /* a drain long enough for a 1000-item batch under ASan */
    sf_opts o = { .service = 1, .shutdown_ms = 60000 };

    (void)state;
    memset(&srv, 0, sizeof(srv));
    return sf_server_start(&srv, &o);
}

static int teardown(void **state)
{
    (void)state;
    sf_server_kill(&srv);
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static void sm3_hex(const uint8_t *d, size_t n, char out[65])
{
    uint8_t md[32];
    unsigned int len = 0;

    if (EVP_Digest(d, n, md, &len, EVP_sm3(), NULL) != 1 || len != 32)
        snprintf(out, 65, "%s", "sm3 failed");
    else
        for (int i = 0; i < 32; i++)
            snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ---- the store, read while no server runs ----------------------------------------------- */

static ss_store *open_store(void)
{
    ss_store *st = NULL;
    sc_err err = SC_ERR_INIT;

    if (ss_store_open_sqlite(&st, sf_env_get()->store, &err) != 0)
        fail_msg("store: %s", err.msg);
    return st;
}

/* The chain verifies and its head is its last record. @return the number of records */
static int64_t audit_intact(ss_store *st)
{
    sc_err err = SC_ERR_INIT;
    char why[256] = "";
    int64_t bad = 0, count = 0, head = -1;
    uint8_t hash[32];

    if (ss_audit_verify_count(st, &bad, why, sizeof(why), &count, &err) != 0)
        fail_msg("audit chain broken at record %lld: %s (%s)", (long long)bad, why, err.msg);
    assert_int_equal(ss_audit_head(st, &head, hash, &err), 0);
    assert_int_equal(head, count);
    return count;
}

static int64_t grant_uses(ss_store *st, const char *es)
{
    sc_err err = SC_ERR_INIT;
    ss_grant g;

    if (ss_store_grant_get(st, operator, es, &g, &err) != 0)
        fail_msg("grant for %s: %s", es, err.msg);
    return g.uses;
}

/* The sign.data records of one seal after a given seq. */
typedef struct scan {
    char object[SS_ES_ID_MAX + 8];    /* "seal:<esID>" */
    int64_t last;                     /* the last seq read */
    size_t all;                       /* records of any kind read */
    size_t ok, refused, of_batch;     /* of_batch: ok records of a batch item */
    char (*sigs)[65];                 /* sig_sm3 of the ok records */
    size_t cap;
} scan;

static int scan_rec(void *ctx, const ss_audit_record *r)
{
    scan *s = ctx;
    json_t *d;
    const char *res, *sig;

    s->last = r->seq;
    s->all++;
    if (strcmp(r->action, "sign.data") != 0 || strcmp(r->object, s->object) != 0)
        return 0;
    if ((d = json_loadb(r->details, r->details_len, 0, NULL)) == NULL)
        return SC_EFORMAT;
    res = json_string_value(json_object_get(d, "result"));
    sig = json_string_value(json_object_get(d, "sig_sm3"));
    if (res != NULL && strcmp(res, "ok") == 0 && sig != NULL && strlen(sig) == 64) {
        if (s->ok == s->cap) {
            void *p = realloc(s->sigs, (s->cap = s->cap * 2 + 64) * sizeof(*s->sigs));
            if (p == NULL) {
                json_decref(d);
                return SC_ENOMEM;
            }
            s->sigs = p;
        }
        snprintf(s->sigs[s->ok++], 65, "%s", sig);
        s->of_batch += json_object_get(d, "items") != NULL;
    } else if (res != NULL && strcmp(res, "refused") == 0) {
        s->refused++;
    } else {
        json_decref(d);
        return SC_EFORMAT;   /* an ok record without its signature's hash: a half record */
    }
    json_decref(d);
    return 0;
}

static int cmp_hex(const void *a, const void *b) { return strcmp(a, b); }

/* Read es's sign records after seq `after` into s (sorted; each signature once). */
static void scan_audit(ss_store *st, const char *es, int64_t after, scan *s)
{
    sc_err err = SC_ERR_INIT;
    size_t seen;

    memset(s, 0, sizeof(*s));
    snprintf(s->object, sizeof(s->object), "seal:%s", es);
    s->last = after;
    do {
        seen = s->all;
        if (ss_audit_list(st, s->last, SS_LIST_MAX, scan_rec, s, &err) != 0)
            fail_msg("audit list after %lld: %s", (long long)s->last, err.msg);
    } while (s->all != seen);
    if (s->ok > 0)
        qsort(s->sigs, s->ok, sizeof(*s->sigs), cmp_hex);
    for (size_t i = 1; i < s->ok; i++)
        if (strcmp(s->sigs[i - 1], s->sigs[i]) == 0)
            fail_msg("signature %s is in the audit twice", s->sigs[i]);
}

static int scan_has(const scan *s, const char *hex)
{
    return s->ok > 0 && bsearch(hex, s->sigs, s->ok, sizeof(*s->sigs), cmp_hex) != NULL;
}

/* ---- a restart ---------------------------------------------------------------------------- */

/* sign/data of text; the signature's base64 into out. @return the HTTP status */
static long sign_text(const char *es, const char *idem, const char *text, char *out, size_t n,
                      int *replayed)
{
    char *d64 = sfa_b64((const uint8_t *)text, strlen(text));
    json_t *j = NULL;
    long st = sfa_call(&srv, "POST", "/api/v1/sign/data", sf_env_get()->tok_operator, idem, &j,
                       "{\"es_id\": \"%s\", \"data_b64\": \"%s\"}", es, d64);

    if (st == 200) {
        snprintf(out, n, "%s", sfa_jstr(j, "signature_b64"));
        *replayed = json_is_true(json_object_get(j, "replayed"));
    } else if (out != NULL) {
        snprintf(out, n, "%s", j != NULL && json_is_string(json_object_get(j, "message"))
                                   ? sfa_jstr(j, "message") : "");
    }
    json_decref(j);
    free(d64);
    return st;
}

/* What the API says about one seal. */
typedef struct seal_view {
    char status[16];
    char *seal_b64;                 /* the SES_Seal DER, base64 */
    sc_status_resp *signed_status;  /* GET .../status */
} seal_view;

static void view_seal(const char *es, seal_view *v)
{
    char path[192];
    json_t *j = NULL;

    snprintf(path, sizeof(path), "/api/v1/seals/%s", es);
    assert_int_equal(sfa_call(&srv, "GET", path, sf_env_get()->tok_verifier, NULL, &j, NULL),
                     200);
    snprintf(v->status, sizeof(v->status), "%s", sfa_jstr(j, "status"));
    v->seal_b64 = strdup(sfa_jstr(j, "seal_b64"));
    json_decref(j);
    snprintf(path, sizeof(path), "/api/v1/seals/%s/status", es);
    v->signed_status = sfa_get_status(&srv, path);
}

static void view_clear(seal_view *v)
{
    free(v->seal_b64);
    sc_status_resp_free(v->signed_status);
    memset(v, 0, sizeof(*v));
}

/* The same entry but for the times of the answer itself (thisUpdate, nextUpdate). */
static void entry_same(const sc_status_entry *a, const sc_status_entry *b)
{
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->kind, b->kind);
    assert_string_equal(a->subject, b->subject);
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->digest != NULL, b->digest != NULL);
    if (a->digest != NULL)
        assert_memory_equal(a->digest, b->digest, 32);
    assert_int_equal(a->has_valid_end, b->has_valid_end);
    assert_int_equal(a->valid_end, b->valid_end);
    assert_int_equal(a->history_len, b->history_len);
    for (size_t i = 0; i < a->history_len; i++) {
        assert_int_equal(a->history[i].status, b->history[i].status);
        assert_int_equal(a->history[i].at, b->history[i].at);
        assert_int_equal(a->history[i].reason, b->history[i].reason);
    }
}

static void view_same(const char *es, const seal_view *a, const seal_view *b)
{
    const sc_status_resp_info *ia = sc_status_resp_get_info(a->signed_status),
                              *ib = sc_status_resp_get_info(b->signed_status);

    assert_string_equal(a->status, b->status);
    assert_string_equal(a->seal_b64, b->seal_b64);   /* the same DER, byte for byte */
    assert_int_equal(ia->entry_count, ib->entry_count);
    assert_memory_equal(ia->key_hash, ib->key_hash, 32);
    entry_same(sc_status_resp_find(a->signed_status, SC_STATUS_ESID, es),
               sc_status_resp_find(b->signed_status, SC_STATUS_ESID, es));
}

static void officer_acts(const char *es, const char *act, const char *body, const char *want)
{
    char path[192];
    json_t *j = NULL;

    snprintf(path, sizeof(path), "/api/v1/seals/%s/%s", es, act);
    assert_int_equal(sfa_call(&srv, "POST", path, sf_env_get()->tok_officer, NULL, &j, "%s",
                              body), 200);
    assert_string_equal(sfa_jstr(j, "status"), want);
    json_decref(j);
}

/* One seal signs (a grant of 5 uses, 3 used, one with an idempotency key), one is suspended,
 * one revoked; after SIGTERM and a start on the same config, the API gives the same answers,
 * the grant counts on from 3 and stops at 5, the key's retry gets the first signature, the
 * next seal gets the next esID, and the audit chain has exactly the new acts' records on top
 * of the old head. */
static void persist__a_restart_keeps_everything(void **state)
{
    static const char *const docs[] = { "doc 0", "doc 1", "doc 2", "doc 3", "doc 4", "doc 5" };
    char es[3][128], sig[6][8192], again[8192], idem[96], next[128];
    seal_view before[3], after[3];
    sc_status_resp *list, *list2;
    int64_t head;
    ss_store *st;
    scan s;
    int replayed = -1;

    (void)state;
    operator = sfa_operator_id(&srv);
    sfa_make_seal(&srv, 'A', "keep", es[0], sizeof(es[0]));
    sfa_make_seal(&srv, 'B', "held", es[1], sizeof(es[1]));
    sfa_make_seal(&srv, 'C', "gone", es[2], sizeof(es[2]));
    sfa_grant(&srv, es[0], 5);
    snprintf(idem, sizeof(idem), "Idempotency-Key: keep-%d", (int)getpid());
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sign_text(es[0], i == 0 ? idem : NULL, docs[i], sig[i],
                                   sizeof(sig[i]), &replayed), 200);
        assert_false(replayed);
    }
    officer_acts(es[1], "suspend", "{\"text\": \"under inquiry\"}", "suspended");
    officer_acts(es[2], "revoke", "{\"reason\": \"keyCompromise\", \"text\": \"lost\"}",
                 "revoked");
    for (int i = 0; i < 3; i++)
        view_seal(es[i], &before[i]);
    list = sfa_get_status(&srv, "/api/v1/status-list");

    assert_int_equal(sf_server_stop(&srv), 0);
    st = open_store();
    head = audit_intact(st);
    assert_int_equal(grant_uses(st, es[0]), 3);
    ss_store_close(st);
    assert_int_equal(sf_server_restart(&srv), 0);

    for (int i = 0; i < 3; i++) {
        view_seal(es[i], &after[i]);
        view_same(es[i], &before[i], &after[i]);
        view_clear(&before[i]);
        view_clear(&after[i]);
    }
    list2 = sfa_get_status(&srv, "/api/v1/status-list");
    /* listSequence is the audit head: nothing was appended by the restart */
    assert_int_equal(sc_status_resp_get_info(list2)->list_sequence,
                     sc_status_resp_get_info(list)->list_sequence);
    for (int i = 0; i < 3; i++)
        entry_same(sc_status_resp_find(list, SC_STATUS_ESID, es[i]),
                   sc_status_resp_find(list2, SC_STATUS_ESID, es[i]));
    sc_status_resp_free(list2);
    sc_status_resp_free(list);

    /* The retry is answered from the store: the first signature, byte for byte. */
    assert_int_equal(sign_text(es[0], idem, docs[0], again, sizeof(again), &replayed), 200);
    assert_true(replayed);
    assert_string_equal(again, sig[0]);
    /* Uses 4 and 5 with the unit key read back from the store; the 6th is over the limit. */
    for (int i = 3; i < 5; i++) {
        assert_int_equal(sign_text(es[0], NULL, docs[i], sig[i], sizeof(sig[i]), &replayed),
                         200);
        sfa_verify_sig(sig[i], (const uint8_t *)docs[i], strlen(docs[i]));
    }
    assert_int_equal(sign_text(es[0], NULL, docs[5], sig[5], sizeof(sig[5]), &replayed), 403);
    assert_non_null(strstr(sig[5], "used up: 5 of 5 uses"));
    /* The next seal takes the next esID: the sequence comes from the store, not memory. */
    sfa_make_seal(&srv, 'F', "next", next, sizeof(next));
    assert_int_equal(strlen(next), strlen(es[2]));
    assert_int_equal(strtoll(next, NULL, 10), strtoll(es[2], NULL, 10) + 1);
    assert_int_equal(sf_server_stop(&srv), 0);

    /* 3 sign records (2 ok, 1 refused) and unit.add, seal.apply, seal.approve, seal.make */
    st = open_store();
    assert_int_equal(audit_intact(st), head + 7);
    scan_audit(st, es[0], head, &s);
    assert_int_equal(s.all, 7);
    assert_int_equal(s.ok, 2);
    assert_int_equal(s.refused, 1);
    free(s.sigs);
    assert_int_equal(grant_uses(st, es[0]), 5);
    ss_store_close(st);
}

/* ---- a batch cut by SIGTERM or SIGKILL -------------------------------------------------- */

#define BATCH_N 1000          /* SS_SVC_BATCH_MAX: the longest batch a client can send */
#define SINGLES 2             /* threads signing one document after another meanwhile */

/* A client thread: one sign/batch, or sign/data until told to stop. No cmocka asserts here
 * (they jump across threads): it records, the test thread judges. */
typedef struct client {
    const char *es;
    int batch, id;
    atomic_int *stop;
    pthread_t th;
    char idem[96];
    char (*got)[65];          /* SM3 of every signature the server answered with */
    size_t n_got, cap;
    long status;              /* the batch's HTTP status (0: no answer) */
    int replayed;             /* the batch's answer came from its idempotency record */
    size_t items_answered;    /* the batch's results */
    char request_id[64], error[256];
} client;

static int got_add(client *c, const char *sig_b64)
{
    size_t n = 0;
    uint8_t *der;

    if (c->n_got == c->cap) {
        void *p = realloc(c->got, (c->cap = c->cap * 2 + 64) * sizeof(*c->got));
        if (p == NULL)
            return -1;
        c->got = p;
    }
    der = sfa_unb64(sig_b64, &n);
    sm3_hex(der, n, c->got[c->n_got++]);
    free(der);
    return 0;
}

/* The batch body: BATCH_N distinct document hashes (salt tells runs apart). */
static char *batch_body(const char *es, unsigned salt)
{
    size_t cap = BATCH_N * (strlen(es) + 120) + 8, off = 1;
    char *b = malloc(cap);

    assert_non_null(b);
    b[0] = '[';
    for (unsigned i = 0; i < BATCH_N; i++)
        off += (size_t)snprintf(b + off, cap - off, "%s{\"es_id\": \"%s\", \"sm3_hex\": "
                                "\"%056x%08x\"}", i ? ", " : "", es, salt, i);
    snprintf(b + off, cap - off, "]");
    return b;
}

static void run_batch(client *c, const char *body)
{
    char hdr[128];
    sf_req q = { .method = "POST", .path = "/api/v1/sign/batch",
                 .token = sf_env_get()->tok_operator, .content_type = "application/json",
                 .body = body, .body_len = strlen(body), .header = hdr };
    sf_resp r;
    json_t *j, *res;

    snprintf(hdr, sizeof(hdr), "Idempotency-Key: %s", c->idem);
    sf_http(&srv, &q, &r);
    c->status = r.status;
    snprintf(c->request_id, sizeof(c->request_id), "%s", r.request_id);
    snprintf(c->error, sizeof(c->error), "%s", r.curl_code != 0 ? r.curl_error : "");
    if (r.status == 200 && (j = json_loads(r.body, 0, NULL)) != NULL) {
        res = json_object_get(j, "results");
        c->items_answered = json_array_size(res);
        for (size_t i = 0; i < c->items_answered; i++) {
            const char *sig = json_string_value(
                json_object_get(json_array_get(res, i), "signature_b64"));
            if (sig != NULL && got_add(c, sig) != 0)
                break;
        }
        c->replayed = json_is_true(json_object_get(j, "replayed"));
        json_decref(j);
    }
    sf_resp_free(&r);
}

static void *client_main(void *arg)
{
    client *c = arg;
    char body[256];
    json_t *j;

    if (c->batch) {
        char *b = batch_body(c->es, 1);   /* the same documents on every run: one key */
        run_batch(c, b);
        free(b);
        return NULL;
    }
    for (unsigned i = 0; !atomic_load(c->stop); i++) {
        sf_req q = { .method = "POST", .path = "/api/v1/sign/data",
                     .token = sf_env_get()->tok_operator, .content_type = "application/json",
                     .body = body };
        sf_resp r;

        q.body_len = (size_t)snprintf(body, sizeof(body), "{\"es_id\": \"%s\", \"sm3_hex\": "
                                      "\"%048x%08x%08x\"}", c->es, 2u, (unsigned)c->id, i);
        sf_http(&srv, &q, &r);
        if (r.status == 200 && (j = json_loads(r.body, 0, NULL)) != NULL) {
            const char *sig = json_string_value(json_object_get(j, "signature_b64"));
            if (sig == NULL || got_add(c, sig) != 0)
                snprintf(c->error, sizeof(c->error), "a 200 without a signature: %s", r.body);
            json_decref(j);
        } else {
            sleep_ms(20);     /* 503 while draining, or nobody listening any more */
        }
        sf_resp_free(&r);
    }
    return NULL;
}

static double metric(const char *series)
{
    sf_req q = { .path = "/metrics", .token = sf_env_get()->tok_auditor };
    sf_resp r;
    double v;

    sf_http(&srv, &q, &r);
    v = r.status == 200 ? sf_metric(r.body, series) : -1;
    sf_resp_free(&r);
    return v;
}

static void wait_metric(const char *series, double at_least)
{
    for (int i = 0; i < 2000; i++) {
        if (metric(series) >= at_least)
            return;
        sleep_ms(5);
    }
    fail_msg("%s never reached %g", series, at_least);
}

/* The store after the server is gone: the chain verifies, the grant counted exactly the
 * signatures the audit holds, every signature a client received is there, and the batch is
 * all or nothing. strict: the audit holds nothing the clients did not receive either.
 * @return 1 when the batch was committed, else 0 */
static int check_store(const char *es, client *cl, size_t ncl, int strict)
{
    ss_store *st = open_store();
    size_t received = 0;
    scan s;
    int committed;

    audit_intact(st);
    scan_audit(st, es, 0, &s);
    assert_int_equal(grant_uses(st, es), (int64_t)s.ok);
    assert_int_equal(s.refused, 0);
    for (size_t i = 0; i < ncl; i++)
        for (size_t k = 0; k < cl[i].n_got; k++, received++)
            if (!scan_has(&s, cl[i].got[k]))
                fail_msg("client %zu received signature %s, which the store does not hold",
                         i, cl[i].got[k]);
    if (s.of_batch != 0 && s.of_batch != BATCH_N)
        fail_msg("%zu of the batch's %d signatures were committed", s.of_batch, BATCH_N);
    committed = s.of_batch == BATCH_N;
    if (strict)
        assert_int_equal(s.ok, received);
    print_message("store: %zu signatures committed (%zu of the batch), %zu received\n", s.ok,
                  s.of_batch, received);
    free(s.sigs);
    ss_store_close(st);
    return committed;
}

/* A batch of BATCH_N and SINGLES signers on one seal; sig reaches the server once the batch
 * is running and single signatures have been committed. */
static void interrupted_batch(int sig, char letter, const char *tag)
{
    atomic_int stop = 0;
    client cl[1 + SINGLES], again;
    char es[128], *log, *at_shutdown, *answered;
    int committed;

    operator = sfa_operator_id(&srv);
    sfa_make_seal(&srv, letter, tag, es, sizeof(es));
    sfa_grant(&srv, es, 100000);
    memset(cl, 0, sizeof(cl));
    for (int i = 0; i <= SINGLES; i++) {
        cl[i].es = es;
        cl[i].batch = i == 0;
        cl[i].id = i;
        cl[i].stop = &stop;
        snprintf(cl[i].idem, sizeof(cl[i].idem), "%s-%d", tag, (int)getpid());
    }
    assert_int_equal(pthread_create(&cl[0].th, NULL, client_main, &cl[0]), 0);
    wait_metric("sealpki_http_in_flight", 2);    /* the batch, and this /metrics request */
    for (int i = 1; i <= SINGLES; i++)
        assert_int_equal(pthread_create(&cl[i].th, NULL, client_main, &cl[i]), 0);
    /* a sign/data is answered 200 only after its commit */
    wait_metric("sealpki_http_requests_total{method=\"POST\",route=\"/api/v1/sign/data\","
                "status=\"200\"}", 3);
    assert_int_equal(sf_server_signal(&srv, sig), 0);
    assert_int_equal(sf_server_wait(&srv, 90000), sig == SIGKILL ? 128 + SIGKILL : 0);
    atomic_store(&stop, 1);
    for (int i = 0; i <= SINGLES; i++) {
        pthread_join(cl[i].th, NULL);
        if (i > 0 && cl[i].error[0] != '\0')
            fail_msg("signer %d: %s", i, cl[i].error);
    }
    print_message("batch: status %ld, %zu signatures (%s)\n", cl[0].status, cl[0].n_got,
                  cl[0].error);

    if (sig == SIGTERM) {
        /* The drain lets the running batch finish (shutdown_ms is 60 s here), so all of it
         * is committed and answered; the singles caught by the drain got 503. The batch was
         * running at the signal: its request line follows the shutdown event. */
        assert_int_equal(cl[0].status, 200);
        assert_int_equal(cl[0].items_answered, BATCH_N);
        assert_int_equal(cl[0].n_got, BATCH_N);
        log = sf_server_log(&srv);
        at_shutdown = strstr(log, "\"event\":\"shutdown\"");
        answered = strstr(log, cl[0].request_id);
        assert_non_null(at_shutdown);
        assert_non_null(answered);
        assert_true(answered > at_shutdown);
        free(log);
    }
    committed = check_store(es, cl, 1 + SINGLES, sig == SIGTERM);
    if (sig == SIGTERM)
        assert_true(committed);
    if (cl[0].status == 200)
        assert_true(committed);

    /* Started again on the same store (after SIGKILL: SQLite recovers the WAL), the batch's
     * retry with its key is the committed answer, or, if nothing was committed, a first
     * run; either way the store holds it once. */
    assert_int_equal(sf_server_restart(&srv), 0);
    again = (client){ .es = es, .batch = 1, .stop = &stop };
    snprintf(again.idem, sizeof(again.idem), "%s", cl[0].idem);
    client_main(&again);
    assert_int_equal(again.status, 200);
    assert_int_equal(again.n_got, BATCH_N);
    assert_int_equal(again.replayed, committed);
    if (cl[0].n_got == BATCH_N)
        for (size_t k = 0; k < BATCH_N; k++)
            assert_string_equal(again.got[k], cl[0].got[k]);
    assert_int_equal(sf_server_stop(&srv), 0);
    assert_true(check_store(es, cl, 1 + SINGLES, 0));
    assert_true(check_store(es, &again, 1, 0));
    for (int i = 0; i <= SINGLES; i++)
        free(cl[i].got);
    free(again.got);
}

static void persist__sigterm_during_a_batch_loses_nothing(void **state)
{
    (void)state;
    interrupted_batch(SIGTERM, 'D', "term");
}

static void persist__sigkill_during_a_batch_leaves_no_half_record(void **state)
{
    (void)state;
    interrupted_batch(SIGKILL, 'E', "kill");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(persist__a_restart_keeps_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(persist__sigterm_during_a_batch_loses_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(persist__sigkill_during_a_batch_leaves_no_half_record,
                                        setup, teardown),
    };

    sf_env_get();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
