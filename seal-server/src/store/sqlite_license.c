/* sqlite_license.c: SQLite queries for e-licences: licence types and their files, issuing
 * grants, serial counters, licences and their status history (schema version 2). Every value
 * is bound. Rules (which status change is allowed, grant expiry) live in the front end
 * (store_license.c); rows written together here are atomic (sq__atomic_*), also inside a
 * caller's transaction. Not here: the licence files themselves (store_license_file.c). */
#include "sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sq__lic_words[] = { NULL, "valid", "suspended", "revoked", "voided", NULL };

const char *ss_lic_status_name(int status)
{
    return sq__word(sq__lic_words, status);
}

const char *sq__files_base(void *be)
{
    return ((sq_be *)be)->path;
}

/* ---- types ----------------------------------------------------------------------------- */

#define TYPE_COLS "id, code, name, added_by, created, disabled"

static const sq_col type_cols[] = {   /* TYPE_COLS */
    SQ_COL_INT(ss_lic_type, id), SQ_COL_TEXT(ss_lic_type, code, "licence type code"),
    SQ_COL_TEXT(ss_lic_type, name, "licence type name"), SQ_COL_INT(ss_lic_type, added_by),
    SQ_COL_INT(ss_lic_type, created), SQ_COL_INT(ss_lic_type, disabled),
};
static const sq_col type_tmpl_cols[] = {   /* after TYPE_COLS: template */
    SQ_COL_BLOB(ss_lic_type, tmpl, tmpl_len, SS_LIC_TEMPLATE_MAX, "licence template"),
};
static const sq_rec type_rec = SQ_REC(ss_lic_type, type_cols);
static const sq_rec type_tmpl_rec = SQ_REC_MORE(ss_lic_type, type_cols, type_tmpl_cols);

int sq__lic_type_add(void *be, void *tx, const ss_lic_type *in, const ss_lic_type_file *files,
                     size_t n, int64_t actor, int64_t now, int64_t *id, sc_err *err)
{
    char what[SS_LIC_CODE_MAX + 32];
    sq_conn *c = NULL;
    int rc;

    snprintf(what, sizeof(what), "licence type %s", in->code);
    if ((rc = sq__atomic_begin(be, tx, &c, err)) != 0)
        return rc;
    rc = sq__write(NULL, c, SQ_LTYPE_ADD, "INSERT INTO license_types (code, name, template, "
                   "added_by, created) VALUES (?1, ?2, ?3, ?4, ?5)",
                   SQ_ARGS(SQ_TEXT(in->code), SQ_TEXT(in->name),
                           SQ_BLOB(in->tmpl, in->tmpl_len), SQ_INT(actor), SQ_INT(now)),
                   what, id, NULL, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = sq__write(NULL, c, SQ_LTYPE_FILE_ADD, "INSERT INTO license_type_files (type_code, "
                       "name, data) VALUES (?1, ?2, ?3)",
                       SQ_ARGS(SQ_TEXT(in->code), SQ_TEXT(files[i].name),
                               SQ_BLOB(files[i].data, files[i].len)), what, NULL, NULL, err);
    return sq__atomic_end(be, tx, c, rc, err);
}

int sq__lic_type_get(void *be, void *tx, const char *code, int with_tmpl, ss_lic_type *out,
                     sc_err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if (with_tmpl)
        rc = sq__read_one(be, tx, SQ_LTYPE_GET_TMPL, "SELECT " TYPE_COLS ", template FROM "
                          "license_types WHERE code = ?1", SQ_ARGS(SQ_TEXT(code)),
                          "licence type lookup", &type_tmpl_rec, out, err);
    else
        rc = sq__read_one(be, tx, SQ_LTYPE_GET, "SELECT " TYPE_COLS " FROM license_types "
                          "WHERE code = ?1", SQ_ARGS(SQ_TEXT(code)), "licence type lookup",
                          &type_rec, out, err);
    if (rc == SQ_NOROW)
        rc = sc_err_set(err, SC_ENOTFOUND, "licence type %s: no such type", code);
    if (rc != 0)
        ss_lic_type_clear(out);
    return rc;
}

int sq__lic_type_list(void *be, void *tx, int64_t after_id, unsigned limit, ss_lic_type_cb cb,
                      void *ctx, sc_err *err)
{
    ss_lic_type t;
    sq_q q;
    int rc = sq__query(&q, be, tx, SQ_LTYPE_LIST, "SELECT " TYPE_COLS " FROM license_types "
                       "WHERE id > ?1 ORDER BY id LIMIT ?2",
                       SQ_ARGS(SQ_INT(after_id), SQ_INT(limit)), "licence type list", err);

    while (sq__row(&q, &rc, err) && (rc = sq__rec(q.s, &type_rec, &t, err)) == 0)
        rc = cb(ctx, &t);
    return sq__end(&q, rc);
}

int sq__lic_type_files(void *be, void *tx, const char *code, ss_lic_type_file_cb cb,
                       void *ctx, sc_err *err)
{
    ss_lic_type_file f;
    sq_q q;
    int rc = sq__query(&q, be, tx, SQ_LTYPE_FILES, "SELECT name, data FROM license_type_files "
                       "WHERE type_code = ?1 ORDER BY name", SQ_ARGS(SQ_TEXT(code)),
                       "licence type files", err);

    /* borrowed straight from the row: a font may be megabytes, copying it buys nothing */
    while (sq__row(&q, &rc, err)) {
        f.name = (const char *)sqlite3_column_text(q.s, 0);
        f.data = sqlite3_column_blob(q.s, 1);
        f.len = (size_t)sqlite3_column_bytes(q.s, 1);
        if (f.name == NULL || f.data == NULL || f.len > SS_LIC_TYPE_FILE_MAX)
            rc = sc_err_set(err, SC_EFORMAT, "licence type %s: a stored file is empty, "
                            "unnamed or larger than %u bytes", code, SS_LIC_TYPE_FILE_MAX);
        else
            rc = cb(ctx, &f);
    }
    return sq__end(&q, rc);
}

int sq__lic_type_set_disabled(void *be, void *tx, const char *code, int disabled, sc_err *err)
{
    int64_t changed = 0;
    int rc = sq__write(be, tx, SQ_LTYPE_DISABLE, "UPDATE license_types SET disabled = ?2 "
                       "WHERE code = ?1", SQ_ARGS(SQ_TEXT(code), SQ_INT(disabled)),
                       "licence type", NULL, &changed, err);

    if (rc == 0 && changed == 0)
        rc = sc_err_set(err, SC_ENOTFOUND, "licence type %s: no such type", code);
    return rc;
}

/* ---- grants ---------------------------------------------------------------------------- */

#define LGRANT_COLS "id, client_id, es_id, type_code, expires_at, created"

static const sq_col lgrant_cols[] = {   /* LGRANT_COLS; a NULL expiry reads as 0 */
    SQ_COL_INT(ss_lic_grant, id), SQ_COL_INT(ss_lic_grant, client_id),
    SQ_COL_TEXT(ss_lic_grant, es_id, "licence grant esID"),
    SQ_COL_TEXT(ss_lic_grant, type_code, "licence grant type"),
    SQ_COL_INT(ss_lic_grant, expires_at), SQ_COL_INT(ss_lic_grant, created),
};
static const sq_rec lgrant_rec = SQ_REC(ss_lic_grant, lgrant_cols);

int sq__lic_grant_add(void *be, void *tx, int64_t client_id, const char *es_id,
                      const char *type_code, int64_t expires_at, int64_t now, int64_t *id,
                      sc_err *err)
{
    char what[SS_ES_ID_MAX + SS_LIC_CODE_MAX + 80];

    snprintf(what, sizeof(what), "licence grant for client %lld on seal %s and type %s",
             (long long)client_id, es_id, type_code);
    return sq__write(be, tx, SQ_LGRANT_ADD, "INSERT INTO license_grants (client_id, es_id, "
                     "type_code, expires_at, created) VALUES (?1, ?2, ?3, ?4, ?5)",
                     SQ_ARGS(SQ_INT(client_id), SQ_TEXT(es_id), SQ_TEXT(type_code),
                             SQ_INT_OR_NULL(expires_at), SQ_INT(now)), what, id, NULL, err);
}

int sq__lic_grant_get(void *be, void *tx, int64_t client_id, const char *es_id,
                      const char *type_code, ss_lic_grant *out, sc_err *err)
{
    int rc = sq__read_one(be, tx, SQ_LGRANT_GET, "SELECT " LGRANT_COLS " FROM license_grants "
                          "WHERE client_id = ?1 AND es_id = ?2 AND type_code = ?3",
                          SQ_ARGS(SQ_INT(client_id), SQ_TEXT(es_id), SQ_TEXT(type_code)),
                          "licence grant lookup", &lgrant_rec, out, err);

    if (rc == SQ_NOROW)
        rc = sc_err_set(err, SC_ENOTFOUND, "client %lld has no grant to issue licences of "
                        "type %s with seal %s", (long long)client_id, type_code, es_id);
    return rc;
}

int sq__lic_grant_list(void *be, void *tx, int64_t client_id, int64_t after_id,
                       unsigned limit, ss_lic_grant_cb cb, void *ctx, sc_err *err)
{
    ss_lic_grant g;
    sq_q q;
    int rc = sq__query(&q, be, tx, SQ_LGRANT_LIST, "SELECT " LGRANT_COLS " FROM license_grants "
                       "WHERE id > ?1 AND (?2 = 0 OR client_id = ?2) ORDER BY id LIMIT ?3",
                       SQ_ARGS(SQ_INT(after_id), SQ_INT(client_id), SQ_INT(limit)),
                       "licence grant list", err);

    while (sq__row(&q, &rc, err) && (rc = sq__rec(q.s, &lgrant_rec, &g, err)) == 0)
        rc = cb(ctx, &g);
    return sq__end(&q, rc);
}

int sq__lic_grant_delete(void *be, void *tx, int64_t id, sc_err *err)
{
    int64_t changed = 0;
    int rc = sq__write(be, tx, SQ_LGRANT_DELETE, "DELETE FROM license_grants WHERE id = ?1",
                       SQ_ARGS(SQ_INT(id)), "licence grant", NULL, &changed, err);

    if (rc == 0 && changed == 0)
        rc = sc_err_set(err, SC_ENOTFOUND, "licence grant %lld: no such grant", (long long)id);
    return rc;
}

/* ---- serials --------------------------------------------------------------------------- */

int sq__lic_serial_take(void *be, void *tx, const char *type_code, const char *issuer_code,
                        unsigned count, int64_t *first, sc_err *err)
{
    char what[2 * SS_LIC_CODE_MAX + 32];
    int64_t next = 0;
    /* one statement: insert-or-bump and read back under the write lock it takes, so no
     * two callers (threads, processes) can see the same range */
    int rc = sq__read_one(be, tx, SQ_LSERIAL, "INSERT INTO license_serials (type_code, "
                          "issuer_code, next) VALUES (?1, ?2, 1 + ?3) ON CONFLICT (type_code, "
                          "issuer_code) DO UPDATE SET next = next + ?3 RETURNING next",
                          SQ_ARGS(SQ_TEXT(type_code), SQ_TEXT(issuer_code), SQ_INT(count)),
                          "licence serial", &sq__i64_rec, &next, err);

    snprintf(what, sizeof(what), "licence serial of %s/%s", type_code, issuer_code);
    if (rc == SQ_NOROW)
        rc = sc_err_set(err, SC_EIO, "%s: no row came back", what);
    if (rc == 0)
        *first = next - (int64_t)count;
    return rc;
}

/* ---- licences -------------------------------------------------------------------------- */

#define LIC_COLS "id, zzbs, type_code, issuer_code, es_id, serial, version, holder_name, " \
                 "holder_code, file_sm3, file_size, file_loc, valid_from, valid_to, status, " \
                 "replaced_by, batch_id, batch_row, issued_by, created"

static const sq_col lic_cols[] = {   /* LIC_COLS; NULL valid_to, batch_row read as 0 */
    SQ_COL_INT(ss_license, id), SQ_COL_TEXT(ss_license, zzbs, "licence identifier"),
    SQ_COL_TEXT(ss_license, type_code, "licence type"),
    SQ_COL_TEXT(ss_license, issuer_code, "licence issuer code"),
    SQ_COL_TEXT(ss_license, es_id, "licence seal"),
    SQ_COL_TEXT(ss_license, serial, "licence serial"), SQ_COL_INT(ss_license, version),
    SQ_COL_TEXT(ss_license, holder_name, "licence holder"),
    SQ_COL_TEXT(ss_license, holder_code, "licence holder code"),
    SQ_COL_HASH_REQUIRED(ss_license, file_sm3, "licence file SM3"),
    SQ_COL_INT(ss_license, file_size), SQ_COL_TEXT(ss_license, file_loc, "licence file place"),
    SQ_COL_INT(ss_license, valid_from), SQ_COL_INT(ss_license, valid_to),
    SQ_COL_WORD(ss_license, status, sq__lic_words, "licence status"),
    SQ_COL_TEXT(ss_license, replaced_by, "licence replaced_by"),
    SQ_COL_TEXT(ss_license, batch_id, "licence batch"), SQ_COL_INT(ss_license, batch_row),
    SQ_COL_INT(ss_license, issued_by), SQ_COL_INT(ss_license, created),
};
static const sq_col lic_fields_cols[] = {   /* after LIC_COLS: fields */
    SQ_COL_BLOB(ss_license, fields, fields_len, SS_LIC_FIELDS_MAX, "licence fields"),
};
static const sq_rec lic_rec = SQ_REC(ss_license, lic_cols);
static const sq_rec lic_fields_rec = SQ_REC_MORE(ss_license, lic_cols, lic_fields_cols);

/* On c, inside the caller's atomic write. */
static int lhist_add(sq_conn *c, const char *zzbs, int status, int reason, const char *text,
                     int64_t actor, int64_t now, sc_err *err)
{
    sq_arg r = reason >= 0 ? SQ_INT(reason) : SQ_INT_OR_NULL(0);

    return sq__write(NULL, c, SQ_LHIST_ADD, "INSERT INTO license_status_history (zzbs, status, "
                     "reason, text, actor, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                     SQ_ARGS(SQ_TEXT(zzbs), SQ_TEXT(ss_lic_status_name(status)), r,
                             SQ_TEXT(text), SQ_INT(actor), SQ_INT(now)),
                     "licence status history", NULL, NULL, err);
}

int sq__lic_add(void *be, void *tx, const ss_license *in, int64_t now, int64_t *id,
                sc_err *err)
{
    char what[SS_LIC_ID_MAX + 16];
    sq_conn *c = NULL;
    int rc;

    snprintf(what, sizeof(what), "licence %s", in->zzbs);
    if ((rc = sq__atomic_begin(be, tx, &c, err)) != 0)
        return rc;
    rc = sq__write(NULL, c, SQ_LIC_ADD, "INSERT INTO licenses (zzbs, type_code, issuer_code, "
                   "es_id, serial, version, holder_name, holder_code, fields, file_sm3, "
                   "file_size, file_loc, valid_from, valid_to, status, batch_id, batch_row, "
                   "issued_by, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                   "?12, ?13, ?14, 'valid', ?15, ?16, ?17, ?18)",
                   SQ_ARGS(SQ_TEXT(in->zzbs), SQ_TEXT(in->type_code),
                           SQ_TEXT(in->issuer_code), SQ_TEXT(in->es_id), SQ_TEXT(in->serial),
                           SQ_INT(in->version), SQ_STR(in->holder_name,
                           strlen(in->holder_name)), SQ_STR(in->holder_code,
                           strlen(in->holder_code)), SQ_STR(in->fields, in->fields_len),
                           SQ_HASH(in->file_sm3), SQ_INT(in->file_size),
                           SQ_TEXT(in->file_loc), SQ_INT(in->valid_from),
                           SQ_INT_OR_NULL(in->valid_to), SQ_TEXT(in->batch_id),
                           in->batch_id[0] != '\0' ? SQ_INT(in->batch_row) : SQ_INT_OR_NULL(0),
                           SQ_INT(in->issued_by), SQ_INT(now)),
                   what, id, NULL, err);
    if (rc == 0)
        rc = lhist_add(c, in->zzbs, SS_LIC_VALID, -1, NULL, in->issued_by, now, err);
    return sq__atomic_end(be, tx, c, rc, err);
}

int sq__lic_get(void *be, void *tx, const char *zzbs, int with_fields, ss_license *out,
                sc_err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if (with_fields)
        rc = sq__read_one(be, tx, SQ_LIC_GET_FIELDS, "SELECT " LIC_COLS ", fields FROM "
                          "licenses WHERE zzbs = ?1", SQ_ARGS(SQ_TEXT(zzbs)), "licence lookup",
                          &lic_fields_rec, out, err);
    else
        rc = sq__read_one(be, tx, SQ_LIC_GET, "SELECT " LIC_COLS " FROM licenses WHERE "
                          "zzbs = ?1", SQ_ARGS(SQ_TEXT(zzbs)), "licence lookup", &lic_rec,
                          out, err);
    if (rc == SQ_NOROW)
        rc = sc_err_set(err, SC_ENOTFOUND, "licence %s: no such licence", zzbs);
    if (rc != 0)
        ss_license_clear(out);
    return rc;
}

int sq__lic_by_batch(void *be, void *tx, int64_t client_id, const char *batch_id, int64_t row,
                     ss_license *out, sc_err *err)
{
    int rc = sq__read_one(be, tx, SQ_LIC_BY_BATCH, "SELECT " LIC_COLS " FROM licenses WHERE "
                          "issued_by = ?1 AND batch_id = ?2 AND batch_row = ?3",
                          SQ_ARGS(SQ_INT(client_id), SQ_TEXT(batch_id), SQ_INT(row)),
                          "licence batch lookup", &lic_rec, out, err);

    if (rc == SQ_NOROW)
        rc = sc_err_set(err, SC_ENOTFOUND, "batch %s row %lld: no licence issued",
                        batch_id, (long long)row);
    return rc;
}

/* Each row of the started query q (rc its start's result) as a licence to cb, then q
 * ended: the loop of every licence listing. */
static int lic_rows(sq_q *q, int rc, ss_license_cb cb, void *ctx, sc_err *err)
{
    ss_license *l = rc == 0 ? malloc(sizeof(*l)) : NULL;

    if (rc == 0 && l == NULL)
        rc = sc_err_set(err, SC_ENOMEM, "%s: out of memory", q->what);
    while (sq__row(q, &rc, err) && (rc = sq__rec(q->s, &lic_rec, l, err)) == 0)
        rc = cb(ctx, l);
    free(l);
    return sq__end(q, rc);
}

int sq__lic_batch_rows(void *be, void *tx, int64_t client_id, const char *batch_id,
                       int64_t first_row, int64_t n, ss_license_cb cb, void *ctx, sc_err *err)
{
    sq_q q;
    int rc = sq__query(&q, be, tx, SQ_LIC_BATCH_ROWS, "SELECT " LIC_COLS " FROM licenses "
                       "WHERE issued_by = ?1 AND batch_id = ?2 AND batch_row >= ?3 AND "
                       "batch_row < ?4 ORDER BY batch_row", SQ_ARGS(SQ_INT(client_id),
                       SQ_TEXT(batch_id), SQ_INT(first_row), SQ_INT(first_row + n)),
                       "licence batch lookup", err);

    return lic_rows(&q, rc, cb, ctx, err);
}

int sq__lic_list(void *be, void *tx, const char *type_code, int status, int64_t after_id,
                 unsigned limit, ss_license_cb cb, void *ctx, sc_err *err)
{
    sq_q q;
    int rc = sq__query(&q, be, tx, SQ_LIC_LIST, "SELECT " LIC_COLS " FROM licenses WHERE "
                       "id > ?1 AND (?2 IS NULL OR type_code = ?2) AND (?3 IS NULL OR "
                       "status = ?3) ORDER BY id LIMIT ?4", SQ_ARGS(SQ_INT(after_id),
                       SQ_TEXT(type_code), SQ_TEXT(ss_lic_status_name(status)),
                       SQ_INT(limit)), "licence list", err);

    return lic_rows(&q, rc, cb, ctx, err);
}

int sq__lic_set_status(void *be, void *tx, const char *zzbs, int status, int reason,
                       const char *text, const char *replaced_by, int64_t actor, int64_t now,
                       sc_err *err)
{
    char what[SS_LIC_ID_MAX + 16];
    sq_conn *c = NULL;
    int64_t changed = 0;
    int rc;

    snprintf(what, sizeof(what), "licence %s", zzbs);
    if ((rc = sq__atomic_begin(be, tx, &c, err)) != 0)
        return rc;
    if (replaced_by != NULL)
        rc = sq__write(NULL, c, SQ_LIC_REPLACED, "UPDATE licenses SET status = ?2, "
                       "replaced_by = ?3 WHERE zzbs = ?1", SQ_ARGS(SQ_TEXT(zzbs),
                       SQ_TEXT(ss_lic_status_name(status)), SQ_TEXT(replaced_by)), what,
                       NULL, &changed, err);
    else
        rc = sq__write(NULL, c, SQ_LIC_STATUS, "UPDATE licenses SET status = ?2 WHERE "
                       "zzbs = ?1", SQ_ARGS(SQ_TEXT(zzbs),
                       SQ_TEXT(ss_lic_status_name(status))), what, NULL, &changed, err);
    if (rc == 0 && changed == 0)
        rc = sc_err_set(err, SC_ENOTFOUND, "licence %s: no such licence", zzbs);
    if (rc == 0)
        rc = lhist_add(c, zzbs, status, reason, text, actor, now, err);
    return sq__atomic_end(be, tx, c, rc, err);
}

/* reason is NULL for none: read it apart, as -1 */
static const sq_col lhist_cols[] = {   /* id, status, text, actor, at */
    SQ_COL_INT(ss_lic_status_entry, id),
    SQ_COL_WORD(ss_lic_status_entry, status, sq__lic_words, "licence history status"),
    SQ_COL_TEXT(ss_lic_status_entry, text, "licence history text"),
    SQ_COL_INT(ss_lic_status_entry, actor), SQ_COL_INT(ss_lic_status_entry, at),
};
static const sq_rec lhist_rec = SQ_REC(ss_lic_status_entry, lhist_cols);

int sq__lic_history(void *be, void *tx, const char *zzbs, ss_lic_status_cb cb, void *ctx,
                    sc_err *err)
{
    ss_lic_status_entry e;
    sq_q q;
    int rc = sq__query(&q, be, tx, SQ_LHIST_LIST, "SELECT id, status, text, actor, at, "
                       "coalesce(reason, -1) FROM license_status_history WHERE zzbs = ?1 "
                       "ORDER BY id", SQ_ARGS(SQ_TEXT(zzbs)), "licence status history", err);

    while (sq__row(&q, &rc, err) && (rc = sq__rec(q.s, &lhist_rec, &e, err)) == 0) {
        e.reason = (int)sqlite3_column_int64(q.s, 5);
        rc = cb(ctx, &e);
    }
    return sq__end(&q, rc);
}
