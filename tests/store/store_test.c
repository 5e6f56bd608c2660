/* store_test.c: fixtures for the store's tests (store_test.h). */
#include "store_test.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];

static void cleanup(void)
{
    char cmd[300];

    if (dir[0] == '\0' || getenv("SC_TEST_KEEP") != NULL)
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

const char *st_path(const char *name)
{
    static char ring[8][320];
    static unsigned next;
    char *p = ring[next++ % 8];
    char f[340];

    if (dir[0] == '\0') {
        snprintf(dir, sizeof(dir), "%s/ss_store_XXXXXX",
                 getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
        if (mkdtemp(dir) == NULL) {
            fprintf(stderr, "mkdtemp %s failed\n", dir);
            exit(2);
        }
        atexit(cleanup);
    }
    snprintf(p, 320, "%s/%s.db", dir, name);
    unlink(p);
    snprintf(f, sizeof(f), "%s-wal", p);
    unlink(f);
    snprintf(f, sizeof(f), "%s-shm", p);
    unlink(f);
    return p;
}

ss_store *st_open(const char *name)
{
    ss_store *st = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = ss_store_open_sqlite(&st, st_path(name), &err);

    if (rc != 0)
        fail_msg("open %s: %d %s", name, rc, err.msg);
    return st;
}

int st_sql(const char *path, const char *sql)
{
    sqlite3 *db = st_raw(path);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

    if (rc != SQLITE_OK)
        print_message("st_sql: %s\n", msg != NULL ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(db);
    return rc;
}

sqlite3 *st_raw(const char *path)
{
    sqlite3 *db = NULL;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK)
        fail_msg("sqlite3_open %s", path);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

void st_expect(int rc, const sc_err *err, int code, const char *frag, const char *file,
               int line)
{
    if (rc != code)
        fail_msg("%s:%d: got %d (%s) \"%s\", expected %d (%s)", file, line, rc,
                 ss_err_name(rc), err != NULL ? err->msg : "", code, ss_err_name(code));
    if (code != 0 && err != NULL && err->code != code)
        fail_msg("%s:%d: err->code %d, returned %d", file, line, err->code, rc);
    if (frag != NULL && (err == NULL || strstr(err->msg, frag) == NULL))
        fail_msg("%s:%d: message \"%s\" lacks \"%s\"", file, line,
                 err != NULL ? err->msg : "", frag);
}

int64_t st_unit(ss_store *st, const char *code)
{
    sc_err err = SC_ERR_INIT;
    int64_t id = 0;

    OK(ss_store_unit_add(st, code, "某省人力资源和社会保障厅", 1000, &id, &err), &err);
    return id;
}

int64_t st_client(ss_store *st, const char *name, uint32_t roles)
{
    sc_err err = SC_ERR_INIT;
    ss_client c;
    char tok[SS_TOKEN_BUF];
    int64_t id = 0;

    memset(&c, 0, sizeof(c));
    snprintf(c.name, sizeof(c.name), "%s", name);
    c.roles = roles;
    c.has_token = 1;
    OK(ss_token_new(tok, c.token_hash, &err), &err);
    OK(ss_store_client_add(st, &c, 1000, &id, &err), &err);
    return id;
}

void st_seal(ss_store *st, int64_t unit, const char *es_id)
{
    static const uint8_t der[] = { 0x30, 0x03, 0x02, 0x01, 0x04 };
    static const uint8_t cert[] = { 0x30, 0x00 };
    sc_err err = SC_ERR_INIT;
    ss_seal s;

    memset(&s, 0, sizeof(s));
    snprintf(s.es_id, sizeof(s.es_id), "%s", es_id);
    snprintf(s.name, sizeof(s.name), "seal %s", es_id);
    s.unit_id = unit;
    s.seal_type = 1;
    s.der = (uint8_t *)der;
    s.der_len = sizeof(der);
    s.signer_cert = (uint8_t *)cert;
    s.signer_cert_len = sizeof(cert);
    s.valid_start = 1000;
    s.valid_end = 2000000000;
    OK(ss_store_seal_add(st, &s, 0, 1000, NULL, &err), &err);
}
