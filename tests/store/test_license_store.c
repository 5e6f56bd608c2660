/* test_license_store.c: e-licences in the store (schema version 2): the migration from
 * version 1, licence types and their files, issuing grants, serial counters (also under
 * threads), licences, their status rules and history, and the licence file directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "store_test.h"

#define USCC "91330000MA27XK0Q3B"
#define ES "33000020260001"
#define TYPE "11100000000013127D001"
#define ID1 "1.2.156.3005.2.11100000000013127D001.91330000MA27XK0Q3B.00000001.001.X"
#define ID2 "1.2.156.3005.2.11100000000013127D001.91330000MA27XK0Q3B.00000001.002.Y"

/* each expected failure leaves err clear for the next call (the first message wins) */
#undef EXPECT
#define EXPECT(rc, err, code, frag) \
    do { \
        st_expect((rc), (err), (code), (frag), __FILE__, __LINE__); \
        sc_err_clear(err); \
    } while (0)

static const char tmpl[] = "<LicenseTemplate version=\"1\"/>";   /* stored as given */

/* A store with a unit, a client, a seal and a licence type. */
typedef struct lfx {
    char path[400];
    ss_store *st;
    int64_t unit, client;
} lfx;

static void lfx_open(lfx *f, const char *name)
{
    sc_err err = SC_ERR_INIT;
    ss_lic_type t = { 0 };
    ss_lic_type_file file = { "bg.png", (const uint8_t *)"PNGDATA", 7 };

    snprintf(f->path, sizeof(f->path), "%s", st_path(name));
    OK(ss_store_open_sqlite(&f->st, f->path, &err), &err);
    f->unit = st_unit(f->st, USCC);
    f->client = st_client(f->st, "issuer", SS_ROLE_OPERATOR);
    st_seal(f->st, f->unit, ES);
    snprintf(t.code, sizeof(t.code), TYPE);
    snprintf(t.name, sizeof(t.name), "营业执照");
    t.tmpl = (uint8_t *)tmpl;
    t.tmpl_len = sizeof(tmpl) - 1;
    OK(ss_store_lic_type_add(f->st, &t, &file, 1, f->client, 100, NULL, &err), &err);
}

static void fill_lic(ss_license *l, const lfx *f, const char *zzbs, int version)
{
    static const char fields[] = "{\"name\":\"某某有限公司\"}";

    memset(l, 0, sizeof(*l));
    snprintf(l->zzbs, sizeof(l->zzbs), "%s", zzbs);
    snprintf(l->type_code, sizeof(l->type_code), TYPE);
    snprintf(l->issuer_code, sizeof(l->issuer_code), USCC);
    snprintf(l->es_id, sizeof(l->es_id), ES);
    snprintf(l->serial, sizeof(l->serial), "00000001");
    l->version = version;
    snprintf(l->holder_name, sizeof(l->holder_name), "某某有限公司");
    snprintf(l->holder_code, sizeof(l->holder_code), USCC);
    l->fields = (uint8_t *)fields;
    l->fields_len = sizeof(fields) - 1;
    memset(l->file_sm3, 0xab, 32);
    l->file_size = 1000;
    snprintf(l->file_loc, sizeof(l->file_loc), "ab/x.ofd");
    l->valid_from = 1000;
    l->valid_to = 0;
    l->issued_by = f->client;
}

/* ---- schema ------------------------------------------------------------------------------ */

static void store_open__migrates_a_version_1_store(void **state)
{
    lfx f;
    sc_err err = SC_ERR_INIT;
    char p[400];
    int v = 0;
    int64_t first = 0;

    (void)state;
    /* what a version-1 binary left: version 2's tables absent, its row missing */
    snprintf(p, sizeof(p), "%s", st_path("v1"));
    OK(ss_store_open_sqlite(&f.st, p, &err), &err);
    st_unit(f.st, USCC);
    ss_store_close(f.st);
    assert_int_equal(st_sql(p, "DROP TABLE license_status_history; DROP TABLE licenses; "
                               "DROP TABLE license_grants; DROP TABLE license_serials; "
                               "DROP TABLE license_type_files; DROP TABLE license_types; "
                               "DELETE FROM schema_version WHERE version = 2"), SQLITE_OK);
    OK(ss_store_open_sqlite(&f.st, p, &err), &err);
    OK(ss_store_schema_version(f.st, &v, &err), &err);
    assert_int_equal(v, 2);
    {
        ss_unit u;
        OK(ss_store_unit_by_code(f.st, USCC, &u, &err), &err);   /* data kept */
    }
    /* the new tables work */
    f.client = st_client(f.st, "c", SS_ROLE_ADMIN);
    {
        ss_lic_type t = { 0 };
        snprintf(t.code, sizeof(t.code), "A1");
        snprintf(t.name, sizeof(t.name), "x");
        t.tmpl = (uint8_t *)tmpl;
        t.tmpl_len = 3;
        OK(ss_store_lic_type_add(f.st, &t, NULL, 0, f.client, 1, NULL, &err), &err);
    }
    OK(ss_store_lic_serial_take(f.st, "A1", USCC, 1, &first, &err), &err);
    assert_int_equal(first, 1);
    ss_store_close(f.st);
}

/* ---- types ------------------------------------------------------------------------------- */

static int count_file(void *ctx, const ss_lic_type_file *file)
{
    assert_string_equal(file->name, "bg.png");
    assert_int_equal(file->len, 7);
    assert_memory_equal(file->data, "PNGDATA", 7);
    ++*(int *)ctx;
    return 0;
}

static int count_type(void *ctx, const ss_lic_type *t)
{
    assert_null(t->tmpl);   /* lists leave templates */
    ++*(int *)ctx;
    return 0;
}

static void lic_type__add_get_list_files(void **state)
{
    lfx f;
    sc_err err = SC_ERR_INIT;
    ss_lic_type t, dup = { 0 };
    ss_lic_type_file two[2] = { { "a.ttf", (const uint8_t *)"x", 1 },
                                { "a.ttf", (const uint8_t *)"y", 1 } };
    int n = 0;

    (void)state;
    lfx_open(&f, "types");
    OK(ss_store_lic_type_get(f.st, TYPE, &t, &err), &err);
    assert_string_equal(t.name, "营业执照");
    assert_int_equal(t.tmpl_len, sizeof(tmpl) - 1);
    assert_memory_equal(t.tmpl, tmpl, t.tmpl_len);
    assert_int_equal(t.added_by, f.client);
    assert_int_equal(t.disabled, 0);
    ss_lic_type_clear(&t);
    OK(ss_store_lic_type_files(f.st, TYPE, count_file, &n, &err), &err);
    assert_int_equal(n, 1);
    n = 0;
    OK(ss_store_lic_type_list(f.st, 0, 10, count_type, &n, &err), &err);
    assert_int_equal(n, 1);

    snprintf(dup.code, sizeof(dup.code), TYPE);
    snprintf(dup.name, sizeof(dup.name), "again");
    dup.tmpl = (uint8_t *)tmpl;
    dup.tmpl_len = 3;
    EXPECT(ss_store_lic_type_add(f.st, &dup, NULL, 0, f.client, 1, NULL, &err), &err,
           SS_ECONFLICT, "licence type " TYPE);
    snprintf(dup.code, sizeof(dup.code), "B2");
    EXPECT(ss_store_lic_type_add(f.st, &dup, two, 2, f.client, 1, NULL, &err), &err,
           SC_EINVAL, "file \"a.ttf\" given twice");
    two[1].name = "../etc";
    EXPECT(ss_store_lic_type_add(f.st, &dup, two, 2, f.client, 1, NULL, &err), &err,
           SC_EINVAL, "not starting with a dot");
    snprintf(dup.code, sizeof(dup.code), "b2");
    EXPECT(ss_store_lic_type_add(f.st, &dup, NULL, 0, f.client, 1, NULL, &err), &err,
           SC_EINVAL, "character 1 is not 0-9 or A-Z");
    EXPECT(ss_store_lic_type_get(f.st, "NOPE", &t, &err), &err, SC_ENOTFOUND,
           "licence type NOPE: no such type");
    OK(ss_store_lic_type_set_disabled(f.st, TYPE, 1, &err), &err);
    OK(ss_store_lic_type_get(f.st, TYPE, &t, &err), &err);
    assert_int_equal(t.disabled, 1);
    ss_lic_type_clear(&t);
    ss_store_close(f.st);
}

/* ---- grants ------------------------------------------------------------------------------ */

static void lic_grant__names_client_seal_and_type(void **state)
{
    lfx f;
    sc_err err = SC_ERR_INIT;
    ss_lic_grant g;
    int64_t id = 0;

    (void)state;
    lfx_open(&f, "grants");
    EXPECT(ss_store_lic_grant_check(f.st, f.client, ES, TYPE, 200, &g, &err), &err,
           SC_ENOTFOUND, "has no grant to issue licences of type " TYPE " with seal " ES);
    OK(ss_store_lic_grant_add(f.st, f.client, ES, TYPE, 500, 200, &id, &err), &err);
    OK(ss_store_lic_grant_check(f.st, f.client, ES, TYPE, 499, &g, &err), &err);
    assert_int_equal(g.id, id);
    EXPECT(ss_store_lic_grant_check(f.st, f.client, ES, TYPE, 500, &g, &err), &err,
           SS_EEXPIRED, "expired at 500");
    EXPECT(ss_store_lic_grant_add(f.st, f.client, ES, TYPE, 0, 200, NULL, &err), &err,
           SS_ECONFLICT, NULL);
    EXPECT(ss_store_lic_grant_add(f.st, f.client, ES, "OTHER", 0, 200, NULL, &err), &err,
           SC_ENOTFOUND, "licence type OTHER: no such type");
    EXPECT(ss_store_lic_grant_add(f.st, f.client, "33000020269999", TYPE, 0, 200, NULL, &err),
           &err, SC_ENOTFOUND, "no such seal");
    OK(ss_store_lic_grant_delete(f.st, id, &err), &err);
    EXPECT(ss_store_lic_grant_check(f.st, f.client, ES, TYPE, 200, &g, &err), &err,
           SC_ENOTFOUND, NULL);
    ss_store_close(f.st);
}

/* ---- serials ----------------------------------------------------------------------------- */

static void lic_serial__ranges_follow_each_other_per_type_and_issuer(void **state)
{
    lfx f;
    sc_err err = SC_ERR_INIT;
    int64_t a = 0, b = 0, c = 0;

    (void)state;
    lfx_open(&f, "serial");
    OK(ss_store_lic_serial_take(f.st, TYPE, USCC, 1, &a, &err), &err);
    OK(ss_store_lic_serial_take(f.st, TYPE, USCC, 10, &b, &err), &err);
    OK(ss_store_lic_serial_take(f.st, TYPE, "12330000002482145E", 1, &c, &err), &err);
    assert_int_equal(a, 1);
    assert_int_equal(b, 2);        /* 2..11 */
    assert_int_equal(c, 1);        /* another issuer counts on its own */
    OK(ss_store_lic_serial_take(f.st, TYPE, USCC, 1, &a, &err), &err);
    assert_int_equal(a, 12);
    EXPECT(ss_store_lic_serial_take(f.st, "NOPE", USCC, 1, &a, &err), &err, SC_ENOTFOUND,
           "no such type");
    EXPECT(ss_store_lic_serial_take(f.st, TYPE, USCC, 0, &a, &err), &err, SC_EINVAL,
           "count 0");
    ss_store_close(f.st);
}

#define SERIAL_THREADS 4
#define SERIAL_TAKES 100

typedef struct serial_arg {
    ss_store *st;
    int64_t got[SERIAL_TAKES];
    int failed;
} serial_arg;

static void *take_serials(void *p)
{
    serial_arg *a = p;

    for (int i = 0; i < SERIAL_TAKES; i++) {
        sc_err err = SC_ERR_INIT;
        if (ss_store_lic_serial_take(a->st, TYPE, USCC, 1, &a->got[i], &err) != 0)
            a->failed++;
    }
    return NULL;
}

static void lic_serial__threads_never_get_the_same_number(void **state)
{
    lfx f;
    pthread_t t[SERIAL_THREADS];
    serial_arg *a = calloc(SERIAL_THREADS, sizeof(*a));
    uint8_t seen[SERIAL_THREADS * SERIAL_TAKES + 1] = { 0 };

    (void)state;
    assert_non_null(a);
    lfx_open(&f, "serial_threads");
    for (int i = 0; i < SERIAL_THREADS; i++) {
        a[i].st = f.st;
        assert_int_equal(pthread_create(&t[i], NULL, take_serials, &a[i]), 0);
    }
    for (int i = 0; i < SERIAL_THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < SERIAL_THREADS; i++) {
        assert_int_equal(a[i].failed, 0);
        for (int k = 0; k < SERIAL_TAKES; k++) {
            int64_t s = a[i].got[k];
            assert_true(s >= 1 && s <= SERIAL_THREADS * SERIAL_TAKES);
            assert_int_equal(seen[s], 0);
            seen[s] = 1;
        }
    }
    free(a);
    ss_store_close(f.st);
}

/* ---- licences and status ------------------------------------------------------------------ */

static void lic_add__records_the_row_and_its_batch_once(void **state)
{
    lfx f;
    sc_err err = SC_ERR_INIT;
    ss_license in, out;

    (void)state;
    lfx_open(&f, "lic");
    fill_lic(&in, &f, ID1, 1);
    snprintf(in.batch_id, sizeof(in.batch_id), "batch-7");
    in.batch_row = 3;
    OK(ss_store_lic_add(f.st, &in, 300, NULL, &err), &err);
    OK(ss_store_lic_get(f.st, ID1, &out, &err), &err);
    assert_int_equal(out.status, SS_LIC_VALID);
    assert_string_equal(out.holder_name, "某某有限公司");
    assert_int_equal(out.fields_len, in.fields_len);
    assert_memory_equal(out.fields, in.fields, in.fields_len);
    assert_memory_equal(out.file_sm3, in.file_sm3, 32);
    assert_int_equal(out.valid_to, 0);
    assert_int_equal(out.created, 300);
    ss_license_clear(&out);
    OK(ss_store_lic_by_batch(f.st, f.client, "batch-7", 3, &out, &err), &err);
    assert_string_equal(out.zzbs, ID1);
    EXPECT(ss_store_lic_by_batch(f.st, f.client, "batch-7", 4, &out, &err), &err,
           SC_ENOTFOUND, "batch batch-7 row 4: no licence issued");
    /* the same batch row again, even under another identifier, is refused */
    fill_lic(&in, &f, ID2, 2);
    snprintf(in.batch_id, sizeof(in.batch_id), "batch-7");
    in.batch_row = 3;
    EXPECT(ss_store_lic_add(f.st, &in, 300, NULL, &err), &err, SS_ECONFLICT, NULL);
    /* the same identifier again */
    fill_lic(&in, &f, ID1, 1);
    EXPECT(ss_store_lic_add(f.st, &in, 300, NULL, &err), &err, SS_ECONFLICT, ID1);
    fill_lic(&in, &f, ID2, 0);
    EXPECT(ss_store_lic_add(f.st, &in, 300, NULL, &err), &err, SC_EINVAL, "version 0");
    fill_lic(&in, &f, ID2, 2);
    in.fields = (uint8_t *)"[1]";
    in.fields_len = 3;
    EXPECT(ss_store_lic_add(f.st, &in, 300, NULL, &err), &err, SC_EFORMAT,
           "not a JSON object");
    ss_store_close(f.st);
}

/* ss_store_lic_batch_rows: the rows of one client's batch in a range, in row order. */
typedef struct rows_seen {
    int64_t row[4];
    char zzbs[4][SS_LIC_ID_MAX + 1];
    int n, stop_at;
} rows_seen;

static int on_row(void *ctx, const ss_license *l)
{
    rows_seen *s = ctx;

    if (s->n == s->stop_at)
        return SC_ECRYPTO;                  /* any code: the caller's, handed back */
    s->row[s->n] = l->batch_row;
    memcpy(s->zzbs[s->n++], l->zzbs, sizeof(l->zzbs));
    return 0;
}

static void lic_batch_rows__a_range_of_one_batch_in_row_order(void **state)
{
    lfx f;
    sc_err err = SC_ERR_INIT;
    ss_license in;
    rows_seen s = { .stop_at = -1 };

    (void)state;
    lfx_open(&f, "lic-rows");
    fill_lic(&in, &f, ID2, 2);                  /* row 5 added first: order is by row */
    snprintf(in.batch_id, sizeof(in.batch_id), "batch-7");
    in.batch_row = 5;
    OK(ss_store_lic_add(f.st, &in, 300, NULL, &err), &err);
    fill_lic(&in, &f, ID1, 1);
    snprintf(in.batch_id, sizeof(in.batch_id), "batch-7");
    in.batch_row = 3;
    OK(ss_store_lic_add(f.st, &in, 300, NULL, &err), &err);
    OK(ss_store_lic_batch_rows(f.st, f.client, "batch-7", 3, 3, on_row, &s, &err), &err);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.row[0], 3);
    assert_string_equal(s.zzbs[0], ID1);
    assert_int_equal(s.row[1], 5);
    assert_string_equal(s.zzbs[1], ID2);
    s.n = 0;                                    /* [4, 5) and [6, 16): none; [5, 6): one */
    OK(ss_store_lic_batch_rows(f.st, f.client, "batch-7", 4, 1, on_row, &s, &err), &err);
    OK(ss_store_lic_batch_rows(f.st, f.client, "batch-7", 6, 10, on_row, &s, &err), &err);
    assert_int_equal(s.n, 0);
    OK(ss_store_lic_batch_rows(f.st, f.client, "batch-7", 5, 1, on_row, &s, &err), &err);
    assert_int_equal(s.n, 1);
    s.n = 0;                                    /* another batch, another client: none */
    OK(ss_store_lic_batch_rows(f.st, f.client, "batch-8", 0, 100, on_row, &s, &err), &err);
    OK(ss_store_lic_batch_rows(f.st, f.client + 1, "batch-7", 0, 100, on_row, &s, &err),
       &err);
    assert_int_equal(s.n, 0);
    s.stop_at = 1;                              /* the callback's code comes back */
    assert_int_equal(ss_store_lic_batch_rows(f.st, f.client, "batch-7", 0, 100, on_row, &s,
                                             &err), SC_ECRYPTO);
    EXPECT(ss_store_lic_batch_rows(f.st, f.client, "batch-7", 0, 0, on_row, &s, &err), &err,
           SC_EINVAL, "row range");
    EXPECT(ss_store_lic_batch_rows(f.st, f.client, "batch-7", INT64_MAX, 2, on_row, &s,
                                   &err), &err, SC_EINVAL, "row range");
    EXPECT(ss_store_lic_batch_rows(f.st, f.client, "bad id", 0, 1, on_row, &s, &err), &err,
           SC_EINVAL, "batch id");
    ss_store_close(f.st);
}

typedef struct hist {
    ss_lic_status_entry e[8];
    int n;
} hist;

static int hist_cb(void *ctx, const ss_lic_status_entry *e)
{
    hist *h = ctx;

    if (h->n < 8)
        h->e[h->n] = *e;
    h->n++;
    return 0;
}

static void lic_set_status__rules_and_history(void **state)
{
    lfx f;
    sc_err err = SC_ERR_INIT;
    ss_license in, out;
    hist h = { 0 };

    (void)state;
    lfx_open(&f, "status");
    fill_lic(&in, &f, ID1, 1);
    OK(ss_store_lic_add(f.st, &in, 300, NULL, &err), &err);
    fill_lic(&in, &f, ID2, 2);
    OK(ss_store_lic_add(f.st, &in, 305, NULL, &err), &err);
    EXPECT(ss_store_lic_set_status(f.st, ID1, SS_LIC_VALID, -1, NULL, NULL, f.client, 310,
                                   &err), &err, SS_ESTATE, "is valid already");
    OK(ss_store_lic_set_status(f.st, ID1, SS_LIC_SUSPENDED, 6, "check", NULL, f.client, 310,
                               &err), &err);
    OK(ss_store_lic_set_status(f.st, ID1, SS_LIC_VALID, -1, NULL, NULL, f.client, 320, &err),
       &err);
    EXPECT(ss_store_lic_set_status(f.st, ID1, SS_LIC_REVOKED, -1, "", NULL, f.client, 330,
                                   &err), &err, SC_EINVAL, "revocation needs a reason");
    EXPECT(ss_store_lic_set_status(f.st, ID1, SS_LIC_VOIDED, 4, NULL, NULL, f.client, 330,
                                   &err), &err, SC_EINVAL, "naming its re-issue");
    EXPECT(ss_store_lic_set_status(f.st, ID1, SS_LIC_VOIDED, 4, NULL, "1.2.156.3005.2.X",
                                   f.client, 330, &err), &err, SC_ENOTFOUND, "no such licence");
    OK(ss_store_lic_set_status(f.st, ID1, SS_LIC_VOIDED, 4, NULL, ID2, f.client, 330, &err),
       &err);
    EXPECT(ss_store_lic_set_status(f.st, ID1, SS_LIC_VALID, -1, NULL, NULL, f.client, 340,
                                   &err), &err, SS_ESTATE, "is voided: that is final");
    OK(ss_store_lic_get(f.st, ID1, &out, &err), &err);
    assert_int_equal(out.status, SS_LIC_VOIDED);
    assert_string_equal(out.replaced_by, ID2);
    ss_license_clear(&out);
    OK(ss_store_lic_history(f.st, ID1, hist_cb, &h, &err), &err);
    assert_int_equal(h.n, 4);
    assert_int_equal(h.e[0].status, SS_LIC_VALID);
    assert_int_equal(h.e[0].at, 300);
    assert_int_equal(h.e[0].reason, -1);
    assert_int_equal(h.e[1].status, SS_LIC_SUSPENDED);
    assert_int_equal(h.e[1].reason, 6);
    assert_string_equal(h.e[1].text, "check");
    assert_int_equal(h.e[2].status, SS_LIC_VALID);
    assert_int_equal(h.e[3].status, SS_LIC_VOIDED);
    assert_int_equal(h.e[3].reason, 4);
    assert_int_equal(h.e[3].actor, f.client);
    ss_store_close(f.st);
}

static void lic_set_status__trigger_keeps_revoked_final(void **state)
{
    lfx f;
    sc_err err = SC_ERR_INIT;
    ss_license in;

    (void)state;
    lfx_open(&f, "final");
    fill_lic(&in, &f, ID1, 1);
    OK(ss_store_lic_add(f.st, &in, 300, NULL, &err), &err);
    OK(ss_store_lic_set_status(f.st, ID1, SS_LIC_REVOKED, 1, NULL, NULL, f.client, 310, &err),
       &err);
    ss_store_close(f.st);
    /* any other writer cannot revive it either */
    assert_int_equal(st_sql(f.path, "UPDATE licenses SET status = 'valid'"), SQLITE_CONSTRAINT);
}

/* ---- files ------------------------------------------------------------------------------- */

/* The pack a place names: "p/<16 hex>.pack@<offset>" into path (under f's files directory);
 * returns the offset. Fails the test on any other form. */
static unsigned long long pack_of(const lfx *f, const char *loc, char *path, size_t size)
{
    char name[17];
    unsigned long long off;
    int end = 0;

    if (sscanf(loc, "p/%16[0-9a-f].pack@%llu%n", name, &off, &end) != 2 || strlen(name) != 16 ||
        loc[end] != '\0')
        fail_msg("place \"%s\": not p/<16 hex>.pack@<offset>", loc);
    snprintf(path, size, "%s.files/p/%s.pack", f->path, name);
    return off;
}

static void lic_file__packed_0600_and_checked_on_read(void **state)
{
    lfx f;
    sc_err err = SC_ERR_INIT;
    ss_license l;
    uint8_t sum[32], sum2[32], *back = NULL;
    size_t len = 0;
    char loc[SS_LIC_LOC_MAX + 1], loc2[SS_LIC_LOC_MAX + 1], path[600], path2[600];
    struct stat sb;
    FILE *fp;
    static const uint8_t ofd[] = "PK\x03\x04 a sealed licence";
    static const uint8_t ofd2[] = "PK\x03\x04 another one";

    (void)state;
    lfx_open(&f, "files");
    OK(ss_store_lic_file_put(f.st, ofd, sizeof(ofd), sum, loc, &err), &err);
    assert_int_equal(pack_of(&f, loc, path, sizeof(path)), 0);
    fill_lic(&l, &f, ID1, 1);
    memcpy(l.file_sm3, sum, 32);
    l.file_size = sizeof(ofd);
    snprintf(l.file_loc, sizeof(l.file_loc), "%s", loc);
    OK(ss_store_lic_file_get(f.st, &l, &back, &len, &err), &err);
    assert_int_equal(len, sizeof(ofd));
    assert_memory_equal(back, ofd, len);
    free(back);
    /* the next file follows it in the same pack, and reads back alone */
    OK(ss_store_lic_file_put_opts(f.st, ofd2, sizeof(ofd2), 1, sum2, loc2, &err), &err);
    assert_int_equal(pack_of(&f, loc2, path2, sizeof(path2)), sizeof(ofd));
    assert_string_equal(path2, path);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, sizeof(ofd) + sizeof(ofd2));
    /* changed on disk: caught */
    fp = fopen(path, "r+b");
    assert_non_null(fp);
    fputc('Q', fp);
    fclose(fp);
    EXPECT(ss_store_lic_file_get(f.st, &l, &back, &len, &err), &err, SS_ETAMPERED,
           "does not match the SM3");
    assert_null(back);
    /* a row naming bytes past the pack's end (a truncated pack) */
    l.file_size = sizeof(ofd) + sizeof(ofd2) + 1;
    EXPECT(ss_store_lic_file_get(f.st, &l, &back, &len, &err), &err, SS_ETAMPERED,
           "at offset 0");
    l.file_size = sizeof(ofd);
    /* places that are not exactly what the store writes are never opened */
    static const char *const bad[] = { "../../../../etc/passwd", "p/../../x.pack@0",
        "p/0123456789abcdeF.pack@0", "p/0123456789abcdef.pack@", "p/0123456789abcdef.pack@01",
        "p/0123456789abcdef.pack@-1", "p/0123456789abcdef.pack@1234567890123",
        "p/0123456789abcde.pack@0", "p/0123456789abcdef.pak@0", "ab/cd.ofd" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(l.file_loc, sizeof(l.file_loc), "%s", bad[i]);
        EXPECT(ss_store_lic_file_get(f.st, &l, &back, &len, &err), &err, SS_ETAMPERED,
               "is not one this store writes");
    }
    unlink(path);
    snprintf(l.file_loc, sizeof(l.file_loc), "%s", loc);
    EXPECT(ss_store_lic_file_get(f.st, &l, &back, &len, &err), &err, SC_ENOTFOUND,
           "No such file");
    ss_store_close(f.st);
}

/* A store written before packs: "ab/<SM3 hex>.ofd", one file each, still reads (and is
 * still checked). */
static void lic_file__the_one_file_layout_still_reads(void **state)
{
    lfx f;
    sc_err err = SC_ERR_INIT;
    ss_license l;
    uint8_t sum[32], *back = NULL;
    size_t len = 0;
    char hex[65], dir[600], path[700];
    static const uint8_t ofd[] = "PK\x03\x04 an older licence";
    unsigned int n = 0;
    FILE *fp;

    (void)state;
    lfx_open(&f, "files-v1");
    assert_int_equal(EVP_Digest(ofd, sizeof(ofd), sum, &n, EVP_sm3(), NULL), 1);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sum[i]);
    snprintf(dir, sizeof(dir), "%s.files", f.path);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(dir, sizeof(dir), "%s.files/%.2s", f.path, hex);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(path, sizeof(path), "%s/%s.ofd", dir, hex);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(ofd, 1, sizeof(ofd), fp), sizeof(ofd));
    assert_int_equal(fclose(fp), 0);
    fill_lic(&l, &f, ID1, 1);
    memcpy(l.file_sm3, sum, 32);
    l.file_size = sizeof(ofd);
    snprintf(l.file_loc, sizeof(l.file_loc), "%.2s/%s.ofd", hex, hex);
    OK(ss_store_lic_file_get(f.st, &l, &back, &len, &err), &err);
    assert_int_equal(len, sizeof(ofd));
    assert_memory_equal(back, ofd, len);
    free(back);
    l.file_size = sizeof(ofd) - 1;                        /* a size the file does not have */
    EXPECT(ss_store_lic_file_get(f.st, &l, &back, &len, &err), &err, SS_ETAMPERED,
           "bytes, the store recorded");
    ss_store_close(f.st);
}

/* Put data, then read it back through a row naming loc; fills loc. */
static void put_get(lfx *f, const uint8_t *data, size_t len, char loc[SS_LIC_LOC_MAX + 1])
{
    sc_err err = SC_ERR_INIT;
    ss_license l;
    uint8_t *back = NULL;
    size_t n = 0;

    fill_lic(&l, f, ID1, 1);
    OK(ss_store_lic_file_put(f->st, data, len, l.file_sm3, loc, &err), &err);
    l.file_size = (int64_t)len;
    snprintf(l.file_loc, sizeof(l.file_loc), "%s", loc);
    OK(ss_store_lic_file_get(f->st, &l, &back, &n, &err), &err);
    assert_int_equal(n, len);
    assert_memory_equal(back, data, len);
    free(back);
}

/* A file that would pass the pack limit opens the next pack; one larger than the limit gets
 * a pack of its own. When the next pack cannot be made the put fails and the pack in use,
 * its name included, is kept: a file that still fits goes there, under that pack's name. */
static void lic_file__packs_roll_over_and_a_failed_roll_keeps_the_old_one(void **state)
{
    lfx f;
    sc_err err = SC_ERR_INIT;
    uint8_t a[100], big[300], sum[32];
    char l1[SS_LIC_LOC_MAX + 1], l2[SS_LIC_LOC_MAX + 1], l3[SS_LIC_LOC_MAX + 1];
    char l4[SS_LIC_LOC_MAX + 1], l5[SS_LIC_LOC_MAX + 1], p1[600], p2[600], p3[600];
    char pdir[600], keep[600];

    (void)state;
    memset(a, 'a', sizeof(a));
    memset(big, 'b', sizeof(big));
    lfx_open(&f, "files-roll");
    ss_store_lic_pack_limit(f.st, 250);
    put_get(&f, a, sizeof(a), l1);                      /* 0..100 */
    put_get(&f, a, sizeof(a), l2);                      /* 100..200 */
    assert_int_equal(pack_of(&f, l2, p2, sizeof(p2)), 100);
    put_get(&f, a, sizeof(a), l3);                      /* 300 > 250: the next pack */
    assert_int_equal(pack_of(&f, l3, p3, sizeof(p3)), 0);
    pack_of(&f, l1, p1, sizeof(p1));
    assert_string_equal(p1, p2);
    assert_string_not_equal(p1, p3);
    put_get(&f, big, sizeof(big), l4);                  /* larger than the limit: its own */
    assert_int_equal(pack_of(&f, l4, p2, sizeof(p2)), 0);
    assert_string_not_equal(p2, p3);
    /* the pack directory made unusable: the next pack cannot be created */
    snprintf(pdir, sizeof(pdir), "%s.files/p", f.path);
    snprintf(keep, sizeof(keep), "%s.files/p.keep", f.path);
    assert_int_equal(rename(pdir, keep), 0);
    assert_int_equal(close(open(pdir, O_WRONLY | O_CREAT | O_EXCL, 0600)), 0);  /* a file */
    EXPECT(ss_store_lic_file_put(f.st, big, sizeof(big), sum, l5, &err), &err, SC_EIO,
           "cannot");
    assert_string_equal(l5, "");
    assert_int_equal(unlink(pdir), 0);
    assert_int_equal(rename(keep, pdir), 0);
    ss_store_lic_pack_limit(f.st, 1000);
    put_get(&f, a, sizeof(a), l5);                      /* fits the pack in use */
    assert_int_equal(pack_of(&f, l5, p3, sizeof(p3)), sizeof(big));
    assert_string_equal(p3, p2);
    ss_store_close(f.st);
}

/* Threads putting at once each get their own range: every file reads back whole. */
#define PUT_THREADS 4
#define PUTS 50
typedef struct put_job {
    ss_store *st;
    int t;
    char loc[PUTS][SS_LIC_LOC_MAX + 1];
    uint8_t sum[PUTS][32];
    int failed;
} put_job;

static void *put_many(void *arg)
{
    put_job *j = arg;

    for (int i = 0; i < PUTS; i++) {
        sc_err err = SC_ERR_INIT;
        uint8_t buf[300];
        memset(buf, 'a' + j->t, sizeof(buf));
        buf[0] = (uint8_t)i;
        if (ss_store_lic_file_put_opts(j->st, buf, 100 + (size_t)i, 1, j->sum[i], j->loc[i],
                                       &err) != 0)
            j->failed = 1;
    }
    return NULL;
}

/* Every file the put jobs wrote reads back whole: its size and SM3 (the store checks them),
 * its first byte the put's number, its last the thread's letter. */
static void puts_read_back(lfx *f, const put_job *jobs)
{
    for (int t = 0; t < PUT_THREADS; t++) {
        assert_int_equal(jobs[t].failed, 0);
        for (int i = 0; i < PUTS; i++) {
            sc_err err = SC_ERR_INIT;
            ss_license l;
            uint8_t *back = NULL;
            size_t len = 0;
            fill_lic(&l, f, ID1, 1);
            memcpy(l.file_sm3, jobs[t].sum[i], 32);
            l.file_size = 100 + i;
            snprintf(l.file_loc, sizeof(l.file_loc), "%s", jobs[t].loc[i]);
            OK(ss_store_lic_file_get(f->st, &l, &back, &len, &err), &err);
            assert_int_equal(back[0], i);
            assert_int_equal(back[len - 1], 'a' + t);
            free(back);
        }
    }
}

/* The put jobs on PUT_THREADS threads at once, all ended. */
static void run_puts(ss_store *st, put_job *jobs)
{
    pthread_t th[PUT_THREADS];

    for (int t = 0; t < PUT_THREADS; t++) {
        jobs[t].st = st;
        jobs[t].t = t;
        assert_int_equal(pthread_create(&th[t], NULL, put_many, &jobs[t]), 0);
    }
    for (int t = 0; t < PUT_THREADS; t++)
        pthread_join(th[t], NULL);
}

typedef struct sync_job {
    ss_store *st;
    _Atomic int done;
    int failed;
    _Atomic long syncs;
} sync_job;

static void *sync_loop(void *arg)
{
    sync_job *s = arg;

    while (!atomic_load(&s->done)) {
        sc_err err = SC_ERR_INIT;
        if (ss_store_lic_files_sync(s->st, 0, &err) != 0)
            s->failed = 1;
        s->syncs++;
    }
    return NULL;
}

/* The same with a pack closed every few files and a group commit's flush running all the
 * while: a pack is only flushed and closed once the writes into it are over, and no writer
 * or flusher waits for ever (the test ends). */
static void lic_file__threads_across_pack_rotations_and_flushes(void **state)
{
    lfx f;
    pthread_t syncer;
    put_job *jobs = calloc(PUT_THREADS, sizeof(*jobs));
    sync_job sj = { 0 };
    char dir[600];
    struct dirent *d;
    DIR *dp;
    int packs = 0;

    (void)state;
    assert_non_null(jobs);
    lfx_open(&f, "files-rotations");
    ss_store_lic_pack_limit(f.st, 1500);        /* ~11 files (100-149 bytes) a pack */
    sj.st = f.st;
    assert_int_equal(pthread_create(&syncer, NULL, sync_loop, &sj), 0);
    while (atomic_load(&sj.syncs) == 0)   /* flushing already when the writers start */
        sched_yield();
    run_puts(f.st, jobs);
    atomic_store(&sj.done, 1);
    pthread_join(syncer, NULL);
    assert_int_equal(sj.failed, 0);
    assert_true(sj.syncs > 0);
    /* a flush failure counted since the caller's baseline (reported to whoever flushed
     * first) fails its flush too: a baseline that is not the store's count stands in for it */
    {
        sc_err err = SC_ERR_INIT;
        uint64_t n = ss_store_lic_files_errors(f.st);
        OK(ss_store_lic_files_sync(f.st, n, &err), &err);
        EXPECT(ss_store_lic_files_sync(f.st, n + 1, &err), &err, SC_EIO,
               "a flush of the packs failed since these files were written");
    }
    puts_read_back(&f, jobs);
    snprintf(dir, sizeof(dir), "%s.files/p", f.path);
    assert_non_null(dp = opendir(dir));
    while ((d = readdir(dp)) != NULL)
        packs += strstr(d->d_name, ".pack") != NULL;
    closedir(dp);
    if (packs < PUT_THREADS * PUTS * 250 / 1500 / 2)
        fail_msg("%d packs: the limit did not close packs as expected", packs);
    free(jobs);
    ss_store_close(f.st);
}

static void lic_file__threads_never_share_a_range(void **state)
{
    lfx f;
    put_job *jobs = calloc(PUT_THREADS, sizeof(*jobs));

    (void)state;
    assert_non_null(jobs);
    lfx_open(&f, "files-threads");
    run_puts(f.st, jobs);
    puts_read_back(&f, jobs);
    free(jobs);
    ss_store_close(f.st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(store_open__migrates_a_version_1_store),
        cmocka_unit_test(lic_type__add_get_list_files),
        cmocka_unit_test(lic_grant__names_client_seal_and_type),
        cmocka_unit_test(lic_serial__ranges_follow_each_other_per_type_and_issuer),
        cmocka_unit_test(lic_serial__threads_never_get_the_same_number),
        cmocka_unit_test(lic_add__records_the_row_and_its_batch_once),
        cmocka_unit_test(lic_batch_rows__a_range_of_one_batch_in_row_order),
        cmocka_unit_test(lic_set_status__rules_and_history),
        cmocka_unit_test(lic_set_status__trigger_keeps_revoked_final),
        cmocka_unit_test(lic_file__packed_0600_and_checked_on_read),
        cmocka_unit_test(lic_file__the_one_file_layout_still_reads),
        cmocka_unit_test(lic_file__threads_never_share_a_range),
        cmocka_unit_test(lic_file__threads_across_pack_rotations_and_flushes),
        cmocka_unit_test(lic_file__packs_roll_over_and_a_failed_roll_keeps_the_old_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
