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

static const sq_col app_cols[] = {   /* APP_COLS */
    SQ_COL_INT(ss_app, id), SQ_COL_INT(ss_app, unit_id), SQ_COL_INT(ss_app, applicant_id),
    SQ_COL_INT(ss_app, seal_type), SQ_COL_TEXT(ss_app, name, "application name"),
    SQ_COL_TEXT(ss_app, image_format, "application image format"),
    SQ_COL_INT(ss_app, width_mm), SQ_COL_INT(ss_app, height_mm),
    SQ_COL_INT(ss_app, valid_from), SQ_COL_INT(ss_app, valid_to),
    SQ_COL_WORD(ss_app, state, sq__app_words, "application state"),
    SQ_COL_INT(ss_app, reviewer_id), SQ_COL_TEXT(ss_app, reason, "application reason"),
    SQ_COL_INT(ss_app, created), SQ_COL_INT(ss_app, reviewed_at),
    SQ_COL_TEXT(ss_app, es_id, "application esID"),
};
static const sq_col app_image_col[] = {   /* after APP_COLS: image */
    SQ_COL_BLOB(ss_app, image, image_len, SS_IMAGE_MAX, "application image"),
};
static const sq_rec app_rec = SQ_REC(ss_app, app_cols);
static const sq_rec app_image_rec = SQ_REC_MORE(ss_app, app_cols, app_image_col);

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
                          "seal application lookup", &app_image_rec, out, err);
    else
        rc = sq__read_one(be, tx, SQ_APP_GET, "SELECT " APP_COLS " FROM seal_applications "
                          "WHERE id = ?1", SQ_ARGS(SQ_INT(id)), "seal application lookup",
                          &app_rec, out, err);
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
    rc = sq__query(&q, be, tx, SQ_APP_LIST, "SELECT " APP_COLS " FROM seal_applications WHERE "
                   "id > ?1 AND (?2 = 0 OR unit_id = ?2) AND (?3 IS NULL OR state = ?3) "
                   "ORDER BY id LIMIT ?4", SQ_ARGS(SQ_INT(after_id), SQ_INT(unit_id),
                   SQ_TEXT(sq__word(sq__app_words, state)), SQ_INT(limit)), "application list",
                   err);
    while (sq__row(&q, &rc, err) && (rc = sq__rec(q.s, &app_rec, a, err)) == 0)
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
                       SQ_ARGS(SQ_INT(id), SQ_TEXT(sq__word(sq__app_words, state)),
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

static const sq_col key_cols[] = {   /* id, pkcs8_pem, signer_cert, created */
    SQ_COL_INT(ss_seal_key, id),
    SQ_COL_BLOB(ss_seal_key, pkcs8_pem, pkcs8_pem_len, SS_KEY_PEM_MAX, "seal key"),
    SQ_COL_BLOB(ss_seal_key, cert, cert_len, SS_CERT_MAX, "seal key certificate"),
    SQ_COL_INT(ss_seal_key, created),
};
static const sq_rec key_rec = SQ_REC(ss_seal_key, key_cols);

int sq__key_get(void *be, void *tx, int64_t id, ss_seal_key *out, sc_err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = sq__read_one(be, tx, SQ_KEY_GET, "SELECT id, pkcs8_pem, signer_cert, created FROM "
                      "seal_keys WHERE id = ?1", SQ_ARGS(SQ_INT(id)), "seal key lookup",
                      &key_rec, out, err);
    if (rc == SQ_NOROW)
        rc = sc_err_set(err, SC_ENOTFOUND, "seal key %lld: no such key", (long long)id);
    if (rc != 0)
        ss_seal_key_clear(out);
    return rc;
}

/* ---- seals and status ------------------------------------------------------------------ */

#define SEAL_COLS "id, es_id, unit_id, application_id, name, seal_type, key_id, " \
                  "valid_start, valid_end, status, created"

static const sq_col seal_cols[] = {   /* SEAL_COLS */
    SQ_COL_INT(ss_seal, id), SQ_COL_TEXT(ss_seal, es_id, "seal esID"),
    SQ_COL_INT(ss_seal, unit_id), SQ_COL_INT(ss_seal, application_id),
    SQ_COL_TEXT(ss_seal, name, "seal name"), SQ_COL_INT(ss_seal, seal_type),
    SQ_COL_INT(ss_seal, key_id), SQ_COL_INT(ss_seal, valid_start),
    SQ_COL_INT(ss_seal, valid_end), SQ_COL_WORD(ss_seal, status, sq__seal_words, "seal status"),
    SQ_COL_INT(ss_seal, created),
};
static const sq_col seal_blob_cols[] = {   /* after SEAL_COLS: der, signer_cert */
    SQ_COL_BLOB(ss_seal, der, der_len, SS_SEAL_DER_MAX, "seal DER"),
    SQ_COL_BLOB(ss_seal, signer_cert, signer_cert_len, SS_CERT_MAX, "seal signer certificate"),
};
static const sq_rec seal_rec = SQ_REC(ss_seal, seal_cols);
static const sq_rec seal_blobs_rec = SQ_REC_MORE(ss_seal, seal_cols, seal_blob_cols);

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
                          "seal lookup", &seal_blobs_rec, out, err);
    else
        rc = sq__read_one(be, tx, SQ_SEAL_GET, "SELECT " SEAL_COLS " FROM seals WHERE "
                          "es_id = ?1", SQ_ARGS(SQ_TEXT(es_id)), "seal lookup", &seal_rec,
                          out, err);
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
    int rc = sq__query(&q, be, tx, SQ_SEAL_LIST, "SELECT " SEAL_COLS " FROM seals WHERE id > ?1 "
                       "AND (?2 = 0 OR unit_id = ?2) AND (?3 IS NULL OR status = ?3) "
                       "ORDER BY id LIMIT ?4", SQ_ARGS(SQ_INT(after_id), SQ_INT(unit_id),
                       SQ_TEXT(ss_seal_status_name(status)), SQ_INT(limit)), "seal list",
                       err);

    while (sq__row(&q, &rc, err) && (rc = sq__rec(q.s, &seal_rec, &x, err)) == 0)
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

static const sq_col history_cols[] = {   /* id, es_id, status, reason, actor, at */
    SQ_COL_INT(ss_status_entry, id), SQ_COL_TEXT(ss_status_entry, es_id, "history esID"),
    SQ_COL_WORD(ss_status_entry, status, sq__seal_words, "history status"),
    SQ_COL_TEXT(ss_status_entry, reason, "history reason"),
    SQ_COL_INT(ss_status_entry, actor), SQ_COL_INT(ss_status_entry, at),
};
static const sq_rec history_rec = SQ_REC(ss_status_entry, history_cols);

int sq__seal_history(void *be, void *tx, const char *es_id, ss_status_cb cb, void *ctx,
                     sc_err *err)
{
    ss_status_entry e;
    sq_q q;
    int rc = sq__query(&q, be, tx, SQ_HISTORY_LIST, "SELECT id, es_id, status, reason, actor, at "
                       "FROM seal_status_history WHERE es_id = ?1 ORDER BY id",
                       SQ_ARGS(SQ_TEXT(es_id)), "seal status history", err);

    while (sq__row(&q, &rc, err) && (rc = sq__rec(q.s, &history_rec, &e, err)) == 0)
        rc = cb(ctx, &e);
    return sq__end(&q, rc);
}

/* ---- grants ---------------------------------------------------------------------------- */

#define GRANT_COLS "id, client_id, es_id, expires_at, use_limit, uses, created"

static const sq_col grant_cols[] = {   /* GRANT_COLS; a NULL expiry or limit reads as 0 */
    SQ_COL_INT(ss_grant, id), SQ_COL_INT(ss_grant, client_id),
    SQ_COL_TEXT(ss_grant, es_id, "grant esID"), SQ_COL_INT(ss_grant, expires_at),
    SQ_COL_INT(ss_grant, use_limit), SQ_COL_INT(ss_grant, uses), SQ_COL_INT(ss_grant, created),
};
static const sq_rec grant_rec = SQ_REC(ss_grant, grant_cols);

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
                      SQ_TEXT(es_id)), "grant lookup", &grant_rec, out, err);
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
    int rc = sq__query(&q, be, tx, SQ_GRANT_LIST, "SELECT " GRANT_COLS " FROM grants WHERE id > ?1 "
                       "AND (?2 = 0 OR client_id = ?2) AND (?3 IS NULL OR es_id = ?3) "
                       "ORDER BY id LIMIT ?4", SQ_ARGS(SQ_INT(after_id), SQ_INT(client_id),
                       SQ_TEXT(es_id), SQ_INT(limit)), "grant list", err);

    while (sq__row(&q, &rc, err) && (rc = sq__rec(q.s, &grant_rec, &g, err)) == 0)
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
