/* sqlite_seal.c: SQLite queries for seal applications, seal keys, seals, their status history
 * and grants. Every value is bound. Rules (who may review, which status change is allowed,
 * grant limits) live in the front end (store_seal.c); rows written together here are atomic
 * (sq__atomic_*), also inside a caller's transaction. */
#include "sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int step_done(sq_conn *c, sqlite3_stmt *s, const char *what, sc_err *err)
{
    int rc = sqlite3_step(s);
    return rc == SQLITE_DONE ? 0 : sq__err(c, rc, what, err);
}

/* ---- applications ---------------------------------------------------------------------- */

#define APP_COLS "id, unit_id, applicant_id, seal_type, name, image_format, width_mm, " \
                 "height_mm, valid_from, valid_to, state, reviewer_id, reason, created, " \
                 "reviewed_at, es_id"

static int app_row(sqlite3_stmt *s, ss_app *a, sc_err *err)
{
    char state[16];
    int rc;

    memset(a, 0, sizeof(*a));
    a->id = sqlite3_column_int64(s, 0);
    a->unit_id = sqlite3_column_int64(s, 1);
    a->applicant_id = sqlite3_column_int64(s, 2);
    a->seal_type = sqlite3_column_int(s, 3);
    a->width_mm = sqlite3_column_int(s, 6);
    a->height_mm = sqlite3_column_int(s, 7);
    a->valid_from = sqlite3_column_int64(s, 8);
    a->valid_to = sqlite3_column_int64(s, 9);
    a->reviewer_id = sqlite3_column_int64(s, 11);
    a->created = sqlite3_column_int64(s, 13);
    a->reviewed_at = sqlite3_column_int64(s, 14);
    if ((rc = sq__col_text(s, 4, a->name, sizeof(a->name), "application name", err)) != 0 ||
        (rc = sq__col_text(s, 5, a->image_format, sizeof(a->image_format),
                           "application image format", err)) != 0 ||
        (rc = sq__col_text(s, 10, state, sizeof(state), "application state", err)) != 0 ||
        (rc = sq__col_text(s, 12, a->reason, sizeof(a->reason), "application reason",
                           err)) != 0 ||
        (rc = sq__col_text(s, 15, a->es_id, sizeof(a->es_id), "application esID", err)) != 0)
        return rc;
    if ((a->state = sq__app_state_from(state)) == 0)
        return sc_err_set(err, SC_EFORMAT, "stored application %lld: unknown state \"%s\"",
                          (long long)a->id, state);
    return 0;
}

int sq__app_add(void *be, void *tx, const ss_app *in, int64_t now, int64_t *id, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc;

    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__stmt(c, SQ_APP_ADD, "INSERT INTO seal_applications (unit_id, applicant_id, "
                       "seal_type, name, image, image_format, width_mm, height_mm, "
                       "valid_from, valid_to, state, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                       "?7, ?8, ?9, ?10, 'pending', ?11)", &s, err)) != 0)
        goto out;
    sq__bind_i64(s, 1, in->unit_id);
    sq__bind_i64(s, 2, in->applicant_id);
    sq__bind_i64(s, 3, in->seal_type);
    sq__bind_text(s, 4, in->name);
    sq__bind_blob(s, 5, in->image, in->image_len);
    sq__bind_text(s, 6, in->image_format);
    sq__bind_i64(s, 7, in->width_mm);
    sq__bind_i64(s, 8, in->height_mm);
    sq__bind_i64(s, 9, in->valid_from);
    sq__bind_i64(s, 10, in->valid_to);
    sq__bind_i64(s, 11, now);
    if ((rc = step_done(c, s, "seal application", err)) == 0)
        *id = sqlite3_last_insert_rowid(c->db);
out:
    sq__done(s);
    sq__release(be, tx, c);
    return rc;
}

int sq__app_get(void *be, void *tx, int64_t id, int with_image, ss_app *out, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if (with_image)
        rc = sq__stmt(c, SQ_APP_GET_IMAGE, "SELECT " APP_COLS ", image FROM "
                      "seal_applications WHERE id = ?1", &s, err);
    else
        rc = sq__stmt(c, SQ_APP_GET, "SELECT " APP_COLS " FROM seal_applications "
                      "WHERE id = ?1", &s, err);
    if (rc != 0)
        goto out;
    sq__bind_i64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        if ((rc = app_row(s, out, err)) == 0 && with_image)
            rc = sq__col_blob(s, 16, &out->image, &out->image_len, "application image", err);
    } else if (rc == SQLITE_DONE) {
        rc = sc_err_set(err, SC_ENOTFOUND, "seal application %lld: no such application",
                        (long long)id);
    } else {
        rc = sq__err(c, rc, "seal application lookup", err);
    }
out:
    sq__done(s);
    sq__release(be, tx, c);
    if (rc != 0)
        ss_app_clear(out);
    return rc;
}

int sq__app_list(void *be, void *tx, int64_t unit_id, int state, int64_t after_id,
                 unsigned limit, ss_app_cb cb, void *ctx, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    ss_app *a = NULL;
    int rc;

    if ((a = malloc(sizeof(*a))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "application list: out of memory");
    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        goto out;
    if ((rc = sq__prepare(c, "SELECT " APP_COLS " FROM seal_applications WHERE id > ?1 "
                          "AND (?2 = 0 OR unit_id = ?2) AND (?3 IS NULL OR state = ?3) "
                          "ORDER BY id LIMIT ?4", &s, err)) != 0)
        goto out;
    sq__bind_i64(s, 1, after_id);
    sq__bind_i64(s, 2, unit_id);
    sq__bind_text(s, 3, sq__app_state_word(state));   /* SS_APP_ANY: NULL */
    sq__bind_i64(s, 4, limit);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((rc = app_row(s, a, err)) != 0 || (rc = cb(ctx, a)) != 0)
            goto out;
    rc = rc == SQLITE_DONE ? 0 : sq__err(c, rc, "application list", err);
out:
    sqlite3_finalize(s);
    sq__release(be, tx, c);
    free(a);
    return rc;
}

int sq__app_set_review(void *be, void *tx, int64_t id, int state, int64_t reviewer_id,
                       const char *reason, int64_t now, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc;

    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    /* state = 'pending' in the WHERE: a concurrent second review changes nothing */
    if ((rc = sq__stmt(c, SQ_APP_REVIEW, "UPDATE seal_applications SET state = ?2, "
                       "reviewer_id = ?3, reason = ?4, reviewed_at = ?5 "
                       "WHERE id = ?1 AND state = 'pending'", &s, err)) != 0)
        goto out;
    sq__bind_i64(s, 1, id);
    sq__bind_text(s, 2, sq__app_state_word(state));
    sq__bind_i64(s, 3, reviewer_id);
    sq__bind_text(s, 4, reason);
    sq__bind_i64(s, 5, now);
    if ((rc = step_done(c, s, "seal application review", err)) == 0 &&
        sqlite3_changes(c->db) == 0)
        rc = sc_err_set(err, SS_ESTATE, "seal application %lld: no longer pending",
                        (long long)id);
out:
    sq__done(s);
    sq__release(be, tx, c);
    return rc;
}

/* ---- keys ------------------------------------------------------------------------------ */

int sq__key_add(void *be, void *tx, const uint8_t *pem, size_t pem_len, const uint8_t *cert,
                size_t cert_len, int64_t now, int64_t *id, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc;

    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__stmt(c, SQ_KEY_ADD, "INSERT INTO seal_keys (pkcs8_pem, signer_cert, "
                       "created) VALUES (?1, ?2, ?3)", &s, err)) != 0)
        goto out;
    sq__bind_blob(s, 1, pem, pem_len);
    sq__bind_blob(s, 2, cert, cert_len);
    sq__bind_i64(s, 3, now);
    if ((rc = step_done(c, s, "seal key", err)) == 0)
        *id = sqlite3_last_insert_rowid(c->db);
out:
    sq__done(s);
    sq__release(be, tx, c);
    return rc;
}

int sq__key_get(void *be, void *tx, int64_t id, ss_seal_key *out, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__stmt(c, SQ_KEY_GET, "SELECT id, pkcs8_pem, signer_cert, created "
                       "FROM seal_keys WHERE id = ?1", &s, err)) != 0)
        goto out;
    sq__bind_i64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(s, 0);
        out->created = sqlite3_column_int64(s, 3);
        if ((rc = sq__col_blob(s, 1, &out->pkcs8_pem, &out->pkcs8_pem_len, "seal key",
                               err)) == 0)
            rc = sq__col_blob(s, 2, &out->cert, &out->cert_len, "seal key certificate", err);
    } else if (rc == SQLITE_DONE) {
        rc = sc_err_set(err, SC_ENOTFOUND, "seal key %lld: no such key", (long long)id);
    } else {
        rc = sq__err(c, rc, "seal key lookup", err);
    }
out:
    sq__done(s);
    sq__release(be, tx, c);
    if (rc != 0)
        ss_seal_key_clear(out);
    return rc;
}

/* ---- seals and status ------------------------------------------------------------------ */

#define SEAL_COLS "id, es_id, unit_id, application_id, name, seal_type, key_id, " \
                  "valid_start, valid_end, status, created"

static int seal_row(sqlite3_stmt *s, ss_seal *x, sc_err *err)
{
    char status[16];
    int rc;

    memset(x, 0, sizeof(*x));
    x->id = sqlite3_column_int64(s, 0);
    x->unit_id = sqlite3_column_int64(s, 2);
    x->application_id = sqlite3_column_int64(s, 3);
    x->seal_type = sqlite3_column_int(s, 5);
    x->key_id = sqlite3_column_int64(s, 6);
    x->valid_start = sqlite3_column_int64(s, 7);
    x->valid_end = sqlite3_column_int64(s, 8);
    x->created = sqlite3_column_int64(s, 10);
    if ((rc = sq__col_text(s, 1, x->es_id, sizeof(x->es_id), "seal esID", err)) != 0 ||
        (rc = sq__col_text(s, 4, x->name, sizeof(x->name), "seal name", err)) != 0 ||
        (rc = sq__col_text(s, 9, status, sizeof(status), "seal status", err)) != 0)
        return rc;
    if ((x->status = sq__seal_status_from(status)) == 0)
        return sc_err_set(err, SC_EFORMAT, "stored seal %s: unknown status \"%s\"", x->es_id,
                          status);
    return 0;
}

static int history_add(sq_conn *c, const char *es_id, int status, const char *reason,
                       int64_t actor, int64_t now, sc_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if ((rc = sq__stmt(c, SQ_HISTORY_ADD, "INSERT INTO seal_status_history (es_id, status, "
                       "reason, actor, at) VALUES (?1, ?2, ?3, ?4, ?5)", &s, err)) != 0)
        return rc;
    sq__bind_text(s, 1, es_id);
    sq__bind_text(s, 2, ss_seal_status_name(status));
    sq__bind_text(s, 3, reason);
    sq__bind_i64(s, 4, actor);
    sq__bind_i64(s, 5, now);
    rc = step_done(c, s, "seal status history", err);
    sq__done(s);
    return rc;
}

int sq__seal_add(void *be, void *tx, const ss_seal *in, int64_t actor, int64_t now,
                 int64_t *id, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char what[SS_ES_ID_MAX + 16];
    int rc;

    snprintf(what, sizeof(what), "seal %s", in->es_id);
    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__atomic_begin(c, err)) != 0)
        goto out;
    if ((rc = sq__stmt(c, SQ_SEAL_ADD, "INSERT INTO seals (es_id, unit_id, application_id, "
                       "name, seal_type, der, signer_cert, key_id, valid_start, valid_end, "
                       "status, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                       "'good', ?11)", &s, err)) != 0)
        goto end;
    sq__bind_text(s, 1, in->es_id);
    sq__bind_i64(s, 2, in->unit_id);
    sq__bind_i64_or_null(s, 3, in->application_id);
    sq__bind_text(s, 4, in->name);
    sq__bind_i64(s, 5, in->seal_type);
    sq__bind_blob(s, 6, in->der, in->der_len);
    sq__bind_blob(s, 7, in->signer_cert, in->signer_cert_len);
    sq__bind_i64_or_null(s, 8, in->key_id);
    sq__bind_i64(s, 9, in->valid_start);
    sq__bind_i64(s, 10, in->valid_end);
    sq__bind_i64(s, 11, now);
    if ((rc = step_done(c, s, what, err)) != 0)
        goto end;
    *id = sqlite3_last_insert_rowid(c->db);
    sq__done(s);
    s = NULL;
    if ((rc = history_add(c, in->es_id, SS_SEAL_GOOD, NULL, actor, now, err)) != 0)
        goto end;
    if (in->application_id != 0) {
        if ((rc = sq__stmt(c, SQ_APP_MADE, "UPDATE seal_applications SET es_id = ?2 WHERE "
                           "id = ?1 AND state = 'approved' AND es_id IS NULL", &s, err)) != 0)
            goto end;
        sq__bind_i64(s, 1, in->application_id);
        sq__bind_text(s, 2, in->es_id);
        if ((rc = step_done(c, s, what, err)) == 0 && sqlite3_changes(c->db) == 0)
            rc = sc_err_set(err, SS_ESTATE, "%s: application %lld is not approved or already "
                            "has a seal", what, (long long)in->application_id);
    }
end:
    sq__done(s);
    rc = sq__atomic_end(c, rc, err);
out:
    sq__release(be, tx, c);
    return rc;
}

int sq__seal_get(void *be, void *tx, const char *es_id, int with_blobs, ss_seal *out,
                 sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if (with_blobs)
        rc = sq__stmt(c, SQ_SEAL_GET_BLOBS, "SELECT " SEAL_COLS ", der, signer_cert FROM "
                      "seals WHERE es_id = ?1", &s, err);
    else
        rc = sq__stmt(c, SQ_SEAL_GET, "SELECT " SEAL_COLS " FROM seals WHERE es_id = ?1", &s,
                      err);
    if (rc != 0)
        goto out;
    sq__bind_text(s, 1, es_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        if ((rc = seal_row(s, out, err)) == 0 && with_blobs &&
            (rc = sq__col_blob(s, 11, &out->der, &out->der_len, "seal DER", err)) == 0)
            rc = sq__col_blob(s, 12, &out->signer_cert, &out->signer_cert_len,
                              "seal signer certificate", err);
    } else if (rc == SQLITE_DONE) {
        rc = sc_err_set(err, SC_ENOTFOUND, "seal %s: no such seal", es_id);
    } else {
        rc = sq__err(c, rc, "seal lookup", err);
    }
out:
    sq__done(s);
    sq__release(be, tx, c);
    if (rc != 0)
        ss_seal_clear(out);
    return rc;
}

int sq__seal_list(void *be, void *tx, int64_t unit_id, int status, int64_t after_id,
                  unsigned limit, ss_seal_cb cb, void *ctx, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    ss_seal x;
    int rc;

    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__prepare(c, "SELECT " SEAL_COLS " FROM seals WHERE id > ?1 "
                          "AND (?2 = 0 OR unit_id = ?2) AND (?3 IS NULL OR status = ?3) "
                          "ORDER BY id LIMIT ?4", &s, err)) != 0)
        goto out;
    sq__bind_i64(s, 1, after_id);
    sq__bind_i64(s, 2, unit_id);
    sq__bind_text(s, 3, ss_seal_status_name(status));   /* SS_SEAL_ANY: NULL */
    sq__bind_i64(s, 4, limit);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((rc = seal_row(s, &x, err)) != 0 || (rc = cb(ctx, &x)) != 0)
            goto out;
    rc = rc == SQLITE_DONE ? 0 : sq__err(c, rc, "seal list", err);
out:
    sqlite3_finalize(s);
    sq__release(be, tx, c);
    return rc;
}

int sq__seal_set_status(void *be, void *tx, const char *es_id, int status, const char *reason,
                        int64_t actor, int64_t now, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char what[SS_ES_ID_MAX + 16];
    int rc;

    snprintf(what, sizeof(what), "seal %s", es_id);
    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__atomic_begin(c, err)) != 0)
        goto out;
    if ((rc = sq__stmt(c, SQ_SEAL_STATUS, "UPDATE seals SET status = ?2 WHERE es_id = ?1", &s,
                       err)) != 0)
        goto end;
    sq__bind_text(s, 1, es_id);
    sq__bind_text(s, 2, ss_seal_status_name(status));
    if ((rc = step_done(c, s, what, err)) == 0 && sqlite3_changes(c->db) == 0)
        rc = sc_err_set(err, SC_ENOTFOUND, "seal %s: no such seal", es_id);
    if (rc == 0)
        rc = history_add(c, es_id, status, reason, actor, now, err);
end:
    sq__done(s);
    rc = sq__atomic_end(c, rc, err);
out:
    sq__release(be, tx, c);
    return rc;
}

int sq__seal_history(void *be, void *tx, const char *es_id, ss_status_cb cb, void *ctx,
                     sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    ss_status_entry e;
    char status[16];
    int rc;

    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__prepare(c, "SELECT id, es_id, status, reason, actor, at FROM "
                          "seal_status_history WHERE es_id = ?1 ORDER BY id", &s, err)) != 0)
        goto out;
    sq__bind_text(s, 1, es_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        memset(&e, 0, sizeof(e));
        e.id = sqlite3_column_int64(s, 0);
        e.actor = sqlite3_column_int64(s, 4);
        e.at = sqlite3_column_int64(s, 5);
        if ((rc = sq__col_text(s, 1, e.es_id, sizeof(e.es_id), "history esID", err)) != 0 ||
            (rc = sq__col_text(s, 2, status, sizeof(status), "history status", err)) != 0 ||
            (rc = sq__col_text(s, 3, e.reason, sizeof(e.reason), "history reason", err)) != 0)
            goto out;
        if ((e.status = sq__seal_status_from(status)) == 0) {
            rc = sc_err_set(err, SC_EFORMAT, "stored history of %s: unknown status \"%s\"",
                            es_id, status);
            goto out;
        }
        if ((rc = cb(ctx, &e)) != 0)
            goto out;
    }
    rc = rc == SQLITE_DONE ? 0 : sq__err(c, rc, "seal status history", err);
out:
    sqlite3_finalize(s);
    sq__release(be, tx, c);
    return rc;
}

/* ---- grants ---------------------------------------------------------------------------- */

#define GRANT_COLS "id, client_id, es_id, expires_at, use_limit, uses, created"

static int grant_row(sqlite3_stmt *s, ss_grant *g, sc_err *err)
{
    memset(g, 0, sizeof(*g));
    g->id = sqlite3_column_int64(s, 0);
    g->client_id = sqlite3_column_int64(s, 1);
    g->expires_at = sqlite3_column_int64(s, 3);   /* NULL reads as 0: never */
    g->use_limit = sqlite3_column_int64(s, 4);    /* NULL reads as 0: unlimited */
    g->uses = sqlite3_column_int64(s, 5);
    g->created = sqlite3_column_int64(s, 6);
    return sq__col_text(s, 2, g->es_id, sizeof(g->es_id), "grant esID", err);
}

int sq__grant_add(void *be, void *tx, int64_t client_id, const char *es_id,
                  int64_t expires_at, int64_t use_limit, int64_t now, int64_t *id,
                  sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char what[SS_ES_ID_MAX + 64];
    int rc;

    snprintf(what, sizeof(what), "grant for client %lld on seal %s", (long long)client_id,
             es_id);
    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__stmt(c, SQ_GRANT_ADD, "INSERT INTO grants (client_id, es_id, expires_at, "
                       "use_limit, uses, created) VALUES (?1, ?2, ?3, ?4, 0, ?5)", &s,
                       err)) != 0)
        goto out;
    sq__bind_i64(s, 1, client_id);
    sq__bind_text(s, 2, es_id);
    sq__bind_i64_or_null(s, 3, expires_at);
    sq__bind_i64_or_null(s, 4, use_limit);
    sq__bind_i64(s, 5, now);
    if ((rc = step_done(c, s, what, err)) == 0)
        *id = sqlite3_last_insert_rowid(c->db);
out:
    sq__done(s);
    sq__release(be, tx, c);
    return rc;
}

int sq__grant_get(void *be, void *tx, int64_t client_id, const char *es_id, ss_grant *out,
                  sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__stmt(c, SQ_GRANT_GET, "SELECT " GRANT_COLS " FROM grants "
                       "WHERE client_id = ?1 AND es_id = ?2", &s, err)) != 0)
        goto out;
    sq__bind_i64(s, 1, client_id);
    sq__bind_text(s, 2, es_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        rc = grant_row(s, out, err);
    else if (rc == SQLITE_DONE)
        rc = sc_err_set(err, SC_ENOTFOUND, "client %lld has no grant for seal %s",
                        (long long)client_id, es_id);
    else
        rc = sq__err(c, rc, "grant lookup", err);
out:
    sq__done(s);
    sq__release(be, tx, c);
    return rc;
}

int sq__grant_list(void *be, void *tx, int64_t client_id, const char *es_id, int64_t after_id,
                   unsigned limit, ss_grant_cb cb, void *ctx, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    ss_grant g;
    int rc;

    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__prepare(c, "SELECT " GRANT_COLS " FROM grants WHERE id > ?1 "
                          "AND (?2 = 0 OR client_id = ?2) AND (?3 IS NULL OR es_id = ?3) "
                          "ORDER BY id LIMIT ?4", &s, err)) != 0)
        goto out;
    sq__bind_i64(s, 1, after_id);
    sq__bind_i64(s, 2, client_id);
    sq__bind_text(s, 3, es_id);
    sq__bind_i64(s, 4, limit);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((rc = grant_row(s, &g, err)) != 0 || (rc = cb(ctx, &g)) != 0)
            goto out;
    rc = rc == SQLITE_DONE ? 0 : sq__err(c, rc, "grant list", err);
out:
    sqlite3_finalize(s);
    sq__release(be, tx, c);
    return rc;
}

/* UPDATE or DELETE one grant by id; 0 rows means no such grant. */
static int grant_by_id(void *be, void *tx, int slot, const char *sql, int64_t id, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc;

    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__stmt(c, slot, sql, &s, err)) != 0)
        goto out;
    sq__bind_i64(s, 1, id);
    if ((rc = step_done(c, s, "grant", err)) == 0 && sqlite3_changes(c->db) == 0)
        rc = sc_err_set(err, SC_ENOTFOUND, "grant %lld: no such grant", (long long)id);
out:
    sq__done(s);
    sq__release(be, tx, c);
    return rc;
}

int sq__grant_delete(void *be, void *tx, int64_t id, sc_err *err)
{
    return grant_by_id(be, tx, SQ_GRANT_DELETE, "DELETE FROM grants WHERE id = ?1", id, err);
}

int sq__grant_count(void *be, void *tx, int64_t id, sc_err *err)
{
    return grant_by_id(be, tx, SQ_GRANT_COUNT, "UPDATE grants SET uses = uses + 1 "
                       "WHERE id = ?1", id, err);
}
