/* service_int.h: what the service's files share: the ss_svc structure, the key cache
 * (svc_cache.c), the group committer (svc_commit.c) and small helpers (service.c).
 * Internal names: svc__<part>_<verb>; file-local ones are static. */
#ifndef SS_SERVICE_INT_H
#define SS_SERVICE_INT_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/types.h>

#include "audit.h"
#include "sealcore/license_file.h"
#include "service.h"

/* ---- the key cache (svc_cache.c) ------------------------------------------------------- */

/* What signing with one seal needs, unlocked: shared by the threads signing with it. An entry
 * is freed (its key wiped) when it has left the table and the last user has put it back. */
typedef struct svc_entry {
    char es_id[SS_ES_ID_MAX + 1];
    int64_t seal_id;
    int64_t valid_start, valid_end;
    sc_ses_seal *seal;            /* parsed SES_Seal */
    sc_key *key;                  /* the unit's private key, decrypted */
    uint8_t *cert;                /* signer certificate, DER */
    size_t cert_len;
    unsigned refs;                /* users, under the cache lock */
    int linked;                   /* in the table and the LRU list */
    int loading;                  /* its first user is opening the key: others wait */
    int ready;                    /* loaded, the seal good: signs */
    int load_rc, load_status;     /* not ready: what the load said, for those who waited */
    sc_err load_err;
    struct svc_entry *hnext;      /* hash chain */
    struct svc_entry *prev, *next;   /* LRU: head = most recently used */
} svc_entry;

typedef struct svc_cache {
    pthread_mutex_t mu;
    svc_entry **buckets;
    size_t nbuckets;
    unsigned max, size;
    svc_entry *head, *tail;
    pthread_cond_t loaded;        /* a load finished */
    uint64_t hits, misses, evictions;   /* misses: keys opened */
} svc_cache;

int svc__cache_init(svc_cache *c, unsigned max, sc_err *err);
void svc__cache_destroy(svc_cache *c);   /* wipes every key; no entry may be in use */

/* The seal's signing material, with a reference the caller gives back with svc__cache_put.
 * On a miss the seal row is read first: when the seal is not good, *status says which and
 * *out is NULL (return 0), and the key is never decrypted. status is SS_SEAL_GOOD on a hit
 * (the signing transaction rechecks it). Callers that ask while another opens the same key
 * wait for that load and get its result. @return 0, SC_ENOTFOUND, SC_EUNSUPPORTED (key not
 * held here), SC_EPASSWORD, SC_EFORMAT, SC_EIO, SS_EBUSY, SC_ENOMEM */
int svc__cache_get(ss_svc *svc, const char *es_id, svc_entry **out, int *status,
                   sc_err *err);
void svc__cache_put(ss_svc *svc, svc_entry *e);
/* Add a freshly made seal's material (takes seal, key, cert; frees them on failure). */
void svc__cache_add(ss_svc *svc, const char *es_id, int64_t seal_id, int64_t valid_start,
                    int64_t valid_end, sc_ses_seal *seal, sc_key *key, uint8_t *cert,
                    size_t cert_len);
/* Drop a seal's entry (suspended, revoked): wiped as soon as no signer holds it. */
void svc__cache_drop(ss_svc *svc, const char *es_id);

/* ---- counts per seal (svc_stats.c) ---------------------------------------------------- */

#define SVC_SEAL_STATS_MAX 100000   /* seals counted apart; the rest together */

struct svc_seal_count;
typedef struct svc_stats {
    pthread_mutex_t mu;
    struct svc_seal_count **buckets;
    size_t nbuckets, count;
    uint64_t other_sigs, other_refusals;   /* past SVC_SEAL_STATS_MAX, or out of memory */
} svc_stats;

void svc__stats_init(svc_stats *s);
void svc__stats_destroy(svc_stats *s);
/* One committed signature (signed_ok) or audited refusal with the seal es_id. */
void svc__stats_add(svc_stats *s, const char *es_id, int signed_ok);

/* ---- the group committer (svc_commit.c) ------------------------------------------------ */

enum {
    SVC_REC_NONE = 0,      /* the item was wrong: fails with pre_rc, neither audited nor counted */
    SVC_REC_SIGN = 1,      /* a signature to commit */
    SVC_REC_REFUSAL = 2    /* grant or seal status refused it: audited */
};

/* One audit-worthy signing outcome: a signature waiting to be committed, or a refusal. */
typedef struct svc_rec {
    int kind;                     /* SVC_REC_*, as prepared before the transaction */
    const char *action;           /* "sign.data", "sign.ofd" */
    char es_id[SS_ES_ID_MAX + 1];
    int64_t seal_id;              /* SIGN: rechecked in the transaction */
    uint8_t doc_sm3[32];
    int has_doc;
    uint8_t *sig;                 /* SIGN: the DER signature; owned */
    size_t sig_len;
    uint8_t sig_sm3[32];          /* its SM3 for the audit record, made by the signer */
    json_t *extra;                /* more details (position, item, …); owned; may be NULL */
    int pre_rc;                   /* NONE, REFUSAL: the code and message decided before */
    sc_err pre_err;
    int rc;                       /* the outcome after the commit */
    sc_err err;
} svc_rec;

enum { SVC_RESP_ONE = 1, SVC_RESP_BATCH = 2, SVC_RESP_BYTES = 3 };

/* Everything one request commits: its records, then its idempotency record. */
typedef struct svc_job {
    svc_rec *recs;
    size_t n;
    int64_t client_id;
    const char *request_id;       /* may be NULL */
    const char *idem_key;         /* NULL: no idempotency record */
    uint8_t req_hash[32];
    int resp_kind;                /* SVC_RESP_*: what the idempotency record holds */
    const uint8_t *resp;          /* SVC_RESP_BYTES: the response (OFD output) */
    size_t resp_len;
    /* outcome */
    int rc;                       /* job-level: the transaction failed, or a key conflict */
    sc_err err;
    int replayed;                 /* a committed response exists: replay / replay_len */
    uint8_t *replay;
    size_t replay_len;
    int done;
    pthread_cond_t cv;            /* signalled when done */
    struct svc_job *next;
} svc_job;

/* Commit the job with whatever other threads submit meanwhile, in one transaction; returns
 * when it is done. Never fails as a call: see the job's rc and each record's rc. */
void svc__commit(ss_svc *svc, svc_job *job);
/* The committer thread's body (started by ss_svc_new, stopped by ss_svc_free). */
void *svc__committer(void *arg);

/* Response encoding for batches (idempotency record). */
int svc__batch_encode(const svc_rec *recs, size_t n, uint8_t **out, size_t *len, sc_err *err);
int svc__batch_decode(const uint8_t *p, size_t len, ss_svc_sign_result *res, size_t n,
                      sc_err *err);

/* ---- preparing signatures (svc_sign.c) ---------------------------------------------------- */

/* The request's identity for idempotency: SHA-256 over length-prefixed fields. */
typedef struct svc_hash {
    void *md;                     /* EVP_MD_CTX */
    int failed;
} svc_hash;

int svc__hash_begin(svc_hash *h, const char *kind, sc_err *err);
void svc__hash_bytes(svc_hash *h, const void *p, size_t n);
void svc__hash_str(svc_hash *h, const char *s);   /* NULL hashes differently from "" */
void svc__hash_u64(svc_hash *h, uint64_t v);
int svc__hash_end(svc_hash *h, uint8_t out[32], sc_err *err);   /* frees h */

/* Role operator, request id and idempotency key well formed. */
int svc__check_sign(const ss_svc_actor *actor, const ss_svc_sign_opts *opts, sc_err *err);

/* A committed response for this key and request: 1 with *resp (free()), 0 when none;
 * SS_ECONFLICT when the key served another request. */
int svc__idem_lookup(ss_svc *svc, int64_t client, const char *key, const uint8_t hash[32],
                     uint8_t **resp, size_t *resp_len, sc_err *err);

/* Set up job for recs (n) of the request by actor with opts; req_hash, resp and resp_len
 * are the caller's to fill. */
void svc__job_init(svc_job *job, svc_rec *recs, size_t n, const ss_svc_actor *actor,
                   const ss_svc_sign_opts *opts, int resp_kind);
/* Commit a request of one record and say how it went: 0 when its signature was committed,
 * or when job->replayed (job->replay holds the earlier response, the caller's to free); else
 * the code with err filled (a refusal stays a refusal even when its audit record failed). */
int svc__commit_one(ss_svc *svc, svc_job *job, svc_rec *rec, const ss_svc_actor *actor,
                    const ss_svc_sign_opts *opts, int resp_kind, sc_err *err);

/* Check the client's grant and the seal for a signature at now and fill r: a REFUSAL (0,
 * *entry NULL) or ready to sign (0, *entry the seal's material, put it back with
 * svc__cache_put). A negative return is a failure of the request itself (unknown seal,
 * store failure): nothing to audit. */
int svc__sign_prepare(ss_svc *svc, int64_t client, const char *action, const char *es_id,
                      const uint8_t sm3[32], int64_t now, svc_rec *r, svc_entry **entry,
                      sc_err *err);

/* ---- the service ----------------------------------------------------------------------- */

/* Licence types kept parsed (svc_lic_types.c): at most SVC_LTYPES_MAX and SVC_LTYPES_BYTES,
 * the least recently used dropped first. */
#define SVC_LTYPES_MAX 64
#define SVC_LTYPES_BYTES ((size_t)64 << 20)   /* templates and files kept: 64 MiB */
typedef struct svc_ltype svc_ltype;
typedef struct svc_ltypes {
    pthread_mutex_t mu;
    svc_ltype *e[SVC_LTYPES_MAX];
    size_t bytes;                 /* of the entries held */
    uint64_t tick;
    uint64_t hits, misses;        /* under mu */
} svc_ltypes;

/* Type t's template and files, parsed once and shared read-only: *out a reference to give
 * back with svc__ltype_put, *tmpl, *files and *nfiles borrowed from it until then. */
int svc__ltype_get(ss_svc *svc, const ss_lic_type *t, svc_ltype **out,
                   const sc_lic_template **tmpl, const sc_lic_file **files, size_t *nfiles,
                   sc_err *err);
void svc__ltype_put(ss_svc *svc, svc_ltype *e);
void svc__ltypes_init(svc_ltypes *c);
void svc__ltypes_free(svc_ltypes *c);

struct ss_svc {
    ss_store *st;
    const sc_key *ca_key, *maker_key;
    ss_svc_cert_fn issue_cert;    /* an external CA, or NULL: ca_key issues */
    void *issue_cert_ctx;
    uint8_t *ca_cert, *maker_cert;
    size_t ca_cert_len, maker_cert_len;
    int64_t ca_from, ca_to;       /* the seal CA certificate's validity */
    char *pass;                   /* wiped at free */
    size_t pass_len;
    char region[SS_SVC_REGION_LEN + 1];
    char *province;
    sc_ses_tsa_fn tsa;
    void *tsa_ctx;
    ss_svc_clock_fn clock;
    void *clock_ctx;
    svc_cache cache;
    svc_ltypes ltypes;
    pthread_mutex_t make_mu;      /* one seal making at a time: esIDs are allocated in order */
    sem_t sign_slots;             /* SM2 signatures computed at once (config sign_threads), */
    int sign_limited;             /* when one is configured */
    pthread_mutex_t q_mu;         /* the commit queue */
    pthread_cond_t q_cv;          /* wakes the committer */
    svc_job *q_head, *q_tail;
    int q_stop;                   /* ss_svc_free: finish the queue, then end */
    pthread_t committer;
    int committer_started;
    _Atomic uint64_t n_sigs, n_refusals, n_replays, n_commits, n_commit_jobs, commit_us;
    svc_stats seal_stats;         /* the same, per seal */
};

int64_t svc__now(ss_svc *svc);
/* The unit signer certificate for key (svc_cert.c): issued by the seal CA key, or asked of the
 * external CA and checked (key, issuer signature, validity through p->not_after). */
int svc__signer_cert(ss_svc *svc, const sc_key *key, const sc_cert_issue_params *p,
                     uint8_t **cert, size_t *cert_len, sc_err *err);
/* SS_EFORBIDDEN unless actor holds one of roles ("to approve applications"). */
int svc__need_role(const ss_svc_actor *actor, uint32_t roles, const char *what, sc_err *err);
/* Append an audit record in tx; takes details (a JSON object; NULL, a failed json_pack,
 * fails the append). */
int svc__audit(ss_store *tx, int64_t now, int64_t actor, const char *action,
               const char *object, json_t *details, sc_err *err);
/* Commit tx when rc is 0, else roll it back; returns the final code. */
int svc__tx_end(ss_store *tx, int rc, sc_err *err);
/* The end of a lifecycle act in tx: when rc is 0, its audit record on the object (printf
 * format) with details (taken, freed either way), then the commit; else the rollback.
 * Returns the final code. */
int svc__act_end(ss_store *tx, int rc, int64_t now, int64_t actor, const char *action,
                 json_t *details, sc_err *err, const char *object_fmt, ...)
    __attribute__((format(printf, 8, 9)));
/* Lower-case hex of n bytes into out (2n + 1). */
void svc__hex(const uint8_t *p, size_t n, char *out);
/* A JSON string of text that may end in a cut UTF-8 sequence (sc_err truncation). */
json_t *svc__json_text(const char *s);
/* SM3 of a buffer (OpenSSL EVP). */
int svc__sm3(const uint8_t *p, size_t n, uint8_t out[32], sc_err *err);
/* printable ASCII without spaces, 1..max: request ids, idempotency keys, esIDs */
int svc__check_token(const char *what, const char *s, size_t max, sc_err *err);
/* Status of a seal at time at from its history rows (status.asn1 rule 4); used by the
 * signing path too. st may be a transaction. */
int svc__status_at(ss_store *st, const char *es_id, int64_t at, ss_svc_status_info *out,
                   sc_err *err);

/* status.asn1 rule 4 over one subject's changes as its history hands them (oldest first),
 * for seals and licences alike (SS_SVC_* and sc_status_code share their values): the last
 * change at or before at is in force; revoked and voided are final. The fields point into
 * the caller's status info (SVC_WALK); svc__walk_cb is an ss_svc_change_cb. */
typedef struct svc_walk {
    int64_t at;
    int *status;
    int64_t *since;
    int *reason;
    char *text;                      /* SS_REASON_MAX + 1 bytes */
    size_t *changes;
    int changed;                     /* a change is in force: *since is its time */
} svc_walk;
#define SVC_WALK(at_, out_) { (at_), &(out_)->status, &(out_)->since, &(out_)->reason, \
                              (out_)->text, &(out_)->changes, 0 }
int svc__walk_cb(void *ctx, const ss_svc_status_change *c);
/* After the walk: a subject not in a final status is expired from valid_end (0: none) on. */
void svc__walk_expire(svc_walk *w, int64_t valid_end);

/* ---- licences (svc_license.c, svc_license_batch.c, svc_license_status.c) --------------- */

/* What issuing under one (type, seal) needs, loaded once per call by svc__lic_open: the grant
 * checked, the type and its parsed template and files, the issuer (the seal's unit), and the
 * seal's material from the key cache (a reference: svc__lic_close gives it back). */
typedef struct svc_lic_ctx {
    ss_lic_type type;             /* with its template bytes */
    svc_ltype *lt;                /* the parsed type, given back at close */
    const sc_lic_template *tmpl;  /* borrowed from lt */
    const sc_lic_file *files;
    size_t nfiles;
    ss_unit unit;                 /* the issuer: ZZBFJG = name, ZZBFJGDM = code */
    char es_id[SS_ES_ID_MAX + 1];
    svc_entry *entry;
    int64_t client;
} svc_lic_ctx;

/* Role operator, licence grant, type enabled, seal good and valid at now; ctx zeroed first,
 * svc__lic_close is safe after a failure. */
int svc__lic_open(ss_svc *svc, const ss_svc_actor *actor, const char *type_code,
                  const char *es_id, int64_t now, svc_lic_ctx *ctx, sc_err *err);
void svc__lic_close(ss_svc *svc, svc_lic_ctx *ctx);
/* Draw and seal one licence of the row with serial and version (no transaction), keep its
 * file (nosync: not flushed yet, ss_store_lic_files_sync before the commit), and fill lic
 * (its fields owned: ss_license_clear) for svc__lic_record. *file (may be NULL) gets the OFD
 * (free()). */
int svc__lic_make(ss_svc *svc, const svc_lic_ctx *c, const ss_svc_lic_req *req,
                  const sc_lic_kv *row, size_t n, int64_t serial, unsigned version,
                  int64_t now, int nosync, ss_license *lic, uint8_t **file, size_t *file_len,
                  sc_err *err);
/* In tx, before recording: the grant and the seal checked again (another node may have
 * changed them since svc__lic_open). */
int svc__lic_recheck(ss_store *tx, const svc_lic_ctx *c, int64_t now, sc_err *err);
/* 1 if licence l, issued before under the request's key (an Idempotency-Key or a batch
 * row), is what req asks for again: the same type, and the same seal unless req names none. */
int svc__lic_asks_same(const ss_license *l, const ss_svc_lic_req *req);
/* In tx: the licence row, its first status and its license.issue audit record. */
int svc__lic_record(ss_store *tx, const ss_license *lic, const char *request_id, int64_t now,
                    sc_err *err);
/* The serial as the identifier spells it. */
void svc__lic_serial(int64_t serial, char out[SS_LIC_CODE_MAX + 1]);

#endif
