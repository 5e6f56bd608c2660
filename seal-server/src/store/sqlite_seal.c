/* sqlite_seal.c: SQLite queries for seal applications, seal keys, seals, their status history
 * and grants. Every value is bound. Rules (who may review, which status change is allowed,
 * grant limits) live in the front end (store_seal.c); rows written together here are atomic
 * (sq__atomic_*), also inside a caller's transaction. */
#include "sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- applications ---------------------------------------------------------------------- */

#define APP_COLS "id, unit_id, applicant_id, seal_type, name, image_format, width_mm, " \
                 "height_mm, valid_from, valid_to, state, reviewer_id, reason, created, " \
                 "reviewed_at, es_id"

static int app_row(sqlite3_stmt *s, void *out, sc_err *err)
{
    ss_app *a = out;
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

static int app_row_image(sqlite3_stmt *s, void *out, sc_err *err)
{
    ss_app *a = out;
    int rc = app_row(s, a, err);

    return rc != 0 ? rc : sq__col_blob(s, 16, &a->image, &a->image_len, SS_IMAGE_MAX,
                                       "application image", err);
}

int sq__app_add(void *be, void *tx, const ss_app *in, int64_t now, int64_t *id, sc_err *err)
{
    return sq__write(be, tx, SQ_APP_ADD, "INSERT INTO seal_applications (unit_id, "
                     "applicant_id, seal_type, name, image, image_format, width_mm, height_mm, "
                     "valid_from, valid_to, state, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                     "?7, ?8, ?9, ?10, 'pending', ?11)",
                     SQ_ARGS(SQ_INT(in->unit_id), SQ_INT(in->applicant_id),
                             SQ_INT(in->seal_type), SQ_TEXT(in->name),
                             SQ_BLOB(in->image, in->image_len), SQ_TEXT(in->image_format),
                             SQ_INT(in->width_mm), SQ_INT(in->height_mm),
                             SQ_INT(in->valid_from), SQ_INT(in->valid_to), SQ_INT(now)),
                     "seal application", id, NULL, err);
}

int sq__app_get(void *be, void *tx, int64_t id, int with_image, ss_app *out, sc_err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if (with_image)
        rc = sq__read_one(be, tx, SQ_APP_GET_IMAGE, "SELECT " APP_COLS ", image FROM "
                          "seal_applications WHERE id = ?1", SQ_ARGS(SQ_INT(id)),
                          "seal application lookup", app_row_image, out, err);
    else
        rc = sq__read_one(be, tx, SQ_APP_GET, "SELECT " APP_COLS " FROM seal_applications "
                          "WHERE id = ?1", SQ_ARGS(SQ_INT(id)), "seal application lookup",
                          app_row, out, err);
    if (rc == SQ_NOROW)
        rc = sc_err_set(err, SC_ENOTFOUND, "seal application %lld: no such application",
                        (long long)id);
    if (rc != 0)
        ss_app_clear(out);
    return rc;
}

int sq__app_list(void *be, void *tx, int64_t unit_id, int state, int64_t after_id,
                 unsigned limit, ss_app_cb cb, void *ctx, sc_err *err)
{
    ss_app *a = malloc(sizeof(*a));
    sq_q q;
    int rc;

    if (a == NULL)
        return sc_err_set(err, SC_ENOMEM, "application list: out of memory");
    /* SS_APP_ANY: the state word is NULL, which matches every state */
    rc = sq__query(&q, be, tx, SQ_FRESH, "SELECT " APP_COLS " FROM seal_applications WHERE "
                   "id > ?1 AND (?2 = 0 OR unit_id = ?2) AND (?3 IS NULL OR state = ?3) "
                   "ORDER BY id LIMIT ?4", SQ_ARGS(SQ_INT(after_id), SQ_INT(unit_id),
                   SQ_TEXT(sq__app_state_word(state)), SQ_INT(limit)), "application list",
                   err);
    while (sq__row(&q, &rc, err) && (rc = app_row(q.s, a, err)) == 0)
        rc = cb(ctx, a);
    free(a);
    return sq__end(&q, rc);
}

int sq__app_set_review(void *be, void *tx, int64_t id, int state, int64_t reviewer_id,
                       const char *reason, int64_t now, sc_err *err)
{
    int64_t changed = 0;
    /* state = 'pending' in the WHERE: a concurrent second review changes nothing */
    int rc = sq__write(be, tx, SQ_APP_REVIEW, "UPDATE seal_applications SET state = ?2, "
                       "reviewer_id = ?3, reason = ?4, reviewed_at = ?5 "
                       "WHERE id = ?1 AND state = 'pending'",
                       SQ_ARGS(SQ_INT(id), SQ_TEXT(sq__app_state_word(state)),
                               SQ_INT(reviewer_id), SQ_TEXT(reason), SQ_INT(now)),
                       "seal application review", NULL, &changed, err);

    if (rc == 0 && changed == 0)
        rc = sc_err_set(err, SS_ESTATE, "seal application %lld: no longer pending",
                        (long long)id);
    return rc;
}

/* ---- keys ------------------------------------------------------------------------------ */

int sq__key_add(void *be, void *tx, const uint8_t *pem, size_t pem_len, const uint8_t *cert,
                size_t cert_len, int64_t now, int64_t *id, sc_err *err)
{
    return sq__write(be, tx, SQ_KEY_ADD, "INSERT INTO seal_keys (pkcs8_pem, signer_cert, "
                     "created) VALUES (?1, ?2, ?3)",
                     SQ_ARGS(SQ_BLOB(pem, pem_len), SQ_BLOB(cert, cert_len), SQ_INT(now)),
                     "seal key", id, NULL, err);
}

static int key_row(sqlite3_stmt *s, void *out, sc_err *err)
{
    ss_seal_key *k = out;
    int rc;

    k->id = sqlite3_column_int64(s, 0);
    k->created = sqlite3_column_int64(s, 3);
    if ((rc = sq__col_blob(s, 1, &k->pkcs8_pem, &k->pkcs8_pem_len, SS_KEY_PEM_MAX, "seal key",
                           err)) != 0)
        return rc;
    return sq__col_blob(s, 2, &k->cert, &k->cert_len, SS_CERT_MAX, "seal key certificate",
                        err);
}

int sq__key_get(void *be, void *tx, int64_t id, ss_seal_key *out, sc_err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = sq__read_one(be, tx, SQ_KEY_GET, "SELECT id, pkcs8_pem, signer_cert, created FROM "
                      "seal_keys WHERE id = ?1", SQ_ARGS(SQ_INT(id)), "seal key lookup",
                      key_row, out, err);
    if (rc == SQ_NOROW)
        rc = sc_err_set(err, SC_ENOTFOUND, "seal key %lld: no such key", (long long)id);
    if (rc != 0)
        ss_seal_key_clear(out);
    return rc;
}

/* ---- seals and status ------------------------------------------------------------------ */

#define SEAL_COLS "id, es_id, unit_id, application_id, name, seal_type, key_id, " \
                  "valid_start, valid_end, status, created"

static int seal_row(sqlite3_stmt *s, void *out, sc_err *err)
{
    ss_seal *x = out;
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

static int seal_row_blobs(sqlite3_stmt *s, void *out, sc_err *err)
{
    ss_seal *x = out;
    int rc;

    if ((rc = seal_row(s, x, err)) != 0 ||
        (rc = sq__col_blob(s, 11, &x->der, &x->der_len, SS_SEAL_DER_MAX, "seal DER",
                           err)) != 0)
        return rc;
    return sq__col_blob(s, 12, &x->signer_cert, &x->signer_cert_len, SS_CERT_MAX,
                        "seal signer certificate", err);
}

/* On c, inside the caller's atomic write. */
static int history_add(sq_conn *c, const char *es_id, int status, const char *reason,
                       int64_t actor, int64_t now, sc_err *err)
{
    return sq__write(NULL, c, SQ_HISTORY_ADD, "INSERT INTO seal_status_history (es_id, "
                     "status, reason, actor, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                     SQ_ARGS(SQ_TEXT(es_id), SQ_TEXT(ss_seal_status_name(status)),
                             SQ_TEXT(reason), SQ_INT(actor), SQ_INT(now)),
                     "seal status history", NULL, NULL, err);
}

int sq__seal_add(void *be, void *tx, const ss_seal *in, int64_t actor, int64_t now,
                 int64_t *id, sc_err *err)
{
    char what[SS_ES_ID_MAX + 16];
    sq_conn *c = NULL;
    int64_t changed = 0;
    int rc;

    snprintf(what, sizeof(what), "seal %s", in->es_id);
    if ((rc = sq__atomic_begin(be, tx, &c, err)) != 0)
        return rc;
    rc = sq__write(NULL, c, SQ_SEAL_ADD, "INSERT INTO seals (es_id, unit_id, application_id, "
                   "name, seal_type, der, signer_cert, key_id, valid_start, valid_end, status, "
                   "created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'good', ?11)",
                   SQ_ARGS(SQ_TEXT(in->es_id), SQ_INT(in->unit_id),
                           SQ_INT_OR_NULL(in->application_id), SQ_TEXT(in->name),
                           SQ_INT(in->seal_type), SQ_BLOB(in->der, in->der_len),
                           SQ_BLOB(in->signer_cert, in->signer_cert_len),
                           SQ_INT_OR_NULL(in->key_id), SQ_INT(in->valid_start),
                           SQ_INT(in->valid_end), SQ_INT(now)),
                   what, id, NULL, err);
    if (rc == 0)
        rc = history_add(c, in->es_id, SS_SEAL_GOOD, NULL, actor, now, err);
    if (rc == 0 && in->application_id != 0 &&
        (rc = sq__write(NULL, c, SQ_APP_MADE, "UPDATE seal_applications SET es_id = ?2 WHERE "
                        "id = ?1 AND state = 'approved' AND es_id IS NULL",
                        SQ_ARGS(SQ_INT(in->application_id), SQ_TEXT(in->es_id)), what, NULL,
                        &changed, err)) == 0 && changed == 0)
        rc = sc_err_set(err, SS_ESTATE, "%s: application %lld is not approved or already "
                        "has a seal", what, (long long)in->application_id);
    return sq__atomic_end(be, tx, c, rc, err);
}

int sq__seal_get(void *be, void *tx, const char *es_id, int with_blobs, ss_seal *out,
                 sc_err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if (with_blobs)
        rc = sq__read_one(be, tx, SQ_SEAL_GET_BLOBS, "SELECT " SEAL_COLS ", der, signer_cert "
                          "FROM seals WHERE es_id = ?1", SQ_ARGS(SQ_TEXT(es_id)),
                          "seal lookup", seal_row_blobs, out, err);
    else
        rc = sq__read_one(be, tx, SQ_SEAL_GET, "SELECT " SEAL_COLS " FROM seals WHERE "
                          "es_id = ?1", SQ_ARGS(SQ_TEXT(es_id)), "seal lookup", seal_row, out,
                          err);
    if (rc == SQ_NOROW)
        rc = sc_err_set(err, SC_ENOTFOUND, "seal %s: no such seal", es_id);
    if (rc != 0)
        ss_seal_clear(out);
    return rc;
}

int sq__seal_list(void *be, void *tx, int64_t unit_id, int status, int64_t after_id,
                  unsigned limit, ss_seal_cb cb, void *ctx, sc_err *err)
{
    ss_seal x;
    sq_q q;
    /* SS_SEAL_ANY: the status word is NULL, which matches every status */
    int rc = sq__query(&q, be, tx, SQ_FRESH, "SELECT " SEAL_COLS " FROM seals WHERE id > ?1 "
                       "AND (?2 = 0 OR unit_id = ?2) AND (?3 IS NULL OR status = ?3) "
                       "ORDER BY id LIMIT ?4", SQ_ARGS(SQ_INT(after_id), SQ_INT(unit_id),
                       SQ_TEXT(ss_seal_status_name(status)), SQ_INT(limit)), "seal list",
                       err);

    while (sq__row(&q, &rc, err) && (rc = seal_row(q.s, &x, err)) == 0)
        rc = cb(ctx, &x);
    return sq__end(&q, rc);
}

int sq__seal_set_status(void *be, void *tx, const char *es_id, int status, const char *reason,
                        int64_t actor, int64_t now, sc_err *err)
{
    char what[SS_ES_ID_MAX + 16];
    sq_conn *c = NULL;
    int64_t changed = 0;
    int rc;

    snprintf(what, sizeof(what), "seal %s", es_id);
    if ((rc = sq__atomic_begin(be, tx, &c, err)) != 0)
        return rc;
    rc = sq__write(NULL, c, SQ_SEAL_STATUS, "UPDATE seals SET status = ?2 WHERE es_id = ?1",
                   SQ_ARGS(SQ_TEXT(es_id), SQ_TEXT(ss_seal_status_name(status))), what, NULL,
                   &changed, err);
    if (rc == 0 && changed == 0)
        rc = sc_err_set(err, SC_ENOTFOUND, "seal %s: no such seal", es_id);
    if (rc == 0)
        rc = history_add(c, es_id, status, reason, actor, now, err);
    return sq__atomic_end(be, tx, c, rc, err);
}

static int history_row(sqlite3_stmt *s, void *out, sc_err *err)
{
    ss_status_entry *e = out;
    char status[16];
    int rc;

    memset(e, 0, sizeof(*e));
    e->id = sqlite3_column_int64(s, 0);
    e->actor = sqlite3_column_int64(s, 4);
    e->at = sqlite3_column_int64(s, 5);
    if ((rc = sq__col_text(s, 1, e->es_id, sizeof(e->es_id), "history esID", err)) != 0 ||
        (rc = sq__col_text(s, 2, status, sizeof(status), "history status", err)) != 0 ||
        (rc = sq__col_text(s, 3, e->reason, sizeof(e->reason), "history reason", err)) != 0)
        return rc;
    if ((e->status = sq__seal_status_from(status)) == 0)
        return sc_err_set(err, SC_EFORMAT, "stored history of %s: unknown status \"%s\"",
                          e->es_id, status);
    return 0;
}

int sq__seal_history(void *be, void *tx, const char *es_id, ss_status_cb cb, void *ctx,
                     sc_err *err)
{
    ss_status_entry e;
    sq_q q;
    int rc = sq__query(&q, be, tx, SQ_FRESH, "SELECT id, es_id, status, reason, actor, at "
                       "FROM seal_status_history WHERE es_id = ?1 ORDER BY id",
                       SQ_ARGS(SQ_TEXT(es_id)), "seal status history", err);

    while (sq__row(&q, &rc, err) && (rc = history_row(q.s, &e, err)) == 0)
        rc = cb(ctx, &e);
    return sq__end(&q, rc);
}

/* ---- grants ---------------------------------------------------------------------------- */

#define GRANT_COLS "id, client_id, es_id, expires_at, use_limit, uses, created"

static int grant_row(sqlite3_stmt *s, void *out, sc_err *err)
{
    ss_grant *g = out;

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
    char what[SS_ES_ID_MAX + 64];

    snprintf(what, sizeof(what), "grant for client %lld on seal %s", (long long)client_id,
             es_id);
    return sq__write(be, tx, SQ_GRANT_ADD, "INSERT INTO grants (client_id, es_id, expires_at, "
                     "use_limit, uses, created) VALUES (?1, ?2, ?3, ?4, 0, ?5)",
                     SQ_ARGS(SQ_INT(client_id), SQ_TEXT(es_id), SQ_INT_OR_NULL(expires_at),
                             SQ_INT_OR_NULL(use_limit), SQ_INT(now)),
                     what, id, NULL, err);
}

int sq__grant_get(void *be, void *tx, int64_t client_id, const char *es_id, ss_grant *out,
                  sc_err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = sq__read_one(be, tx, SQ_GRANT_GET, "SELECT " GRANT_COLS " FROM grants WHERE "
                      "client_id = ?1 AND es_id = ?2", SQ_ARGS(SQ_INT(client_id),
                      SQ_TEXT(es_id)), "grant lookup", grant_row, out, err);
    if (rc == SQ_NOROW)
        rc = sc_err_set(err, SC_ENOTFOUND, "client %lld has no grant for seal %s",
                        (long long)client_id, es_id);
    return rc;
}

int sq__grant_list(void *be, void *tx, int64_t client_id, const char *es_id, int64_t after_id,
                   unsigned limit, ss_grant_cb cb, void *ctx, sc_err *err)
{
    ss_grant g;
    sq_q q;
    int rc = sq__query(&q, be, tx, SQ_FRESH, "SELECT " GRANT_COLS " FROM grants WHERE id > ?1 "
                       "AND (?2 = 0 OR client_id = ?2) AND (?3 IS NULL OR es_id = ?3) "
                       "ORDER BY id LIMIT ?4", SQ_ARGS(SQ_INT(after_id), SQ_INT(client_id),
                       SQ_TEXT(es_id), SQ_INT(limit)), "grant list", err);

    while (sq__row(&q, &rc, err) && (rc = grant_row(q.s, &g, err)) == 0)
        rc = cb(ctx, &g);
    return sq__end(&q, rc);
}

/* UPDATE or DELETE one grant by id; no row changed means no such grant. */
static int grant_by_id(void *be, void *tx, int slot, const char *sql, int64_t id, sc_err *err)
{
    int64_t changed = 0;
    int rc = sq__write(be, tx, slot, sql, SQ_ARGS(SQ_INT(id)), "grant", NULL, &changed, err);

    if (rc == 0 && changed == 0)
        rc = sc_err_set(err, SC_ENOTFOUND, "grant %lld: no such grant", (long long)id);
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
