/* test_store.c: opening and migrating the SQLite store, transactions, bearer tokens and roles,
 * units, API clients and idempotency records (store.h). Seals and grants: test_store_seal.c;
 * the audit chain: test_audit.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_test.h"

#define USCC "91330000MA27XK0Q3B"
#define USCC2 "12330000002482145E"

/* ---- open and migrations --------------------------------------------------------------- */

static void store_open__creates_file_0600(void **state)
{
    struct stat sb;
    ss_store *st = NULL;
    sc_err err = SC_ERR_INIT;
    char p[400];
    int v = 0;

    (void)state;
    umask(022);   /* a umask that would give 0644: the store still makes 0600 */
    snprintf(p, sizeof(p), "%s", st_path("mode"));
    OK(ss_store_open_sqlite(&st, p, &err), &err);
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    OK(ss_store_schema_version(st, &v, &err), &err);
    assert_int_equal(v, SS_STORE_SCHEMA_VERSION);
    st_unit(st, USCC);
    {
        char wal[420];   /* SQLite gives the WAL the database file's mode */
        snprintf(wal, sizeof(wal), "%s-wal", p);
        assert_int_equal(stat(wal, &sb), 0);
        assert_int_equal(sb.st_mode & 0777, 0600);
    }
    ss_store_close(st);
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
}

static void store_open__refuses_a_file_others_can_read(void **state)
{
    ss_store *st = NULL;
    ss_sqlite_opts opts = { 0, 0, 1 };
    sc_err err = SC_ERR_INIT;
    char p[400];

    (void)state;
    snprintf(p, sizeof(p), "%s", st_path("shared"));
    OK(ss_store_open_sqlite(&st, p, &err), &err);
    ss_store_close(st);
    assert_int_equal(chmod(p, 0644), 0);
    st = (ss_store *)1;
    EXPECT(ss_store_open_sqlite(&st, p, &err), &err, SC_EINVAL,
           "mode 0644 lets other users read it");
    assert_null(st);
    assert_non_null(strstr(err.msg, "chmod 600"));
    sc_err_clear(&err);
    OK(ss_store_open_sqlite_opts(&st, p, &opts, &err), &err);   /* explicitly allowed */
    ss_store_close(st);
}

static void store_open__migrates_once_and_reopens(void **state)
{
    ss_store *st = NULL;
    sc_err err = SC_ERR_INIT;
    sqlite3 *db;
    sqlite3_stmt *s;
    char p[400];
    int i, v = 0;

    (void)state;
    snprintf(p, sizeof(p), "%s", st_path("reopen"));
    for (i = 0; i < 3; i++) {
        OK(ss_store_open_sqlite(&st, p, &err), &err);
        if (i == 0)
            st_unit(st, USCC);
        OK(ss_store_schema_version(st, &v, &err), &err);
        assert_int_equal(v, SS_STORE_SCHEMA_VERSION);
        ss_store_close(st);
    }
    db = st_raw(p);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), (SELECT count(*) FROM units), "
                                        "(SELECT journal_mode FROM pragma_journal_mode) "
                                        "FROM schema_version", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), SS_STORE_SCHEMA_VERSION);   /* one row per
                                                                           migration, once */
    assert_int_equal(sqlite3_column_int(s, 1), 1);        /* data kept */
    assert_string_equal((const char *)sqlite3_column_text(s, 2), "wal");
    sqlite3_finalize(s);
    sqlite3_close(db);
}

static void store_open__refuses_a_newer_schema(void **state)
{
    ss_store *st = NULL;
    sc_err err = SC_ERR_INIT;
    char p[400];

    (void)state;
    snprintf(p, sizeof(p), "%s", st_path("newer"));
    OK(ss_store_open_sqlite(&st, p, &err), &err);
    ss_store_close(st);
    assert_int_equal(st_sql(p, "INSERT INTO schema_version VALUES (99, 0)"), SQLITE_OK);
    EXPECT(ss_store_open_sqlite(&st, p, &err), &err, SC_EUNSUPPORTED,
           "schema version 99 is newer than this program's");
    assert_null(st);
}

static void store_open__refuses_what_is_not_a_store(void **state)
{
    ss_store *st = NULL;
    sc_err err = SC_ERR_INIT;
    char p[400];
    FILE *f;

    (void)state;
    snprintf(p, sizeof(p), "%s", st_path("foreign"));
    assert_int_equal(st_sql(p, "CREATE TABLE t (x)"), SQLITE_OK);
    chmod(p, 0600);
    EXPECT(ss_store_open_sqlite(&st, p, &err), &err, SC_EIO, "not a sealpki store");

    sc_err_clear(&err);
    snprintf(p, sizeof(p), "%s", st_path("other_app"));
    assert_int_equal(st_sql(p, "PRAGMA application_id = 7"), SQLITE_OK);
    chmod(p, 0600);
    EXPECT(ss_store_open_sqlite(&st, p, &err), &err, SC_EIO, "another application");

    sc_err_clear(&err);
    snprintf(p, sizeof(p), "%s", st_path("garbage"));
    f = fopen(p, "w");
    assert_non_null(f);
    fputs("this is not a database, but long enough to look like one's header.....\n", f);
    fclose(f);
    chmod(p, 0600);
    EXPECT(ss_store_open_sqlite(&st, p, &err), &err, SC_EIO, "not a database");
    assert_null(st);
}

static void store_open__bad_arguments(void **state)
{
    ss_store *st = NULL;
    sc_err err = SC_ERR_INIT;

    (void)state;
    EXPECT(ss_store_open_sqlite(&st, NULL, &err), &err, SC_EINVAL, "no database path");
    sc_err_clear(&err);
    EXPECT(ss_store_open_sqlite(&st, "", &err), &err, SC_EINVAL, "no database path");
    sc_err_clear(&err);
    EXPECT(ss_store_open_sqlite(NULL, "x.db", &err), &err, SC_EINVAL, "no output handle");
    sc_err_clear(&err);
    EXPECT(ss_store_open_sqlite(&st, "/nonexistent-dir/x/y.db", &err), &err, SC_EIO,
           "cannot create");
    sc_err_clear(&err);
    EXPECT(ss_store_open_sqlite(&st, "/tmp", &err), &err, SC_EINVAL, "not a regular file");
    ss_store_close(NULL);   /* no-op */
}

/* A link to a missing file: stat says ENOENT, and open(O_CREAT | O_EXCL) says EEXIST because
 * the link itself exists. The store used to retry that pair without end. */
static void store_open__refuses_a_link_to_nothing(void **state)
{
    ss_store *st = (ss_store *)1;
    sc_err err = SC_ERR_INIT;
    char p[400], target[420];

    (void)state;
    snprintf(p, sizeof(p), "%s", st_path("dangling"));
    snprintf(target, sizeof(target), "%s.missing", p);
    assert_int_equal(symlink(target, p), 0);
    EXPECT(ss_store_open_sqlite(&st, p, &err), &err, SC_EINVAL,
           "a symbolic link to a missing file");
    assert_null(st);
    assert_int_equal(unlink(p), 0);
}

/* ---- tokens and roles ------------------------------------------------------------------ */

static void token_new__hash_matches_token_hash(void **state)
{
    char a[SS_TOKEN_BUF], b[SS_TOKEN_BUF];
    uint8_t ha[32], hb[32], h[32];
    sc_err err = SC_ERR_INIT;

    (void)state;
    OK(ss_token_new(a, ha, &err), &err);
    OK(ss_token_new(b, hb, &err), &err);
    assert_int_equal(strlen(a), SS_TOKEN_LEN);
    assert_string_not_equal(a, b);
    OK(ss_token_hash(a, h, &err), &err);
    assert_memory_equal(h, ha, 32);
    assert_memory_not_equal(ha, hb, 32);
}

static void token_hash__rejects_each_malformed_token(void **state)
{
    static const struct { const char *tok; const char *msg; } bad[] = {
        { "", "0 characters, expected 43" },
        { "abc", "3 characters, expected 43" },
        { "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "42 characters" },
        { "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "more than 43 characters" },
        { "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+", "character 43 is not base64url" },
        { "AAAAAAAAAAAAAAAAAA=AAAAAAAAAAAAAAAAAAAAAAAA", "character 19 is not base64url" },
        { "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", "not an encoding of 32 bytes" },
    };
    uint8_t h[32];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sc_err err = SC_ERR_INIT;
        int rc = ss_token_hash(bad[i].tok, h, &err);
        if (rc != SC_EFORMAT || strstr(err.msg, bad[i].msg) == NULL)
            fail_msg("row %zu: got %d \"%s\"", i, rc, err.msg);
    }
    {
        sc_err err = SC_ERR_INIT;
        OK(ss_token_hash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE", h, &err), &err);
        EXPECT(ss_token_hash(NULL, h, &err), &err, SC_EINVAL, "missing");
    }
}

static void role__names_round_trip(void **state)
{
    static const char *const names[] = { "admin", "seal-officer", "operator", "auditor",
                                         "verifier" };
    size_t i;

    (void)state;
    for (i = 0; i < 5; i++) {
        assert_int_equal(ss_role_from_name(names[i]), 1u << i);
        assert_string_equal(ss_role_name(1u << i), names[i]);
    }
    assert_int_equal(ss_role_from_name("root"), 0);
    assert_int_equal(ss_role_from_name(NULL), 0);
    assert_null(ss_role_name(SS_ROLE_ADMIN | SS_ROLE_AUDITOR));
    assert_null(ss_role_name(1u << 5));
    assert_string_equal(ss_err_name(SS_EEXPIRED), "EEXPIRED");
    assert_string_equal(ss_err_name(SC_ENOTFOUND), "ENOTFOUND");
}

/* ---- units ----------------------------------------------------------------------------- */

static void unit_add__then_found_by_id_and_code(void **state)
{
    ss_store *st = st_open("unit");
    sc_err err = SC_ERR_INIT;
    ss_unit u;
    int64_t id = st_unit(st, USCC);

    (void)state;
    OK(ss_store_unit_get(st, id, &u, &err), &err);
    assert_string_equal(u.code, USCC);
    assert_string_equal(u.name, "某省人力资源和社会保障厅");
    assert_int_equal(u.created, 1000);
    OK(ss_store_unit_by_code(st, USCC, &u, &err), &err);
    assert_int_equal(u.id, id);
    EXPECT(ss_store_unit_get(st, id + 1, &u, &err), &err, SC_ENOTFOUND, "no such unit");
    sc_err_clear(&err);
    EXPECT(ss_store_unit_by_code(st, USCC2, &u, &err), &err, SC_ENOTFOUND,
           "unit " USCC2 ": no such unit");
    sc_err_clear(&err);
    EXPECT(ss_store_unit_add(st, USCC, "again", 1, NULL, &err), &err, SS_ECONFLICT,
           "already exists");
    ss_store_close(st);
}

static void unit_add__rejects_each_bad_input(void **state)
{
    static const struct { const char *code, *name; int rc; const char *msg; } bad[] = {
        { "91330000MA27XK0Q3", "x", SC_EINVAL, "17 characters, a unified social credit" },
        { "91330000MA27XK0Q3BB", "x", SC_EINVAL, "more than 18 characters" },
        { "91330000MA27XK0QIB", "x", SC_EINVAL, "character 17 is not one of" },
        { "91330000ma27xk0q3b", "x", SC_EINVAL, "character 9 is not one of" },
        { NULL, "x", SC_EINVAL, "unit code: missing" },
        { USCC, "", SC_EINVAL, "unit name: empty" },
        { USCC, NULL, SC_EINVAL, "unit name: missing" },
        { USCC, "bad\xff", SC_EINVAL, "unit name: not valid UTF-8 at byte 3" },
        { USCC, "\xe5\x8e", SC_EINVAL, "not valid UTF-8 at byte 0" },
        { USCC, "\xc0\xaf", SC_EINVAL, "not valid UTF-8" },            /* overlong '/' */
        { USCC, "\xed\xa0\x80", SC_EINVAL, "not valid UTF-8" },        /* surrogate */
        { USCC, "tab\there", SC_EINVAL, "control character 0x09 at byte 3" },
    };
    ss_store *st = st_open("unit_bad");
    char name[SS_NAME_MAX + 2];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sc_err err = SC_ERR_INIT;
        int rc = ss_store_unit_add(st, bad[i].code, bad[i].name, 1, NULL, &err);
        if (rc != bad[i].rc || strstr(err.msg, bad[i].msg) == NULL)
            fail_msg("row %zu: got %d \"%s\"", i, rc, err.msg);
    }
    /* the name limit at N and N+1 */
    memset(name, 'a', sizeof(name));
    name[SS_NAME_MAX + 1] = '\0';
    {
        sc_err err = SC_ERR_INIT;
        EXPECT(ss_store_unit_add(st, USCC, name, 1, NULL, &err), &err, SC_ELIMIT,
               "unit name: longer than 256 bytes");
        name[SS_NAME_MAX] = '\0';
        sc_err_clear(&err);
        OK(ss_store_unit_add(st, USCC, name, 1, NULL, &err), &err);
    }
    ss_store_close(st);
}

struct collect { int n; int64_t last; int stop_at; };

static int collect_unit(void *ctx, const ss_unit *u)
{
    struct collect *c = ctx;
    c->n++;
    c->last = u->id;
    return c->n == c->stop_at ? -77 : 0;
}

static void unit_list__pages_by_id_and_limits(void **state)
{
    static const char *const codes[] = { "91330000MA27XK0Q31", "91330000MA27XK0Q32",
                                         "91330000MA27XK0Q33", "91330000MA27XK0Q34",
                                         "91330000MA27XK0Q35" };
    ss_store *st = st_open("unit_list");
    struct collect c = { 0, 0, 0 };
    sc_err err = SC_ERR_INIT;
    size_t i;

    (void)state;
    for (i = 0; i < 5; i++)
        st_unit(st, codes[i]);
    OK(ss_store_unit_list(st, 0, 2, collect_unit, &c, &err), &err);
    assert_int_equal(c.n, 2);
    OK(ss_store_unit_list(st, c.last, 2, collect_unit, &c, &err), &err);
    OK(ss_store_unit_list(st, c.last, 2, collect_unit, &c, &err), &err);
    assert_int_equal(c.n, 5);
    assert_int_equal(c.last, 5);
    OK(ss_store_unit_list(st, 0, SS_LIST_MAX, collect_unit, &c, &err), &err);   /* N */
    EXPECT(ss_store_unit_list(st, 0, SS_LIST_MAX + 1, collect_unit, &c, &err), &err,
           SC_EINVAL, "list limit 1001: allowed 1..1000");                         /* N+1 */
    sc_err_clear(&err);
    EXPECT(ss_store_unit_list(st, 0, 0, collect_unit, &c, &err), &err, SC_EINVAL, "limit 0");
    sc_err_clear(&err);
    EXPECT(ss_store_unit_list(st, 0, 5, NULL, &c, &err), &err, SC_EINVAL, "no callback");
    c.n = 0;
    c.stop_at = 3;   /* the callback's own code stops the walk and comes back */
    assert_int_equal(ss_store_unit_list(st, 0, 5, collect_unit, &c, NULL), -77);
    assert_int_equal(c.n, 3);
    ss_store_close(st);
}

/* ---- API clients ----------------------------------------------------------------------- */

static void fill_client(ss_client *c, const char *name, uint32_t roles)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "%s", name);
    c->roles = roles;
}

static void client_by_token_hash__finds_the_client(void **state)
{
    ss_store *st = st_open("client_token");
    sc_err err = SC_ERR_INIT;
    ss_client in, out;
    char tok[SS_TOKEN_BUF];
    uint8_t h[32];
    int64_t id = 0;

    (void)state;
    fill_client(&in, "approval-system", SS_ROLE_OPERATOR | SS_ROLE_VERIFIER);
    in.has_token = 1;
    OK(ss_token_new(tok, in.token_hash, &err), &err);
    OK(ss_store_client_add(st, &in, 1234, &id, &err), &err);
    OK(ss_token_hash(tok, h, &err), &err);
    OK(ss_store_client_by_token_hash(st, h, &out, &err), &err);
    assert_int_equal(out.id, id);
    assert_string_equal(out.name, "approval-system");
    assert_int_equal(out.roles, SS_ROLE_OPERATOR | SS_ROLE_VERIFIER);
    assert_true(out.has_token);
    assert_false(out.has_cert_sha256);
    assert_string_equal(out.cert_subject, "");
    assert_int_equal(out.created, 1234);
    h[0] ^= 1;
    EXPECT(ss_store_client_by_token_hash(st, h, &out, &err), &err, SC_ENOTFOUND,
           "no API client has this bearer token");
    ss_store_close(st);
}

static void client_by_cert__fingerprint_pins_and_subject_matches(void **state)
{
    ss_store *st = st_open("client_cert");
    sc_err err = SC_ERR_INIT;
    ss_client in, out;
    uint8_t fp[32], other[32];
    int64_t pinned = 0, by_subject = 0;

    (void)state;
    memset(fp, 0xab, 32);
    memset(other, 0xcd, 32);
    fill_client(&in, "city-node", SS_ROLE_OPERATOR);
    snprintf(in.cert_subject, sizeof(in.cert_subject), "CN=city-node,O=Zhejiang,C=CN");
    in.has_cert_sha256 = 1;
    memcpy(in.cert_sha256, fp, 32);
    OK(ss_store_client_add(st, &in, 1, &pinned, &err), &err);
    fill_client(&in, "bank", SS_ROLE_VERIFIER);
    snprintf(in.cert_subject, sizeof(in.cert_subject), "CN=bank,O=Bank,C=CN");
    OK(ss_store_client_add(st, &in, 1, &by_subject, &err), &err);

    OK(ss_store_client_by_cert(st, NULL, fp, &out, &err), &err);           /* pin alone */
    assert_int_equal(out.id, pinned);
    OK(ss_store_client_by_cert(st, "CN=whatever", fp, &out, &err), &err);  /* pin wins */
    assert_int_equal(out.id, pinned);
    OK(ss_store_client_by_cert(st, "CN=bank,O=Bank,C=CN", other, &out, &err), &err);
    assert_int_equal(out.id, by_subject);   /* any certificate with that subject */
    OK(ss_store_client_by_cert(st, "CN=bank,O=Bank,C=CN", NULL, &out, &err), &err);
    assert_int_equal(out.id, by_subject);
    /* the pinned client's subject on another certificate: refused */
    EXPECT(ss_store_client_by_cert(st, "CN=city-node,O=Zhejiang,C=CN", other, &out, &err),
           &err, SC_ENOTFOUND, "pinned to another certificate");
    sc_err_clear(&err);
    EXPECT(ss_store_client_by_cert(st, "CN=Bank,O=Bank,C=CN", other, &out, &err), &err,
           SC_ENOTFOUND, "no API client has this certificate (subject \"CN=Bank");
    sc_err_clear(&err);
    EXPECT(ss_store_client_by_cert(st, NULL, NULL, &out, &err), &err, SC_EINVAL,
           "no subject or fingerprint");
    ss_store_close(st);
}

static void client_disabled__is_refused_then_enabled_again(void **state)
{
    ss_store *st = st_open("client_disabled");
    sc_err err = SC_ERR_INIT;
    ss_client in, out;
    char tok[SS_TOKEN_BUF];
    uint8_t h[32], fp[32];
    int64_t id = 0;

    (void)state;
    memset(fp, 7, 32);
    fill_client(&in, "old-system", SS_ROLE_OPERATOR);
    in.has_token = 1;
    in.has_cert_sha256 = 1;
    memcpy(in.cert_sha256, fp, 32);
    OK(ss_token_new(tok, in.token_hash, &err), &err);
    OK(ss_store_client_add(st, &in, 1, &id, &err), &err);
    OK(ss_store_client_disable(st, id, &err), &err);
    OK(ss_token_hash(tok, h, &err), &err);
    EXPECT(ss_store_client_by_token_hash(st, h, &out, &err), &err, SS_EDISABLED,
           "(old-system) is disabled");
    assert_int_equal(out.id, id);   /* filled for the log */
    sc_err_clear(&err);
    EXPECT(ss_store_client_by_cert(st, NULL, fp, &out, &err), &err, SS_EDISABLED,
           "is disabled");
    sc_err_clear(&err);
    OK(ss_store_client_get(st, id, &out, &err), &err);   /* admins still see it */
    assert_true(out.disabled);
    OK(ss_store_client_set_disabled(st, id, 0, &err), &err);
    OK(ss_store_client_by_token_hash(st, h, &out, &err), &err);
    assert_false(out.disabled);
    EXPECT(ss_store_client_disable(st, id + 100, &err), &err, SC_ENOTFOUND,
           "no such API client");
    ss_store_close(st);
}

static void client_add__rejects_each_bad_input(void **state)
{
    ss_store *st = st_open("client_bad");
    sc_err err = SC_ERR_INIT;
    ss_client in;

    (void)state;
    fill_client(&in, "nobody", SS_ROLE_ADMIN);
    EXPECT(ss_store_client_add(st, &in, 1, NULL, &err), &err, SC_EINVAL,
           "client nobody: no credential");
    sc_err_clear(&err);
    fill_client(&in, "x", 0);
    in.has_token = 1;
    EXPECT(ss_store_client_add(st, &in, 1, NULL, &err), &err, SC_EINVAL, "roles 0x0");
    sc_err_clear(&err);
    fill_client(&in, "x", 1u << 5);
    in.has_token = 1;
    EXPECT(ss_store_client_add(st, &in, 1, NULL, &err), &err, SC_EINVAL, "roles 0x20");
    sc_err_clear(&err);
    fill_client(&in, "", SS_ROLE_ADMIN);
    in.has_token = 1;
    EXPECT(ss_store_client_add(st, &in, 1, NULL, &err), &err, SC_EINVAL, "client name: empty");
    sc_err_clear(&err);
    fill_client(&in, "x", SS_ROLE_ADMIN);
    snprintf(in.cert_subject, sizeof(in.cert_subject), "CN=a\nb");
    EXPECT(ss_store_client_add(st, &in, 1, NULL, &err), &err, SC_EINVAL,
           "certificate subject: control character 0x0a");
    sc_err_clear(&err);
    EXPECT(ss_store_client_add(st, NULL, 1, NULL, &err), &err, SC_EINVAL, "no input");
    /* unique subject */
    sc_err_clear(&err);
    fill_client(&in, "one", SS_ROLE_ADMIN);
    snprintf(in.cert_subject, sizeof(in.cert_subject), "CN=one");
    OK(ss_store_client_add(st, &in, 1, NULL, &err), &err);
    snprintf(in.name, sizeof(in.name), "two");
    EXPECT(ss_store_client_add(st, &in, 1, NULL, &err), &err, SS_ECONFLICT,
           "client two: already exists");
    ss_store_close(st);
}

/* Authentication results are kept by the root handle (store_client_cache.c): a change made
 * through it is seen by the next lookup, whether committed alone or by a transaction, and a
 * transaction's change only once it commits. */
static void client_cache__changes_are_seen_at_once(void **state)
{
    ss_store *st = NULL, *other = NULL, *tx = NULL;
    sc_err err = SC_ERR_INIT;
    ss_client in, out;
    char tok[SS_TOKEN_BUF], path[320];
    uint8_t h[32], h2[32], fp[32], fp2[32];
    int64_t id = 0;

    (void)state;
    snprintf(path, sizeof(path), "%s", st_path("client_cache"));
    OK(ss_store_open_sqlite(&st, path, &err), &err);
    memset(fp, 9, 32);
    fill_client(&in, "cached", SS_ROLE_OPERATOR);
    in.has_token = 1;
    in.has_cert_sha256 = 1;
    memcpy(in.cert_sha256, fp, 32);
    OK(ss_token_new(tok, in.token_hash, &err), &err);
    memcpy(h, in.token_hash, 32);
    OK(ss_store_client_add(st, &in, 1, &id, &err), &err);
    memset(fp2, 10, 32);
    fill_client(&in, "by-subject", SS_ROLE_VERIFIER);
    snprintf(in.cert_subject, sizeof(in.cert_subject), "CN=by-subject");
    OK(ss_store_client_add(st, &in, 1, NULL, &err), &err);
    for (int i = 0; i < 2; i++) {   /* read, then kept */
        OK(ss_store_client_by_token_hash(st, h, &out, &err), &err);
        assert_int_equal(out.id, id);
        OK(ss_store_client_by_cert(st, "CN=any", fp, &out, &err), &err);
        assert_int_equal(out.id, id);
        OK(ss_store_client_by_cert(st, "CN=by-subject", fp2, &out, &err), &err);
        assert_string_equal(out.name, "by-subject");
        /* the subject is part of what was looked up, not only the fingerprint */
        EXPECT(ss_store_client_by_cert(st, "CN=other", fp2, &out, &err), &err, SC_ENOTFOUND,
               NULL);
        sc_err_clear(&err);
    }
    /* disabled: refused by both credentials at once; enabled again: accepted */
    OK(ss_store_client_disable(st, id, &err), &err);
    EXPECT(ss_store_client_by_token_hash(st, h, &out, &err), &err, SS_EDISABLED, NULL);
    sc_err_clear(&err);
    EXPECT(ss_store_client_by_cert(st, NULL, fp, &out, &err), &err, SS_EDISABLED, NULL);
    sc_err_clear(&err);
    OK(ss_store_client_set_disabled(st, id, 0, &err), &err);
    OK(ss_store_client_by_token_hash(st, h, &out, &err), &err);
    OK(ss_store_client_by_token_hash(st, h, &out, &err), &err);
    /* a rotation in a transaction: the old token works until the commit, not after */
    OK(ss_token_new(tok, h2, &err), &err);
    OK(ss_store_tx_begin(st, &tx, &err), &err);
    OK(ss_store_client_set_token(tx, id, h2, &err), &err);
    OK(ss_store_client_by_token_hash(st, h, &out, &err), &err);
    OK(ss_store_tx_commit(tx, &err), &err);
    EXPECT(ss_store_client_by_token_hash(st, h, &out, &err), &err, SC_ENOTFOUND, NULL);
    sc_err_clear(&err);
    OK(ss_store_client_by_token_hash(st, h2, &out, &err), &err);
    /* a transaction's disable rolled back changes nothing; committed, it refuses */
    OK(ss_store_tx_begin(st, &tx, &err), &err);
    OK(ss_store_client_disable(tx, id, &err), &err);
    ss_store_tx_rollback(tx);
    OK(ss_store_client_by_token_hash(st, h2, &out, &err), &err);
    OK(ss_store_tx_begin(st, &tx, &err), &err);
    OK(ss_store_client_disable(tx, id, &err), &err);
    OK(ss_store_tx_commit(tx, &err), &err);
    EXPECT(ss_store_client_by_token_hash(st, h2, &out, &err), &err, SS_EDISABLED, NULL);
    sc_err_clear(&err);
    OK(ss_store_client_set_disabled(st, id, 0, &err), &err);
    /* the generation is the handle's: a change through another handle (another process) is
     * seen once the entry lapses, a second after it was read */
    OK(ss_store_client_by_token_hash(st, h2, &out, &err), &err);
    OK(ss_store_open_sqlite(&other, path, &err), &err);
    OK(ss_store_client_disable(other, id, &err), &err);
    usleep(1100 * 1000);   /* (not asserted before: a slow machine may take the second) */
    EXPECT(ss_store_client_by_token_hash(st, h2, &out, &err), &err, SS_EDISABLED, NULL);
    ss_store_close(other);
    ss_store_close(st);
}

/* Readers authenticate while a writer disables and enables the client: a lookup that begins
 * after a disable has returned, and ends before the next enable begins, never succeeds,
 * whatever the interleaving (a lookup that read the store before the change must not leave
 * its result behind). */
struct auth_race {
    ss_store *st;
    uint8_t hash[32];
    atomic_int phase;         /* odd from when a disable has returned until an enable begins */
    atomic_int stop;
    atomic_long lookups, served_disabled;
};

static void *auth_reader(void *arg)
{
    struct auth_race *a = arg;

    while (!atomic_load(&a->stop)) {
        sc_err err = SC_ERR_INIT;
        ss_client out;
        int before = atomic_load(&a->phase);
        int rc = ss_store_client_by_token_hash(a->st, a->hash, &out, &err);

        atomic_fetch_add(&a->lookups, 1);
        /* disabled all through the lookup (no enable began meanwhile), yet accepted */
        if (before % 2 == 1 && atomic_load(&a->phase) == before && rc == 0)
            atomic_fetch_add(&a->served_disabled, 1);
    }
    return NULL;
}

static void client_cache__parallel_lookups_never_serve_a_disabled_client(void **state)
{
    ss_sqlite_opts opts = { 4, 30000, 0 };
    struct auth_race a;
    pthread_t t[3];
    sc_err err = SC_ERR_INIT;
    ss_client in;
    char tok[SS_TOKEN_BUF];
    int64_t id = 0;
    long total = 0;

    (void)state;
    memset(&a, 0, sizeof(a));
    OK(ss_store_open_sqlite_opts(&a.st, st_path("client_race"), &opts, &err), &err);
    fill_client(&in, "raced", SS_ROLE_OPERATOR);
    in.has_token = 1;
    OK(ss_token_new(tok, in.token_hash, &err), &err);
    memcpy(a.hash, in.token_hash, 32);
    OK(ss_store_client_add(a.st, &in, 1, &id, &err), &err);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, auth_reader, &a), 0);
    for (int i = 0; i < 150; i++) {
        OK(ss_store_client_disable(a.st, id, &err), &err);
        atomic_fetch_add(&a.phase, 1);
        usleep(200);
        atomic_fetch_add(&a.phase, 1);
        OK(ss_store_client_set_disabled(a.st, id, 0, &err), &err);
        usleep(200);
    }
    atomic_store(&a.stop, 1);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    total = atomic_load(&a.lookups);
    assert_true(total > 150);
    assert_int_equal(atomic_load(&a.served_disabled), 0);
    ss_store_close(a.st);
}

static int collect_client(void *ctx, const ss_client *c)
{
    struct collect *k = ctx;
    k->n++;
    k->last = c->id;
    return 0;
}

static void client_list_and_set_token__rotate(void **state)
{
    ss_store *st = st_open("client_list");
    struct collect k = { 0, 0, 0 };
    sc_err err = SC_ERR_INIT;
    ss_client in, out;
    char tok[SS_TOKEN_BUF];
    uint8_t old_h[32], new_h[32];
    int64_t id = 0, sid = 0;

    (void)state;
    st_client(st, "a", SS_ROLE_ADMIN);
    st_client(st, "b", SS_ROLE_AUDITOR);
    fill_client(&in, "c", SS_ROLE_OPERATOR);
    in.has_token = 1;
    OK(ss_token_new(tok, old_h, &err), &err);
    memcpy(in.token_hash, old_h, 32);
    OK(ss_store_client_add(st, &in, 1, &id, &err), &err);
    OK(ss_store_client_list(st, 0, 10, collect_client, &k, &err), &err);
    assert_int_equal(k.n, 3);
    assert_int_equal(k.last, id);

    OK(ss_token_new(tok, new_h, &err), &err);
    OK(ss_store_client_set_token(st, id, new_h, &err), &err);
    EXPECT(ss_store_client_by_token_hash(st, old_h, &out, &err), &err, SC_ENOTFOUND, NULL);
    sc_err_clear(&err);
    OK(ss_store_client_by_token_hash(st, new_h, &out, &err), &err);
    assert_int_equal(out.id, id);
    /* the only credential cannot be removed; with a subject it can */
    EXPECT(ss_store_client_set_token(st, id, NULL, &err), &err, SC_EINVAL,
           "would leave it no credential");
    sc_err_clear(&err);
    fill_client(&in, "d", SS_ROLE_OPERATOR);
    snprintf(in.cert_subject, sizeof(in.cert_subject), "CN=d");
    in.has_token = 1;
    memset(in.token_hash, 3, 32);
    OK(ss_store_client_add(st, &in, 1, &sid, &err), &err);
    OK(ss_store_client_set_token(st, sid, NULL, &err), &err);
    OK(ss_store_client_get(st, sid, &out, &err), &err);
    assert_false(out.has_token);
    /* a token another client holds */
    EXPECT(ss_store_client_set_token(st, sid, new_h, &err), &err, SS_ECONFLICT,
           "already exists");
    ss_store_close(st);
}

/* ---- transactions ---------------------------------------------------------------------- */

static void tx__rollback_discards_and_commit_keeps(void **state)
{
    ss_store *st = st_open("tx");
    ss_store *tx = NULL;
    sc_err err = SC_ERR_INIT;
    ss_unit u;

    (void)state;
    OK(ss_store_tx_begin(st, &tx, &err), &err);
    OK(ss_store_unit_add(tx, USCC, "rolled back", 1, NULL, &err), &err);
    OK(ss_store_unit_by_code(tx, USCC, &u, &err), &err);   /* visible inside */
    ss_store_tx_rollback(tx);
    EXPECT(ss_store_unit_by_code(st, USCC, &u, &err), &err, SC_ENOTFOUND, NULL);
    sc_err_clear(&err);

    OK(ss_store_tx_begin(st, &tx, &err), &err);
    OK(ss_store_unit_add(tx, USCC, "kept", 1, NULL, &err), &err);
    OK(ss_store_tx_commit(tx, &err), &err);
    OK(ss_store_unit_by_code(st, USCC, &u, &err), &err);
    assert_string_equal(u.name, "kept");
    ss_store_close(st);
}

static void tx__misuse_is_refused(void **state)
{
    ss_store *st = st_open("tx_misuse");
    ss_store *tx = NULL, *tx2 = NULL;
    sc_err err = SC_ERR_INIT;

    (void)state;
    EXPECT(ss_store_tx_commit(st, &err), &err, SC_EINVAL, "not a transaction handle");
    sc_err_clear(&err);
    ss_store_tx_rollback(st);     /* a root handle: ignored, not freed */
    ss_store_tx_rollback(NULL);
    OK(ss_store_tx_begin(st, &tx, &err), &err);
    EXPECT(ss_store_tx_begin(tx, &tx2, &err), &err, SC_EINVAL, "do not nest");
    assert_null(tx2);
    ss_store_close(tx);           /* ends the transaction */
    sc_err_clear(&err);
    EXPECT(ss_store_tx_begin(NULL, &tx, &err), &err, SC_EINVAL, "no handle");
    ss_store_close(st);
}

/* The operation's rows and its audit record are one transaction: when the append fails, the
 * caller rolls back and nothing of the operation remains. */
static void tx__failed_audit_append_rolls_back_the_operation(void **state)
{
    ss_store *st = st_open("tx_audit");
    ss_store *tx = NULL;
    sc_err err = SC_ERR_INIT;
    ss_unit u;
    int64_t seq = -1;
    uint8_t h[32];

    (void)state;
    OK(ss_store_tx_begin(st, &tx, &err), &err);
    OK(ss_store_unit_add(tx, USCC, "doomed", 1, NULL, &err), &err);
    EXPECT(ss_audit_append(tx, 0, "unit.add", "unit:" USCC, "{\"name\": ", &err), &err,
           SC_EFORMAT, "audit append (unit.add): audit details: not JSON");
    ss_store_tx_rollback(tx);
    sc_err_clear(&err);
    EXPECT(ss_store_unit_by_code(st, USCC, &u, &err), &err, SC_ENOTFOUND, NULL);
    sc_err_clear(&err);
    OK(ss_audit_head(st, &seq, h, &err), &err);
    assert_int_equal(seq, 0);

    /* and the same operation with a good record commits both */
    OK(ss_store_tx_begin(st, &tx, &err), &err);
    OK(ss_store_unit_add(tx, USCC, "kept", 1, NULL, &err), &err);
    OK(ss_audit_append(tx, 0, "unit.add", "unit:" USCC, "{\"name\": \"kept\"}", &err), &err);
    OK(ss_store_tx_commit(tx, &err), &err);
    OK(ss_store_unit_by_code(st, USCC, &u, &err), &err);
    OK(ss_audit_head(st, &seq, h, &err), &err);
    assert_int_equal(seq, 1);
    ss_store_close(st);
}

/* ---- idempotency ----------------------------------------------------------------------- */

static void idem__first_result_is_returned_and_keys_do_not_mix(void **state)
{
    ss_store *st = st_open("idem");
    sc_err err = SC_ERR_INIT;
    uint8_t req[32], other[32], *resp = NULL;
    size_t len = 0;
    int64_t client = st_client(st, "op", SS_ROLE_OPERATOR), removed = 0;
    int64_t client2 = st_client(st, "op2", SS_ROLE_OPERATOR);

    (void)state;
    memset(req, 1, 32);
    memset(other, 2, 32);
    EXPECT(ss_store_idem_get(st, client, "k-1", req, &resp, &len, &err), &err, SC_ENOTFOUND,
           "not used yet");
    sc_err_clear(&err);
    OK(ss_store_idem_put(st, client, "k-1", req, (const uint8_t *)"sig", 3, 100, &err), &err);
    OK(ss_store_idem_get(st, client, "k-1", req, &resp, &len, &err), &err);
    assert_int_equal(len, 3);
    assert_memory_equal(resp, "sig", 3);
    free(resp);
    EXPECT(ss_store_idem_get(st, client, "k-1", other, &resp, &len, &err), &err, SS_ECONFLICT,
           "already used for a different request");
    assert_null(resp);
    sc_err_clear(&err);
    EXPECT(ss_store_idem_put(st, client, "k-1", req, (const uint8_t *)"x", 1, 100, &err),
           &err, SS_ECONFLICT, "already stored for this request");
    sc_err_clear(&err);
    EXPECT(ss_store_idem_put(st, client, "k-1", other, (const uint8_t *)"x", 1, 100, &err),
           &err, SS_ECONFLICT, "already used for a different request");
    sc_err_clear(&err);
    /* the same key of another client is another record; an empty response is kept */
    OK(ss_store_idem_put(st, client2, "k-1", other, NULL, 0, 200, &err), &err);
    OK(ss_store_idem_get(st, client2, "k-1", other, &resp, &len, &err), &err);
    assert_null(resp);
    assert_int_equal(len, 0);
    EXPECT(ss_store_idem_get(st, client, "k 1", req, &resp, &len, &err), &err, SC_EINVAL,
           "idempotency key: byte 1 is not printable ASCII");
    sc_err_clear(&err);
    OK(ss_store_idem_purge(st, 150, 1000, &removed, &err), &err);
    assert_int_equal(removed, 1);
    EXPECT(ss_store_idem_get(st, client, "k-1", req, &resp, &len, &err), &err, SC_ENOTFOUND,
           NULL);
    sc_err_clear(&err);
    /* at most max a call, the oldest first: a backlog goes in short transactions */
    for (int i = 0; i < 5; i++) {
        char key[16];
        snprintf(key, sizeof(key), "old-%d", i);
        OK(ss_store_idem_put(st, client, key, req, (const uint8_t *)"x", 1, 300 + i, &err),
           &err);
    }
    /* client2's k-1 (200) and old-0 (300) first */
    OK(ss_store_idem_purge(st, 304, 2, &removed, &err), &err);
    assert_int_equal(removed, 2);
    OK(ss_store_idem_get(st, client, "old-1", req, &resp, &len, &err), &err);
    free(resp);
    EXPECT(ss_store_idem_get(st, client, "old-0", req, &resp, &len, &err), &err, SC_ENOTFOUND,
           NULL);
    sc_err_clear(&err);
    EXPECT(ss_store_idem_get(st, client2, "k-1", other, &resp, &len, &err), &err, SC_ENOTFOUND,
           NULL);
    sc_err_clear(&err);
    OK(ss_store_idem_purge(st, 304, 2, &removed, &err), &err);
    assert_int_equal(removed, 2);
    OK(ss_store_idem_purge(st, 304, 2, &removed, &err), &err);
    assert_int_equal(removed, 1);   /* old-3: fewer than max, none older left */
    OK(ss_store_idem_get(st, client, "old-4", req, &resp, &len, &err), &err);   /* not older */
    free(resp);
    EXPECT(ss_store_idem_purge(st, 304, 0, &removed, &err), &err, SC_EINVAL, "max");
    ss_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(store_open__creates_file_0600),
        cmocka_unit_test(store_open__refuses_a_file_others_can_read),
        cmocka_unit_test(store_open__migrates_once_and_reopens),
        cmocka_unit_test(store_open__refuses_a_newer_schema),
        cmocka_unit_test(store_open__refuses_what_is_not_a_store),
        cmocka_unit_test(store_open__bad_arguments),
        cmocka_unit_test(store_open__refuses_a_link_to_nothing),
        cmocka_unit_test(token_new__hash_matches_token_hash),
        cmocka_unit_test(token_hash__rejects_each_malformed_token),
        cmocka_unit_test(role__names_round_trip),
        cmocka_unit_test(unit_add__then_found_by_id_and_code),
        cmocka_unit_test(unit_add__rejects_each_bad_input),
        cmocka_unit_test(unit_list__pages_by_id_and_limits),
        cmocka_unit_test(client_by_token_hash__finds_the_client),
        cmocka_unit_test(client_by_cert__fingerprint_pins_and_subject_matches),
        cmocka_unit_test(client_disabled__is_refused_then_enabled_again),
        cmocka_unit_test(client_add__rejects_each_bad_input),
        cmocka_unit_test(client_list_and_set_token__rotate),
        cmocka_unit_test(client_cache__changes_are_seen_at_once),
        cmocka_unit_test(client_cache__parallel_lookups_never_serve_a_disabled_client),
        cmocka_unit_test(tx__rollback_discards_and_commit_keeps),
        cmocka_unit_test(tx__misuse_is_refused),
        cmocka_unit_test(tx__failed_audit_append_rolls_back_the_operation),
        cmocka_unit_test(idem__first_result_is_returned_and_keys_do_not_mix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
