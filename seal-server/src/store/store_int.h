/* store_int.h: what a store backend implements, and helpers shared by the store's files.
 * Not for callers of the store (they use store.h and audit.h).
 *
 * Split of work: the front end (store.c, store_seal.c, audit.c) checks every argument and
 * holds every rule (state transitions, grant limits, the audit chain), so all backends behave
 * the same; a backend only stores and finds rows. Each operation gets the backend's state
 * (be) and a transaction (tx, from tx_begin) or NULL to run on its own. Operations that write
 * several rows make them atomic themselves (SQLite: a savepoint), even inside a transaction.
 * Backends return the store's codes: SS_ECONFLICT for a unique value, SC_ENOTFOUND for a
 * missing row or referenced row, SS_EBUSY, SC_EIO. */
#ifndef SS_STORE_INT_H
#define SS_STORE_INT_H

#include <pthread.h>
#include <stdint.h>

#include <openssl/types.h>

#include "audit.h"
#include "store.h"

/* How a client is looked up (client_find). */
enum ss__client_by { SS__BY_ID, SS__BY_TOKEN, SS__BY_SHA256, SS__BY_SUBJECT };

typedef struct ss__store_ops {
    const char *name;
    void (*close)(void *be);
    int (*schema_version)(void *be, void *tx, int *version, sc_err *err);
    int (*tx_begin)(void *be, void **tx, sc_err *err);
    int (*tx_commit)(void *be, void *tx, sc_err *err);   /* ends tx also on failure */
    void (*tx_rollback)(void *be, void *tx);

    int (*unit_add)(void *be, void *tx, const char *code, const char *name, int64_t now,
                    int64_t *id, sc_err *err);
    /* by id when code is NULL */
    int (*unit_find)(void *be, void *tx, int64_t id, const char *code, ss_unit *out,
                     sc_err *err);
    int (*unit_list)(void *be, void *tx, int64_t after_id, unsigned limit, ss_unit_cb cb,
                     void *ctx, sc_err *err);

    int (*client_add)(void *be, void *tx, const ss_client *in, int64_t now, int64_t *id,
                      sc_err *err);
    /* key: NULL for SS__BY_ID, 32 bytes for TOKEN/SHA256, a string for SUBJECT */
    int (*client_find)(void *be, void *tx, int by, int64_t id, const void *key,
                       ss_client *out, sc_err *err);
    int (*client_list)(void *be, void *tx, int64_t after_id, unsigned limit, ss_client_cb cb,
                       void *ctx, sc_err *err);
    int (*client_set_disabled)(void *be, void *tx, int64_t id, int disabled, sc_err *err);
    int (*client_set_token)(void *be, void *tx, int64_t id, const uint8_t *hash, sc_err *err);

    int (*app_add)(void *be, void *tx, const ss_app *in, int64_t now, int64_t *id,
                   sc_err *err);
    int (*app_get)(void *be, void *tx, int64_t id, int with_image, ss_app *out, sc_err *err);
    int (*app_list)(void *be, void *tx, int64_t unit_id, int state, int64_t after_id,
                    unsigned limit, ss_app_cb cb, void *ctx, sc_err *err);
    int (*app_set_review)(void *be, void *tx, int64_t id, int state, int64_t reviewer_id,
                          const char *reason, int64_t now, sc_err *err);

    int (*key_add)(void *be, void *tx, const uint8_t *pem, size_t pem_len,
                   const uint8_t *cert, size_t cert_len, int64_t now, int64_t *id,
                   sc_err *err);
    int (*key_get)(void *be, void *tx, int64_t id, ss_seal_key *out, sc_err *err);

    /* the seal, its first history row (good, actor) and the application's es_id */
    int (*seal_add)(void *be, void *tx, const ss_seal *in, int64_t actor, int64_t now,
                    int64_t *id, sc_err *err);
    int (*seal_get)(void *be, void *tx, const char *es_id, int with_blobs, ss_seal *out,
                    sc_err *err);
    int (*seal_list)(void *be, void *tx, int64_t unit_id, int status, int64_t after_id,
                     unsigned limit, ss_seal_cb cb, void *ctx, sc_err *err);
    /* seals.status and a history row, together */
    int (*seal_set_status)(void *be, void *tx, const char *es_id, int status,
                           const char *reason, int64_t actor, int64_t now, sc_err *err);
    int (*seal_history)(void *be, void *tx, const char *es_id, ss_status_cb cb, void *ctx,
                        sc_err *err);

    int (*grant_add)(void *be, void *tx, int64_t client_id, const char *es_id,
                     int64_t expires_at, int64_t use_limit, int64_t now, int64_t *id,
                     sc_err *err);
    int (*grant_get)(void *be, void *tx, int64_t client_id, const char *es_id, ss_grant *out,
                     sc_err *err);
    int (*grant_list)(void *be, void *tx, int64_t client_id, const char *es_id,
                      int64_t after_id, unsigned limit, ss_grant_cb cb, void *ctx,
                      sc_err *err);
    int (*grant_delete)(void *be, void *tx, int64_t id, sc_err *err);
    /* uses = uses + 1 (the front end has checked the limits in the same transaction) */
    int (*grant_count)(void *be, void *tx, int64_t id, sc_err *err);

    /* *resp new (NULL when empty); request_sha256 of the stored request into stored_hash */
    int (*idem_get)(void *be, void *tx, int64_t client_id, const char *key,
                    uint8_t stored_hash[32], uint8_t **resp, size_t *resp_len, sc_err *err);
    int (*idem_put)(void *be, void *tx, int64_t client_id, const char *key,
                    const uint8_t request_sha256[32], const uint8_t *resp, size_t resp_len,
                    int64_t now, sc_err *err);
    int (*idem_purge)(void *be, void *tx, int64_t before, int64_t max, int64_t *removed,
                      sc_err *err);

    int (*audit_head)(void *be, void *tx, int64_t *seq, uint8_t hash[32], sc_err *err);
    /* the record and the new head (r->seq, r->hash), together */
    int (*audit_insert)(void *be, void *tx, const ss_audit_record *r, sc_err *err);
    /* records with seq > after_seq in order (limit 0: all), in one read snapshot; the head
     * of that snapshot into head_seq/head_hash when they are not NULL */
    int (*audit_scan)(void *be, void *tx, int64_t after_seq, unsigned limit, ss_audit_cb cb,
                      void *ctx, int64_t *head_seq, uint8_t head_hash[32], sc_err *err);

    /* e-licences. files_base: where the store is; licence files go to "<files_base>.files/"
     * (NULL: this backend keeps none) */
    const char *(*files_base)(void *be);
    /* the type and its files, together */
    int (*lic_type_add)(void *be, void *tx, const ss_lic_type *in,
                        const ss_lic_type_file *files, size_t n, int64_t actor, int64_t now,
                        int64_t *id, sc_err *err);
    int (*lic_type_get)(void *be, void *tx, const char *code, int with_tmpl, ss_lic_type *out,
                        sc_err *err);
    int (*lic_type_list)(void *be, void *tx, int64_t after_id, unsigned limit,
                         ss_lic_type_cb cb, void *ctx, sc_err *err);
    int (*lic_type_files)(void *be, void *tx, const char *code, ss_lic_type_file_cb cb,
                          void *ctx, sc_err *err);
    int (*lic_type_set_disabled)(void *be, void *tx, const char *code, int disabled,
                                 sc_err *err);
    int (*lic_grant_add)(void *be, void *tx, int64_t client_id, const char *es_id,
                         const char *type_code, int64_t expires_at, int64_t now, int64_t *id,
                         sc_err *err);
    int (*lic_grant_get)(void *be, void *tx, int64_t client_id, const char *es_id,
                         const char *type_code, ss_lic_grant *out, sc_err *err);
    int (*lic_grant_list)(void *be, void *tx, int64_t client_id, int64_t after_id,
                          unsigned limit, ss_lic_grant_cb cb, void *ctx, sc_err *err);
    int (*lic_grant_delete)(void *be, void *tx, int64_t id, sc_err *err);
    /* next += count atomically (the row made at 1 when missing); the old next into *first */
    int (*lic_serial_take)(void *be, void *tx, const char *type_code, const char *issuer_code,
                           unsigned count, int64_t *first, sc_err *err);
    /* the licence and its first history row (valid), together */
    int (*lic_add)(void *be, void *tx, const ss_license *in, int64_t now, int64_t *id,
                   sc_err *err);
    int (*lic_get)(void *be, void *tx, const char *zzbs, int with_fields, ss_license *out,
                   sc_err *err);
    int (*lic_by_batch)(void *be, void *tx, int64_t client_id, const char *batch_id,
                        int64_t row, ss_license *out, sc_err *err);
    int (*lic_batch_rows)(void *be, void *tx, int64_t client_id, const char *batch_id,
                          int64_t first_row, int64_t n, ss_license_cb cb, void *ctx,
                          sc_err *err);
    int (*lic_list)(void *be, void *tx, const char *type_code, int status, int64_t after_id,
                    unsigned limit, ss_license_cb cb, void *ctx, sc_err *err);
    /* licenses.status (and replaced_by when not NULL) and a history row, together */
    int (*lic_set_status)(void *be, void *tx, const char *zzbs, int status, int reason,
                          const char *text, const char *replaced_by, int64_t actor,
                          int64_t now, sc_err *err);
    int (*lic_history)(void *be, void *tx, const char *zzbs, ss_lic_status_cb cb, void *ctx,
                       sc_err *err);
} ss__store_ops;

/* A root handle has tx NULL; a transaction handle shares the root's backend. */
/* The pack a root handle appends licence files to (store_license_file.c). Held by pointer:
 * a transaction handle is a copy of its root, and must not copy a mutex in use. */
/* Flushes of licence packs in flight at once (fdatasync outside the pack lock): threads
 * beyond it wait for a place. */
#define SS__PACK_FLUSHES 64

typedef struct ss__pack {
    pthread_mutex_t mu;
    pthread_cond_t idle;   /* writing fell to 0 */
    pthread_cond_t flushed;   /* a flush left the in-flight list */
    uint64_t ticket;   /* flushes started so far: each has its number */
    struct { uint64_t ticket, gen; } inflight[SS__PACK_FLUSHES];   /* not yet counted, and
                                                                     the pack each flushes */
    size_t ninflight;
    int fd;            /* -1: none open yet */
    uint64_t end;      /* bytes reserved in it so far */
    uint64_t max;      /* a file that would pass this goes into a new pack */
    size_t writing;    /* ranges reserved in it whose write has not ended */
    uint64_t gen;      /* packs opened so far: a waiter can tell another thread rotated */
    uint64_t flush_errors;   /* failed flushes of any pack: sticky (ss_store_lic_files_sync) */
    char name[17];     /* 16 hex digits */
} ss__pack;

/* How a pack is flushed: fdatasync; tests put a flush here that they can hold or fail. */
extern int (*ss__pack_flush)(int fd);

typedef struct ss__ccache ss__ccache;

struct ss_store {
    const ss__store_ops *ops;
    void *be;
    void *tx;
    ss_store *root;    /* NULL for a root handle */
    EVP_MD *sm3;       /* the audit chain's hash, fetched once (NULL: fetch at each use) */
    ss__pack *pack;    /* the root's: a transaction's handle copies the pointer */
    ss__ccache *ccache;   /* the root's (store_client_cache.c); NULL: no cache */
    int clients_dirty;    /* a transaction's: it changed a client (the cache moves at its end) */
};

/* SHA-256 with the digest fetched once for the process (tokens, certificates).
 * 0 or SC_ECRYPTO. */
int ss__sha256(const void *p, size_t len, uint8_t out[32], sc_err *err);

/* The authenticated clients' and unlimited grants' cache (store_client_cache.c). kind:
 * SS__BY_TOKEN (key: the token's hash), SS__BY_SHA256 (the certificate's SHA-256) or
 * SS__CC_GRANT (ss__ccache_grant_key); for the last two the caller compares what it gets
 * with what it asked; out/in: an ss_client or an
 * ss_grant, n its size. get: 1 and *out on a hit of the current generation read less than a
 * second ago. gen: the generation (and in *read_ns the clock) to pass to put, taken before
 * the store is read; put keeps the entry only if the generation is still gen. changed: after
 * a change to a client or a grant, committed (1) or inside a transaction (0: the cache moves
 * when it ends). new: 0 or SC_ENOMEM. */
#define SS__CC_GRANT 100
int ss__ccache_new(ss__ccache **out);
void ss__ccache_free(ss__ccache *c);
uint64_t ss__ccache_gen(ss__ccache *c, int64_t *read_ns);
int ss__ccache_get(ss__ccache *c, int kind, const uint8_t key[32], void *out, size_t n);
void ss__ccache_put(ss__ccache *c, int kind, const uint8_t key[32], uint64_t gen,
                    int64_t read_ns, const void *in, size_t n);
void ss__ccache_changed(ss_store *st, int committed);
void ss__ccache_grant_key(int64_t client_id, const char *es_id, uint8_t key[32]);

/* The pack's lifetime with its root handle (store_license_file.c): SC_ENOMEM or 0. */
int ss__pack_new(ss__pack **out);
void ss__pack_free(ss__pack *p);

/** Wrap a backend into a new root handle; takes be (ops->close on failure). */
int ss__store_new(ss_store **out, const ss__store_ops *ops, void *be, sc_err *err);

/* The SQLite backend (sqlite.c). */
int ss__sqlite_open(void **be, const char *path, const ss_sqlite_opts *opts, sc_err *err);
extern const ss__store_ops ss__sqlite_ops;

/* A transaction for a front-end rule: the caller's when st is one, else a new one (*own 1).
 * End with ss__tx_end(st, tx, own, rc, err), which commits or rolls back what it owns and
 * returns rc (or the commit's failure). */
int ss__tx_enter(ss_store *st, void **tx, int *own, sc_err *err);
int ss__tx_end(ss_store *st, void *tx, int own, int rc, sc_err *err);

/* Argument checks shared by the front-end files; each returns 0 or SC_EINVAL/SC_ELIMIT with a
 * message naming what. */
int ss__check_text(const char *what, const char *s, size_t max, int may_be_empty,
                   sc_err *err);
int ss__check_token_chars(const char *what, const char *s, size_t max, sc_err *err);
int ss__check_blob(const char *what, const void *p, size_t len, size_t max, sc_err *err);
int ss__check_list(unsigned limit, sc_err *err);

#endif
