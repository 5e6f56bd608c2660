/* sqlite_int.h: the SQLite backend's connection pool and helpers, shared by sqlite.c (pool,
 * open, transactions), sqlite_stmt.c (statements, rows), sqlite_schema.c and the files
 * holding its queries (sqlite_client.c, sqlite_seal.c, sqlite_audit.c). */
#ifndef SS_SQLITE_INT_H
#define SS_SQLITE_INT_H

#include <pthread.h>
#include <stddef.h>
#include <sqlite3.h>

#include "store_int.h"

/* One slot per cached statement: each connection prepares a statement on first use and keeps
 * it (SQLITE_PREPARE_PERSISTENT). Lists have slots too (the signing path lists a seal per
 * signature): a list's callback may call the same list again on the same connection, and
 * sq__query then prepares a fresh statement rather than reset the one being walked. */
enum sq_slot {
    SQ_SCHEMA_VERSION,
    SQ_UNIT_ADD, SQ_UNIT_BY_ID, SQ_UNIT_BY_CODE, SQ_UNIT_LIST,
    SQ_CLIENT_ADD, SQ_CLIENT_BY_ID, SQ_CLIENT_BY_TOKEN, SQ_CLIENT_BY_SHA256,
    SQ_CLIENT_BY_SUBJECT, SQ_CLIENT_DISABLE, SQ_CLIENT_TOKEN, SQ_CLIENT_LIST,
    SQ_APP_ADD, SQ_APP_GET, SQ_APP_GET_IMAGE, SQ_APP_REVIEW, SQ_APP_MADE, SQ_APP_LIST,
    SQ_KEY_ADD, SQ_KEY_GET,
    SQ_SEAL_ADD, SQ_SEAL_GET, SQ_SEAL_GET_BLOBS, SQ_SEAL_STATUS, SQ_SEAL_LIST,
    SQ_HISTORY_ADD, SQ_HISTORY_LIST,
    SQ_GRANT_ADD, SQ_GRANT_GET, SQ_GRANT_DELETE, SQ_GRANT_COUNT, SQ_GRANT_LIST,
    SQ_IDEM_GET, SQ_IDEM_PUT, SQ_IDEM_PURGE,
    SQ_AUDIT_HEAD, SQ_AUDIT_ADD, SQ_AUDIT_HEAD_SET, SQ_AUDIT_SCAN,
    SQ_LTYPE_ADD, SQ_LTYPE_FILE_ADD, SQ_LTYPE_GET, SQ_LTYPE_GET_TMPL, SQ_LTYPE_LIST,
    SQ_LTYPE_FILES, SQ_LTYPE_DISABLE, SQ_LGRANT_ADD, SQ_LGRANT_GET, SQ_LGRANT_LIST,
    SQ_LGRANT_DELETE, SQ_LSERIAL, SQ_LIC_ADD, SQ_LIC_GET, SQ_LIC_GET_FIELDS, SQ_LIC_BY_BATCH, SQ_LIC_BATCH_ROWS,
    SQ_LIC_LIST, SQ_LIC_STATUS, SQ_LIC_REPLACED, SQ_LHIST_ADD, SQ_LHIST_LIST,
    /* transaction control (sq__ctl) */
    SQ_BEGIN, SQ_BEGIN_IMMEDIATE, SQ_COMMIT, SQ_ROLLBACK, SQ_SAVEPOINT, SQ_RELEASE,
    SQ_ROLLBACK_TO,
    SQ__N
};

typedef struct sq_conn {
    sqlite3 *db;
    sqlite3_stmt *stmt[SQ__N];
    int in_tx;                /* inside ss_store_tx_begin's BEGIN IMMEDIATE */
    struct sq_conn *next;     /* idle list */
} sq_conn;

typedef struct sq_be {
    char *path;
    unsigned max_conns, busy_ms;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned n_open;          /* connections alive, idle or lent */
    sq_conn *idle;
} sq_be;

/* ---- running a statement ---------------------------------------------------------------
 * A query function states its SQL, its values and its columns; these helpers do the rest:
 * take a connection (the transaction's, else one from the pool), the slot's statement, bind,
 * step, map SQLite's result to the store's code with "what: reason", reset, give back. */

/* A value for the next ?N, made with the SQ_* macros (no cast: a wrong type fails to build).
 * Text and blobs are bound SQLITE_STATIC: the caller's buffers outlive the call. */
typedef struct sq_arg {
    enum { SQ__INT, SQ__INT_OR_NULL, SQ__TEXT, SQ__STR, SQ__BLOB, SQ__HASH } kind;
    int64_t i;
    const void *p;
    size_t n;
} sq_arg;

#define SQ_INT(v) ((sq_arg){ SQ__INT, (v), NULL, 0 })
#define SQ_INT_OR_NULL(v) ((sq_arg){ SQ__INT_OR_NULL, (v), NULL, 0 })   /* 0: NULL */
#define SQ_TEXT(s) ((sq_arg){ SQ__TEXT, 0, (s), 0 })                     /* NULL or "": NULL */
#define SQ_STR(s, len) ((sq_arg){ SQ__STR, 0, (s), (len) })              /* "" stays "" */
#define SQ_BLOB(p, len) ((sq_arg){ SQ__BLOB, 0, (p), (len) })            /* empty, not NULL */
#define SQ_HASH(p) ((sq_arg){ SQ__HASH, 0, (p), 32 })                    /* NULL: NULL */

typedef struct sq_args {
    const sq_arg *v;
    size_t n;
} sq_args;

/* SQ_ARGS(SQ_INT(id), SQ_TEXT(name)) binds ?1 and ?2. */
#define SQ_ARGS(...) ((sq_args){ (const sq_arg[]){ __VA_ARGS__ }, \
                                 sizeof((const sq_arg[]){ __VA_ARGS__ }) / sizeof(sq_arg) })
#define SQ_NO_ARGS ((sq_args){ NULL, 0 })

#define SQ_FRESH (-1)   /* slot: prepare for this call only (schema, open) */

/* A statement being run: sq__query fills it, sq__row steps it, sq__end releases it. */
typedef struct sq_q {
    sq_be *be;
    void *tx;
    sq_conn *c;
    sqlite3_stmt *s;
    int fresh;            /* prepared for this call: finalized, not kept */
    const char *what;     /* names the query in errors */
} sq_q;

/* Take a connection and the slot's statement, bind args. Always end with sq__end, also when
 * this fails. The slot's cached statement is used unless it is running further up this call
 * (a list whose callback calls the store again): then a fresh one is prepared. */
int sq__query(sq_q *q, void *be, void *tx, int slot, const char *sql, sq_args args,
              const char *what, sc_err *err);
/* While *rc is 0, step: 1 with a row to read; else 0 with *rc the outcome (0 after the last
 * row, the mapped error, or what the caller put there: a reader's error, a callback's stop).
 * A list: while (sq__row(&q, &rc, err) && (rc = sq__rec(q.s, &x_rec, &x, err)) == 0)
 *             rc = cb(ctx, &x); */
int sq__row(sq_q *q, int *rc, sc_err *err);
/* Reset or finalize the statement, give the connection back; returns rc. */
int sq__end(sq_q *q, int rc);

/* Run a statement that returns no row; *rowid the row it inserted, *changes the rows it
 * changed (either may be NULL). */
int sq__write(void *be, void *tx, int slot, const char *sql, sq_args args, const char *what,
              int64_t *rowid, int64_t *changes, sc_err *err);

/* Read the first row into out (a record as rec describes, below). Returns SQ_NOROW (positive,
 * err untouched) when there is none, so the caller names what is missing. */
#define SQ_NOROW 1
typedef struct sq_rec sq_rec;
int sq__read_one(void *be, void *tx, int slot, const char *sql, sq_args args,
                 const char *what, const sq_rec *rec, void *out, sc_err *err);

/* The transaction's connection when tx is set, else one from the pool (waiting up to the busy
 * timeout). Give it back with sq__release(be, tx, c), which leaves a transaction's alone. */
int sq__acquire(sq_be *be, void *tx, sq_conn **c, sc_err *err);
void sq__release(sq_be *be, void *tx, sq_conn *c);

/* Reset and clear a cached statement after use, so it holds no snapshot or bound data. */
void sq__done(sqlite3_stmt *s);

/* Run slot's transaction-control statement (SQ_BEGIN … SQ_ROLLBACK_TO) on c: the SQLite
 * result, SQLITE_OK when done. Cached like any statement: sqlite3_exec would parse it again
 * each time, and every audit record takes a savepoint. */
int sq__ctl(sq_conn *c, int slot);

/* Map an SQLite result to the store's code, with "what: reason" in err. */
int sq__err(sq_conn *c, int rc, const char *what, sc_err *err);

/* Several writes as one: take a connection as sq__acquire does, then a savepoint inside a
 * transaction, else BEGIN IMMEDIATE; run each write on *c (as sq__write's tx, be NULL).
 * sq__atomic_end commits (rc 0) or undoes (rc != 0), gives c back and returns rc or the
 * commit's failure. */
int sq__atomic_begin(void *be, void *tx, sq_conn **c, sc_err *err);
int sq__atomic_end(void *be, void *tx, sq_conn *c, int rc, sc_err *err);

/* ---- reading a row into a record --------------------------------------------------------
 * A record's columns are a table of sq_col, one per column of its SELECT, in order, and an
 * sq_rec names the table and the record's size. Integers go into 4- or 8-byte fields; a WORD
 * column holds a state or status word, read as its index in words. */
typedef struct sq_col {
    enum { SQ__C_INT, SQ__C_TEXT, SQ__C_HASH, SQ__C_BLOB, SQ__C_WORD } kind;
    size_t off;                 /* offsetof the field */
    size_t aux;                 /* INT, TEXT, WORD: sizeof the field; HASH: offsetof its
                                   has_ flag (SQ__NONE: the hash is required); BLOB: offsetof
                                   its length */
    size_t max;                 /* BLOB: its input limit */
    const char *what;           /* names the column in errors */
    const char *const *words;   /* WORD: sq__app_words or sq__seal_words */
} sq_col;

#define SQ__NONE ((size_t)-1)
#define SQ__SIZE(T, f) sizeof(((T *)0)->f)
#define SQ_COL_INT(T, f) { SQ__C_INT, offsetof(T, f), SQ__SIZE(T, f), 0, NULL, NULL }
#define SQ_COL_TEXT(T, f, what) { SQ__C_TEXT, offsetof(T, f), SQ__SIZE(T, f), 0, (what), NULL }
#define SQ_COL_HASH(T, f, has, what) \
    { SQ__C_HASH, offsetof(T, f), offsetof(T, has), 0, (what), NULL }
#define SQ_COL_HASH_REQUIRED(T, f, what) { SQ__C_HASH, offsetof(T, f), SQ__NONE, 0, (what), NULL }
#define SQ_COL_BLOB(T, p, len, max, what) \
    { SQ__C_BLOB, offsetof(T, p), offsetof(T, len), (max), (what), NULL }
#define SQ_COL_WORD(T, f, words, what) \
    { SQ__C_WORD, offsetof(T, f), SQ__SIZE(T, f), 0, (what), (words) }
#define SQ_N(a) (sizeof(a) / sizeof((a)[0]))

struct sq_rec {
    size_t size;              /* sizeof the record: zeroed before reading */
    const sq_col *cols;       /* from column 0 */
    size_t n;
    const sq_col *more;       /* then these (NULL: none): blobs that only some queries read */
    size_t n_more;
};
#define SQ_REC(T, cols) { sizeof(T), (cols), SQ_N(cols), NULL, 0 }
#define SQ_REC_MORE(T, cols, more) { sizeof(T), (cols), SQ_N(cols), (more), SQ_N(more) }

/* Zero out, then read the row into it. Blobs read before a failure stay in out (the caller
 * clears the record). */
int sq__rec(sqlite3_stmt *s, const sq_rec *rec, void *out, sc_err *err);
/* Column 0 into an int64_t. */
extern const sq_rec sq__i64_rec;

/* Status and state words as stored: [value] for each enum value, NULL at 0 and at the end. */
extern const char *const sq__app_words[];
extern const char *const sq__seal_words[];
/* words[v], NULL when v is not a value (SS_*_ANY: NULL matches any in the lists' SQL) */
const char *sq__word(const char *const *words, int v);

/* Reading a row: text into a fixed buffer, a blob of at most max bytes (the input limit)
 * copied into a new buffer, a 32-byte hash. SC_EFORMAT for what does not fit: written by
 * something other than this store. */
int sq__col_text(sqlite3_stmt *s, int i, char *buf, size_t size, const char *what,
                 sc_err *err);
int sq__col_blob(sqlite3_stmt *s, int i, uint8_t **out, size_t *len, size_t max,
                 const char *what, sc_err *err);
int sq__col_hash(sqlite3_stmt *s, int i, uint8_t out[32], int *present, const char *what,
                 sc_err *err);

/* Bring the schema up to SS_STORE_SCHEMA_VERSION (sqlite_schema.c). */
int sq__migrate(sq_conn *c, const char *path, sc_err *err);


/* The vtable's operations, by file. */
int sq__unit_add(void *be, void *tx, const char *code, const char *name, int64_t now,
                 int64_t *id, sc_err *err);
int sq__unit_find(void *be, void *tx, int64_t id, const char *code, ss_unit *out,
                  sc_err *err);
int sq__unit_list(void *be, void *tx, int64_t after_id, unsigned limit, ss_unit_cb cb,
                  void *ctx, sc_err *err);
int sq__client_add(void *be, void *tx, const ss_client *in, int64_t now, int64_t *id,
                   sc_err *err);
int sq__client_find(void *be, void *tx, int by, int64_t id, const void *key, ss_client *out,
                    sc_err *err);
int sq__client_list(void *be, void *tx, int64_t after_id, unsigned limit, ss_client_cb cb,
                    void *ctx, sc_err *err);
int sq__client_set_disabled(void *be, void *tx, int64_t id, int disabled, sc_err *err);
int sq__client_set_token(void *be, void *tx, int64_t id, const uint8_t *hash, sc_err *err);
int sq__idem_get(void *be, void *tx, int64_t client_id, const char *key,
                 uint8_t stored_hash[32], uint8_t **resp, size_t *resp_len, sc_err *err);
int sq__idem_put(void *be, void *tx, int64_t client_id, const char *key,
                 const uint8_t request_sha256[32], const uint8_t *resp, size_t resp_len,
                 int64_t now, sc_err *err);
int sq__idem_purge(void *be, void *tx, int64_t before, int64_t max, int64_t *removed,
                   sc_err *err);

int sq__app_add(void *be, void *tx, const ss_app *in, int64_t now, int64_t *id, sc_err *err);
int sq__app_get(void *be, void *tx, int64_t id, int with_image, ss_app *out, sc_err *err);
int sq__app_list(void *be, void *tx, int64_t unit_id, int state, int64_t after_id,
                 unsigned limit, ss_app_cb cb, void *ctx, sc_err *err);
int sq__app_set_review(void *be, void *tx, int64_t id, int state, int64_t reviewer_id,
                       const char *reason, int64_t now, sc_err *err);
int sq__key_add(void *be, void *tx, const uint8_t *pem, size_t pem_len, const uint8_t *cert,
                size_t cert_len, int64_t now, int64_t *id, sc_err *err);
int sq__key_get(void *be, void *tx, int64_t id, ss_seal_key *out, sc_err *err);
int sq__seal_add(void *be, void *tx, const ss_seal *in, int64_t actor, int64_t now,
                 int64_t *id, sc_err *err);
int sq__seal_get(void *be, void *tx, const char *es_id, int with_blobs, ss_seal *out,
                 sc_err *err);
int sq__seal_list(void *be, void *tx, int64_t unit_id, int status, int64_t after_id,
                  unsigned limit, ss_seal_cb cb, void *ctx, sc_err *err);
int sq__seal_set_status(void *be, void *tx, const char *es_id, int status, const char *reason,
                        int64_t actor, int64_t now, sc_err *err);
int sq__seal_history(void *be, void *tx, const char *es_id, ss_status_cb cb, void *ctx,
                     sc_err *err);
int sq__grant_add(void *be, void *tx, int64_t client_id, const char *es_id,
                  int64_t expires_at, int64_t use_limit, int64_t now, int64_t *id,
                  sc_err *err);
int sq__grant_get(void *be, void *tx, int64_t client_id, const char *es_id, ss_grant *out,
                  sc_err *err);
int sq__grant_list(void *be, void *tx, int64_t client_id, const char *es_id, int64_t after_id,
                   unsigned limit, ss_grant_cb cb, void *ctx, sc_err *err);
int sq__grant_delete(void *be, void *tx, int64_t id, sc_err *err);
int sq__grant_count(void *be, void *tx, int64_t id, sc_err *err);

int sq__audit_head(void *be, void *tx, int64_t *seq, uint8_t hash[32], sc_err *err);
int sq__audit_insert(void *be, void *tx, const ss_audit_record *r, sc_err *err);
int sq__audit_scan(void *be, void *tx, int64_t after_seq, unsigned limit, ss_audit_cb cb,
                   void *ctx, int64_t *head_seq, uint8_t head_hash[32], sc_err *err);

/* e-licences (sqlite_license.c); the vtable's lic_* operations. */
extern const char *const sq__lic_words[];
const char *sq__files_base(void *be);
int sq__lic_type_add(void *be, void *tx, const ss_lic_type *in, const ss_lic_type_file *files,
                     size_t n, int64_t actor, int64_t now, int64_t *id, sc_err *err);
int sq__lic_type_get(void *be, void *tx, const char *code, int with_tmpl, ss_lic_type *out,
                     sc_err *err);
int sq__lic_type_list(void *be, void *tx, int64_t after_id, unsigned limit, ss_lic_type_cb cb,
                      void *ctx, sc_err *err);
int sq__lic_type_files(void *be, void *tx, const char *code, ss_lic_type_file_cb cb,
                       void *ctx, sc_err *err);
int sq__lic_type_set_disabled(void *be, void *tx, const char *code, int disabled,
                              sc_err *err);
int sq__lic_grant_add(void *be, void *tx, int64_t client_id, const char *es_id,
                      const char *type_code, int64_t expires_at, int64_t now, int64_t *id,
                      sc_err *err);
int sq__lic_grant_get(void *be, void *tx, int64_t client_id, const char *es_id,
                      const char *type_code, ss_lic_grant *out, sc_err *err);
int sq__lic_grant_list(void *be, void *tx, int64_t client_id, int64_t after_id,
                       unsigned limit, ss_lic_grant_cb cb, void *ctx, sc_err *err);
int sq__lic_grant_delete(void *be, void *tx, int64_t id, sc_err *err);
int sq__lic_serial_take(void *be, void *tx, const char *type_code, const char *issuer_code,
                        unsigned count, int64_t *first, sc_err *err);
int sq__lic_add(void *be, void *tx, const ss_license *in, int64_t now, int64_t *id,
                sc_err *err);
int sq__lic_get(void *be, void *tx, const char *zzbs, int with_fields, ss_license *out,
                sc_err *err);
int sq__lic_by_batch(void *be, void *tx, int64_t client_id, const char *batch_id, int64_t row,
                     ss_license *out, sc_err *err);
int sq__lic_batch_rows(void *be, void *tx, int64_t client_id, const char *batch_id,
                       int64_t first_row, int64_t n, ss_license_cb cb, void *ctx, sc_err *err);
int sq__lic_list(void *be, void *tx, const char *type_code, int status, int64_t after_id,
                 unsigned limit, ss_license_cb cb, void *ctx, sc_err *err);
int sq__lic_set_status(void *be, void *tx, const char *zzbs, int status, int reason,
                       const char *text, const char *replaced_by, int64_t actor, int64_t now,
                       sc_err *err);
int sq__lic_history(void *be, void *tx, const char *zzbs, ss_lic_status_cb cb, void *ctx,
                    sc_err *err);

#endif
