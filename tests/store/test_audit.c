/* test_audit.c: the hash-chained audit log (audit.h): appending, verifying 1000 records, every
 * kind of tampering done with the sqlite3 API as an attacker with the file would, bad input,
 * and concurrent appends from several threads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "store_test.h"

/* Drop the append-only triggers first: they stop mistakes, an attacker removes them. */
#define UNLOCK "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; "

struct fix {
    char path[400];
    ss_store *st;
};

/* n records, in transactions of up to 100 */
static void append_n(ss_store *st, int n)
{
    sc_err err = SC_ERR_INIT;
    ss_store *tx = NULL;
    char obj[64], det[128];
    int i;

    for (i = 0; i < n; i++) {
        if (i % 100 == 0)
            OK(ss_store_tx_begin(st, &tx, &err), &err);
        snprintf(obj, sizeof(obj), "seal:3300002026%04d", i % 50);
        snprintf(det, sizeof(det), "{\"request\": \"r-%d\", \"sm3\": \"%064x\"}", i, i);
        OK(ss_audit_append_at(tx, 1700000000 + i, i % 7, "sign.data", obj, det, NULL, &err),
           &err);
        if (i % 100 == 99 || i == n - 1)
            OK(ss_store_tx_commit(tx, &err), &err);
    }
}

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    sc_err err = SC_ERR_INIT;

    if (f == NULL)
        return -1;
    snprintf(f->path, sizeof(f->path), "%s", st_path("audit"));
    if (ss_store_open_sqlite(&f->st, f->path, &err) != 0) {
        free(f);
        return -1;
    }
    append_n(f->st, 1000);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    ss_store_close(f->st);
    free(f);
    return 0;
}

/* verify and expect the first bad seq (0: intact) and a fragment of the reason */
static void expect_verdict(ss_store *st, int64_t bad, const char *why_frag, const char *file,
                           int line)
{
    sc_err err = SC_ERR_INIT;
    char why[SS_AUDIT_WHY_MIN * 2];
    int64_t first = -1, count = -1;
    int rc = ss_audit_verify_count(st, &first, why, sizeof(why), &count, &err);

    if (first != bad || rc != (bad == 0 ? 0 : SS_ETAMPERED) ||
        (why_frag != NULL && strstr(why, why_frag) == NULL) ||
        (bad != 0 && strstr(err.msg, why) == NULL))
        fail_msg("%s:%d: got rc %d, first bad %lld, why \"%s\", err \"%s\"; expected %lld "
                 "\"%s\"", file, line, rc, (long long)first, why, err.msg, (long long)bad,
                 why_frag != NULL ? why_frag : "");
}
#define VERDICT(st, bad, frag) expect_verdict((st), (bad), (frag), __FILE__, __LINE__)

static void audit_verify__1000_records_are_intact(void **state)
{
    struct fix *f = *state;
    sc_err err = SC_ERR_INIT;
    int64_t first = -1, count = 0, seq = 0;
    uint8_t head[32], zero[32] = { 0 };
    char why[200] = "x";

    OK(ss_audit_verify_count(f->st, &first, why, sizeof(why), &count, &err), &err);
    assert_int_equal(first, 0);
    assert_int_equal(count, 1000);
    assert_string_equal(why, "");
    OK(ss_audit_head(f->st, &seq, head, &err), &err);
    assert_int_equal(seq, 1000);
    assert_memory_not_equal(head, zero, 32);
    OK(ss_audit_verify(f->st, &first, NULL, 0, &err), &err);   /* no reason buffer: fine */
}

/* The canonical form as README.md documents it, computed here independently: a verifier
 * written from the documentation alone must reproduce the stored hashes. */
static void canonical_hash(const uint8_t prev[32], int64_t seq, int64_t at, int64_t actor,
                           const char *action, const char *object, const char *details,
                           uint8_t out[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    const char *fields[3] = { action, object, details };
    uint8_t b[8];
    int64_t nums[3] = { seq, at, actor };
    unsigned int n = 0;
    int i, k;

    assert_non_null(md);
    assert_int_equal(EVP_DigestInit_ex(md, EVP_sm3(), NULL), 1);
    EVP_DigestUpdate(md, prev, 32);
    EVP_DigestUpdate(md, "SSAUDIT1", 8);
    for (i = 0; i < 3; i++) {
        for (k = 0; k < 8; k++)
            b[k] = (uint8_t)((uint64_t)nums[i] >> (56 - 8 * k));
        EVP_DigestUpdate(md, b, 8);
    }
    for (i = 0; i < 3; i++) {
        uint32_t len = (uint32_t)strlen(fields[i]);
        uint8_t l[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                         (uint8_t)len };
        EVP_DigestUpdate(md, l, 4);
        EVP_DigestUpdate(md, fields[i], len);
    }
    EVP_DigestFinal_ex(md, out, &n);
    EVP_MD_CTX_free(md);
}

struct first { ss_audit_record r; char action[80], object[300], details[300]; int got; };

static int take_first(void *ctx, const ss_audit_record *r)
{
    struct first *x = ctx;
    if (!x->got) {
        x->r = *r;
        snprintf(x->action, sizeof(x->action), "%s", r->action);
        snprintf(x->object, sizeof(x->object), "%s", r->object);
        snprintf(x->details, sizeof(x->details), "%s", r->details);
        x->got = 1;
    }
    return 0;
}

static void audit_record__hash_follows_the_documented_canonical_form(void **state)
{
    struct fix *f = *state;
    sc_err err = SC_ERR_INIT;
    struct first x;
    uint8_t h[32], zero[32] = { 0 };

    memset(&x, 0, sizeof(x));
    OK(ss_audit_list(f->st, 0, 2, take_first, &x, &err), &err);
    assert_int_equal(x.r.seq, 1);
    assert_memory_equal(x.r.prev_hash, zero, 32);   /* the chain starts from zeros */
    canonical_hash(zero, 1, x.r.at, x.r.actor, x.action, x.object, x.details, h);
    assert_memory_equal(h, x.r.hash, 32);
    assert_string_equal(x.action, "sign.data");
    assert_string_equal(x.object, "seal:33000020260000");
}

static void audit_verify__names_an_edited_record(void **state)
{
    struct fix *f = *state;

    assert_int_equal(st_sql(f->path, UNLOCK "UPDATE audit_log SET details = "
                            "'{\"request\": \"forged\"}' WHERE seq = 17"), SQLITE_OK);
    VERDICT(f->st, 17, "record 17: hash does not match its content (edited)");
}

static void audit_verify__names_an_edited_time_or_actor(void **state)
{
    struct fix *f = *state;

    assert_int_equal(st_sql(f->path, UNLOCK "UPDATE audit_log SET actor = 0 WHERE seq = 500 "
                            "AND actor != 0; UPDATE audit_log SET at = at + 1 WHERE seq = 500"),
                     SQLITE_OK);
    VERDICT(f->st, 500, "record 500: hash does not match its content (edited)");
}

static void audit_verify__names_a_gap(void **state)
{
    struct fix *f = *state;

    assert_int_equal(st_sql(f->path, UNLOCK "DELETE FROM audit_log WHERE seq = 13"),
                     SQLITE_OK);
    VERDICT(f->st, 13, "seq gap 12 -> 14 (record 13 missing)");
    assert_int_equal(st_sql(f->path, "DELETE FROM audit_log WHERE seq BETWEEN 5 AND 8"),
                     SQLITE_OK);
    VERDICT(f->st, 5, "seq gap 4 -> 9 (records 5..8 missing)");
}

static void audit_verify__deleting_the_newest_records_is_seen_by_the_head(void **state)
{
    struct fix *f = *state;

    assert_int_equal(st_sql(f->path, UNLOCK "DELETE FROM audit_log WHERE seq > 995"),
                     SQLITE_OK);
    VERDICT(f->st, 996, "records after 995 missing: head says 1000");
    assert_int_equal(st_sql(f->path, "DELETE FROM audit_log"), SQLITE_OK);
    VERDICT(f->st, 1, "records after 0 missing: head says 1000");
}

static void audit_verify__a_deleted_first_record(void **state)
{
    struct fix *f = *state;

    assert_int_equal(st_sql(f->path, UNLOCK "DELETE FROM audit_log WHERE seq <= 2"),
                     SQLITE_OK);
    VERDICT(f->st, 1, "seq gap 0 -> 3 (records 1..2 missing)");
}

static void audit_verify__names_reordered_records(void **state)
{
    struct fix *f = *state;

    /* swap records 40 and 41 (their seq numbers) */
    assert_int_equal(st_sql(f->path, UNLOCK "UPDATE audit_log SET seq = -1 WHERE seq = 40; "
                            "UPDATE audit_log SET seq = 40 WHERE seq = 41; "
                            "UPDATE audit_log SET seq = 41 WHERE seq = -1"), SQLITE_OK);
    VERDICT(f->st, 40, "record 40: prev_hash does not match record 39");
}

static void audit_verify__names_a_changed_prev_hash(void **state)
{
    struct fix *f = *state;

    assert_int_equal(st_sql(f->path, UNLOCK "UPDATE audit_log SET prev_hash = zeroblob(32) "
                            "WHERE seq = 18"), SQLITE_OK);
    VERDICT(f->st, 18, "record 18: prev_hash does not match record 17");
    assert_int_equal(st_sql(f->path, "UPDATE audit_log SET prev_hash = x'00' WHERE seq = 3"),
                     SQLITE_OK);
    VERDICT(f->st, 3, "record 3: malformed");
}

/* An attacker who edits record 17 and recomputes its hash is caught by record 18's link. */
static void audit_verify__an_edited_and_rehashed_record_breaks_the_next_link(void **state)
{
    struct fix *f = *state;
    sqlite3 *db = st_raw(f->path);
    sqlite3_stmt *s = NULL;
    uint8_t prev[32], h[32];
    int64_t at, actor;
    char action[80], object[300];
    const char *forged = "{\"request\": \"forged\"}";

    assert_int_equal(sqlite3_exec(db, UNLOCK, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT prev_hash, at, actor, action, object "
                                        "FROM audit_log WHERE seq = 17", -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    memcpy(prev, sqlite3_column_blob(s, 0), 32);
    at = sqlite3_column_int64(s, 1);
    actor = sqlite3_column_int64(s, 2);
    snprintf(action, sizeof(action), "%s", (const char *)sqlite3_column_text(s, 3));
    snprintf(object, sizeof(object), "%s", (const char *)sqlite3_column_text(s, 4));
    sqlite3_finalize(s);
    canonical_hash(prev, 17, at, actor, action, object, forged, h);
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE audit_log SET details = ?1, hash = ?2 "
                                        "WHERE seq = 17", -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_text(s, 1, forged, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, h, 32, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    sqlite3_close(db);
    VERDICT(f->st, 18, "record 18: prev_hash does not match record 17");
}

static void audit_verify__a_replaced_newest_record_or_edited_head(void **state)
{
    struct fix *f = *state;

    /* the newest record changed consistently with itself: only the head disagrees */
    assert_int_equal(st_sql(f->path, UNLOCK "UPDATE audit_head SET hash = zeroblob(32)"),
                     SQLITE_OK);
    VERDICT(f->st, 1000, "record 1000: hash differs from the chain head's");
    assert_int_equal(st_sql(f->path, "UPDATE audit_head SET seq = 998"), SQLITE_OK);
    VERDICT(f->st, 999, "record 999: beyond the chain head (head says 998)");
}

static void audit_log__is_append_only_for_plain_sql(void **state)
{
    struct fix *f = *state;

    assert_int_equal(st_sql(f->path, "UPDATE audit_log SET details = '{}' WHERE seq = 1"),
                     SQLITE_CONSTRAINT);
    assert_int_equal(st_sql(f->path, "DELETE FROM audit_log WHERE seq = 1000"),
                     SQLITE_CONSTRAINT);
    assert_int_equal(st_sql(f->path, "DELETE FROM audit_head"), SQLITE_CONSTRAINT);
    VERDICT(f->st, 0, NULL);
}

/* ---- appending: input and rules -------------------------------------------------------- */

static void audit_append__rejects_each_bad_input(void **state)
{
    static const struct {
        int64_t actor; const char *action, *object, *details; int rc; const char *msg;
    } bad[] = {
        { 0, NULL, "x", "{}", SC_EINVAL, "audit action: missing" },
        { 0, "", "x", "{}", SC_EINVAL, "audit action: missing" },
        { 0, "Seal.Make", "x", "{}", SC_EINVAL, "character 1 is not one of a-z 0-9 . _ -" },
        { 0, "seal make", "x", "{}", SC_EINVAL, "character 5 is not one of" },
        { -1, "seal.make", "x", "{}", SC_EINVAL, "audit actor -1" },
        { 0, "seal.make", "bad\xff", "{}", SC_EINVAL, "audit object: not valid UTF-8" },
        { 0, "seal.make", "x", "[1, 2]", SC_EFORMAT, "a JSON object is required" },
        { 0, "seal.make", "x", "{\"a\": 1, \"a\": 2}", SC_EFORMAT, "not JSON" },
        { 0, "seal.make", "x", "{\"a\": 1} trailing", SC_EFORMAT, "not JSON" },
        { 0, "seal.make", "x", "{\"a\": \"\xff\"}", SC_EFORMAT, "not JSON" },
    };
    ss_store *st = st_open("audit_bad");
    ss_store *tx = NULL;
    char action[SS_AUDIT_ACTION_MAX + 2], *details;
    sc_err err = SC_ERR_INIT;
    size_t i;

    (void)state;
    EXPECT(ss_audit_append(st, 0, "seal.make", NULL, NULL, &err), &err, SC_EINVAL,
           "must run inside the operation's transaction");
    sc_err_clear(&err);
    OK(ss_store_tx_begin(st, &tx, &err), &err);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sc_err e = SC_ERR_INIT;
        int rc = ss_audit_append(tx, bad[i].actor, bad[i].action, bad[i].object,
                                 bad[i].details, &e);
        if (rc != bad[i].rc || strstr(e.msg, bad[i].msg) == NULL)
            fail_msg("row %zu: got %d \"%s\"", i, rc, e.msg);
    }
    /* the action limit at N and N+1 */
    memset(action, 'a', sizeof(action));
    action[SS_AUDIT_ACTION_MAX] = '\0';
    OK(ss_audit_append(tx, 0, action, NULL, NULL, &err), &err);
    action[SS_AUDIT_ACTION_MAX] = 'a';
    action[SS_AUDIT_ACTION_MAX + 1] = '\0';
    EXPECT(ss_audit_append(tx, 0, action, NULL, NULL, &err), &err, SC_ELIMIT,
           "audit action: longer than 64 bytes");
    sc_err_clear(&err);
    /* details at N and N+1 bytes */
    details = malloc(SS_AUDIT_DETAILS_MAX + 2);
    assert_non_null(details);
    memset(details, ' ', SS_AUDIT_DETAILS_MAX + 1);
    details[0] = '{';
    details[SS_AUDIT_DETAILS_MAX - 1] = '}';
    details[SS_AUDIT_DETAILS_MAX] = '\0';
    OK(ss_audit_append(tx, 0, "big", NULL, details, &err), &err);
    details[SS_AUDIT_DETAILS_MAX] = ' ';
    details[SS_AUDIT_DETAILS_MAX + 1] = '\0';
    EXPECT(ss_audit_append(tx, 0, "big", NULL, details, &err), &err, SC_ELIMIT,
           "audit details: longer than 65536 bytes");
    free(details);
    OK(ss_store_tx_commit(tx, &err), &err);
    VERDICT(st, 0, NULL);   /* the failures left no trace in the chain */
    ss_store_close(st);
}

/* Details given as an object are stored as jansson's compact text, keys in insertion order,
 * and hashed in the canonical form like text details; a non-object, an over-long object and
 * a bad action leave no record. */
static void audit_append_obj__stores_the_compact_text(void **state)
{
    ss_store *st = st_open("audit_obj");
    ss_store *tx = NULL;
    sc_err err = SC_ERR_INIT;
    json_t *d = json_pack("{s:s, s:i, s:s}", "z", "last\"first", "a", 7, "u", "印章");
    json_t *arr = json_array(), *big = json_object();
    char *pad = malloc(SS_AUDIT_DETAILS_MAX + 1);
    struct first x;
    uint8_t h[32], zero[32] = { 0 };
    int64_t seq = 0;

    (void)state;
    assert_non_null(d);
    assert_non_null(pad);
    memset(pad, 'p', SS_AUDIT_DETAILS_MAX);
    pad[SS_AUDIT_DETAILS_MAX] = '\0';
    assert_int_equal(json_object_set_new(big, "pad", json_string(pad)), 0);
    OK(ss_store_tx_begin(st, &tx, &err), &err);
    EXPECT(ss_audit_append_obj(tx, 1700000000, 3, "sign.data", "seal:1", arr, NULL, &err), &err,
           SC_EINVAL, "the details must be a JSON object");
    sc_err_clear(&err);
    EXPECT(ss_audit_append_obj(tx, 1700000000, 3, "sign.data", "seal:1", big, NULL, &err), &err,
           SC_ELIMIT, "audit details: longer than 65536 bytes");
    sc_err_clear(&err);
    EXPECT(ss_audit_append_obj(tx, 1700000000, 3, "Sign", "seal:1", d, NULL, &err), &err,
           SC_EINVAL, "character 1 is not one of");
    sc_err_clear(&err);
    OK(ss_audit_append_obj(tx, 1700000000, 3, "sign.data", "seal:1", d, &seq, &err), &err);
    assert_int_equal(seq, 1);
    OK(ss_store_tx_commit(tx, &err), &err);
    memset(&x, 0, sizeof(x));
    OK(ss_audit_list(st, 0, 2, take_first, &x, &err), &err);
    assert_string_equal(x.details, "{\"z\":\"last\\\"first\",\"a\":7,\"u\":\"印章\"}");
    canonical_hash(zero, 1, 1700000000, 3, "sign.data", "seal:1", x.details, h);
    assert_memory_equal(h, x.r.hash, 32);
    VERDICT(st, 0, NULL);
    json_decref(d);
    json_decref(arr);
    json_decref(big);
    free(pad);
    ss_store_close(st);
}

static void audit_verify__empty_log_is_intact_and_defaults_are_stored(void **state)
{
    ss_store *st = st_open("audit_empty");
    ss_store *tx = NULL;
    sc_err err = SC_ERR_INIT;
    struct first x;
    int64_t seq = 0;

    (void)state;
    VERDICT(st, 0, NULL);
    OK(ss_store_tx_begin(st, &tx, &err), &err);
    OK(ss_audit_append_at(tx, 5, 0, "server.start", NULL, NULL, &seq, &err), &err);
    OK(ss_store_tx_commit(tx, &err), &err);
    assert_int_equal(seq, 1);
    memset(&x, 0, sizeof(x));
    OK(ss_audit_list(st, 0, 1, take_first, &x, &err), &err);
    assert_string_equal(x.object, "");
    assert_string_equal(x.details, "{}");
    assert_int_equal(x.r.at, 5);
    VERDICT(st, 0, NULL);
    EXPECT(ss_audit_list(st, 0, SS_LIST_MAX + 1, take_first, &x, &err), &err, SC_EINVAL,
           "limit 1001");
    ss_store_close(st);
}

/* ---- concurrency ----------------------------------------------------------------------- */

struct worker { ss_store *st; int id; int failures; char msg[SC_ERR_MSG_MAX]; };

static void *append_worker(void *arg)
{
    struct worker *w = arg;
    char det[64];
    int i;

    for (i = 0; i < 250; i++) {
        ss_store *tx = NULL;
        sc_err err = SC_ERR_INIT;
        snprintf(det, sizeof(det), "{\"thread\": %d, \"i\": %d}", w->id, i);
        int rc = ss_store_tx_begin(w->st, &tx, &err);
        if (rc == 0 && (rc = ss_audit_append(tx, w->id, "sign.data", "seal:x", det,
                                             &err)) != 0)
            ss_store_tx_rollback(tx);
        else if (rc == 0)
            rc = ss_store_tx_commit(tx, &err);   /* ends tx whatever happens */
        if (rc != 0) {
            w->failures++;
            snprintf(w->msg, sizeof(w->msg), "%s", err.msg);
        }
    }
    return NULL;
}

static void audit_append__4_threads_keep_one_chain(void **state)
{
    ss_sqlite_opts opts = { 4, 30000, 0 };
    ss_store *st = NULL;
    struct worker w[4];
    pthread_t t[4];
    sc_err err = SC_ERR_INIT;
    int64_t seq = 0;
    uint8_t h[32];
    int i;

    (void)state;
    OK(ss_store_open_sqlite_opts(&st, st_path("audit_threads"), &opts, &err), &err);
    for (i = 0; i < 4; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].st = st;
        w[i].id = i + 1;
        assert_int_equal(pthread_create(&t[i], NULL, append_worker, &w[i]), 0);
    }
    for (i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (i = 0; i < 4; i++)
        if (w[i].failures != 0)
            fail_msg("thread %d: %d failures, last \"%s\"", i + 1, w[i].failures, w[i].msg);
    OK(ss_audit_head(st, &seq, h, &err), &err);
    assert_int_equal(seq, 1000);
    VERDICT(st, 0, NULL);
    ss_store_close(st);
}

static int count_rec(void *ctx, const ss_audit_record *r)
{
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

/* A record and its head are written together, under a savepoint inside the caller's
 * transaction: when the head's update fails, the record goes too and the transaction goes on
 * (a trigger stands in for the failure). */
static void audit_append__a_failed_head_update_leaves_no_half_in_the_transaction(void **state)
{
    ss_store *st = NULL, *tx = NULL;
    sc_err err = SC_ERR_INIT;
    char p[400];
    int n = 0;

    (void)state;
    snprintf(p, sizeof(p), "%s", st_path("half"));
    OK(ss_store_open_sqlite(&st, p, &err), &err);
    assert_int_equal(st_sql(p, "CREATE TRIGGER head_stuck BEFORE UPDATE ON audit_head "
                               "BEGIN SELECT RAISE(ABORT, 'head stuck'); END"), SQLITE_OK);
    OK(ss_store_tx_begin(st, &tx, &err), &err);
    OK(ss_store_unit_add(tx, "91330000MA27XK0Q3B", "unit", 1, NULL, &err), &err);
    EXPECT(ss_audit_append_at(tx, 1, 0, "unit.add", "unit:1", "{}", NULL, &err), &err,
           SS_ESTATE, "head stuck");
    OK(ss_audit_list(tx, 0, 10, count_rec, &n, &err), &err);
    assert_int_equal(n, 0);                        /* no record without its head */
    OK(ss_store_tx_commit(tx, &err), &err);        /* the rest of the transaction stays */
    OK(ss_store_unit_by_code(st, "91330000MA27XK0Q3B", &(ss_unit){ 0 }, &err), &err);
    VERDICT(st, 0, NULL);
    ss_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(audit_verify__1000_records_are_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(audit_record__hash_follows_the_documented_canonical_form,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(audit_verify__names_an_edited_record, setup, teardown),
        cmocka_unit_test_setup_teardown(audit_verify__names_an_edited_time_or_actor, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(audit_verify__names_a_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(
            audit_verify__deleting_the_newest_records_is_seen_by_the_head, setup, teardown),
        cmocka_unit_test_setup_teardown(audit_verify__a_deleted_first_record, setup, teardown),
        cmocka_unit_test_setup_teardown(audit_verify__names_reordered_records, setup, teardown),
        cmocka_unit_test_setup_teardown(audit_verify__names_a_changed_prev_hash, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            audit_verify__an_edited_and_rehashed_record_breaks_the_next_link, setup, teardown),
        cmocka_unit_test_setup_teardown(audit_verify__a_replaced_newest_record_or_edited_head,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(audit_log__is_append_only_for_plain_sql, setup,
                                        teardown),
        cmocka_unit_test(audit_append__rejects_each_bad_input),
        cmocka_unit_test(audit_append_obj__stores_the_compact_text),
        cmocka_unit_test(audit_verify__empty_log_is_intact_and_defaults_are_stored),
        cmocka_unit_test(audit_append__4_threads_keep_one_chain),
        cmocka_unit_test(audit_append__a_failed_head_update_leaves_no_half_in_the_transaction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
