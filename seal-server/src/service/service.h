/* service.h: the seal server's business logic, without HTTP (ARCHITECTURE.md "service/"):
 * units, API clients, seal applications and their review, seal making (unit key, signer
 * certificate, SES_Seal), seal status, grants, and signing (data, OFD, batches) with idempotency.
 *
 * Callers (api/ handlers) authenticate the client, then call one function per request with
 * the acting client (id + roles). The service decides authorisation (SS_EFORBIDDEN), checks
 * every argument, and makes every lifecycle act and every signature one transaction with its
 * audit record: when the audit append fails, the act fails and nothing is committed.
 *
 * Threads: one ss_svc serves every worker thread at once. Signing keeps unlocked unit keys in
 * a bounded LRU cache and never holds the database write lock during SM2 work; signatures of
 * concurrent requests are committed together (group commit), see README.md.
 *
 * Errors: 0 or a negative code (sealcore/error.h SC_E*, store.h SS_E*, SS_EFORBIDDEN below),
 * with err (optional) filled with a message a person can act on. What a handler answers:
 *   SC_EINVAL, SC_EFORMAT   the request is wrong (400)
 *   SS_EFORBIDDEN           the client may not do this: role, own application, no grant (403)
 *   SC_ENOTFOUND            no such unit, application, seal, grant (404)
 *   SS_ECONFLICT, SS_ESTATE exists already, idempotency key reused, wrong state: reviewed
 *                           application, suspended/revoked/expired seal, revoked is final (409)
 *   SS_EEXPIRED, SC_ELIMIT  grant expired, grant used up (403); SC_ELIMIT is also an input
 *                           over a named maximum (413 when it is the body)
 *   SS_EBUSY                database busy, retry (503)
 *   SS_EUPSTREAM            the external CA failed or answered wrongly (502)
 *   SC_EIO, SC_ECRYPTO, SC_ENOMEM, SC_EPASSWORD  server failure (500) */
#ifndef SS_SERVICE_H
#define SS_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/cert.h"
#include "sealcore/error.h"
#include "sealcore/key.h"
#include "sealcore/license.h"
#include "sealcore/ofd.h"
#include "sealcore/ofd_sign.h"
#include "sealcore/ses.h"
#include "sealcore/status.h"
#include "store.h"

enum {
    SS_EFORBIDDEN = -110,  /* the acting client may not do this (role, four eyes, grant) */
    SS_EUPSTREAM = -111    /* a service this one depends on failed or answered wrongly (the
                              external CA); err says what it did (502) */
};

/** Name of any code the service returns ("EFORBIDDEN", "ECONFLICT", …); static. */
const char *ss_svc_err_name(int code);

#define SS_SVC_REQUEST_ID_MAX 128    /* caller's request id: printable ASCII */
#define SS_SVC_PROPERTY_MAX 512      /* SES propertyInfo: printable ASCII */
#define SS_SVC_BATCH_MAX 1000        /* items in one batch */
#define SS_SVC_REGION_LEN 6          /* esID prefix: GB/T 2260 division code, "330000" */
#define SS_SVC_KEY_CACHE_DEFAULT 64  /* unlocked unit keys kept in memory */

typedef struct ss_svc ss_svc;   /* opaque */

/* Who acts: the authenticated API client and its roles (SS_ROLE_* bits). */
typedef struct ss_svc_actor {
    int64_t client_id;   /* > 0 */
    uint32_t roles;
} ss_svc_actor;

/* Seconds since the epoch, UTC. */
typedef int64_t (*ss_svc_clock_fn)(void *ctx);

/* An external CA (ss_svc_config.issue_cert): a certificate for the unit's new key with the
 * subject and validity of p. The key never leaves the service: the function may sign a request
 * with it (sc_cert_request) and nothing else. *cert is new DER (free()). The service does not
 * trust the answer: it must carry key's public key, verify with ca_cert's key, and cover the
 * seal's validity, else the approval fails and nothing is committed.
 * @return 0, or a code with err saying what the CA answered */
typedef int (*ss_svc_cert_fn)(void *ctx, const sc_key *key, const sc_cert_issue_params *p,
                              uint8_t **cert, size_t *cert_len, sc_err *err);

typedef struct ss_svc_config {
    ss_store *store;              /* borrowed: must outlive the service */
    const sc_key *ca_key;         /* provincial seal CA (issues unit signer certificates);
                                     borrowed, must outlive the service; NULL with
                                     issue_cert */
    const uint8_t *ca_cert;       /* its DER certificate; copied */
    size_t ca_cert_len;
    const sc_key *maker_key;      /* seal maker (制章者), signs SES_Seal; borrowed */
    const uint8_t *maker_cert;    /* its DER certificate; copied */
    size_t maker_cert_len;
    const char *key_pass;         /* encrypts unit keys at rest (PKCS#8 PBES2); copied, */
    size_t key_pass_len;          /* wiped by ss_svc_free(); the caller wipes its copy */
    const char *region_code;      /* 6 digits, the esID prefix (README.md "esID") */
    const char *province;         /* ST of the signer certificates (UTF-8); NULL: none */
    ss_svc_cert_fn issue_cert;    /* optional: an external CA issues the signer certificates
                                     (ca_cert is then that CA's certificate) */
    void *issue_cert_ctx;
    sc_ses_tsa_fn tsa;            /* optional: a time-stamp token on every signature */
    void *tsa_ctx;
    ss_svc_clock_fn clock;        /* NULL: time(NULL); tests pass their own */
    void *clock_ctx;
    unsigned key_cache_max;       /* unlocked keys kept (0: SS_SVC_KEY_CACHE_DEFAULT) */
    unsigned sign_threads;        /* data signatures computed at once, whatever the number
                                     of calling threads (0: no limit; measured on 2 cores,
                                     a limit of 2 gained nothing with the committer thread) */
} ss_svc_config;

/** Make a service. Checks that the CA and maker keys match their certificates. Starts the
 *  committer thread, which blocks every signal (they stay the program's, e.g. for sigwait).
 *  @param[out] out  new service, free with ss_svc_free(); NULL on failure
 *  @return 0, SC_EINVAL (config incomplete or inconsistent; err says which), SC_ENOMEM */
int ss_svc_new(ss_svc **out, const ss_svc_config *cfg, sc_err *err);

/** Free the service (NULL is a no-op): wipes every cached key and the passphrase. No call
 *  may be running. The store, CA and maker keys stay the caller's. */
void ss_svc_free(ss_svc *svc);

/* Counters for /metrics. */
typedef struct ss_svc_stats {
    uint64_t signatures;       /* committed */
    uint64_t refusals;         /* grant or seal status refused a signing */
    uint64_t replays;          /* idempotent retries answered from the store */
    uint64_t commits;          /* signing transactions (one per group) */
    uint64_t commit_jobs;      /* requests those transactions carried */
    uint64_t commit_us;        /* time spent in them, microseconds (the committer's wall clock) */
    uint64_t cache_hits, cache_misses, cache_evictions;
    unsigned cache_size;
    uint64_t ltype_hits, ltype_misses;   /* licence types found parsed, parsed and loaded */
} ss_svc_stats;

void ss_svc_get_stats(ss_svc *svc, ss_svc_stats *out);

/* Per seal: es_id (NULL for the seals past the table's bound, counted together), committed
 * signatures and audited refusals since the start. Called under the counts' lock: cb must not
 * call back into the service. */
typedef void (*ss_svc_seal_count_cb)(void *ctx, const char *es_id, uint64_t signatures,
                                     uint64_t refusals);
void ss_svc_seal_counts(ss_svc *svc, ss_svc_seal_count_cb cb, void *ctx);

/* ---- units (role admin; get and list also seal-officer) -------------------------------- */

/** @param[out] id  the new unit's id (may be NULL)
 *  @return 0, SS_EFORBIDDEN, SC_EINVAL, SC_ELIMIT, SS_ECONFLICT (code exists), SC_EIO,
 *          SS_EBUSY */
int ss_svc_unit_add(ss_svc *svc, const ss_svc_actor *actor, const char *code,
                    const char *name, int64_t *id, sc_err *err);
int ss_svc_unit_get(ss_svc *svc, const ss_svc_actor *actor, int64_t id, ss_unit *out,
                    sc_err *err);
/** Paging as ss_store_unit_list. */
int ss_svc_unit_list(ss_svc *svc, const ss_svc_actor *actor, int64_t after_id,
                     unsigned limit, ss_unit_cb cb, void *ctx, sc_err *err);

/* ---- applications (role seal-officer or admin) ----------------------------------------- */

typedef struct ss_svc_app_req {
    int64_t unit_id;
    int seal_type;               /* GB/T 38540 印章类型, 1..255 */
    const char *name;            /* the seal's name, UTF-8; also the certificate's CN */
    const uint8_t *image;        /* the seal picture; copied */
    size_t image_len;
    const char *image_format;    /* "png", "jpg", "gif", "bmp", "svg" or "ofd" */
    int width_mm, height_mm;     /* 1..1000 */
    int64_t valid_from, valid_to;
} ss_svc_app_req;

/** A unit applies for a seal; the acting client is the applicant.
 *  @return 0, SS_EFORBIDDEN, SC_EINVAL, SC_ELIMIT, SC_ENOTFOUND (unit), SC_EIO, SS_EBUSY */
int ss_svc_app_apply(ss_svc *svc, const ss_svc_actor *actor, const ss_svc_app_req *req,
                     int64_t *id, sc_err *err);
/** With its image (out owns it: ss_app_clear()). */
int ss_svc_app_get(ss_svc *svc, const ss_svc_actor *actor, int64_t id, ss_app *out,
                   sc_err *err);
int ss_svc_app_list(ss_svc *svc, const ss_svc_actor *actor, int64_t unit_id, int state,
                    int64_t after_id, unsigned limit, ss_app_cb cb, void *ctx, sc_err *err);

/** Approve a pending application and make its seal (role seal-officer, not the applicant):
 *  an SM2 key pair generated here, a signer certificate from the seal CA (valid from the
 *  earlier of now and valid_from, but not before the CA, to valid_to; CN the seal's name, O
 *  the unit's), a V4 SES_Seal signed by the seal maker, and
 *  the key stored encrypted — committed in one transaction with the audit records
 *  (seal.approve, seal.make). The private key never leaves the service.
 *  @param es_id   NULL: allocated (README.md "esID"); else this esID (printable ASCII)
 *  @param reason  optional note, up to SS_REASON_MAX bytes
 *  @param es_id_out  the seal's esID (may be NULL)
 *  @return 0, SS_EFORBIDDEN (role, or the actor applied), SC_ENOTFOUND, SS_ESTATE (not
 *          pending), SS_ECONFLICT (es_id exists), SC_EINVAL (validity already over or
 *          beyond the CA's), SC_ECRYPTO, SC_EIO, SS_EBUSY */
int ss_svc_app_approve(ss_svc *svc, const ss_svc_actor *actor, int64_t app_id,
                       const char *es_id, const char *reason,
                       char es_id_out[SS_ES_ID_MAX + 1], sc_err *err);

/** Reject a pending application (role seal-officer, not the applicant); reason required.
 *  @return as ss_svc_app_approve, without the seal-making codes */
int ss_svc_app_reject(ss_svc *svc, const ss_svc_actor *actor, int64_t app_id,
                      const char *reason, sc_err *err);

/* ---- seals and their status (changes: role seal-officer; reads: any client) ------------ */

/** The seal with its DER and signer certificate (out owns them: ss_seal_clear()); never its
 *  key. @return 0, SC_ENOTFOUND, SC_EINVAL, SC_EIO */
int ss_svc_seal_get(ss_svc *svc, const ss_svc_actor *actor, const char *es_id, ss_seal *out,
                    sc_err *err);
int ss_svc_seal_list(ss_svc *svc, const ss_svc_actor *actor, int64_t unit_id, int status,
                     int64_t after_id, unsigned limit, ss_seal_cb cb, void *ctx, sc_err *err);

/* Reasons: RFC 5280 CRLReason values, as spec/status.asn1's Reason. */
#define SS_SVC_NO_REASON (-1)
enum {
    SS_SVC_REASON_UNSPECIFIED = 0,
    SS_SVC_REASON_KEY_COMPROMISE = 1,
    SS_SVC_REASON_AFFILIATION_CHANGED = 3,
    SS_SVC_REASON_SUPERSEDED = 4,
    SS_SVC_REASON_CESSATION_OF_OPERATION = 5,
    SS_SVC_REASON_CERTIFICATE_HOLD = 6    /* every suspension */
};

/** Suspend a good seal; its key leaves the cache. text: optional note.
 *  @return 0, SS_EFORBIDDEN, SC_ENOTFOUND, SS_ESTATE (not good), SC_EINVAL, SC_EIO */
int ss_svc_seal_suspend(ss_svc *svc, const ss_svc_actor *actor, const char *es_id,
                        const char *text, sc_err *err);
/** Resume a suspended seal. @return as suspend (SS_ESTATE: not suspended) */
int ss_svc_seal_resume(ss_svc *svc, const ss_svc_actor *actor, const char *es_id,
                       const char *text, sc_err *err);
/** Revoke a seal (final); its key leaves the cache.
 *  @param reason  SS_SVC_REASON_* other than CERTIFICATE_HOLD
 *  @return as suspend (SS_ESTATE: revoked already) */
int ss_svc_seal_revoke(ss_svc *svc, const ss_svc_actor *actor, const char *es_id,
                       int reason, const char *text, sc_err *err);

/* Status values as spec/status.asn1's Status. */
enum ss_svc_status { SS_SVC_GOOD = 0, SS_SVC_SUSPENDED = 1, SS_SVC_REVOKED = 2,
                     SS_SVC_EXPIRED = 3, SS_SVC_UNKNOWN = 4 };

/** "good", "suspended", "revoked", "expired", "unknown"; NULL otherwise. */
const char *ss_svc_status_name(int status);

typedef struct ss_svc_status_change {
    int status;                      /* SS_SVC_GOOD (resumed), SUSPENDED or REVOKED */
    int64_t at;
    int reason;                      /* SS_SVC_REASON_* or SS_SVC_NO_REASON */
    char text[SS_REASON_MAX + 1];    /* the officer's note, "" if none */
    int64_t actor;                   /* client id */
} ss_svc_status_change;

typedef struct ss_svc_status_info {
    int status;                      /* enum ss_svc_status at the time asked */
    int64_t since;                   /* when it took effect (made, changed, validEnd) */
    int reason;                      /* of the change in force, or SS_SVC_NO_REASON */
    char text[SS_REASON_MAX + 1];
    int64_t valid_start, valid_end;  /* 0 for unknown */
    int64_t created;
    uint8_t seal_sm3[32];            /* SM3 of the DER SES_Seal (subjectDigest) */
    size_t changes;                  /* status changes since the seal was made */
} ss_svc_status_info;

/** The status of a seal at time at (0: now), by spec/status.asn1's verifier rule 4: good
 *  from its making, every change with at <= T applied in order, revoked final, then
 *  T > validEnd gives expired. A seal never made here is SS_SVC_UNKNOWN (return 0). No role
 *  needed (status is public). @return 0, SC_EINVAL, SC_EIO, SS_EBUSY */
int ss_svc_seal_status(ss_svc *svc, const char *es_id, int64_t at, ss_svc_status_info *out,
                       sc_err *err);

typedef int (*ss_svc_change_cb)(void *ctx, const ss_svc_status_change *c);

/** The seal's status changes after its making, oldest first (for the status publisher).
 *  @return 0, SC_ENOTFOUND, SC_EINVAL, SC_EIO, cb's code */
int ss_svc_seal_history(ss_svc *svc, const char *es_id, ss_svc_change_cb cb, void *ctx,
                        sc_err *err);

/* ---- grants (role admin) --------------------------------------------------------------- */

/** Let client_id sign with es_id. expires_at 0: never; use_limit 0: unlimited.
 *  @return 0, SS_EFORBIDDEN, SC_EINVAL, SC_ENOTFOUND, SS_ECONFLICT, SC_EIO */
int ss_svc_grant_add(ss_svc *svc, const ss_svc_actor *actor, int64_t client_id,
                     const char *es_id, int64_t expires_at, int64_t use_limit, int64_t *id,
                     sc_err *err);
int ss_svc_grant_delete(ss_svc *svc, const ss_svc_actor *actor, int64_t grant_id,
                        sc_err *err);
int ss_svc_grant_list(ss_svc *svc, const ss_svc_actor *actor, int64_t client_id,
                      const char *es_id, int64_t after_id, unsigned limit, ss_grant_cb cb,
                      void *ctx, sc_err *err);

/* ---- API clients (role admin) ---------------------------------------------------------
 * Who may call the API: a name, roles, and credentials (a client certificate registered by
 * its RFC 2253 subject and SHA-256 fingerprint, as ss_cert_identity() computes them, and/or
 * a bearer token made here, handed out once, kept as its SHA-256). Every change is one
 * transaction with its audit record (client.add, client.disable, client.enable,
 * client.token.rotate); neither a token nor its hash is ever in a record, a message or a
 * client handed out (ss_client.token_hash is zero in every answer). */

#define SS_SVC_CLIENT_CERT_MAX (128u * 1024)   /* a client certificate, PEM or DER */

typedef struct ss_svc_client_req {
    const char *name;             /* 1..SS_NAME_MAX bytes of UTF-8, unique */
    uint32_t roles;               /* SS_ROLE_* bits, at least one */
    const uint8_t *cert;          /* a client certificate, PEM or DER; NULL: none; read */
    size_t cert_len;              /* during the call only */
    int token;                    /* 1: make a bearer token */
} ss_svc_client_req;

/** Add an API client with a certificate, a token, or both.
 *  @param id     the new client's id (may be NULL)
 *  @param token  with req->token: receives the token (NUL-terminated), shown once: the
 *                caller hands it to the client and wipes it (OPENSSL_cleanse); wiped here
 *                on failure. May be NULL without req->token.
 *  @return 0, SS_EFORBIDDEN, SC_EINVAL (no credential, roles, name), SC_ELIMIT (name or
 *          certificate too long), SC_EFORMAT (not a certificate), SS_ECONFLICT (name,
 *          certificate or token registered already), SC_EIO, SS_EBUSY, SC_ECRYPTO */
int ss_svc_client_add(ss_svc *svc, const ss_svc_actor *actor, const ss_svc_client_req *req,
                      int64_t *id, char token[SS_TOKEN_BUF], sc_err *err);
/** @return 0, SS_EFORBIDDEN, SC_ENOTFOUND, SC_EINVAL, SC_EIO */
int ss_svc_client_get(ss_svc *svc, const ss_svc_actor *actor, int64_t id, ss_client *out,
                      sc_err *err);
/** Paging as ss_store_client_list. */
int ss_svc_client_list(ss_svc *svc, const ss_svc_actor *actor, int64_t after_id,
                       unsigned limit, ss_client_cb cb, void *ctx, sc_err *err);
/** Disable (1) or enable (0) a client: a disabled client's credentials are refused from the
 *  commit on. An admin cannot disable itself, nor the last enabled admin.
 *  @return 0, SS_EFORBIDDEN (role; itself), SC_ENOTFOUND, SS_ESTATE (already so; the last
 *          enabled admin), SC_EINVAL, SC_EIO, SS_EBUSY */
int ss_svc_client_set_disabled(ss_svc *svc, const ss_svc_actor *actor, int64_t id,
                               int disabled, sc_err *err);
/** A new bearer token for the client (one that had none gets its first); the old one is
 *  refused from the commit on. token as ss_svc_client_add's.
 *  @return 0, SS_EFORBIDDEN, SC_ENOTFOUND, SC_EINVAL, SC_EIO, SS_EBUSY, SC_ECRYPTO */
int ss_svc_client_rotate_token(ss_svc *svc, const ss_svc_actor *actor, int64_t id,
                               char token[SS_TOKEN_BUF], sc_err *err);

/* ---- signing (role operator, with a grant for the seal) -------------------------------- */

/* One document to sign. Pointers are only read during the call. */
typedef struct ss_svc_sign_item {
    const char *es_id;
    const uint8_t *data;          /* the document … */
    size_t data_len;
    const uint8_t *data_sm3;      /* … or its 32-byte SM3 hash (data NULL) */
    const char *property_info;    /* SES propertyInfo (printable ASCII); NULL: "" */
} ss_svc_sign_item;

/* Common to every signing call. */
typedef struct ss_svc_sign_opts {
    const char *request_id;       /* the caller's id for the audit record; NULL: none */
    const char *idem_key;         /* idempotency key (1..SS_IDEM_KEY_MAX printable ASCII);
                                     NULL: none */
} ss_svc_sign_opts;

/** Sign one document: a V4 SES_Signature (detached) with the seal's unit key, made at the
 *  service's clock time. The seal must be good and within its validity, the client must hold
 *  a grant for it (not expired, uses left). The grant use, the audit record (client, seal,
 *  SM3 of the document, result, request id) and the idempotency record are committed before
 *  the signature is handed out; if that commit fails, the signature is discarded.
 *  A retry with the same idem_key and the same request returns the first signature, byte for
 *  byte, without counting the grant again (*replayed = 1).
 *  @param[out] sig, sig_len  new DER, free with free()
 *  @param replayed  may be NULL
 *  @return 0; SS_EFORBIDDEN (role, no grant); SS_EEXPIRED (grant); SC_ELIMIT (grant used up);
 *          SS_ESTATE (seal suspended, revoked, expired or not yet valid); SC_ENOTFOUND
 *          (seal); SS_ECONFLICT (idem_key used for another request); SC_EINVAL; SC_EIO,
 *          SS_EBUSY (nothing committed); SC_ECRYPTO, SC_ENOMEM, the tsa callback's code */
int ss_svc_sign_data(ss_svc *svc, const ss_svc_actor *actor, const ss_svc_sign_item *item,
                     const ss_svc_sign_opts *opts, uint8_t **sig, size_t *sig_len,
                     int *replayed, sc_err *err);

/* One item's outcome in a batch. */
typedef struct ss_svc_sign_result {
    int code;                     /* 0 or a code as ss_svc_sign_data's */
    char msg[SC_ERR_MSG_MAX];     /* "" when code is 0 */
    uint8_t *sig;                 /* DER SES_Signature when code is 0; owned (clear below) */
    size_t sig_len;
} ss_svc_sign_result;

/** Sign 1..SS_SVC_BATCH_MAX documents; each item succeeds or fails on its own (partial
 *  failure) and the successes are committed together. With an idem_key, a retry returns the
 *  first batch's results, failures included.
 *  @param results  n entries, filled; release with ss_svc_sign_results_clear()
 *  @return 0 when the batch ran (look at each result); SS_EFORBIDDEN (role), SC_EINVAL,
 *          SC_ELIMIT (n), SS_ECONFLICT (idem_key), or SC_EIO/SS_EBUSY when the commit failed
 *          (then every item has that code and no signature) */
int ss_svc_sign_batch(ss_svc *svc, const ss_svc_actor *actor, const ss_svc_sign_item *items,
                      size_t n, const ss_svc_sign_opts *opts, ss_svc_sign_result *results,
                      int *replayed, sc_err *err);
void ss_svc_sign_results_clear(ss_svc_sign_result *results, size_t n);

/* An OFD document to stamp. */
typedef struct ss_svc_ofd_req {
    const char *es_id;
    sc_ofd_pkg *pkg;               /* the package, read by this thread during the call */
    const uint8_t *doc_sm3;        /* 32 bytes: SM3 of the package as received (audit and
                                      idempotency identify the document by it) */
    const sc_ofd_sign_params *pos; /* where: place, page, x_mm, y_mm, keyword, occurrence,
                                      riding, first_page, last_page, width_mm, height_mm,
                                      lock; its seal, key, cert, sign_time, provider and tsa
                                      are ignored (the service's own) */
} ss_svc_ofd_req;

/** Stamp the seal onto the OFD (sealcore/ofd_sign.h) and write the signed package to sink.
 *  The output is spooled (memory, then an unlinked temporary file) and leaves only after the
 *  grant use, the audit record (document SM3 in and out, position, Signature ID) and the
 *  idempotency record are committed. A sink failure after that returns the sink's code; the
 *  signature stays counted and audited (it was made; the client may retry with its key).
 *  @param info      filled on success (zeroed on a replay); may be NULL
 *  @return as ss_svc_sign_data, plus sc_ofd_sign's codes and the sink's */
int ss_svc_sign_ofd(ss_svc *svc, const ss_svc_actor *actor, const ss_svc_ofd_req *req,
                    const ss_svc_sign_opts *opts, sc_ofd_sink sink, void *sink_ctx,
                    sc_ofd_sign_info *info, int *replayed, sc_err *err);

/* ---- licences (e-licences, spec/license-file.md) ----------------------------------------
 * Types: role admin adds, any client reads. Issuing and re-issuing: role operator with a
 * licence grant for the issuer's seal and the type (ss_svc_lic_grant_add; a signing grant is
 * neither needed nor enough). Status changes: role seal-officer or admin. Every act is one
 * transaction with its audit record (license.type.add, license.grant.add|delete,
 * license.issue, license.suspend|resume|revoke, license.reissue); the drawing and SM2 work of
 * issuing happens before it, outside the write lock. The issuer (ZZBFJG, ZZBFJGDM) is the
 * seal's unit. README.md "Licences". */

/** Add a licence type. xml is parsed with sc_lic_template_parse (its message on refusal);
 *  files must be exactly those the template names (Background@src, every fontFile).
 *  @param[out] code  the type code read from the template (may be NULL)
 *  @return 0, SS_EFORBIDDEN, SC_EFORMAT / SC_ELIMIT / SC_EUNSUPPORTED (template), SC_EINVAL
 *          (a named file missing, an unnamed one given), SS_ECONFLICT (type exists), SC_EIO */
int ss_svc_lic_type_add(ss_svc *svc, const ss_svc_actor *actor, const uint8_t *xml,
                        size_t len, const ss_lic_type_file *files, size_t n,
                        char code[SS_LIC_CODE_MAX + 1], sc_err *err);
/** With its template (out owns it: ss_lic_type_clear). Any role. */
int ss_svc_lic_type_get(ss_svc *svc, const ss_svc_actor *actor, const char *code,
                        ss_lic_type *out, sc_err *err);
int ss_svc_lic_type_list(ss_svc *svc, const ss_svc_actor *actor, int64_t after_id,
                         unsigned limit, ss_lic_type_cb cb, void *ctx, sc_err *err);
/** Where the type's template puts the issuer's seal (page 1, mm), from the parsed types the
 *  service keeps. Any role. @return 0, SC_ENOTFOUND, SC_EIO (a stored template that no longer
 *  parses), SS_EFORBIDDEN */
int ss_svc_lic_type_seal_pos(ss_svc *svc, const ss_svc_actor *actor, const char *code,
                             double *x_mm, double *y_mm, sc_err *err);
/** Stop (1) or allow again (0) issuing licences of a type (role admin, audited). */
int ss_svc_lic_type_set_disabled(ss_svc *svc, const ss_svc_actor *actor, const char *code,
                                 int disabled, sc_err *err);

/** Let client_id issue licences of type_code sealed with es_id (role admin, audited).
 *  @return 0, SS_EFORBIDDEN, SC_EINVAL, SC_ENOTFOUND, SS_ECONFLICT, SC_EIO */
int ss_svc_lic_grant_add(ss_svc *svc, const ss_svc_actor *actor, int64_t client_id,
                         const char *es_id, const char *type_code, int64_t expires_at,
                         int64_t *id, sc_err *err);
int ss_svc_lic_grant_delete(ss_svc *svc, const ss_svc_actor *actor, int64_t grant_id,
                            sc_err *err);

/* What to issue. Pointers are read during the call only. */
typedef struct ss_svc_lic_req {
    const char *type_code;
    const char *es_id;            /* the issuer's seal */
    const sc_lic_kv *row;         /* ss_svc_lic_issue: the data row (ignored by batches) */
    size_t row_len;
    const char *batch_id;         /* NULL: none; else (client, batch_id, row) is issued once:
                                     a repeat returns the licence already issued */
    int64_t batch_row;            /* ss_svc_lic_issue: the row's number (>= 0) */
    const char *area_code;        /* ZZSSGXSD (6 digits) or NULL */
    const char *verify_url;       /* the 2-D code: "<verify_url>?id=<ZZBS>"; NULL: ZZBS */
    const char *request_id;       /* for the audit records; NULL: none */
} ss_svc_lic_req;

/** Issue one licence: the row checked against the type's template, a serial taken, the OFD
 *  drawn and sealed (sealcore/license_file.h), the file kept (store.h), then the licence
 *  row, its first status and the audit record committed together.
 *  @param zzbs           the identifier (filled on success)
 *  @param file, file_len the OFD (new buffer, free()); both may be NULL
 *  @param already        1 when req's batch row had been issued before (that licence is
 *                        returned, nothing new is made); may be NULL
 *  @return 0; SS_EFORBIDDEN (role, no licence grant), SS_EEXPIRED (grant), SC_ENOTFOUND (type,
 *          seal), SS_ESTATE (type disabled, seal not good or outside its validity),
 *          SC_EFORMAT (the row: the field is named), SC_EINVAL, SC_EIO, SS_EBUSY, SC_ECRYPTO */
int ss_svc_lic_issue(ss_svc *svc, const ss_svc_actor *actor, const ss_svc_lic_req *req,
                     char zzbs[SS_LIC_ID_MAX + 1], uint8_t **file, size_t *file_len,
                     int *already, sc_err *err);

typedef struct ss_svc_lic_row {
    const sc_lic_kv *kv;          /* borrowed */
    size_t n;
} ss_svc_lic_row;

/* One row's outcome in a batch. */
typedef struct ss_svc_lic_result {
    int code;                     /* 0 or a code as ss_svc_lic_issue's */
    char msg[SC_ERR_MSG_MAX];     /* why, "" when code is 0 */
    char zzbs[SS_LIC_ID_MAX + 1]; /* the licence, when code is 0 */
    int already;                  /* 1: issued by an earlier run of this batch */
} ss_svc_lic_result;

typedef struct ss_svc_lic_summary {
    size_t issued, already, failed;
} ss_svc_lic_summary;

/** Issue rows 1..SS_SVC_BATCH_MAX of a batch: row i is (req->batch_id, first_row + i). Each
 *  row succeeds or fails on its own; a row already issued (by an earlier run of the batch,
 *  even one cut short) is reported with its licence and not issued again, so a batch is
 *  resumed by running it again. Licences are committed in groups with their audit records.
 *  @param req       type, seal, batch_id (required), area_code, verify_url, request_id
 *  @param results   n entries, filled
 *  @param summary   may be NULL
 *  @return 0 when the batch ran (see each result); SS_EFORBIDDEN, SS_EEXPIRED, SC_ENOTFOUND,
 *          SS_ESTATE, SC_EINVAL, SC_ELIMIT (n), SC_EIO or SS_EBUSY (the store could not say
 *          which rows were issued before) when nothing could be issued at all */
int ss_svc_lic_batch(ss_svc *svc, const ss_svc_actor *actor, const ss_svc_lic_req *req,
                     int64_t first_row, const ss_svc_lic_row *rows, size_t n,
                     ss_svc_lic_result *results, ss_svc_lic_summary *summary, sc_err *err);

/** The licence's row with its fields (out owns them: ss_license_clear). Roles admin,
 *  seal-officer, operator. @return 0, SS_EFORBIDDEN, SC_ENOTFOUND, SC_EINVAL, SC_EIO */
int ss_svc_lic_get(ss_svc *svc, const ss_svc_actor *actor, const char *zzbs, ss_license *out,
                   sc_err *err);
/** Licences with id > after_id, of one type (NULL: all) and status (SS_LIC_ANY: all); paging
 *  as ss_store_unit_list, fields not loaded. Roles as ss_svc_lic_get. */
int ss_svc_lic_list(ss_svc *svc, const ss_svc_actor *actor, const char *type_code, int status,
                    int64_t after_id, unsigned limit, ss_license_cb cb, void *ctx, sc_err *err);
/** Licence grants with id > after_id, of one client (0: all). Role admin. */
int ss_svc_lic_grant_list(ss_svc *svc, const ss_svc_actor *actor, int64_t client_id,
                          int64_t after_id, unsigned limit, ss_lic_grant_cb cb, void *ctx,
                          sc_err *err);
/** The licence's OFD file, checked against the size and SM3 recorded (new buffer, free()).
 *  Roles as ss_svc_lic_get. @return as ss_svc_lic_get, SS_ETAMPERED (file changed on disk) */
int ss_svc_lic_file(ss_svc *svc, const ss_svc_actor *actor, const char *zzbs, uint8_t **file,
                    size_t *len, sc_err *err);

/** Suspend a valid licence, resume a suspended one, revoke (final; reason SS_SVC_REASON_*
 *  other than CERTIFICATE_HOLD). Role seal-officer or admin. text: optional note.
 *  @return 0, SS_EFORBIDDEN, SC_ENOTFOUND, SS_ESTATE (revoked or voided, or not in the state
 *          the change needs), SC_EINVAL, SC_EIO */
int ss_svc_lic_suspend(ss_svc *svc, const ss_svc_actor *actor, const char *zzbs,
                       const char *text, sc_err *err);
int ss_svc_lic_resume(ss_svc *svc, const ss_svc_actor *actor, const char *zzbs,
                      const char *text, sc_err *err);
int ss_svc_lic_revoke(ss_svc *svc, const ss_svc_actor *actor, const char *zzbs, int reason,
                      const char *text, sc_err *err);

/** Re-issue a valid or suspended licence after a change: a new file with the next version and
 *  its new identifier (sc_lic_id_next), the old licence voided with replaced_by set — one
 *  transaction, one audit record (license.reissue). Role operator with the licence grant.
 *  @param row, n  the new data row; NULL: the old licence's fields
 *  @param req     only area_code, verify_url and request_id are read (may be NULL)
 *  @return as ss_svc_lic_issue, SS_ESTATE (the old one revoked or voided), SC_ELIMIT
 *          (version 999 reached) */
int ss_svc_lic_reissue(ss_svc *svc, const ss_svc_actor *actor, const char *zzbs,
                       const sc_lic_kv *row, size_t n, const ss_svc_lic_req *req,
                       char new_zzbs[SS_LIC_ID_MAX + 1], uint8_t **file, size_t *file_len,
                       sc_err *err);

typedef struct ss_svc_lic_status_info {
    int status;                      /* sc_status_code at the time asked: GOOD (valid),
                                        SUSPENDED, REVOKED, VOIDED, EXPIRED or UNKNOWN */
    int64_t since;                   /* when it took effect (issue, change, valid_to) */
    int reason;                      /* of the change in force, or SC_STATUS_NO_REASON */
    char text[SS_REASON_MAX + 1];
    int64_t valid_from, valid_to;    /* valid_to 0: no end (长期) */
    int64_t issued;
    uint8_t file_sm3[32];
    char replaced_by[SS_LIC_ID_MAX + 1];
    size_t changes;                  /* status changes since the issue */
    int record;                      /* the licence row's status now (SS_LIC_*; the record's
                                        words: ss_lic_status_name), whatever at asked */
} ss_svc_lic_status_info;

/** The licence's status at time at (0: now), by spec/status.asn1's rule (as seals: every
 *  change at or before at applied in order, revoked and voided final, then at > valid_to
 *  gives EXPIRED). A licence never issued here is SC_STATUS_UNKNOWN (return 0). No role
 *  (status is public). @return 0, SC_EINVAL, SC_EIO, SS_EBUSY */
int ss_svc_lic_status(ss_svc *svc, const char *zzbs, int64_t at, ss_svc_lic_status_info *out,
                      sc_err *err);
/** The licence's status changes after its issue, oldest first, for the status publisher
 *  (sc_status_entry with SC_STATUS_LICENSE_ID); c->status is an sc_status_code (GOOD,
 *  SUSPENDED, REVOKED, VOIDED). @return 0, SC_ENOTFOUND, SC_EINVAL, SC_EIO, cb's code */
int ss_svc_lic_history(ss_svc *svc, const char *zzbs, ss_svc_change_cb cb, void *ctx,
                       sc_err *err);

#endif
