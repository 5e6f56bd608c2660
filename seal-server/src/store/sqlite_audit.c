/* sqlite_audit.c: SQLite queries for the audit log: the head, appending a record with its new
 * head, and a streaming scan in one read snapshot. Hashing and the chain rules are audit.c's. */
#include "sqlite_int.h"

#include <string.h>

struct head {
    int64_t seq;
    uint8_t hash[32];
};
static const sq_col head_cols[] = {
    SQ_COL_INT(struct head, seq), SQ_COL_HASH_REQUIRED(struct head, hash, "audit head hash"),
};
static const sq_rec head_rec = SQ_REC(struct head, head_cols);

int sq__audit_head(void *be, void *tx, int64_t *seq, uint8_t hash[32], sc_err *err)
{
    struct head h = { 0, { 0 } };
    int rc = sq__read_one(be, tx, SQ_AUDIT_HEAD, "SELECT seq, hash FROM audit_head WHERE "
                          "id = 1", SQ_NO_ARGS, "audit head", &head_rec, &h, err);

    *seq = h.seq;
    memcpy(hash, h.hash, 32);
    if (rc == SQ_NOROW)
        rc = sc_err_set(err, SC_EIO, "audit head: the row is missing (the store is damaged)");
    return rc;
}

int sq__audit_insert(void *be, void *tx, const ss_audit_record *r, sc_err *err)
{
    sq_conn *c = NULL;
    int64_t changed = 0;
    int rc;

    if ((rc = sq__atomic_begin(be, tx, &c, err)) != 0)
        return rc;
    /* texts bound as they are: an empty object stays "", not NULL */
    rc = sq__write(NULL, c, SQ_AUDIT_ADD, "INSERT INTO audit_log (seq, at, actor, action, "
                   "object, details, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                   SQ_ARGS(SQ_INT(r->seq), SQ_INT(r->at), SQ_INT(r->actor),
                           SQ_STR(r->action, strlen(r->action)),
                           SQ_STR(r->object, strlen(r->object)),
                           SQ_STR(r->details, r->details_len), SQ_HASH(r->prev_hash),
                           SQ_HASH(r->hash)),
                   "audit append", NULL, NULL, err);
    /* seq = r->seq - 1 in the WHERE: the head must still be the one the hash chained from */
    if (rc == 0 &&
        (rc = sq__write(NULL, c, SQ_AUDIT_HEAD_SET, "UPDATE audit_head SET seq = ?1, "
                        "hash = ?2 WHERE id = 1 AND seq = ?3",
                        SQ_ARGS(SQ_INT(r->seq), SQ_HASH(r->hash), SQ_INT(r->seq - 1)),
                        "audit head update", NULL, &changed, err)) == 0 && changed != 1)
        rc = sc_err_set(err, SS_ECONFLICT, "audit append: the chain head moved (another "
                        "writer outside a transaction?)");
    return sq__atomic_end(be, tx, c, rc, err);
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

/* A record as stored; what does not read back as written is marked malformed for verify. */
static void audit_row(sqlite3_stmt *s, ss_audit_record *r)
{
    memset(r, 0, sizeof(*r));
    r->seq = sqlite3_column_int64(s, 0);
    r->at = sqlite3_column_int64(s, 1);
    r->actor = sqlite3_column_int64(s, 2);
    r->action = (const char *)sqlite3_column_text(s, 3);
    r->object = (const char *)sqlite3_column_text(s, 4);
    r->details = (const char *)sqlite3_column_text(s, 5);
    r->details_len = (size_t)sqlite3_column_bytes(s, 5);
    /* a NUL inside a text (written around the store) would cut what strlen sees */
    if (r->action == NULL || r->object == NULL || r->details == NULL ||
        strlen(r->action) != (size_t)sqlite3_column_bytes(s, 3) ||
        strlen(r->object) != (size_t)sqlite3_column_bytes(s, 4) ||
        strlen(r->details) != r->details_len)
        r->malformed = 1;
    r->action = r->action != NULL ? r->action : "";
    r->object = r->object != NULL ? r->object : "";
    r->details = r->details != NULL ? r->details : "";
    read_hash(s, 6, r->prev_hash, &r->malformed);
    read_hash(s, 7, r->hash, &r->malformed);
}

int sq__audit_scan(void *be, void *tx, int64_t after_seq, unsigned limit, ss_audit_cb cb,
                   void *ctx, int64_t *head_seq, uint8_t head_hash[32], sc_err *err)
{
    ss_audit_record r;
    sq_conn *c = NULL;
    sq_q q;
    int rc, own_read = 0;

    if ((rc = sq__acquire(be, tx, &c, err)) != 0)
        return rc;
    if (sqlite3_get_autocommit(c->db)) {
        /* one read transaction: the head and every record come from the same snapshot, while
         * writers go on appending (WAL) */
        if ((rc = sq__ctl(c, SQ_BEGIN)) != SQLITE_OK) {
            rc = sq__err(c, rc, "audit scan", err);
            goto out;
        }
        own_read = 1;
    }
    /* c passed as the transaction: the head query runs on this connection, in this snapshot */
    if (head_seq != NULL && (rc = sq__audit_head(be, c, head_seq, head_hash, err)) != 0)
        goto out;
    rc = sq__query(&q, NULL, c, SQ_AUDIT_SCAN, "SELECT seq, at, actor, action, object, details, "
                   "prev_hash, hash FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                   SQ_ARGS(SQ_INT(after_seq), SQ_INT(limit == 0 ? -1 : (int64_t)limit)),
                   "audit scan", err);   /* a negative LIMIT: no limit */
    while (sq__row(&q, &rc, err)) {
        audit_row(q.s, &r);
        rc = cb(ctx, &r);
    }
    rc = sq__end(&q, rc);
out:
    if (own_read)
        sq__ctl(c, SQ_COMMIT);
    sq__release(be, tx, c);
    return rc;
}
