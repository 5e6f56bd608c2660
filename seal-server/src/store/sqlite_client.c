/* sqlite_client.c: SQLite queries for units, API clients and idempotency records. Every value
 * is bound; no SQL is ever assembled from input. Rules live in the front end (store.c). */
#include "sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Step a write statement expecting no row. */
static int step_done(sq_conn *c, sqlite3_stmt *s, const char *what, sc_err *err)
{
    int rc = sqlite3_step(s);
    return rc == SQLITE_DONE ? 0 : sq__err(c, rc, what, err);
}

/* ---- units ----------------------------------------------------------------------------- */

#define UNIT_COLS "id, code, name, created"

static int unit_row(sqlite3_stmt *s, ss_unit *u, sc_err *err)
{
    int rc;

    memset(u, 0, sizeof(*u));
    u->id = sqlite3_column_int64(s, 0);
    if ((rc = sq__col_text(s, 1, u->code, sizeof(u->code), "unit code", err)) != 0 ||
        (rc = sq__col_text(s, 2, u->name, sizeof(u->name), "unit name", err)) != 0)
        return rc;
    u->created = sqlite3_column_int64(s, 3);
    return 0;
}

int sq__unit_add(void *be, void *tx, const char *code, const char *name, int64_t now,
                 int64_t *id, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char what[64];
    int rc;

    snprintf(what, sizeof(what), "unit %s", code);
    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__stmt(c, SQ_UNIT_ADD, "INSERT INTO units (code, name, created) "
                       "VALUES (?1, ?2, ?3)", &s, err)) != 0)
        goto out;
    sq__bind_text(s, 1, code);
    sq__bind_text(s, 2, name);
    sq__bind_i64(s, 3, now);
    if ((rc = step_done(c, s, what, err)) == 0)
        *id = sqlite3_last_insert_rowid(c->db);
out:
    sq__done(s);
    sq__release(be, tx, c);
    return rc;
}

int sq__unit_find(void *be, void *tx, int64_t id, const char *code, ss_unit *out, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if (code != NULL) {
        rc = sq__stmt(c, SQ_UNIT_BY_CODE, "SELECT " UNIT_COLS " FROM units WHERE code = ?1",
                      &s, err);
        if (rc == 0)
            sq__bind_text(s, 1, code);
    } else {
        rc = sq__stmt(c, SQ_UNIT_BY_ID, "SELECT " UNIT_COLS " FROM units WHERE id = ?1", &s,
                      err);
        if (rc == 0)
            sq__bind_i64(s, 1, id);
    }
    if (rc != 0)
        goto out;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        rc = unit_row(s, out, err);
    else if (rc == SQLITE_DONE && code != NULL)
        rc = sc_err_set(err, SC_ENOTFOUND, "unit %s: no such unit", code);
    else if (rc == SQLITE_DONE)
        rc = sc_err_set(err, SC_ENOTFOUND, "unit %lld: no such unit", (long long)id);
    else
        rc = sq__err(c, rc, "unit lookup", err);
out:
    sq__done(s);
    sq__release(be, tx, c);
    return rc;
}

int sq__unit_list(void *be, void *tx, int64_t after_id, unsigned limit, ss_unit_cb cb,
                  void *ctx, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    ss_unit u;
    int rc;

    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__prepare(c, "SELECT " UNIT_COLS " FROM units WHERE id > ?1 ORDER BY id "
                          "LIMIT ?2", &s, err)) != 0)
        goto out;
    sq__bind_i64(s, 1, after_id);
    sq__bind_i64(s, 2, limit);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((rc = unit_row(s, &u, err)) != 0 || (rc = cb(ctx, &u)) != 0)
            goto out;
    rc = rc == SQLITE_DONE ? 0 : sq__err(c, rc, "unit list", err);
out:
    sqlite3_finalize(s);
    sq__release(be, tx, c);
    return rc;
}

/* ---- API clients ----------------------------------------------------------------------- */

#define CLIENT_COLS "id, name, roles, cert_subject, cert_sha256, token_hash, disabled, created"

static int client_row(sqlite3_stmt *s, ss_client *cl, sc_err *err)
{
    int rc;

    memset(cl, 0, sizeof(*cl));
    cl->id = sqlite3_column_int64(s, 0);
    cl->roles = (uint32_t)sqlite3_column_int64(s, 2);
    cl->disabled = sqlite3_column_int(s, 6) != 0;
    cl->created = sqlite3_column_int64(s, 7);
    if ((rc = sq__col_text(s, 1, cl->name, sizeof(cl->name), "client name", err)) != 0 ||
        (rc = sq__col_text(s, 3, cl->cert_subject, sizeof(cl->cert_subject),
                           "client certificate subject", err)) != 0 ||
        (rc = sq__col_hash(s, 4, cl->cert_sha256, &cl->has_cert_sha256,
                           "client certificate fingerprint", err)) != 0 ||
        (rc = sq__col_hash(s, 5, cl->token_hash, &cl->has_token, "client token hash",
                           err)) != 0)
        return rc;
    return 0;
}

int sq__client_add(void *be, void *tx, const ss_client *in, int64_t now, int64_t *id,
                   sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char what[SS_NAME_MAX + 16];
    int rc;

    snprintf(what, sizeof(what), "client %s", in->name);
    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__stmt(c, SQ_CLIENT_ADD, "INSERT INTO api_clients (name, roles, cert_subject, "
                       "cert_sha256, token_hash, disabled, created) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)", &s, err)) != 0)
        goto out;
    sq__bind_text(s, 1, in->name);
    sq__bind_i64(s, 2, in->roles);
    sq__bind_text(s, 3, in->cert_subject);
    if (in->has_cert_sha256)
        sq__bind_blob(s, 4, in->cert_sha256, 32);
    if (in->has_token)
        sq__bind_blob(s, 5, in->token_hash, 32);
    sq__bind_i64(s, 6, now);
    if ((rc = step_done(c, s, what, err)) == 0)
        *id = sqlite3_last_insert_rowid(c->db);
out:
    sq__done(s);
    sq__release(be, tx, c);
    return rc;
}

int sq__client_find(void *be, void *tx, int by, int64_t id, const void *key, ss_client *out,
                    sc_err *err)
{
    static const struct { int slot; const char *sql; } q[] = {
        [SS__BY_ID] = { SQ_CLIENT_BY_ID, "SELECT " CLIENT_COLS " FROM api_clients "
                        "WHERE id = ?1" },
        [SS__BY_TOKEN] = { SQ_CLIENT_BY_TOKEN, "SELECT " CLIENT_COLS " FROM api_clients "
                           "WHERE token_hash = ?1" },
        [SS__BY_SHA256] = { SQ_CLIENT_BY_SHA256, "SELECT " CLIENT_COLS " FROM api_clients "
                            "WHERE cert_sha256 = ?1" },
        [SS__BY_SUBJECT] = { SQ_CLIENT_BY_SUBJECT, "SELECT " CLIENT_COLS " FROM api_clients "
                             "WHERE cert_subject = ?1" },
    };
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__stmt(c, q[by].slot, q[by].sql, &s, err)) != 0)
        goto out;
    if (by == SS__BY_ID)
        sq__bind_i64(s, 1, id);
    else if (by == SS__BY_SUBJECT)
        sq__bind_text(s, 1, key);
    else
        sq__bind_blob(s, 1, key, 32);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        rc = client_row(s, out, err);
    else if (rc == SQLITE_DONE && by == SS__BY_ID)
        rc = sc_err_set(err, SC_ENOTFOUND, "client %lld: no such API client", (long long)id);
    else if (rc == SQLITE_DONE)
        rc = sc_err_set(err, SC_ENOTFOUND, "no such API client");
    else
        rc = sq__err(c, rc, "client lookup", err);
out:
    sq__done(s);
    sq__release(be, tx, c);
    return rc;
}

int sq__client_list(void *be, void *tx, int64_t after_id, unsigned limit, ss_client_cb cb,
                    void *ctx, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    ss_client *cl = NULL;
    int rc;

    if ((cl = malloc(sizeof(*cl))) == NULL)   /* ~1.4 KB: off the caller's stack */
        return sc_err_set(err, SC_ENOMEM, "client list: out of memory");
    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        goto out;
    if ((rc = sq__prepare(c, "SELECT " CLIENT_COLS " FROM api_clients WHERE id > ?1 "
                          "ORDER BY id LIMIT ?2", &s, err)) != 0)
        goto out;
    sq__bind_i64(s, 1, after_id);
    sq__bind_i64(s, 2, limit);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((rc = client_row(s, cl, err)) != 0 || (rc = cb(ctx, cl)) != 0)
            goto out;
    rc = rc == SQLITE_DONE ? 0 : sq__err(c, rc, "client list", err);
out:
    sqlite3_finalize(s);
    sq__release(be, tx, c);
    free(cl);
    return rc;
}

/* UPDATE … WHERE id = ?: 0 rows changed means no such client. */
static int client_update(void *be, void *tx, int slot, const char *sql, int64_t id,
                         const uint8_t *blob, int64_t v, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char what[48];
    int rc;

    snprintf(what, sizeof(what), "client %lld", (long long)id);
    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__stmt(c, slot, sql, &s, err)) != 0)
        goto out;
    sq__bind_i64(s, 1, id);
    if (slot == SQ_CLIENT_TOKEN && blob != NULL)
        sq__bind_blob(s, 2, blob, 32);
    else if (slot == SQ_CLIENT_DISABLE)
        sq__bind_i64(s, 2, v);
    if ((rc = step_done(c, s, what, err)) == 0 && sqlite3_changes(c->db) == 0)
        rc = sc_err_set(err, SC_ENOTFOUND, "client %lld: no such API client", (long long)id);
out:
    sq__done(s);
    sq__release(be, tx, c);
    return rc;
}

int sq__client_set_disabled(void *be, void *tx, int64_t id, int disabled, sc_err *err)
{
    return client_update(be, tx, SQ_CLIENT_DISABLE,
                         "UPDATE api_clients SET disabled = ?2 WHERE id = ?1", id, NULL,
                         disabled, err);
}

int sq__client_set_token(void *be, void *tx, int64_t id, const uint8_t *hash, sc_err *err)
{
    return client_update(be, tx, SQ_CLIENT_TOKEN,
                         "UPDATE api_clients SET token_hash = ?2 WHERE id = ?1", id, hash, 0,
                         err);
}

/* ---- idempotency ----------------------------------------------------------------------- */

int sq__idem_get(void *be, void *tx, int64_t client_id, const char *key,
                 uint8_t stored_hash[32], uint8_t **resp, size_t *resp_len, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc;

    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__stmt(c, SQ_IDEM_GET, "SELECT request_sha256, response FROM idempotency "
                       "WHERE client_id = ?1 AND key = ?2", &s, err)) != 0)
        goto out;
    sq__bind_i64(s, 1, client_id);
    sq__bind_text(s, 2, key);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        if ((rc = sq__col_hash(s, 0, stored_hash, NULL, "idempotency request hash",
                               err)) == 0)
            rc = sq__col_blob(s, 1, resp, resp_len, "idempotency response", err);
    } else if (rc == SQLITE_DONE) {
        rc = sc_err_set(err, SC_ENOTFOUND, "idempotency key \"%s\": not used yet", key);
    } else {
        rc = sq__err(c, rc, "idempotency lookup", err);
    }
out:
    sq__done(s);
    sq__release(be, tx, c);
    return rc;
}

int sq__idem_put(void *be, void *tx, int64_t client_id, const char *key,
                 const uint8_t request_sha256[32], const uint8_t *resp, size_t resp_len,
                 int64_t now, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char what[SS_IDEM_KEY_MAX + 32];
    int rc;

    snprintf(what, sizeof(what), "idempotency key \"%s\"", key);
    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__stmt(c, SQ_IDEM_PUT, "INSERT INTO idempotency (client_id, key, "
                       "request_sha256, response, created) VALUES (?1, ?2, ?3, ?4, ?5)", &s,
                       err)) != 0)
        goto out;
    sq__bind_i64(s, 1, client_id);
    sq__bind_text(s, 2, key);
    sq__bind_blob(s, 3, request_sha256, 32);
    sq__bind_blob(s, 4, resp, resp_len);
    sq__bind_i64(s, 5, now);
    rc = step_done(c, s, what, err);
out:
    sq__done(s);
    sq__release(be, tx, c);
    return rc;
}

int sq__idem_purge(void *be, void *tx, int64_t before, int64_t *removed, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc;

    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__stmt(c, SQ_IDEM_PURGE, "DELETE FROM idempotency WHERE created < ?1", &s,
                       err)) != 0)
        goto out;
    sq__bind_i64(s, 1, before);
    if ((rc = step_done(c, s, "idempotency purge", err)) == 0 && removed != NULL)
        *removed = sqlite3_changes64(c->db);
out:
    sq__done(s);
    sq__release(be, tx, c);
    return rc;
}
