/* store.h: the seal server's persistent state behind one interface: units, API clients, seal
 * applications, seals, seal keys, status history, grants and idempotency records (the
 * hash-chained audit log is audit.h, over the same handle).
 *
 * Callers (service/, api/) see only this header. A backend implements the ss__store_ops
 * vtable (store_int.h); SQLite (WAL) ships now, PostgreSQL can follow without touching a
 * caller.
 * Every argument is checked here, before any backend sees it, so all backends refuse the same
 * inputs with the same messages.
 *
 * Handles and threads. An ss_store from ss_store_open_sqlite() may be used by any number of
 * threads at once: each call borrows a connection from a small pool and returns it. A
 * transaction is a second handle from ss_store_tx_begin() that pins one connection until
 * ss_store_tx_commit()/ss_store_tx_rollback(); every call made with it is part of the
 * transaction. A transaction handle belongs to one thread at a time. Inside a transaction,
 * make every call with the transaction handle: a write through the root handle would wait for
 * the transaction's own lock (and fail with SS_EBUSY after the busy timeout).
 *
 * Records. Small records (ss_unit, ss_client, ss_grant, …) are plain structs with fixed-size,
 * NUL-terminated strings, filled by the call; the *_MAX limits below are enforced on input,
 * so a stored value always fits. Records with blobs (ss_app, ss_seal, ss_seal_key) own them:
 * release with the record's _clear() function. List calls hand each record to a callback,
 * borrowed for the duration of that call (blobs are not loaded by lists).
 *
 * Errors: 0 or a negative code, sealcore/error.h's SC_E* plus the SS_E* codes below, with
 * err (optional) saying what and where. SC_EIO is a database failure (disk, corruption). */
#ifndef SS_STORE_H
#define SS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"

/* Codes the store adds to sealcore/error.h's (which has no "conflict" or "expired"). */
enum {
    SS_ECONFLICT = -100, /* a unique value exists already; an idempotency key reused for
                            another request */
    SS_EEXPIRED = -101,  /* a grant's expiry has passed */
    SS_EBUSY = -102,     /* the database stayed locked past the busy timeout */
    SS_ESTATE = -103,    /* the object's state forbids the change (revoked is final, an
                            application already reviewed, …) */
    SS_EDISABLED = -104, /* the API client exists but is disabled */
    SS_ETAMPERED = -105  /* the audit chain does not verify (audit.h) */
};

/** Name of an SC_E* or SS_E* code ("ECONFLICT", …); static, never NULL. */
const char *ss_err_name(int code);

/* The schema version this binary writes; a database with a newer one is refused. */
#define SS_STORE_SCHEMA_VERSION 2

/* Input limits in bytes, checked before anything is stored (SC_ELIMIT beyond them). */
#define SS_NAME_MAX 256              /* unit, client, seal names (UTF-8) */
#define SS_USCC_LEN 18               /* unified social credit code: exactly 18 characters */
#define SS_SUBJECT_MAX 1024          /* certificate subject, RFC 2253 string */
#define SS_ES_ID_MAX 64              /* seal identifier (esID): printable ASCII, no space */
#define SS_REASON_MAX 512            /* review / status reasons (UTF-8) */
#define SS_IMAGE_FORMAT_MAX 15       /* "png", "jpg", "bmp", "gif", "ofd", "svg" */
#define SS_IMAGE_MAX (4u * 1024 * 1024)
#define SS_SEAL_DER_MAX (8u * 1024 * 1024)  /* = SC_SES_MAX_SEAL */
#define SS_CERT_MAX (64u * 1024)
#define SS_KEY_PEM_MAX (64u * 1024)
#define SS_IDEM_KEY_MAX 128          /* idempotency key: printable ASCII, no space */
#define SS_IDEM_RESPONSE_MAX (256u * 1024 * 1024)
#define SS_LIST_MAX 1000             /* records per list call */

/* ---- the handle ------------------------------------------------------------------------ */

typedef struct ss_store ss_store;   /* opaque */

typedef struct ss_sqlite_opts {
    unsigned max_conns;       /* connections in the pool (0: 8); a caller beyond them waits */
    unsigned busy_timeout_ms; /* how long a write waits for the lock (0: 5000) */
    int allow_shared_mode;    /* 1: accept an existing file that group or others can read */
} ss_sqlite_opts;

/** Open (creating if missing, mode 0600) a SQLite store and bring its schema up to
 *  SS_STORE_SCHEMA_VERSION; each migration runs in its own transaction.
 *  An existing file that group or others may read is refused unless opts allow it.
 *  @param[out] out  new handle, close with ss_store_close(); NULL on failure
 *  @param path      file name; copied
 *  @param opts      NULL for the defaults
 *  @return 0, SC_EINVAL (path; file mode), SC_EIO (cannot open, not a sealpki store, damaged),
 *          SC_EUNSUPPORTED (schema newer than this binary), SS_EBUSY, SC_ENOMEM */
int ss_store_open_sqlite(ss_store **out, const char *path, sc_err *err);
int ss_store_open_sqlite_opts(ss_store **out, const char *path, const ss_sqlite_opts *opts,
                              sc_err *err);

/** Close a root handle (NULL is a no-op). Every transaction must have ended and no other
 *  thread may still use it. Closing a transaction handle here rolls it back and frees it. */
void ss_store_close(ss_store *st);

/** The schema version found in the store (after migrations, SS_STORE_SCHEMA_VERSION).
 *  Also a cheap liveness check for /healthz. @return 0, SC_EIO, SS_EBUSY */
int ss_store_schema_version(ss_store *st, int *version, sc_err *err);

/* ---- transactions ---------------------------------------------------------------------- */

/** BEGIN IMMEDIATE: take the write lock now (waiting up to the busy timeout), so that the
 *  writes of one operation (a signature, its grant counter, its audit record) commit together
 *  or not at all.
 *  @param st      a root handle (transactions do not nest: SC_EINVAL)
 *  @param[out] tx new transaction handle; end it with exactly one of commit or rollback,
 *                 which free it
 *  @return 0, SC_EINVAL, SS_EBUSY, SC_EIO, SC_ENOMEM */
int ss_store_tx_begin(ss_store *st, ss_store **tx, sc_err *err);

/** Commit and free tx (also on failure, after rolling back). @return 0, SS_EBUSY, SC_EIO,
 *  SC_EINVAL (not a transaction handle: nothing is freed) */
int ss_store_tx_commit(ss_store *tx, sc_err *err);

/** Roll back and free tx. NULL is a no-op. */
void ss_store_tx_rollback(ss_store *tx);

/* ---- bearer tokens and roles ----------------------------------------------------------- */

#define SS_TOKEN_LEN 43      /* 32 random bytes, base64url without padding */
#define SS_TOKEN_BUF (SS_TOKEN_LEN + 1)

/** A new bearer token: 32 bytes from the OpenSSL DRBG, base64url into out (NUL-terminated),
 *  and its SHA-256 into hash (what the store keeps). Show out once and wipe it
 *  (OPENSSL_cleanse). @return 0 or SC_ECRYPTO */
int ss_token_new(char out[SS_TOKEN_BUF], uint8_t hash[32], sc_err *err);

/** SHA-256 of a presented token after checking its form (43 base64url characters), for
 *  ss_store_client_by_token_hash(). @return 0, SC_EFORMAT (never quotes the token), SC_ECRYPTO */
int ss_token_hash(const char *token, uint8_t hash[32], sc_err *err);

struct x509_st;   /* OpenSSL's X509 */

/** A client certificate's identity as clients are registered and looked up: its subject as
 *  X509_NAME_print_ex(XN_FLAG_RFC2253) writes it, into subject (n bytes, NUL-terminated), and
 *  the SHA-256 of its DER. The server's TLS layer, sealctl init and client registration all
 *  call this, so a registered certificate matches the one presented.
 *  @return 0, SC_EINVAL (n is 0), SC_ELIMIT (subject longer than n - 1), SC_ENOMEM,
 *          SC_ECRYPTO */
int ss_cert_identity(const struct x509_st *cert, char *subject, size_t n, uint8_t sha256[32],
                     sc_err *err);

enum {
    SS_ROLE_ADMIN = 1u << 0,        /* units, clients, grants */
    SS_ROLE_SEAL_OFFICER = 1u << 1, /* review applications, make seals, change status */
    SS_ROLE_OPERATOR = 1u << 2,     /* an approval system: sign */
    SS_ROLE_AUDITOR = 1u << 3,      /* read the audit log */
    SS_ROLE_VERIFIER = 1u << 4,     /* verify and read status */
    SS_ROLE_ALL = (1u << 5) - 1
};

/** "admin", "seal-officer", "operator", "auditor", "verifier" → its bit; 0 if unknown. */
uint32_t ss_role_from_name(const char *name);
/** One role bit → its name (static); NULL if not exactly one known bit. */
const char *ss_role_name(uint32_t bit);

/* ---- units ----------------------------------------------------------------------------- */

typedef struct ss_unit {
    int64_t id;
    char code[SS_USCC_LEN + 1];     /* unified social credit code */
    char name[SS_NAME_MAX + 1];
    int64_t created;
} ss_unit;

typedef int (*ss_unit_cb)(void *ctx, const ss_unit *u);

/** Add a unit. code: 18 characters of 0-9 A-H J-N P-R T-U W-Y (GB 32100; the check character
 *  is not verified). @param[out] id  its id (may be NULL)
 *  @return 0, SC_EINVAL, SC_ELIMIT, SS_ECONFLICT (code exists), SC_EIO, SS_EBUSY */
int ss_store_unit_add(ss_store *st, const char *code, const char *name, int64_t now,
                      int64_t *id, sc_err *err);
/** @return 0, SC_ENOTFOUND, SC_EIO, SS_EBUSY */
int ss_store_unit_get(ss_store *st, int64_t id, ss_unit *out, sc_err *err);
int ss_store_unit_by_code(ss_store *st, const char *code, ss_unit *out, sc_err *err);

/** Units with id > after_id in id order, at most limit (1..SS_LIST_MAX), each handed to cb.
 *  Paging: pass the last id seen as the next after_id. cb returns 0 to go on, or a negative
 *  code that stops the listing and is returned. @return 0, SC_EINVAL, SC_EIO, cb's code */
int ss_store_unit_list(ss_store *st, int64_t after_id, unsigned limit, ss_unit_cb cb,
                       void *ctx, sc_err *err);

/* ---- API clients ----------------------------------------------------------------------- */

typedef struct ss_client {
    int64_t id;
    char name[SS_NAME_MAX + 1];      /* unique */
    uint32_t roles;                  /* SS_ROLE_* bits */
    char cert_subject[SS_SUBJECT_MAX + 1]; /* "" when none; RFC 2253, compared exactly */
    int has_cert_sha256;
    uint8_t cert_sha256[32];         /* SHA-256 of the client certificate's DER */
    int has_token;
    uint8_t token_hash[32];          /* SHA-256 of the bearer token */
    int disabled;
    int64_t created;
} ss_client;

typedef int (*ss_client_cb)(void *ctx, const ss_client *c);

/** Add a client from in's name, roles, cert_subject, cert_sha256, token_hash (id, disabled,
 *  created are ignored). At least one credential; roles non-zero and within SS_ROLE_ALL.
 *  Subject, fingerprint and token hash are each unique among clients.
 *  @return 0, SC_EINVAL, SC_ELIMIT, SS_ECONFLICT, SC_EIO, SS_EBUSY */
int ss_store_client_add(ss_store *st, const ss_client *in, int64_t now, int64_t *id,
                        sc_err *err);

/** By id, disabled or not. @return 0, SC_ENOTFOUND, SC_EIO, SS_EBUSY */
int ss_store_client_get(ss_store *st, int64_t id, ss_client *out, sc_err *err);

/** Authentication by bearer token (hash from ss_token_hash()). A disabled client gives
 *  SS_EDISABLED with out filled (for the log): never treat it as authenticated.
 *  @return 0, SC_ENOTFOUND, SS_EDISABLED, SC_EINVAL, SC_EIO, SS_EBUSY */
int ss_store_client_by_token_hash(ss_store *st, const uint8_t hash[32], ss_client *out,
                                  sc_err *err);

/** Authentication by TLS client certificate (already verified by the TLS layer). A client
 *  pinned to a fingerprint matches only that certificate; a client registered by subject
 *  alone matches any certificate with exactly that subject (RFC 2253, as
 *  X509_NAME_print_ex(XN_FLAG_RFC2253) writes it).
 *  @param subject  may be NULL; @param sha256  SHA-256 of the certificate DER, may be NULL;
 *                  not both NULL
 *  @return 0, SC_ENOTFOUND, SS_EDISABLED (out filled), SC_EINVAL, SC_EIO, SS_EBUSY */
int ss_store_client_by_cert(ss_store *st, const char *subject, const uint8_t *sha256,
                            ss_client *out, sc_err *err);

/** Clients with id > after_id (see ss_store_unit_list). */
int ss_store_client_list(ss_store *st, int64_t after_id, unsigned limit, ss_client_cb cb,
                         void *ctx, sc_err *err);

/** Disable (1) or re-enable (0). @return 0, SC_ENOTFOUND, SC_EIO, SS_EBUSY */
int ss_store_client_set_disabled(ss_store *st, int64_t id, int disabled, sc_err *err);
int ss_store_client_disable(ss_store *st, int64_t id, sc_err *err);   /* set_disabled(1) */

/** Replace (rotate) the client's token hash; NULL removes the token.
 *  @return 0, SC_ENOTFOUND, SS_ECONFLICT, SC_EINVAL (it would leave no credential), SC_EIO */
int ss_store_client_set_token(ss_store *st, int64_t id, const uint8_t *hash, sc_err *err);

/* ---- seal applications ----------------------------------------------------------------- */

enum ss_app_state { SS_APP_ANY = 0, SS_APP_PENDING = 1, SS_APP_APPROVED = 2,
                    SS_APP_REJECTED = 3 };

typedef struct ss_app {
    int64_t id;
    int64_t unit_id;
    int64_t applicant_id;            /* the client that applied */
    int seal_type;                   /* GB/T 38540 type, 1..255 */
    char name[SS_NAME_MAX + 1];
    uint8_t *image;                  /* owned (ss_app_clear); NULL in lists */
    size_t image_len;
    char image_format[SS_IMAGE_FORMAT_MAX + 1];
    int width_mm, height_mm;         /* 1..1000 */
    int64_t valid_from, valid_to;    /* valid_from < valid_to */
    int state;                       /* enum ss_app_state */
    int64_t reviewer_id;             /* 0 until reviewed */
    char reason[SS_REASON_MAX + 1];  /* reviewer's reason, "" if none */
    int64_t created, reviewed_at;    /* reviewed_at 0 until reviewed */
    char es_id[SS_ES_ID_MAX + 1];    /* the seal made from it, "" until made */
} ss_app;

typedef int (*ss_app_cb)(void *ctx, const ss_app *a);

/** Free the record's blobs and zero it; safe on a zeroed or already cleared record. */
void ss_app_clear(ss_app *a);

/** A pending application from in's unit_id, applicant_id, seal_type, name, image (copied),
 *  image_format, width/height, validity. @return 0, SC_EINVAL, SC_ELIMIT, SC_ENOTFOUND
 *  (unit or applicant), SC_EIO, SS_EBUSY */
int ss_store_app_add(ss_store *st, const ss_app *in, int64_t now, int64_t *id, sc_err *err);

/** With its image (owned by out). @return 0, SC_ENOTFOUND, SC_ENOMEM, SC_EIO, SS_EBUSY */
int ss_store_app_get(ss_store *st, int64_t id, ss_app *out, sc_err *err);

/** Applications with id > after_id, optionally of one unit (unit_id 0: all) and one state
 *  (SS_APP_ANY: all); images not loaded. */
int ss_store_app_list(ss_store *st, int64_t unit_id, int state, int64_t after_id,
                      unsigned limit, ss_app_cb cb, void *ctx, sc_err *err);

/** Approve or reject a pending application. The reviewer must not be the applicant;
 *  a rejection needs a reason. @return 0, SC_ENOTFOUND, SS_ESTATE (not pending), SC_EINVAL
 *  (reviewer is the applicant, no reason), SC_EIO, SS_EBUSY */
int ss_store_app_review(ss_store *st, int64_t id, int64_t reviewer_id, int approve,
                        const char *reason, int64_t now, sc_err *err);

/* ---- seal keys ------------------------------------------------------------------------- */

typedef struct ss_seal_key {
    int64_t id;
    uint8_t *pkcs8_pem;   /* encrypted PKCS#8 PEM (sc_key_soft_export); owned */
    size_t pkcs8_pem_len;
    uint8_t *cert;        /* signer certificate DER; owned */
    size_t cert_len;
    int64_t created;
} ss_seal_key;

/** Wipe and free the blobs, zero the record; safe twice. */
void ss_seal_key_clear(ss_seal_key *k);

/** Store a unit key the caller encrypted (sealcore/key.h sc_key_soft_export). Only
 *  "ENCRYPTED PRIVATE KEY" PEM is accepted: keys are encrypted at rest. Both copied.
 *  @return 0, SC_EINVAL, SC_EFORMAT (not encrypted PKCS#8 PEM), SC_ELIMIT, SC_EIO */
int ss_store_key_add(ss_store *st, const uint8_t *pem, size_t pem_len, const uint8_t *cert,
                     size_t cert_len, int64_t now, int64_t *id, sc_err *err);
/** @return 0, SC_ENOTFOUND, SC_ENOMEM, SC_EIO, SS_EBUSY */
int ss_store_key_get(ss_store *st, int64_t id, ss_seal_key *out, sc_err *err);

/* ---- seals and their status ------------------------------------------------------------ */

enum ss_seal_status { SS_SEAL_ANY = 0, SS_SEAL_GOOD = 1, SS_SEAL_SUSPENDED = 2,
                      SS_SEAL_REVOKED = 3 };

/** "good", "suspended", "revoked" (static); NULL for anything else. */
const char *ss_seal_status_name(int status);

typedef struct ss_seal {
    int64_t id;
    char es_id[SS_ES_ID_MAX + 1];   /* unique */
    int64_t unit_id;
    int64_t application_id;         /* 0: not made from an application */
    char name[SS_NAME_MAX + 1];
    int seal_type;
    uint8_t *der;                   /* SES_Seal DER; owned; NULL in lists */
    size_t der_len;
    uint8_t *signer_cert;           /* DER; owned; NULL in lists */
    size_t signer_cert_len;
    int64_t key_id;                 /* seal_keys id; 0: key held elsewhere */
    int64_t valid_start, valid_end;
    int status;                     /* enum ss_seal_status: the current one */
    int64_t created;
} ss_seal;

typedef int (*ss_seal_cb)(void *ctx, const ss_seal *s);

/** Free the blobs, zero the record; safe twice. */
void ss_seal_clear(ss_seal *s);

/** Record a made seal (status good, first history row by actor). When in->application_id is
 *  set, that application must be approved and not yet made, and gets this es_id, in the same
 *  transaction. @return 0, SC_EINVAL, SC_ELIMIT, SS_ECONFLICT (es_id exists), SC_ENOTFOUND
 *  (unit, application, key), SS_ESTATE (application not approved or already made), SC_EIO */
int ss_store_seal_add(ss_store *st, const ss_seal *in, int64_t actor, int64_t now,
                      int64_t *id, sc_err *err);

/** By esID, with its DER and signer certificate (owned by out).
 *  @return 0, SC_ENOTFOUND, SC_EINVAL, SC_ENOMEM, SC_EIO, SS_EBUSY */
int ss_store_seal_get(ss_store *st, const char *es_id, ss_seal *out, sc_err *err);

/** Seals with id > after_id, of one unit (0: all) and one status (SS_SEAL_ANY: all); blobs
 *  not loaded. */
int ss_store_seal_list(ss_store *st, int64_t unit_id, int status, int64_t after_id,
                       unsigned limit, ss_seal_cb cb, void *ctx, sc_err *err);

/** Change the status: good -> suspended, suspended -> good (resume), either -> revoked; a
 *  revoked seal stays revoked. Revocation needs a reason. Appends a history row.
 *  @return 0, SC_ENOTFOUND, SS_ESTATE (revoked, or already in that status), SC_EINVAL,
 *          SC_EIO, SS_EBUSY */
int ss_store_seal_set_status(ss_store *st, const char *es_id, int status, const char *reason,
                             int64_t actor, int64_t now, sc_err *err);

typedef struct ss_status_entry {
    int64_t id;
    char es_id[SS_ES_ID_MAX + 1];
    int status;
    char reason[SS_REASON_MAX + 1];
    int64_t actor;                  /* client id; 0: the server itself */
    int64_t at;
} ss_status_entry;

typedef int (*ss_status_cb)(void *ctx, const ss_status_entry *e);

/** The seal's status history, oldest first (the last entry is the current status).
 *  @return 0, SC_ENOTFOUND (no such seal), SC_EINVAL, SC_EIO, cb's code */
int ss_store_seal_history(ss_store *st, const char *es_id, ss_status_cb cb, void *ctx,
                          sc_err *err);

/* ---- grants ---------------------------------------------------------------------------- */

typedef struct ss_grant {
    int64_t id;
    int64_t client_id;
    char es_id[SS_ES_ID_MAX + 1];
    int64_t expires_at;   /* 0: never; otherwise unusable from this second on */
    int64_t use_limit;    /* 0: unlimited */
    int64_t uses;
    int64_t created;
} ss_grant;

typedef int (*ss_grant_cb)(void *ctx, const ss_grant *g);

/** Let a client sign with a seal (one grant per client and seal).
 *  @return 0, SC_EINVAL (negative limit or expiry), SC_ENOTFOUND (client or seal),
 *          SS_ECONFLICT (a grant exists), SC_EIO, SS_EBUSY */
int ss_store_grant_add(ss_store *st, int64_t client_id, const char *es_id, int64_t expires_at,
                       int64_t use_limit, int64_t now, int64_t *id, sc_err *err);
/** @return 0, SC_ENOTFOUND, SC_EIO */
int ss_store_grant_get(ss_store *st, int64_t client_id, const char *es_id, ss_grant *out,
                       sc_err *err);
/** As ss_store_grant_get, for a signer's check before it signs: a grant without a use limit
 *  may come from a copy the root handle keeps until a client or grant changes, its `uses`
 *  then the count when it was read (ss_store_grant_use checks and counts at the commit). */
int ss_store_grant_get_cached(ss_store *st, int64_t client_id, const char *es_id,
                              ss_grant *out, sc_err *err);
/** Grants with id > after_id, of one client (0: all) and one seal (NULL: all). */
int ss_store_grant_list(ss_store *st, int64_t client_id, const char *es_id, int64_t after_id,
                        unsigned limit, ss_grant_cb cb, void *ctx, sc_err *err);
/** @return 0, SC_ENOTFOUND, SC_EIO */
int ss_store_grant_delete(ss_store *st, int64_t grant_id, sc_err *err);

/** Check and count one use of client's grant for es_id. Must run inside the caller's
 *  transaction (tx from ss_store_tx_begin; SC_EINVAL otherwise), so that the count rolls back
 *  with a failed signature or audit append.
 *  @param[out] out  the grant after counting (may be NULL)
 *  @return 0; SC_ENOTFOUND (no grant), SS_EEXPIRED (now >= expires_at), SC_ELIMIT (uses
 *          reached use_limit), each with its own message; SC_EINVAL, SC_EIO */
int ss_store_grant_use(ss_store *tx, int64_t client_id, const char *es_id, int64_t now,
                       ss_grant *out, sc_err *err);

/* ---- idempotency ----------------------------------------------------------------------- */

/** The stored response for (client, key), if the request is the same one.
 *  @param key          1..SS_IDEM_KEY_MAX printable ASCII, no space
 *  @param request_sha256  SHA-256 of the canonical request
 *  @param[out] resp    new buffer the caller frees (free()); NULL when resp_len is 0
 *  @return 0, SC_ENOTFOUND (first use), SS_ECONFLICT (key used for another request),
 *          SC_EINVAL, SC_ENOMEM, SC_EIO */
int ss_store_idem_get(ss_store *st, int64_t client_id, const char *key,
                      const uint8_t request_sha256[32], uint8_t **resp, size_t *resp_len,
                      sc_err *err);

/** Remember the response (copied) for (client, key). Put it in the operation's transaction,
 *  so a retry sees either nothing or the committed result.
 *  @return 0, SS_ECONFLICT (key stored already: for this request — fetch it with
 *          ss_store_idem_get — or another), SC_EINVAL, SC_ELIMIT, SC_EIO, SS_EBUSY */
int ss_store_idem_put(ss_store *st, int64_t client_id, const char *key,
                      const uint8_t request_sha256[32], const uint8_t *resp, size_t resp_len,
                      int64_t now, sc_err *err);

/** Forget at most max (1..SS_IDEM_PURGE_MAX) records created before `before`, the oldest
 *  first: a backlog is forgotten in short transactions, each holding the write lock briefly.
 *  @param[out] removed  how many (may be NULL); fewer than max: none older is left */
#define SS_IDEM_PURGE_MAX 100000
int ss_store_idem_purge(ss_store *st, int64_t before, int64_t max, int64_t *removed,
                        sc_err *err);

/* ---- e-licences: types, issuing grants, serials, licences, status, files ---------------
 * spec/license-file.md. A licence type is a template (XML, spec/license-template.md) and the
 * files it names; a licence is one sealed OFD file plus the row here. The files live outside
 * the database, content-addressed, next to it (README.md "Licence files"). */

#define SS_LIC_CODE_MAX 64           /* type code, issuer code, serial: [0-9A-Z] */
#define SS_LIC_ID_MAX 255            /* licence identifier (ZZBS): printable ASCII */
#define SS_LIC_HOLDER_MAX 1024       /* holder name (CZZT) and code (CZZTDM), UTF-8 bytes */
#define SS_LIC_TEMPLATE_MAX (256u * 1024)       /* = SC_LIC_TMPL_MAX */
#define SS_LIC_TYPE_FILES_MAX 16                 /* files one template may name */
#define SS_LIC_TYPE_FILE_NAME_MAX 64
#define SS_LIC_TYPE_FILE_MAX (32u * 1024 * 1024) /* a background image or a font */
#define SS_LIC_FIELDS_MAX (512u * 1024)          /* the data row as JSON */
#define SS_LIC_FILE_MAX (256u * 1024 * 1024)     /* one licence OFD */
#define SS_LIC_BATCH_ID_MAX 128                  /* printable ASCII, no space */
#define SS_LIC_LOC_MAX 128                       /* where the file is, relative */

typedef struct ss_lic_type {
    int64_t id;
    char code[SS_LIC_CODE_MAX + 1];  /* 证照类型代码, unique */
    char name[SS_NAME_MAX + 1];      /* 证照名称 */
    uint8_t *tmpl;                   /* template XML; owned (ss_lic_type_clear); NULL in lists */
    size_t tmpl_len;
    int64_t added_by;                /* client id */
    int64_t created;
    int disabled;                    /* 1: no new licences of this type */
} ss_lic_type;

/* A file the template names (background, font): input to ss_store_lic_type_add, and what
 * ss_store_lic_type_files hands its callback. Borrowed. */
typedef struct ss_lic_type_file {
    const char *name;                /* 1..SS_LIC_TYPE_FILE_NAME_MAX of A-Z a-z 0-9 . _ - */
    const uint8_t *data;
    size_t len;                      /* 1..SS_LIC_TYPE_FILE_MAX */
} ss_lic_type_file;

typedef int (*ss_lic_type_cb)(void *ctx, const ss_lic_type *t);
typedef int (*ss_lic_type_file_cb)(void *ctx, const ss_lic_type_file *f);

void ss_lic_type_clear(ss_lic_type *t);   /* frees tmpl, zeroes; safe twice */

/** Add a licence type: in's code, name, tmpl (copied); files (n, 0..SS_LIC_TYPE_FILES_MAX,
 *  names unique) copied with it, in one transaction. The template is stored as given: the
 *  caller has parsed it (service: sc_lic_template_parse).
 *  @return 0, SC_EINVAL, SC_ELIMIT, SS_ECONFLICT (code exists), SC_ENOTFOUND (actor), SC_EIO */
int ss_store_lic_type_add(ss_store *st, const ss_lic_type *in, const ss_lic_type_file *files,
                          size_t n, int64_t actor, int64_t now, int64_t *id, sc_err *err);
/** With its template (owned by out). @return 0, SC_ENOTFOUND, SC_EINVAL, SC_ENOMEM, SC_EIO */
int ss_store_lic_type_get(ss_store *st, const char *code, ss_lic_type *out, sc_err *err);
/** Types with id > after_id (paging as ss_store_unit_list); templates not loaded. */
int ss_store_lic_type_list(ss_store *st, int64_t after_id, unsigned limit, ss_lic_type_cb cb,
                           void *ctx, sc_err *err);
/** The type's files in name order, each borrowed for the callback's duration.
 *  @return 0, SC_EINVAL, SC_EIO, cb's code (an unknown type has no files: 0) */
int ss_store_lic_type_files(ss_store *st, const char *code, ss_lic_type_file_cb cb, void *ctx,
                            sc_err *err);
/** @return 0, SC_ENOTFOUND, SC_EINVAL, SC_EIO */
int ss_store_lic_type_set_disabled(ss_store *st, const char *code, int disabled, sc_err *err);

typedef struct ss_lic_grant {
    int64_t id;
    int64_t client_id;
    char es_id[SS_ES_ID_MAX + 1];          /* the issuer's seal */
    char type_code[SS_LIC_CODE_MAX + 1];
    int64_t expires_at;                    /* 0: never */
    int64_t created;
} ss_lic_grant;

typedef int (*ss_lic_grant_cb)(void *ctx, const ss_lic_grant *g);

/** Let a client issue licences of type_code sealed with es_id (one grant per triple).
 *  @return 0, SC_EINVAL, SC_ENOTFOUND (client, seal, type), SS_ECONFLICT, SC_EIO */
int ss_store_lic_grant_add(ss_store *st, int64_t client_id, const char *es_id,
                           const char *type_code, int64_t expires_at, int64_t now,
                           int64_t *id, sc_err *err);
/** The grant, checked at now: SC_ENOTFOUND (none), SS_EEXPIRED (now >= expires_at).
 *  @param out  may be NULL */
int ss_store_lic_grant_check(ss_store *st, int64_t client_id, const char *es_id,
                             const char *type_code, int64_t now, ss_lic_grant *out,
                             sc_err *err);
/** Grants with id > after_id, of one client (0: all). */
int ss_store_lic_grant_list(ss_store *st, int64_t client_id, int64_t after_id, unsigned limit,
                            ss_lic_grant_cb cb, void *ctx, sc_err *err);
/** @return 0, SC_ENOTFOUND, SC_EINVAL, SC_EIO */
int ss_store_lic_grant_delete(ss_store *st, int64_t grant_id, sc_err *err);

/** Take count (1..SS_LIST_MAX) consecutive serial numbers of (type, issuer): first, first + 1,
 *  … are this caller's alone, whichever process or thread asks at the same time (one UPDATE
 *  under the write lock; the first ever is 1). Numbers taken by an issue that then fails
 *  are not reused: serials are unique, not gapless.
 *  @return 0, SC_EINVAL, SC_ENOTFOUND (type), SC_EIO, SS_EBUSY */
int ss_store_lic_serial_take(ss_store *st, const char *type_code, const char *issuer_code,
                             unsigned count, int64_t *first, sc_err *err);

enum ss_lic_status { SS_LIC_ANY = 0, SS_LIC_VALID = 1, SS_LIC_SUSPENDED = 2,
                     SS_LIC_REVOKED = 3, SS_LIC_VOIDED = 4 };

/** "valid", "suspended", "revoked", "voided" (static); NULL for anything else. */
const char *ss_lic_status_name(int status);

typedef struct ss_license {
    int64_t id;
    char zzbs[SS_LIC_ID_MAX + 1];             /* 证照标识, unique */
    char type_code[SS_LIC_CODE_MAX + 1];
    char issuer_code[SS_LIC_CODE_MAX + 1];    /* ZZBFJGDM: the seal's unit code */
    char es_id[SS_ES_ID_MAX + 1];             /* the seal it carries */
    char serial[SS_LIC_CODE_MAX + 1];
    int version;                              /* 1..999 */
    char holder_name[SS_LIC_HOLDER_MAX + 1];  /* CZZT */
    char holder_code[SS_LIC_HOLDER_MAX + 1];  /* CZZTDM */
    uint8_t *fields;                          /* the data row, a JSON object (not NUL-
                                                 terminated); owned; NULL in lists */
    size_t fields_len;
    uint8_t file_sm3[32];
    int64_t file_size;
    char file_loc[SS_LIC_LOC_MAX + 1];        /* from ss_store_lic_file_put */
    int64_t valid_from;
    int64_t valid_to;                         /* 0: no end (长期) */
    int status;                               /* enum ss_lic_status */
    char replaced_by[SS_LIC_ID_MAX + 1];      /* the re-issue, "" if none */
    char batch_id[SS_LIC_BATCH_ID_MAX + 1];   /* "" when not from a batch */
    int64_t batch_row;
    int64_t issued_by;                        /* client id */
    int64_t created;
} ss_license;

typedef int (*ss_license_cb)(void *ctx, const ss_license *l);

void ss_license_clear(ss_license *l);   /* frees fields, zeroes; safe twice */

/** Record an issued licence (status valid, first history row by in->issued_by at now); id,
 *  status, replaced_by and created are ignored. A batch row (batch_id set) is unique per
 *  (issuer client, batch_id, batch_row): a second gives SS_ECONFLICT, so a re-run batch
 *  never records a row twice.
 *  @return 0, SC_EINVAL, SC_ELIMIT, SS_ECONFLICT (identifier, serial + version, batch row),
 *          SC_ENOTFOUND (type, seal, client), SC_EIO, SS_EBUSY */
int ss_store_lic_add(ss_store *st, const ss_license *in, int64_t now, int64_t *id,
                     sc_err *err);
/** By identifier, with its fields (owned by out). @return 0, SC_ENOTFOUND, SC_EINVAL, SC_EIO */
int ss_store_lic_get(ss_store *st, const char *zzbs, ss_license *out, sc_err *err);
/** The licence a batch row made, if any (fields not loaded). @return 0, SC_ENOTFOUND, … */
int ss_store_lic_by_batch(ss_store *st, int64_t client_id, const char *batch_id,
                          int64_t row, ss_license *out, sc_err *err);
/** The licences batch rows first_row .. first_row + n - 1 made, in row order (fields not
 *  loaded; cb's l is valid during the call): one query for a batch's "issued before" check.
 *  @return 0, SC_EINVAL, SC_EIO, cb's code */
int ss_store_lic_batch_rows(ss_store *st, int64_t client_id, const char *batch_id,
                            int64_t first_row, int64_t n, ss_license_cb cb, void *ctx,
                            sc_err *err);
/** Licences with id > after_id, of one type (NULL: all) and status (SS_LIC_ANY: all). */
int ss_store_lic_list(ss_store *st, const char *type_code, int status, int64_t after_id,
                      unsigned limit, ss_license_cb cb, void *ctx, sc_err *err);

/** Change a licence's status and append a history row: valid -> suspended -> valid, valid or
 *  suspended -> revoked (needs a reason or text) or voided (needs replaced_by, an existing
 *  licence, recorded in the row). Revoked and voided are final.
 *  @param reason   an RFC 5280 reason code (status.asn1) or -1 for none; stored as given
 *  @param text     optional note (SS_REASON_MAX)
 *  @return 0, SC_ENOTFOUND, SS_ESTATE (final, or already in that status), SC_EINVAL, SC_EIO */
int ss_store_lic_set_status(ss_store *st, const char *zzbs, int status, int reason,
                            const char *text, const char *replaced_by, int64_t actor,
                            int64_t now, sc_err *err);

typedef struct ss_lic_status_entry {
    int64_t id;
    int status;                      /* enum ss_lic_status */
    int reason;                      /* -1: none */
    char text[SS_REASON_MAX + 1];
    int64_t actor;
    int64_t at;
} ss_lic_status_entry;

typedef int (*ss_lic_status_cb)(void *ctx, const ss_lic_status_entry *e);

/** The licence's history, oldest first: its issue (valid), then every change.
 *  @return 0, SC_ENOTFOUND (no such licence), SC_EINVAL, SC_EIO, cb's code */
int ss_store_lic_history(ss_store *st, const char *zzbs, ss_lic_status_cb cb, void *ctx,
                         sc_err *err);

/** Keep a licence file: appended to the store's current pack file (`<store>.files/p/<16
 *  hex>.pack`, mode 0600; a new pack when the file would pass the pack limit) and flushed
 *  (fdatasync), so it is on disk before the row naming it commits. Threads may put at once:
 *  each file gets its own range. Every put appends: the same bytes twice are two copies.
 *  @param[out] sm3  its SM3; @param[out] loc  where it is, "p/<name>.pack@<offset>"
 *                   (relative, for ss_license.file_loc)
 *  @return 0, SC_EINVAL, SC_ELIMIT, SC_EIO (err names the path and errno), SC_ECRYPTO */
int ss_store_lic_file_put(ss_store *st, const uint8_t *data, size_t len, uint8_t sm3[32],
                          char loc[SS_LIC_LOC_MAX + 1], sc_err *err);
/** The same; with nosync 1 the bytes are not flushed (a new pack's directory entries always
 *  are): call ss_store_lic_files_sync once for a group of files before committing the rows
 *  naming them. */
int ss_store_lic_file_put_opts(ss_store *st, const uint8_t *data, size_t len, int nosync,
                               uint8_t sm3[32], char loc[SS_LIC_LOC_MAX + 1], sc_err *err);
/** Flush every licence file written so far to disk (one fdatasync of the pack in use; older
 *  packs are flushed when they are closed, and this waits for such a flush still under way). A failed flush loses its pages for good (the
 *  kernel reports it once, to whoever flushes first, and marks them clean), so failures are
 *  counted: since is ss_store_lic_files_errors() taken before the caller's first put, and
 *  any failure after it, reported to anyone, fails this call too.
 *  @return 0, SC_EINVAL, SC_EIO */
int ss_store_lic_files_sync(ss_store *st, uint64_t since, sc_err *err);
/** Failed flushes of licence files so far (the baseline for ss_store_lic_files_sync). */
uint64_t ss_store_lic_files_errors(ss_store *st);
/** The size at which a pack is closed for a new one (default 1 GiB; 1 to 10^12 - 1, clamped,
 *  as a place's offset has at most 12 digits; a file larger than the limit gets a pack of its
 *  own). For tests, and for operators who back up or move
 *  smaller files. Takes effect at the next put. */
void ss_store_lic_pack_limit(ss_store *st, uint64_t bytes);
/** Read a licence file back and check it against the row: size and SM3.
 *  @param[out] data  new buffer (free()); NULL on failure
 *  @return 0, SC_ENOTFOUND (file missing), SS_ETAMPERED (size or SM3 differ), SC_EINVAL,
 *          SC_EIO, SC_ENOMEM */
int ss_store_lic_file_get(ss_store *st, const ss_license *l, uint8_t **data, size_t *len,
                          sc_err *err);

#endif
