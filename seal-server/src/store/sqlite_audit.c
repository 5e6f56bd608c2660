/* sqlite_audit.c: SQLite queries for the audit log: the head, appending a record with its new
 * head, and a streaming scan in one read snapshot. Hashing and the chain rules are audit.c's. */
#include "sqlite_int.h"

#include <string.h>

int sq__audit_head(void *be, void *tx, int64_t *seq, uint8_t hash[32], sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc;

    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__stmt(c, SQ_AUDIT_HEAD, "SELECT seq, hash FROM audit_head WHERE id = 1", &s,
                       err)) != 0)
        goto out;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *seq = sqlite3_column_int64(s, 0);
        rc = sq__col_hash(s, 1, hash, NULL, "audit head hash", err);
    } else if (rc == SQLITE_DONE) {
        rc = sc_err_set(err, SC_EIO, "audit head: the row is missing (the store is damaged)");
    } else {
        rc = sq__err(c, rc, "audit head", err);
    }
out:
    sq__done(s);
    sq__release(be, tx, c);
    return rc;
}

int sq__audit_insert(void *be, void *tx, const ss_audit_record *r, sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc;

    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if ((rc = sq__atomic_begin(c, err)) != 0)
        goto out;
    if ((rc = sq__stmt(c, SQ_AUDIT_ADD, "INSERT INTO audit_log (seq, at, actor, action, "
                       "object, details, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                       "?8)", &s, err)) != 0)
        goto end;
    sq__bind_i64(s, 1, r->seq);
    sq__bind_i64(s, 2, r->at);
    sq__bind_i64(s, 3, r->actor);
    sqlite3_bind_text(s, 4, r->action, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, r->object, -1, SQLITE_STATIC);   /* "" stays "", not NULL */
    sqlite3_bind_text64(s, 6, r->details, r->details_len, SQLITE_STATIC, SQLITE_UTF8);
    sq__bind_blob(s, 7, r->prev_hash, 32);
    sq__bind_blob(s, 8, r->hash, 32);
    rc = sqlite3_step(s);
    sq__done(s);
    s = NULL;
    if (rc != SQLITE_DONE) {
        rc = sq__err(c, rc, "audit append", err);
        goto end;
    }
    /* seq = r->seq - 1 in the WHERE: the head must still be the one the hash chained from */
    if ((rc = sq__stmt(c, SQ_AUDIT_HEAD_SET, "UPDATE audit_head SET seq = ?1, hash = ?2 "
                       "WHERE id = 1 AND seq = ?3", &s, err)) != 0)
        goto end;
    sq__bind_i64(s, 1, r->seq);
    sq__bind_blob(s, 2, r->hash, 32);
    sq__bind_i64(s, 3, r->seq - 1);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        rc = sq__err(c, rc, "audit head update", err);
    else if (sqlite3_changes(c->db) != 1)
        rc = sc_err_set(err, SS_ECONFLICT, "audit append: the chain head moved (another "
                        "writer outside a transaction?)");
    else
        rc = 0;
end:
    sq__done(s);
    rc = sq__atomic_end(c, rc, err);
out:
    sq__release(be, tx, c);
    return rc;
}

/* A stored hash: 32 bytes, else the record is malformed (verify says so, naming it). */
static void read_hash(sqlite3_stmt *s, int i, uint8_t out[32], int *malformed)
{
    const void *p = sqlite3_column_blob(s, i);

    memset(out, 0, 32);
    if (p == NULL || sqlite3_column_bytes(s, i) != 32 ||
        sqlite3_column_type(s, i) != SQLITE_BLOB)
        *malformed = 1;
    else
        memcpy(out, p, 32);
}

int sq__audit_scan(void *be, void *tx, int64_t after_seq, unsigned limit, ss_audit_cb cb,
                   void *ctx, int64_t *head_seq, uint8_t head_hash[32], sc_err *err)
{
    sq_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    ss_audit_record r;
    int rc, own_read = 0;

    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if (sqlite3_get_autocommit(c->db)) {
        /* one read transaction: the head and every record come from the same snapshot, while
         * writers go on appending (WAL) */
        if ((rc = sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL)) != SQLITE_OK) {
            rc = sq__err(c, rc, "audit scan", err);
            goto out;
        }
        own_read = 1;
    }
    /* c passed as the transaction: the head query runs on this connection, in this snapshot */
    if (head_seq != NULL && (rc = sq__audit_head(be, c, head_seq, head_hash, err)) != 0)
        goto out;
    if ((rc = sq__prepare(c, "SELECT seq, at, actor, action, object, details, prev_hash, hash "
                          "FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2", &s,
                          err)) != 0)
        goto out;
    sq__bind_i64(s, 1, after_seq);
    sq__bind_i64(s, 2, limit == 0 ? -1 : (int64_t)limit);   /* negative: no limit */
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        memset(&r, 0, sizeof(r));
        r.seq = sqlite3_column_int64(s, 0);
        r.at = sqlite3_column_int64(s, 1);
        r.actor = sqlite3_column_int64(s, 2);
        r.action = (const char *)sqlite3_column_text(s, 3);
        r.object = (const char *)sqlite3_column_text(s, 4);
        r.details = (const char *)sqlite3_column_text(s, 5);
        r.details_len = (size_t)sqlite3_column_bytes(s, 5);
        /* a NUL inside a text (written around the store) would cut what strlen sees */
        if (r.action == NULL || r.object == NULL || r.details == NULL ||
            strlen(r.action) != (size_t)sqlite3_column_bytes(s, 3) ||
            strlen(r.object) != (size_t)sqlite3_column_bytes(s, 4) ||
            strlen(r.details) != r.details_len)
            r.malformed = 1;
        r.action = r.action != NULL ? r.action : "";
        r.object = r.object != NULL ? r.object : "";
        r.details = r.details != NULL ? r.details : "";
        read_hash(s, 6, r.prev_hash, &r.malformed);
        read_hash(s, 7, r.hash, &r.malformed);
        if ((rc = cb(ctx, &r)) != 0)
            goto out;
    }
    rc = rc == SQLITE_DONE ? 0 : sq__err(c, rc, "audit scan", err);
out:
    sqlite3_finalize(s);
    if (own_read)
        sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    sq__release(be, tx, c);
    return rc;
}
