/* sqlite_stmt.c: how the SQLite backend runs a statement and reads a row: SQLite results
 * mapped to the store's codes, values bound from SQ_ARGS lists, cached statements per
 * connection (sq__query, sq__row, sq__end, sq__write, sq__read_one, sq__ctl), column tables
 * read into records (sq__rec), and the state and status words. Every query in
 * sqlite_client.c, sqlite_seal.c and sqlite_audit.c goes through here, so each states only
 * its SQL, its values and its columns.
 * Not here: connections and transactions (sqlite.c), the schema (sqlite_schema.c). */
#include "sqlite_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors and statements ------------------------------------------------------------- */

int sq__err(sq_conn *c, int rc, const char *what, sc_err *err)
{
    const char *msg = c != NULL && c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
    int ext = rc;

    /* connections are opened with SQLITE_OPEN_EXRESCODE, but sqlite3_exec's and older
     * paths' primary codes are widened here too */
    if (ext == (ext & 0xff) && c != NULL && c->db != NULL &&
        (sqlite3_extended_errcode(c->db) & 0xff) == rc)
        ext = sqlite3_extended_errcode(c->db);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return sc_err_set(err, SS_EBUSY, "%s: the database is locked by another writer; "
                          "retry (SQLite: %s)", what, msg);
    case SQLITE_NOMEM:
        return sc_err_set(err, SC_ENOMEM, "%s: out of memory", what);
    case SQLITE_TOOBIG:
        return sc_err_set(err, SC_ELIMIT, "%s: value too large for the database", what);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return sc_err_set(err, SC_EIO, "%s: the database file is damaged or not a database "
                          "(SQLite: %s)", what, msg);
    case SQLITE_FULL:
        return sc_err_set(err, SC_EIO, "%s: the disk is full", what);
    default:
        break;
    }
    switch (ext) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return sc_err_set(err, SS_ECONFLICT, "%s: already exists (SQLite: %s)", what, msg);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return sc_err_set(err, SC_ENOTFOUND, "%s: refers to a unit, client, application, "
                          "seal or key that does not exist", what);
    case SQLITE_CONSTRAINT_TRIGGER:
        return sc_err_set(err, SS_ESTATE, "%s: %s", what, msg);
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_DATATYPE:
        return sc_err_set(err, SC_EINVAL, "%s: value refused by the schema (SQLite: %s)", what,
                          msg);
    default:
        return sc_err_set(err, SC_EIO, "%s: database error (SQLite: %s)", what, msg);
    }
}

int sq__ctl(sq_conn *c, int slot)
{
    static const char *const sql[] = {
        [SQ_BEGIN] = "BEGIN", [SQ_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE", [SQ_COMMIT] = "COMMIT",
        [SQ_ROLLBACK] = "ROLLBACK", [SQ_SAVEPOINT] = "SAVEPOINT ss_op",
        [SQ_RELEASE] = "RELEASE ss_op", [SQ_ROLLBACK_TO] = "ROLLBACK TO ss_op",
    };
    sqlite3_stmt **s = &c->stmt[slot];
    int rc = SQLITE_OK;

    assert(slot >= SQ_BEGIN && slot <= SQ_ROLLBACK_TO);
    if (*s == NULL)
        rc = sqlite3_prepare_v3(c->db, sql[slot], -1, SQLITE_PREPARE_PERSISTENT, s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(*s);
        sqlite3_reset(*s);    /* keeps the error for sqlite3_errmsg */
    }
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

void sq__done(sqlite3_stmt *s)
{
    if (s != NULL) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
}

static int bind_all(sqlite3_stmt *s, sq_args args)
{
    int rc = SQLITE_OK;

    for (size_t i = 0; i < args.n && rc == SQLITE_OK; i++) {
        const sq_arg *a = &args.v[i];
        int at = (int)i + 1;

        switch (a->kind) {
        case SQ__INT:
            rc = sqlite3_bind_int64(s, at, a->i);
            break;
        case SQ__INT_OR_NULL:
            rc = a->i == 0 ? sqlite3_bind_null(s, at) : sqlite3_bind_int64(s, at, a->i);
            break;
        case SQ__TEXT:
            rc = a->p == NULL || *(const char *)a->p == '\0'
                     ? sqlite3_bind_null(s, at)
                     : sqlite3_bind_text(s, at, a->p, -1, SQLITE_STATIC);
            break;
        case SQ__STR:
            rc = sqlite3_bind_text64(s, at, a->p, a->n, SQLITE_STATIC, SQLITE_UTF8);
            break;
        case SQ__BLOB:   /* a zero-length blob, not NULL: NOT NULL columns take it */
            rc = a->n == 0 ? sqlite3_bind_zeroblob(s, at, 0)
                           : sqlite3_bind_blob64(s, at, a->p, a->n, SQLITE_STATIC);
            break;
        case SQ__HASH:
            rc = a->p == NULL ? sqlite3_bind_null(s, at)
                              : sqlite3_bind_blob(s, at, a->p, 32, SQLITE_STATIC);
            break;
        }
    }
    return rc;
}

int sq__query(sq_q *q, void *be, void *tx, int slot, const char *sql, sq_args args,
              const char *what, sc_err *err)
{
    sqlite3_stmt **cached;
    int rc;

    *q = (sq_q){ be, tx, NULL, NULL, 0, what };
    if ((rc = sq__acquire(be, tx, &q->c, err)) != 0)
        return rc;
    cached = slot >= 0 ? &q->c->stmt[slot] : NULL;
    if (cached != NULL && *cached != NULL && !sqlite3_stmt_busy(*cached)) {
        q->s = *cached;
    } else {
        /* a cached statement still stepping belongs to a caller further up: leave it */
        q->fresh = cached == NULL || *cached != NULL;
        rc = sqlite3_prepare_v3(q->c->db, sql, -1, q->fresh ? 0 : SQLITE_PREPARE_PERSISTENT,
                                q->fresh ? &q->s : cached, NULL);
        if (rc != SQLITE_OK)
            return sq__err(q->c, rc, "store: preparing a statement", err);
        if (!q->fresh)
            q->s = *cached;
    }
    if ((rc = bind_all(q->s, args)) != SQLITE_OK)
        return sq__err(q->c, rc, what, err);
    return 0;
}

int sq__row(sq_q *q, int *rc, sc_err *err)
{
    int src;

    if (*rc != 0)
        return 0;
    if ((src = sqlite3_step(q->s)) == SQLITE_ROW)
        return 1;
    *rc = src == SQLITE_DONE ? 0 : sq__err(q->c, src, q->what, err);
    return 0;
}

int sq__end(sq_q *q, int rc)
{
    if (q->fresh)
        sqlite3_finalize(q->s);
    else
        sq__done(q->s);
    sq__release(q->be, q->tx, q->c);
    return rc;
}

int sq__write(void *be, void *tx, int slot, const char *sql, sq_args args, const char *what,
              int64_t *rowid, int64_t *changes, sc_err *err)
{
    sq_q q;
    int rc = sq__query(&q, be, tx, slot, sql, args, what, err);

    if (sq__row(&q, &rc, err))   /* a write returns no row */
        rc = sc_err_set(err, SC_EIO, "%s: the statement returned a row", what);
    if (rc == 0 && rowid != NULL)
        *rowid = sqlite3_last_insert_rowid(q.c->db);
    if (rc == 0 && changes != NULL)
        *changes = sqlite3_changes64(q.c->db);
    return sq__end(&q, rc);
}

int sq__read_one(void *be, void *tx, int slot, const char *sql, sq_args args,
                 const char *what, const sq_rec *rec, void *out, sc_err *err)
{
    sq_q q;
    int rc = sq__query(&q, be, tx, slot, sql, args, what, err);

    if (sq__row(&q, &rc, err))
        rc = sq__rec(q.s, rec, out, err);
    else if (rc == 0)
        rc = SQ_NOROW;
    return sq__end(&q, rc);
}

/* ---- columns and records -------------------------------------------------------------- */

int sq__col_text(sqlite3_stmt *s, int i, char *buf, size_t size, const char *what, sc_err *err)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    size_t n = (size_t)sqlite3_column_bytes(s, i);

    if (t == NULL) {
        buf[0] = '\0';
        return 0;
    }
    if (n >= size)
        return sc_err_set(err, SC_EFORMAT, "stored %s: %zu bytes, at most %zu (written by "
                          "something other than this store?)", what, n, size - 1);
    memcpy(buf, t, n);
    buf[n] = '\0';
    return 0;
}

int sq__col_blob(sqlite3_stmt *s, int i, uint8_t **out, size_t *len, size_t max,
                 const char *what, sc_err *err)
{
    const void *p = sqlite3_column_blob(s, i);
    size_t n = (size_t)sqlite3_column_bytes(s, i);

    *out = NULL;
    *len = 0;
    if (p == NULL || n == 0)
        return 0;
    if (n > max)
        return sc_err_set(err, SC_EFORMAT, "stored %s: %zu bytes, at most %zu (written by "
                          "something other than this store?)", what, n, max);
    if ((*out = malloc(n)) == NULL)
        return sc_err_set(err, SC_ENOMEM, "%s: out of memory for %zu bytes", what, n);
    memcpy(*out, p, n);
    *len = n;
    return 0;
}

int sq__col_hash(sqlite3_stmt *s, int i, uint8_t out[32], int *present, const char *what,
                 sc_err *err)
{
    const void *p;

    if (present != NULL)
        *present = 0;
    memset(out, 0, 32);
    if (sqlite3_column_type(s, i) == SQLITE_NULL) {
        if (present != NULL)
            return 0;
        return sc_err_set(err, SC_EFORMAT, "stored %s: missing", what);
    }
    p = sqlite3_column_blob(s, i);
    if (p == NULL || sqlite3_column_bytes(s, i) != 32)
        return sc_err_set(err, SC_EFORMAT, "stored %s: %d bytes, expected 32", what,
                          sqlite3_column_bytes(s, i));
    memcpy(out, p, 32);
    if (present != NULL)
        *present = 1;
    return 0;
}

const char *const sq__app_words[] = { NULL, "pending", "approved", "rejected", NULL };
const char *const sq__seal_words[] = { NULL, "good", "suspended", "revoked", NULL };

const char *sq__word(const char *const *words, int v)
{
    for (int i = 1; words[i] != NULL; i++)
        if (i == v)
            return words[i];
    return NULL;
}

const char *ss_seal_status_name(int status)
{
    return sq__word(sq__seal_words, status);
}

static void put_int(void *field, size_t size, int64_t v)
{
    int32_t v32 = (int32_t)v;

    assert(size == sizeof(v) || size == sizeof(v32));
    memcpy(field, size == sizeof(v) ? (void *)&v : (void *)&v32, size);
}

static int col_word(sqlite3_stmt *s, int i, const sq_col *col, void *field, sc_err *err)
{
    char w[16];
    int rc = sq__col_text(s, i, w, sizeof(w), col->what, err), v;

    for (v = 1; rc == 0 && col->words[v] != NULL; v++)
        if (strcmp(w, col->words[v]) == 0) {
            put_int(field, col->aux, v);
            return 0;
        }
    return rc != 0 ? rc : sc_err_set(err, SC_EFORMAT, "stored %s: unknown word \"%s\"",
                                     col->what, w);
}

static int read_cols(sqlite3_stmt *s, int first, const sq_col *cols, size_t n, void *rec,
                     sc_err *err)
{
    unsigned char *r = rec;
    int rc = 0;

    for (size_t k = 0; k < n && rc == 0; k++) {
        const sq_col *col = &cols[k];
        void *field = r + col->off, *aux = col->aux == SQ__NONE ? NULL : r + col->aux;
        int i = first + (int)k;

        switch (col->kind) {
        case SQ__C_INT:
            put_int(field, col->aux, sqlite3_column_int64(s, i));
            break;
        case SQ__C_TEXT:
            rc = sq__col_text(s, i, field, col->aux, col->what, err);
            break;
        case SQ__C_HASH:
            rc = sq__col_hash(s, i, field, aux, col->what, err);
            break;
        case SQ__C_BLOB:
            rc = sq__col_blob(s, i, field, aux, col->max, col->what, err);
            break;
        case SQ__C_WORD:
            rc = col_word(s, i, col, field, err);
            break;
        }
    }
    return rc;
}

int sq__rec(sqlite3_stmt *s, const sq_rec *rec, void *out, sc_err *err)
{
    int rc;

    memset(out, 0, rec->size);
    if ((rc = read_cols(s, 0, rec->cols, rec->n, out, err)) != 0 || rec->more == NULL)
        return rc;
    return read_cols(s, (int)rec->n, rec->more, rec->n_more, out, err);
}

static const sq_col i64_col[] = { { SQ__C_INT, 0, sizeof(int64_t), 0, NULL, NULL } };
const sq_rec sq__i64_rec = { sizeof(int64_t), i64_col, 1, NULL, 0 };
