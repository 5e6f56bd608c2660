/* sqlite_client.c: SQLite queries for units, API clients and idempotency records. Every value
 * is bound; no SQL is ever assembled from input. Rules live in the front end (store.c). */
#include "sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- units ----------------------------------------------------------------------------- */

#define UNIT_COLS "id, code, name, created"

static const sq_col unit_cols[] = {   /* UNIT_COLS */
    SQ_COL_INT(ss_unit, id), SQ_COL_TEXT(ss_unit, code, "unit code"),
    SQ_COL_TEXT(ss_unit, name, "unit name"), SQ_COL_INT(ss_unit, created),
};
static const sq_rec unit_rec = SQ_REC(ss_unit, unit_cols);

int sq__unit_add(void *be, void *tx, const char *code, const char *name, int64_t now,
                 int64_t *id, sc_err *err)
{
    char what[64];

    snprintf(what, sizeof(what), "unit %s", code);
    return sq__write(be, tx, SQ_UNIT_ADD, "INSERT INTO units (code, name, created) "
                     "VALUES (?1, ?2, ?3)", SQ_ARGS(SQ_TEXT(code), SQ_TEXT(name), SQ_INT(now)),
                     what, id, NULL, err);
}

int sq__unit_find(void *be, void *tx, int64_t id, const char *code, ss_unit *out, sc_err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if (code != NULL)
        rc = sq__read_one(be, tx, SQ_UNIT_BY_CODE, "SELECT " UNIT_COLS " FROM units WHERE "
                          "code = ?1", SQ_ARGS(SQ_TEXT(code)), "unit lookup", &unit_rec,
                          out, err);
    else
        rc = sq__read_one(be, tx, SQ_UNIT_BY_ID, "SELECT " UNIT_COLS " FROM units WHERE "
                          "id = ?1", SQ_ARGS(SQ_INT(id)), "unit lookup", &unit_rec, out,
                          err);
    if (rc == SQ_NOROW && code != NULL)
        rc = sc_err_set(err, SC_ENOTFOUND, "unit %s: no such unit", code);
    else if (rc == SQ_NOROW)
        rc = sc_err_set(err, SC_ENOTFOUND, "unit %lld: no such unit", (long long)id);
    return rc;
}

int sq__unit_list(void *be, void *tx, int64_t after_id, unsigned limit, ss_unit_cb cb,
                  void *ctx, sc_err *err)
{
    ss_unit u;
    sq_q q;
    int rc = sq__query(&q, be, tx, SQ_UNIT_LIST, "SELECT " UNIT_COLS " FROM units WHERE id > ?1 "
                       "ORDER BY id LIMIT ?2", SQ_ARGS(SQ_INT(after_id), SQ_INT(limit)),
                       "unit list", err);

    while (sq__row(&q, &rc, err) && (rc = sq__rec(q.s, &unit_rec, &u, err)) == 0)
        rc = cb(ctx, &u);
    return sq__end(&q, rc);
}

/* ---- API clients ----------------------------------------------------------------------- */

#define CLIENT_COLS "id, name, roles, cert_subject, cert_sha256, token_hash, disabled, created"

static const sq_col client_cols[] = {   /* CLIENT_COLS */
    SQ_COL_INT(ss_client, id), SQ_COL_TEXT(ss_client, name, "client name"),
    SQ_COL_INT(ss_client, roles),
    SQ_COL_TEXT(ss_client, cert_subject, "client certificate subject"),
    SQ_COL_HASH(ss_client, cert_sha256, has_cert_sha256, "client certificate fingerprint"),
    SQ_COL_HASH(ss_client, token_hash, has_token, "client token hash"),
    SQ_COL_INT(ss_client, disabled), SQ_COL_INT(ss_client, created),
};
static const sq_rec client_rec = SQ_REC(ss_client, client_cols);

int sq__client_add(void *be, void *tx, const ss_client *in, int64_t now, int64_t *id,
                   sc_err *err)
{
    char what[SS_NAME_MAX + 16];

    snprintf(what, sizeof(what), "client %s", in->name);
    return sq__write(be, tx, SQ_CLIENT_ADD, "INSERT INTO api_clients (name, roles, "
                     "cert_subject, cert_sha256, token_hash, disabled, created) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)",
                     SQ_ARGS(SQ_TEXT(in->name), SQ_INT(in->roles), SQ_TEXT(in->cert_subject),
                             SQ_HASH(in->has_cert_sha256 ? in->cert_sha256 : NULL),
                             SQ_HASH(in->has_token ? in->token_hash : NULL), SQ_INT(now)),
                     what, id, NULL, err);
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
    sq_arg arg = by == SS__BY_ID ? SQ_INT(id) : by == SS__BY_SUBJECT ? SQ_TEXT(key)
                                                                      : SQ_HASH(key);
    int rc;

    memset(out, 0, sizeof(*out));
    rc = sq__read_one(be, tx, q[by].slot, q[by].sql, SQ_ARGS(arg), "client lookup", &client_rec,
                      out, err);
    if (rc == SQ_NOROW && by == SS__BY_ID)
        rc = sc_err_set(err, SC_ENOTFOUND, "client %lld: no such API client", (long long)id);
    else if (rc == SQ_NOROW)
        rc = sc_err_set(err, SC_ENOTFOUND, "no such API client");
    return rc;
}

int sq__client_list(void *be, void *tx, int64_t after_id, unsigned limit, ss_client_cb cb,
                    void *ctx, sc_err *err)
{
    ss_client *cl = malloc(sizeof(*cl));   /* ~1.4 KB: off the caller's stack */
    sq_q q;
    int rc;

    if (cl == NULL)
        return sc_err_set(err, SC_ENOMEM, "client list: out of memory");
    rc = sq__query(&q, be, tx, SQ_CLIENT_LIST, "SELECT " CLIENT_COLS " FROM api_clients WHERE "
                   "id > ?1 ORDER BY id LIMIT ?2", SQ_ARGS(SQ_INT(after_id), SQ_INT(limit)),
                   "client list", err);
    while (sq__row(&q, &rc, err) && (rc = sq__rec(q.s, &client_rec, cl, err)) == 0)
        rc = cb(ctx, cl);
    free(cl);
    return sq__end(&q, rc);
}

/* UPDATE api_clients SET … = ?2 WHERE id = ?1: no row changed means no such client. */
static int client_update(void *be, void *tx, int slot, const char *sql, int64_t id,
                         sq_arg value, sc_err *err)
{
    char what[48];
    int64_t changed = 0;
    int rc;

    snprintf(what, sizeof(what), "client %lld", (long long)id);
    rc = sq__write(be, tx, slot, sql, SQ_ARGS(SQ_INT(id), value), what, NULL, &changed, err);
    if (rc == 0 && changed == 0)
        rc = sc_err_set(err, SC_ENOTFOUND, "client %lld: no such API client", (long long)id);
    return rc;
}

int sq__client_set_disabled(void *be, void *tx, int64_t id, int disabled, sc_err *err)
{
    return client_update(be, tx, SQ_CLIENT_DISABLE, "UPDATE api_clients SET disabled = ?2 "
                         "WHERE id = ?1", id, SQ_INT(disabled), err);
}

int sq__client_set_token(void *be, void *tx, int64_t id, const uint8_t *hash, sc_err *err)
{
    return client_update(be, tx, SQ_CLIENT_TOKEN, "UPDATE api_clients SET token_hash = ?2 "
                         "WHERE id = ?1", id, SQ_HASH(hash), err);
}

/* ---- idempotency ----------------------------------------------------------------------- */

struct idem {
    uint8_t hash[32];
    uint8_t *resp;
    size_t resp_len;
};
static const sq_col idem_cols[] = {   /* request_sha256, response */
    SQ_COL_HASH_REQUIRED(struct idem, hash, "idempotency request hash"),
    SQ_COL_BLOB(struct idem, resp, resp_len, SS_IDEM_RESPONSE_MAX, "idempotency response"),
};
static const sq_rec idem_rec = SQ_REC(struct idem, idem_cols);

int sq__idem_get(void *be, void *tx, int64_t client_id, const char *key,
                 uint8_t stored_hash[32], uint8_t **resp, size_t *resp_len, sc_err *err)
{
    struct idem r = { { 0 }, NULL, 0 };
    int rc = sq__read_one(be, tx, SQ_IDEM_GET, "SELECT request_sha256, response FROM "
                          "idempotency WHERE client_id = ?1 AND key = ?2",
                          SQ_ARGS(SQ_INT(client_id), SQ_TEXT(key)), "idempotency lookup",
                          &idem_rec, &r, err);

    memcpy(stored_hash, r.hash, 32);
    *resp = r.resp;        /* NULL unless read */
    *resp_len = r.resp_len;
    if (rc == SQ_NOROW)
        rc = sc_err_set(err, SC_ENOTFOUND, "idempotency key \"%s\": not used yet", key);
    return rc;
}

int sq__idem_put(void *be, void *tx, int64_t client_id, const char *key,
                 const uint8_t request_sha256[32], const uint8_t *resp, size_t resp_len,
                 int64_t now, sc_err *err)
{
    char what[SS_IDEM_KEY_MAX + 32];

    snprintf(what, sizeof(what), "idempotency key \"%s\"", key);
    return sq__write(be, tx, SQ_IDEM_PUT, "INSERT INTO idempotency (client_id, key, "
                     "request_sha256, response, created) VALUES (?1, ?2, ?3, ?4, ?5)",
                     SQ_ARGS(SQ_INT(client_id), SQ_TEXT(key), SQ_HASH(request_sha256),
                             SQ_BLOB(resp, resp_len), SQ_INT(now)),
                     what, NULL, NULL, err);
}

int sq__idem_purge(void *be, void *tx, int64_t before, int64_t max, int64_t *removed,
                   sc_err *err)
{
    /* idempotency_created finds the oldest; the rowids go in one statement */
    return sq__write(be, tx, SQ_IDEM_PURGE, "DELETE FROM idempotency WHERE rowid IN (SELECT "
                     "rowid FROM idempotency WHERE created < ?1 ORDER BY created LIMIT ?2)",
                     SQ_ARGS(SQ_INT(before), SQ_INT(max)), "idempotency purge", NULL, removed,
                     err);
}
